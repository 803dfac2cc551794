import type { IExecuteFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { mapConcurrent } from '../helpers/concurrency';
import { sleepUnlessCancelled } from '../helpers/sleep';
import { cancelSignal, isTransientFailure, ttApiRequest, type HttpContext, type TtApiEnvelope } from '../transport/request';
import { isFinished } from './job';

/** A submitted job the run is waiting for. */
export interface PendingJob {
	jobId: string;
	fetchPath: string;
	itemIndex: number;
	submittedAt: number;
}

export interface PollOptions {
	/** Upper bound of the interval between two fetches of one job. */
	maxIntervalMs: number;
	/** How long the whole run may wait, from the first submit. */
	timeoutMs: number;
	concurrency: number;
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

function timeoutError(ctx: HttpContext, job: PendingJob, timeoutMs: number, lastFailure?: Error) {
	const failed = lastFailure ? ` The last check failed: ${lastFailure.message}.` : '';
	return new NodeOperationError(ctx.getNode(), `TT API job ${job.jobId} did not finish within ${Math.round(timeoutMs / 1000)} s`, {
		itemIndex: job.itemIndex,
		description: `The job may still finish: fetch it later with the Get operation and job ID ${job.jobId}, or raise the Timeout option.${failed}`,
	});
}

export async function fetchJob(
	ctx: HttpContext,
	job: Pick<PendingJob, 'jobId' | 'fetchPath' | 'itemIndex'>,
): Promise<TtApiEnvelope> {
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

/**
 * One waiting engine for every async model: polls all jobs of the run together, stops fetching a
 * job once it has ended, and returns each job's final state or the error that ended its wait.
 */
export async function pollJobs(
	ctx: IExecuteFunctions,
	jobs: PendingJob[],
	options: PollOptions,
): Promise<Map<string, JobOutcome>> {
	const outcomes = new Map<string, JobOutcome>();
	const lastFailures = new Map<string, Error>();
	const signal = cancelSignal(ctx);
	const startedAt = Math.min(...jobs.map((job) => job.submittedAt), Date.now());
	const deadline = startedAt + options.timeoutMs;
	const dueAt = new Map(
		jobs.map((job) => [job.jobId, job.submittedAt + nextPollDelayMs(0, options.maxIntervalMs)]),
	);

	let pending = jobs;
	while (pending.length > 0) {
		const earliest = Math.min(...pending.map((job) => dueAt.get(job.jobId)!));
		const wake = Math.min(earliest, deadline);
		if (wake > Date.now()) await sleepUnlessCancelled(wake - Date.now(), signal);

		const now = Date.now();
		const due = pending.filter((job) => dueAt.get(job.jobId)! <= now);
		await mapConcurrent(due, options.concurrency, async (job) => {
			try {
				const answer = await fetchJob(ctx, job);
				if (isFinished(answer.status)) outcomes.set(job.jobId, { job: answer });
			} catch (error) {
				if (signal?.aborted) throw new NodeOperationError(ctx.getNode(), error as Error);
				// A read that failed after its retries is tried again at the next poll, until the timeout.
				if (isTransientFailure(error)) lastFailures.set(job.jobId, error as Error);
				else outcomes.set(job.jobId, { error: error as Error });
			}
			dueAt.set(job.jobId, Date.now() + nextPollDelayMs(Date.now() - job.submittedAt, options.maxIntervalMs));
		});
		pending = pending.filter((job) => !outcomes.has(job.jobId));

		if (pending.length > 0 && Date.now() >= deadline) {
			for (const job of pending) {
				outcomes.set(job.jobId, { error: timeoutError(ctx, job, options.timeoutMs, lastFailures.get(job.jobId)) });
			}
			pending = [];
		}
	}
	return outcomes;
}
