/**
 * `npm run bench`, Midjourney section (BENCH_ONLY=midjourney): Midjourney imagines in callback mode
 * in a real n8n 2.x, beside the same runs of GPT image jobs, in turns, in one n8n on the emulator: a
 * single job (as the README's latency row), a batch of 20 whose jobs end one by one over 5 s (as a
 * real batch's jobs do), and a batch of 20 ending at once (20 callbacks together, the worst case).
 * Added latency: from the moment the run's last job ends at the emulator to the end of the node task
 * that emits it (n8n's own timing), as in the README's row. Fetches per job: fetches of its jobs.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { startEmulator, type TtApiEmulator } from '../test/emulator/emulator';
import type { LoggedRequest } from '../test/emulator/types';
import { N8nInstance, packPackage } from '../test/e2e/n8n';
import { freePortBlock } from '../test/e2e/ports';
import { oursWorkflow } from './workflows';

const BATCH = Number(process.env.BENCH_BATCH ?? 20);
const JOB_MS = Number(process.env.BENCH_MJ_JOB_MS ?? 10_000);
const REPEATS = Number(process.env.BENCH_MJ_REPEATS ?? 5);
/** In the spread batch, job n ends n × this after the first. */
const SPREAD_MS = 250;
const KEY = 'bench-mj-key';
const NODE = 'TT API';

type Model = 'GPT image' | 'Midjourney imagine';
/** A single job, as the README's latency row; a batch whose jobs end one by one; a batch ending at once. */
type Ends = 'single job' | 'one by one' | 'all at once';
const ENDS: Ends[] = ['single job', 'one by one', 'all at once'];
const countOf = (ends: Ends) => (ends === 'single job' ? 1 : BATCH);
const MODELS: Model[] = ['GPT image', 'Midjourney imagine'];

interface BatchMeasure {
	/** From the last job's end at the emulator to the end of the node task that emitted it. */
	lastJobLatencyMs: number;
	/** From the last job's end to the emulator sending its callback: the emulator's own lag, in the latency. */
	callbackLagMs: number;
	fetchesPerJob: number;
	/** From the first submit to the last emission, over one job's duration. */
	wallRatio: number;
}

export interface ModelFigures {
	latencyMedianMs: number;
	latencyP95Ms: number;
	callbackLagMedianMs: number;
	fetchesPerJob: number;
	batchWallRatio: number;
	batches: BatchMeasure[];
}

export interface MidjourneyFigures {
	n8n: string;
	batch: number;
	jobMs: number;
	repeats: number;
	rows: Record<Ends, Record<Model, ModelFigures>>;
}

const FETCH_PATH: Record<Model, string> = { 'GPT image': '/openai/gpt/fetch', 'Midjourney imagine': '/midjourney/v1/fetch' };

const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.ceil((p / 100) * values.length) - 1)];

/** The bench's GPT image callback workflow with its node turned into Midjourney Imagine. */
function midjourneyWorkflow(id: string, count: number, prompts: string[]) {
	const flow = oursWorkflow(id, count, 'callback', false, { prompts });
	const node = flow.nodes.find((candidate) => (candidate as { name: string }).name === NODE) as { parameters: object };
	node.parameters = { resource: 'midjourney', operation: 'imagine', prompt: '={{ $json.prompts }}', mode: 'fast', waitMode: 'callback', options: { download: false, concurrency: 20 } };
	return { ...flow, name: `bench: Midjourney imagine callback x${count}` };
}

const jobIdOf = (request: LoggedRequest) => request.query.jobId ?? (request.body as { jobId?: string } | undefined)?.jobId;

export async function midjourneySection(log: (line: string) => void): Promise<MidjourneyFigures> {
	const work = mkdtempSync(path.join(tmpdir(), 'ttapi-bench-mj-'));
	const emulator: TtApiEmulator = await startEmulator({ validKeys: [KEY], queueMs: 1000, runMs: JOB_MS - 1000 });
	const n8n = new N8nInstance({ line: '2.x', userFolder: path.join(work, 'user'), port: await freePortBlock(), logFile: path.join(work, 'n8n.log') });
	try {
		n8n.installPackage(packPackage(path.join(work, 'pack')));
		await n8n.importDemo({ apiKey: KEY, baseUrl: emulator.url, triggerSecret: 'bench' });
		const promptsOf = (ends: Ends) =>
			Array.from({ length: countOf(ends) }, (_, n) => `bench image ${n + 1} [ends in ${(JOB_MS + (ends === 'one by one' ? n * SPREAD_MS : 0)) / 1000} s]`);
		const flows: Record<Ends, Record<Model, { id: string }>> = {
			'single job': {
				'GPT image': oursWorkflow('BenchMjGptSingle', 1, 'callback', false, { prompts: promptsOf('single job') }),
				'Midjourney imagine': midjourneyWorkflow('BenchMjMjSinglex', 1, promptsOf('single job')),
			},
			'one by one': {
				'GPT image': oursWorkflow('BenchMjGptSpread', BATCH, 'callback', false, { prompts: promptsOf('one by one') }),
				'Midjourney imagine': midjourneyWorkflow('BenchMjMjSpreadx', BATCH, promptsOf('one by one')),
			},
			'all at once': {
				'GPT image': oursWorkflow('BenchMjGptAtOnce', BATCH, 'callback', false, { prompts: promptsOf('all at once') }),
				'Midjourney imagine': midjourneyWorkflow('BenchMjMjAtOncex', BATCH, promptsOf('all at once')),
			},
		};
		await n8n.importWorkflows(ENDS.flatMap((ends) => MODELS.map((model) => flows[ends][model])));
		await n8n.start({ timeoutMs: 180_000 });
		await n8n.login();

		const measure = async (ends: Ends, model: Model): Promise<BatchMeasure> => {
			const since = Date.now();
			const { id } = flows[ends][model];
			const started = await n8n.execute(id, { timeoutMs: 10 * 60_000 });
			const [latest] = await n8n.executions(id);
			const { status, data } = started.status === 'waiting' ? await n8n.finishedRun(latest.id, 10 * 60_000) : started;
			if (status !== 'success') throw new Error(`${model}: the batch ended ${status}: ${data.resultData.error?.message}`);
			const emitted = new Map<string, number>();
			for (const task of data.resultData.runData[NODE] ?? []) {
				for (const item of task.data?.main?.[0] ?? []) if (item.json?.status === 'SUCCESS') emitted.set(item.json.jobId, task.startTime + task.executionTime);
			}
			const jobs = emulator.jobTimes().filter((job) => job.submittedAt >= since);
			if (jobs.length !== countOf(ends) || jobs.some((job) => !emitted.has(job.jobId))) throw new Error(`${model}: ${emitted.size} of ${jobs.length} jobs emitted`);
			const ids = new Set(jobs.map((job) => job.jobId));
			const fetches = emulator.requestsTo(FETCH_PATH[model]).filter((request) => ids.has(jobIdOf(request) ?? '')).length;
			const lastEnd = Math.max(...jobs.map((job) => job.endsAt));
			const lastEmission = Math.max(...emitted.values());
			const lastCallback = Math.max(...emulator.callbacks.filter((callback) => ids.has(callback.jobId)).map((callback) => callback.at));
			return { lastJobLatencyMs: lastEmission - lastEnd, callbackLagMs: lastCallback - lastEnd, fetchesPerJob: fetches / jobs.length, wallRatio: (lastEmission - Math.min(...jobs.map((job) => job.submittedAt))) / JOB_MS };
		};

		const batches: Record<Ends, Record<Model, BatchMeasure[]>> = {
			'single job': { 'GPT image': [], 'Midjourney imagine': [] },
			'one by one': { 'GPT image': [], 'Midjourney imagine': [] },
			'all at once': { 'GPT image': [], 'Midjourney imagine': [] },
		};
		// In turns, so a slower moment of the machine falls on every kind of batch alike.
		for (let repeat = 1; repeat <= REPEATS; repeat++) {
			for (const ends of ENDS) {
				for (const model of MODELS) {
					log(`midjourney: ${model} in callback mode, ${ends === 'single job' ? ends : `batch of ${BATCH}, jobs ending ${ends}`}, ${repeat}/${REPEATS}`);
					batches[ends][model].push(await measure(ends, model));
				}
			}
		}
		const rowOf = (list: BatchMeasure[]): ModelFigures => ({
			latencyMedianMs: percentile(list.map((batch) => batch.lastJobLatencyMs), 50),
			latencyP95Ms: percentile(list.map((batch) => batch.lastJobLatencyMs), 95),
			callbackLagMedianMs: percentile(list.map((batch) => batch.callbackLagMs), 50),
			fetchesPerJob: list.reduce((sum, batch) => sum + batch.fetchesPerJob, 0) / list.length,
			batchWallRatio: percentile(list.map((batch) => batch.wallRatio), 50),
			batches: list,
		});
		const figures: MidjourneyFigures = { n8n: n8n.install.version, batch: BATCH, jobMs: JOB_MS, repeats: REPEATS, rows: Object.fromEntries(ENDS.map((ends) => [ends, { 'GPT image': rowOf(batches[ends]['GPT image']), 'Midjourney imagine': rowOf(batches[ends]['Midjourney imagine']) }])) as MidjourneyFigures['rows'] };
		for (const line of midjourneyTable(figures)) console.log(line);
		return figures;
	} finally {
		await n8n.stop();
		await emulator.stop();
		rmSync(work, { recursive: true, force: true });
	}
}

const KIND_LABEL: Record<Ends, string> = {
	'single job': 'single job',
	'one by one': `batch of ${BATCH}, jobs ending one by one (${SPREAD_MS} ms apart)`,
	'all at once': `batch of ${BATCH}, jobs ending all at once`,
};

/** The section's table, with the GPT image callback row of the last full run (bench/results.json) beside it. */
function midjourneyTable(figures: MidjourneyFigures): string[] {
	let saved: Record<string, number> | undefined;
	try {
		saved = (JSON.parse(readFileSync(path.join(__dirname, 'results.json'), 'utf8')) as Record<string, Record<string, number>>)['ours callback'];
	} catch {
		saved = undefined;
	}
	const ms = (value: number) => `${value.toFixed(0)} ms`;
	const row = (name: string, data: ModelFigures) =>
		`| ${name} | ${ms(data.latencyMedianMs)} | ${ms(data.latencyP95Ms)} | ${ms(data.callbackLagMedianMs)} | ${data.fetchesPerJob.toFixed(2)} | ${data.batchWallRatio.toFixed(2)}× |`;
	return [
		`\nMidjourney in callback mode — n8n ${figures.n8n}; ${figures.repeats} runs of each kind, jobs of ${figures.jobMs / 1000} s, in turns\n`,
		`| callback mode | added latency after the last job ends, median | p95 | of which the emulator's callback lag | fetches per job | wall / one job |`,
		'|---|---|---|---|---|---|',
		...ENDS.flatMap((ends) => MODELS.map((model) => row(`${model}, ${KIND_LABEL[ends]}`, figures.rows[ends][model]))),
		...(saved ? [`| GPT image, README row (single jobs; fetches and wall of its batch of 20) | ${ms(saved.latencyMedianMs)} | ${ms(saved.latencyP95Ms)} | — | ${saved.fetchesPerJobBatch.toFixed(2)} | ${saved.batchWallRatio.toFixed(2)}× |`] : []),
	];
}
