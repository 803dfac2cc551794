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
	/** Positions this process has submitted, or begun to, or given up on. */
	submitting: Set<number>;
	/** Jobs found ended by a fetch whose callback has not reached this process (yet), with when. */
	learnedByFetch: Map<string, number>;
	/** By position: when this process submitted the job there. */
	submittedAt: Map<number, number>;
	/** A callback of the run reached this process for a job another process submitted. */
	crossesProcesses: boolean;
	/** This process has warned that a job another process submitted after the pause called back here. */
	warnedCrossing: boolean;
	/** Callbacks of the run that reached this process for jobs it submitted. */
	ownCallbacks: number;
}
const runs = new Map<string, RunMemory>();
const REMEMBERED_RUNS_LIMIT = 1000;

/** What this process knows of one pause of the execution (CallbackRunState.pauseId). */
export function memoryOf(executionId: string, pauseId: string | undefined): RunMemory {
	const key = pauseId === undefined ? executionId : `${executionId}/${pauseId}`;
	let memory = runs.get(key);
	if (!memory) {
		if (runs.size >= REMEMBERED_RUNS_LIMIT) runs.delete(runs.keys().next().value!);
		memory = { ended: new Map(), resumed: false, decisions: Promise.resolve(), jobs: new Map(), previous: new Map(), errors: new Map(), handled: new Set(), submitting: new Set(), learnedByFetch: new Map(), submittedAt: new Map(), crossesProcesses: false, warnedCrossing: false, ownCallbacks: 0 };
		runs.set(key, memory);
	}
	return memory;
}

/** Runs `decide` after every earlier decision of the same run in this process has finished. */
export async function oneAtATime<T>(memory: RunMemory, decide: () => Promise<T>): Promise<T> {
	const turn = memory.decisions.then(decide, decide);
	memory.decisions = turn.catch(() => undefined);
	return await turn;
}

/** A callback this late after its job was seen ended by a fetch is not on its way here. */
const CALLBACK_MISSED_MS = 2000;

/** Notes a job's callback reaching this process. */
export function heardCallback(memory: RunMemory, jobId: string, body: TtApiEnvelope): void {
	memory.ended.set(jobId, body);
	memory.learnedByFetch.delete(jobId);
}

/** Whether this process has seen a job end without its callback: callbacks of this run go elsewhere, or get lost. */
function missesCallbacks(memory: RunMemory): boolean {
	const before = Date.now() - CALLBACK_MISSED_MS;
	for (const learnedAt of memory.learnedByFetch.values()) if (learnedAt <= before) return true;
	return false;
}

/**
 * Whether every job of the run has ended, fetching the ones this process has not heard of, in
 * submit order (`jobs`' order). The first that is still running (or cannot be read) ends the
 * search: its own callback is still to come and will ask again.
 *
 * Jobs submitted before the latest one this process has seen end (the one calling back, or a
 * later one) are fetched: they usually end first, so one this process has not heard of may have
 * called back elsewhere, or before n8n had stored the paused run (callback/earlyCallbacks.ts).
 * Later ones usually are still running, so they are fetched only when little of the run is left
 * (at most half of its jobs) or when this process has seen callbacks go missing. So a run whose
 * jobs end in submit order makes about one fetch per two jobs with one webhook process; with
 * several, or a lost callback, a job is fetched at most once per callback that finds it running,
 * plus once per process that never got its callback.
 */
export async function learnTheRest(ctx: IWebhookFunctions, jobs: CallbackJob[], memory: RunMemory): Promise<boolean> {
	for (;;) {
		// Callbacks that arrived during the last fetch are already in memory: never fetch those.
		const unknown = jobs.filter((job) => !memory.ended.has(job.jobId));
		if (unknown.length === 0) return true;
		const next = unknown[0];
		const later = jobs.indexOf(next) > latestEndedAt(jobs, memory);
		if (later && unknown.length > Math.ceil(jobs.length / 2) && !missesCallbacks(memory)) return false;
		try {
			const answer = await fetchJob(ctx, next);
			if (!isFinished(answer.status)) return false;
			memory.ended.set(next.jobId, answer);
			memory.learnedByFetch.set(next.jobId, Date.now());
		} catch (error) {
			// Its own callback, a later one, or the timeout will settle this job.
			ctx.logger.debug(`TT API job ${next.jobId} could not be fetched: ${(error as Error).message}`);
			return false;
		}
	}
}

function latestEndedAt(jobs: CallbackJob[], memory: RunMemory): number {
	for (let index = jobs.length - 1; index >= 0; index--) if (memory.ended.has(jobs[index].jobId)) return index;
	return -1;
}
