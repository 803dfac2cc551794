import type { IWebhookFunctions } from 'n8n-workflow';

import { isFinished } from '../jobs/job';
import { logCallbackProgress } from '../jobs/progress';
import { neverSubmittedError } from '../jobs/queueSchedule';
import { errorJson } from '../jobs/results';
import type { TtApiEnvelope } from '../transport/request';
import { heardCallback, learnTheRest, memoryOf, oneAtATime, type RunMemory } from './memory';
import type { CompletedRun } from './receive';
import type { QueuedRun, RunEntry } from './state';
import { submitQueued } from './submitQueued';
import { hookUrlOf, laneParams } from './token';
import { settledPositions, walkLanesBack } from './walk';

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
	const headAt = new Map([...heads].map(([headJobId, entry]) => [entry.itemIndex, headJobId]));
	const fetchPath = String(heads.values().next().value?.fetchPath);
	const lane = laneParams(ctx.getQueryData() as Record<string, unknown>);
	const head = heads.get(jobId);
	const position = head ? queue.order.indexOf(head.itemIndex) : lane.position;
	if (position === undefined || position < 0 || position >= queue.order.length || (!head && position < queue.lanes)) return undefined;
	if (!isFinished(body.status)) return undefined;
	const memory = memoryOf(executionId);
	const known = memory.jobs.get(position);
	if (memory.resumed || (known !== undefined && known !== jobId)) return undefined;
	memory.jobs.set(position, jobId);
	if (!head && lane.previous) memory.previous.set(position, lane.previous);
	heardCallback(memory, jobId, body);
	if (!memory.handled.has(position)) {
		memory.handled.add(position);
		await submitNextOfLane(ctx, { executionId, queue, memory }, position + queue.lanes, jobId);
	}
	return await oneAtATime(memory, async () => {
		if (memory.resumed) return undefined;
		await walkLanesBack(ctx, queue, new Set(heads.keys()), memory, fetchPath);
		const jobs = settledPositions(queue, headAt, memory, fetchPath);
		const allEnded = !!jobs && (await learnTheRest(ctx, jobs, memory, jobId));
		logCallbackProgress(ctx, executionId, memory.ended.size + memory.errors.size, queue.order.length);
		if (!jobs || !allEnded) return undefined;
		memory.resumed = true;
		return { finished: jobs.map((job) => ({ job, answer: memory.ended.get(job.jobId)! })), errors: [...memory.errors.values()] };
	});
}

/** Submits the item at `position`, or, if TT API refuses it, the next of the same lane. */
async function submitNextOfLane(
	ctx: IWebhookFunctions,
	{ executionId, queue, memory }: { executionId: string; queue: QueuedRun; memory: RunMemory },
	position: number,
	previous: string,
): Promise<void> {
	for (let next = position; next < queue.order.length; next += queue.lanes) {
		const itemIndex = queue.order[next];
		const hookUrl = await hookUrlOf(ctx, queue.resumeUrl, executionId, { position: next, previous });
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
