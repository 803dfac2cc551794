import type { IExecuteFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { sleepUnlessCancelled } from '../helpers/sleep';
import { cancelSignal, isTransientFailure, ttApiRequest, type HttpContext, type TtApiEnvelope } from '../transport/request';
import { isFinished } from './job';

/** A submitted job the run is waiting for. */
export interface PendingJob {
	jobId: string;
	fetchPath: string;
	itemIndex: number;
	submittedAt: number;
	/** The model's end statuses, when they are not SUCCESS and FAILED. */
	endStatuses?: readonly string[];
}

export interface PollOptions {
	/** Upper bound of the interval between two fetches of one job. */
	maxIntervalMs: number;
	/** How long the whole run may wait, from the first submit: a deadline, not a hint. */
	timeoutMs: number;
	/** Fetches in flight at once, over all jobs. */
	concurrency: number;
	/** Called as each job ends, before the others have: progress for long runs. */
	onEnded?: (job: PendingJob, outcome: JobOutcome) => void;
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
function limiter(limit: number) {
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

/**
 * One waiting engine for every async model. Each job is checked on its own schedule, so a fetch
 * that hangs delays only its own job; at the deadline every job still open is reported at once,
 * whatever is still in flight, and the run's timers are cleared.
 */
export async function pollJobs(ctx: IExecuteFunctions, jobs: PendingJob[], options: PollOptions): Promise<Map<string, JobOutcome>> {
	const outcomes = new Map<string, JobOutcome>();
	const lastProblems = new Map<string, string>();
	const cancelled = cancelSignal(ctx);
	const over = new AbortController();
	const signal = cancelled ? AbortSignal.any([cancelled, over.signal]) : over.signal;
	const fetchSlot = limiter(options.concurrency);
	const startedAt = Math.min(...jobs.map((job) => job.submittedAt), Date.now());
	const deadline = startedAt + options.timeoutMs;

	const watch = async (job: PendingJob): Promise<void> => {
		let dueAt = job.submittedAt + nextPollDelayMs(0, options.maxIntervalMs);
		while (!outcomes.has(job.jobId)) {
			await sleepUnlessCancelled(Math.max(0, dueAt - Date.now()), signal);
			lastProblems.set(job.jobId, 'did not answer');
			try {
				const answer = await fetchSlot(async () => await fetchJob(ctx, job));
				lastProblems.delete(job.jobId);
				if (isFinished(answer.status, job.endStatuses)) {
					outcomes.set(job.jobId, { job: answer });
					options.onEnded?.(job, { job: answer });
				}
			} catch (error) {
				if (signal.aborted) return;
				// A read that failed after its retries is tried again at the next check, until the deadline.
				if (isTransientFailure(error)) lastProblems.set(job.jobId, `failed: ${(error as Error).message}`);
				else {
					outcomes.set(job.jobId, { error: error as Error });
					options.onEnded?.(job, { error: error as Error });
				}
			}
			dueAt = Date.now() + nextPollDelayMs(Date.now() - job.submittedAt, options.maxIntervalMs);
		}
	};

	const everyJobEnded = Promise.all(jobs.map(async (job) => await watch(job).catch(() => undefined)));
	const deadlineReached = sleepUnlessCancelled(Math.max(0, deadline - Date.now()), signal).catch(() => undefined);
	try {
		await Promise.race([everyJobEnded, deadlineReached]);
	} finally {
		over.abort();
	}
	if (cancelled?.aborted) throw new NodeOperationError(ctx.getNode(), 'The execution was cancelled');
	for (const job of jobs) {
		if (!outcomes.has(job.jobId)) outcomes.set(job.jobId, { error: timeoutError(ctx, job, options.timeoutMs, lastProblems.get(job.jobId)) });
	}
	return outcomes;
}
