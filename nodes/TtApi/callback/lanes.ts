import type { IWebhookFunctions } from 'n8n-workflow';

import { isFinished } from '../jobs/job';
import { neverSubmittedError } from '../jobs/queueSchedule';
import { errorJson } from '../jobs/results';
import type { TtApiEnvelope } from '../transport/request';
import { learnTheRest, memoryOf, oneAtATime, type RunMemory } from './memory';
import type { CompletedRun } from './receive';
import type { CallbackJob, QueuedRun, RunEntry } from './state';
import { submitQueued } from './submitQueued';
import { hookUrlOf, POSITION_PARAM } from './token';

export interface QueuedCallback {
	executionId: string;
	entries: RunEntry[];
	queue: QueuedRun;
	body: TtApiEnvelope;
	jobId: string;
}

/**
 * A callback of a run with more items than N: the job's end frees its lane, so the next item of
 * the lane is submitted (once per position: a second copy of the same callback submits nothing),
 * then, one decision at a time, the run resumes if every item is settled.
 */
export async function receiveQueued(ctx: IWebhookFunctions, callback: QueuedCallback): Promise<CompletedRun | undefined> {
	const { executionId, entries, queue, body, jobId } = callback;
	const heads = new Map(entries.filter((entry) => entry.jobId).map((entry) => [entry.jobId!, entry]));
	const fetchPath = String(heads.values().next().value?.fetchPath);
	const position = positionOf(ctx, queue, heads, jobId);
	if (position === undefined || !isFinished(body.status)) return undefined;
	const memory = memoryOf(executionId);
	const known = memory.jobs.get(position);
	if (memory.resumed || (known !== undefined && known !== jobId)) return undefined;
	memory.jobs.set(position, jobId);
	memory.ended.set(jobId, body);
	if (!memory.handled.has(position)) {
		memory.handled.add(position);
		await submitNextOfLane(ctx, executionId, queue, memory, position + queue.lanes);
	}
	return await oneAtATime(memory, async () => {
		if (memory.resumed) return undefined;
		const jobs = settledPositions(queue, heads, memory, fetchPath);
		if (!jobs || !(await learnTheRest(ctx, jobs, memory))) return undefined;
		memory.resumed = true;
		return { finished: jobs.map((job) => ({ job, answer: memory.ended.get(job.jobId)! })), errors: [...memory.errors.values()] };
	});
}

/** A job submitted before the pause is known by its ID; a later one by the position in its hookUrl. */
function positionOf(ctx: IWebhookFunctions, queue: QueuedRun, heads: Map<string, RunEntry>, jobId: string): number | undefined {
	const head = heads.get(jobId);
	if (head) return queue.order.indexOf(head.itemIndex);
	const position = Number((ctx.getQueryData() as Record<string, unknown>)[POSITION_PARAM]);
	return Number.isInteger(position) && position >= queue.lanes && position < queue.order.length ? position : undefined;
}

/** Submits the item at `position`, or, if TT API refuses it, the next of the same lane. */
async function submitNextOfLane(ctx: IWebhookFunctions, executionId: string, queue: QueuedRun, memory: RunMemory, position: number): Promise<void> {
	for (let next = position; next < queue.order.length; next += queue.lanes) {
		const itemIndex = queue.order[next];
		const hookUrl = await hookUrlOf(ctx, queue.resumeUrl, executionId, next);
		const outcome = await submitQueued(ctx, queue, { ...queue.bodies[String(itemIndex)], hookUrl }, itemIndex);
		if ('jobId' in outcome) {
			memory.jobs.set(next, outcome.jobId);
			ctx.logger.info(`TT API: item ${itemIndex} submitted as job ${outcome.jobId} (execution ${executionId})`);
			return;
		}
		const error = 'error' in outcome ? outcome.error : neverSubmittedError(ctx, itemIndex, queue.timeoutMs, queue.lanes);
		const { error: message, errorDescription } = errorJson(error);
		memory.errors.set(next, { itemIndex, error: String(message), ...(errorDescription ? { errorDescription: String(errorDescription) } : {}) });
	}
}

/** Every position's job, once each has one or has failed to become one; undefined before. */
function settledPositions(queue: QueuedRun, heads: Map<string, RunEntry>, memory: RunMemory, fetchPath: string): CallbackJob[] | undefined {
	const headAt = new Map([...heads.values()].map((entry) => [entry.itemIndex, entry.jobId!]));
	const jobs: CallbackJob[] = [];
	for (const [position, itemIndex] of queue.order.entries()) {
		if (memory.errors.has(position)) continue;
		const jobId = position < queue.lanes ? headAt.get(itemIndex) : memory.jobs.get(position);
		if (!jobId) return undefined;
		jobs.push({ jobId, itemIndex, fetchPath });
	}
	return jobs;
}
