/**
 * Counts what one volume run produced, per prompt, from n8n's stored run data and the emulator's
 * logs: results (a SUCCESS with its image as binary), errors, prompts lost or out twice, jobs
 * submitted twice for one prompt, and fetches per job.
 */
import type { LoggedRequest } from '../test/emulator/emulator';
import type { VolumeMethod } from './volumeWorkflows';

export interface Tally {
	results: number;
	errors: number;
	/** Errors that say the queue was exhausted (499 after the node's or the user's retries). */
	errors499: number;
	lost: number;
	duplicates: number;
	submittedTwice: number;
	/** 499 answers the emulator gave during the run. */
	refusals: number;
	jobs: number;
	fetchesPerJob: number;
	/** A few error messages, to read what users would see. */
	sampleErrors: string[];
}

interface Item {
	json: Record<string, any>;
	binary?: Record<string, unknown>;
	pairedItem?: number | { item: number; input?: number } | Array<{ item: number; input?: number }>;
}

interface Task {
	source?: Array<{ previousNode: string; previousNodeOutput?: number; previousNodeRun?: number } | null>;
	data?: { main?: Array<Item[] | null> };
}

type RunData = Record<string, Task[]>;

const firstPaired = (item: Item) => {
	const paired = Array.isArray(item.pairedItem) ? item.pairedItem[0] : item.pairedItem;
	return typeof paired === 'number' ? { item: paired, input: 0 } : paired;
};

/** The prompt an item stems from: its own, or its ancestor's along n8n's paired items. */
function promptOf(runData: RunData, nodeName: string, runIndex: number, item: Item, depth = 0): string | undefined {
	if (typeof item.json.prompts === 'string') return item.json.prompts;
	if (typeof item.json.data?.prompt === 'string') return item.json.data.prompt;
	const paired = firstPaired(item);
	const source = runData[nodeName]?.[runIndex]?.source?.[paired?.input ?? 0];
	if (!paired || !source || depth > 50) return undefined;
	const parentRun = source.previousNodeRun ?? 0;
	const parent = runData[source.previousNode]?.[parentRun]?.data?.main?.[source.previousNodeOutput ?? 0]?.[paired.item];
	return parent && promptOf(runData, source.previousNode, parentRun, parent, depth + 1);
}

/** Every item a node emitted on one output, over all its runs, with the prompt it stems from. */
function emitted(runData: RunData, nodeName: string, output: number) {
	return (runData[nodeName] ?? []).flatMap((task, runIndex) =>
		(task.data?.main?.[output] ?? []).map((item) => ({ item, prompt: promptOf(runData, nodeName, runIndex, item) })),
	);
}

const isQueueError = (message: string) => /queue|499/i.test(message);

export function tally(
	method: VolumeMethod,
	prompts: string[],
	runData: RunData,
	jobs: Array<{ jobId: string; prompt: string }>,
	fetches: LoggedRequest[],
	refusals: number,
): Tally {
	const outcomes = new Map<string, number>();
	const count = (prompt: string | undefined) => outcomes.set(prompt ?? '(unknown)', (outcomes.get(prompt ?? '(unknown)') ?? 0) + 1);
	let results = 0;
	const errors: string[] = [];
	const errorOf = (json: Record<string, any>) => String(json.error?.message ?? json.error ?? json.message ?? 'unknown error');
	if (method.startsWith('ours')) {
		for (const { item, prompt } of emitted(runData, 'TT API', 0)) {
			count(prompt);
			if (item.json.error) errors.push(errorOf(item.json));
			else if (item.json.status === 'SUCCESS' && item.binary) results++;
			else errors.push(`ended ${String(item.json.status)}${item.binary ? '' : ' without an image'}`);
		}
	} else {
		// A result is a downloaded image; a submit the template's HTTP Request could not make is an error.
		for (const { item, prompt } of emitted(runData, 'Download', 0)) {
			count(prompt);
			if (item.binary) results++;
			else errors.push('downloaded nothing');
		}
		for (const { item, prompt } of emitted(runData, 'Submit', 1)) {
			count(prompt);
			errors.push(errorOf(item.json));
		}
	}
	const jobsPerPrompt = new Map<string, number>();
	for (const job of jobs) jobsPerPrompt.set(job.prompt, (jobsPerPrompt.get(job.prompt) ?? 0) + 1);
	const ids = new Set(jobs.map((job) => job.jobId));
	const fetchCount = fetches.filter((request) => ids.has(request.query.jobId ?? request.query.job_id)).length;
	return {
		results,
		errors: errors.length,
		errors499: errors.filter(isQueueError).length,
		lost: prompts.filter((prompt) => !outcomes.has(prompt)).length,
		duplicates: [...outcomes.values()].reduce((sum, n) => sum + n - 1, 0),
		submittedTwice: [...jobsPerPrompt.values()].filter((n) => n > 1).length,
		refusals,
		jobs: jobs.length,
		fetchesPerJob: jobs.length ? fetchCount / jobs.length : 0,
		sampleErrors: [...new Set(errors)].slice(0, 3),
	};
}
