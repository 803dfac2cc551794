import type { IExecuteFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { sleepUnlessCancelled } from '../helpers/sleep';
import { isTransientFailure, ttApiRequest, type HttpContext, type TtApiEnvelope } from '../transport/request';
import { isFinished } from './job';

/** A submitted job the run is waiting for. */
interface PendingJob {
	jobId: string;
	fetchPath: string;
	itemIndex: number;
	submittedAt: number;
	/** The model's end statuses, when they are not SUCCESS and FAILED. */
	endStatuses?: readonly string[];
}

export type JobOutcome = { job: TtApiEnvelope } | { error: Error };

const MIN_INTERVAL_MS = 2_000;
const AGE_FRACTION = 0.08;

/**
 * Young jobs are fetched every 2 s, older ones at 8% of their age, so the delay between a
 * job ending and the node seeing it stays under 10% of the job's duration without fetching a
 * 2-minute job 60 times.
 */
export function nextPollDelayMs(ageMs: number, maxIntervalMs: number): number {
	return Math.min(maxIntervalMs, Math.max(MIN_INTERVAL_MS, ageMs * AGE_FRACTION));
}

export async function fetchJob(ctx: HttpContext, job: Pick<PendingJob, 'jobId' | 'fetchPath' | 'itemIndex'>): Promise<TtApiEnvelope> {
	return await ttApiRequest(ctx, {
		method: 'GET',
		path: job.fetchPath,
		qs: { jobId: job.jobId },
		kind: 'read',
		itemIndex: job.itemIndex,
		jobId: job.jobId,
		action: 'fetch the job',
	});
}

function timeoutError(ctx: HttpContext, job: PendingJob, timeoutMs: number, lastProblem?: string) {
	const last = lastProblem ? ` The last check ${lastProblem}.` : '';
	return new NodeOperationError(ctx.getNode(), `TT API job ${job.jobId} did not finish within ${Math.round(timeoutMs / 1000)} s`, {
		itemIndex: job.itemIndex,
		description: `The job may still finish: fetch it later with the Get operation and job ID ${job.jobId}, or raise the Wait Timeout option.${last}`,
	});
}

/** At most `limit` calls of `work` at once; the others queue in order. */
export function limiter(limit: number) {
	let running = 0;
	const queue: Array<() => void> = [];
	return async <T>(work: () => Promise<T>): Promise<T> => {
		if (running >= limit) await new Promise<void>((resolve) => queue.push(resolve));
		running++;
		try {
			return await work();
		} finally {
			running--;
			queue.shift()?.();
		}
	};
}

/** `work`, or a rejection as soon as `signal` fires: a hanging call does not hold up the deadline. */
async function unlessAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
	work.catch(() => undefined);
	let onAbort = () => {};
	const aborted = new Promise<never>((_resolve, reject) => {
		onAbort = () => reject(new Error('aborted'));
		if (signal.aborted) onAbort();
		else signal.addEventListener('abort', onAbort, { once: true });
	});
	try {
		return await Promise.race([work, aborted]);
	} finally {
		signal.removeEventListener('abort', onAbort);
	}
}

interface Watch {
	ctx: IExecuteFunctions;
	/** Fires at the run's deadline or when the execution is cancelled. */
	signal: AbortSignal;
	timeoutMs: number;
	/** Fetches in flight at once, over all jobs of the run. */
	fetchSlot: ReturnType<typeof limiter>;
	/** When to check next, from the job's age and the age it was last seen running (0: never). */
	delayMs: (ageMs: number, lastRunningAgeMs: number) => number;
	/** Called with the ages between which the job ended: last seen running, first seen ended. */
	ended?: (lastRunningAgeMs: number, endedAgeMs: number) => void;
}

/**
 * Checks one job on its own schedule until it ends. A read that failed after its retries is tried
 * again at the next check; when the signal fires the job ends in a timeout error naming it.
 */
export async function watchJob(job: PendingJob, watch: Watch): Promise<JobOutcome> {
	const { ctx, signal } = watch;
	let lastProblem: string | undefined;
	let lastRunningAge = 0;
	let dueAt = job.submittedAt + watch.delayMs(0, 0);
	while (!signal.aborted) {
		try {
			await sleepUnlessCancelled(Math.max(0, dueAt - Date.now()), signal);
		} catch {
			break;
		}
		lastProblem = 'did not answer';
		try {
			const answer = await unlessAborted(watch.fetchSlot(async () => await fetchJob(ctx, job)), signal);
			lastProblem = undefined;
			const age = Date.now() - job.submittedAt;
			if (isFinished(answer.status, job.endStatuses)) {
				watch.ended?.(lastRunningAge, age);
				return { job: answer };
			}
			lastRunningAge = age;
		} catch (error) {
			if (signal.aborted) break;
			if (!isTransientFailure(error)) return { error: error as Error };
			lastProblem = `failed: ${(error as Error).message}`;
		}
		const age = Date.now() - job.submittedAt;
		dueAt = Date.now() + watch.delayMs(age, lastRunningAge);
	}
	return { error: timeoutError(ctx, job, watch.timeoutMs, lastProblem) };
}
