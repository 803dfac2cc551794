import type { IWebhookFunctions } from 'n8n-workflow';

import { isFinished } from '../jobs/job';
import { fetchJob } from '../jobs/wait';
import type { TtApiEnvelope } from '../transport/request';
import type { CallbackJob, RunEntry } from './state';

/**
 * What this n8n process knows of each paused run: the jobs it has seen end (by callback or
 * fetch), whether it has resumed the run, and the tail of the queue that lets one callback of
 * the run decide at a time. For a queued run also: the job at each position of the submit order
 * it has seen or submitted, the items it could not submit, and the positions whose next item it
 * has sent. After a restart, or on another webhook process, the memory is empty and the missing
 * jobs are fetched instead: slower, never wrong.
 */
export interface RunMemory {
	ended: Map<string, TtApiEnvelope>;
	resumed: boolean;
	decisions: Promise<unknown>;
	jobs: Map<number, string>;
	/** By position: the job whose callback submitted the job there (from its hookUrl). */
	previous: Map<number, string>;
	errors: Map<number, RunEntry>;
	handled: Set<number>;
}
const runs = new Map<string, RunMemory>();
const REMEMBERED_RUNS_LIMIT = 1000;

export function memoryOf(executionId: string): RunMemory {
	let memory = runs.get(executionId);
	if (!memory) {
		if (runs.size >= REMEMBERED_RUNS_LIMIT) runs.delete(runs.keys().next().value!);
		memory = { ended: new Map(), resumed: false, decisions: Promise.resolve(), jobs: new Map(), previous: new Map(), errors: new Map(), handled: new Set() };
		runs.set(executionId, memory);
	}
	return memory;
}

/** Runs `decide` after every earlier decision of the same run in this process has finished. */
export async function oneAtATime<T>(memory: RunMemory, decide: () => Promise<T>): Promise<T> {
	const turn = memory.decisions.then(decide, decide);
	memory.decisions = turn.catch(() => undefined);
	return await turn;
}

/**
 * Whether every job of the run has ended, fetching the ones this process has not heard of, one
 * by one. The first that is still running (or cannot be read) ends the search: its own callback
 * is still to come and will ask again. So a job is fetched at most once per callback that finds
 * it running, plus once per process that never got its callback: about one fetch per job with
 * one webhook process, at most two with several.
 */
export async function learnTheRest(ctx: IWebhookFunctions, jobs: CallbackJob[], memory: RunMemory): Promise<boolean> {
	for (;;) {
		// Callbacks that arrived during the last fetch are already in memory: never fetch those.
		const unknown = jobs.find((job) => !memory.ended.has(job.jobId));
		if (!unknown) return true;
		try {
			const answer = await fetchJob(ctx, unknown);
			if (!isFinished(answer.status)) return false;
			memory.ended.set(unknown.jobId, answer);
		} catch (error) {
			// Its own callback, a later one, or the timeout will settle this job.
			ctx.logger.debug(`TT API job ${unknown.jobId} could not be fetched: ${(error as Error).message}`);
			return false;
		}
	}
}
