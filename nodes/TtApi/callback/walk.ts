import type { IDataObject, IWebhookFunctions } from 'n8n-workflow';

import { isFinished } from '../jobs/job';
import { fetchJob } from '../jobs/wait';
import type { RunMemory } from './memory';
import type { CallbackJob, QueuedRun, RunEntry } from './state';
import { laneParams } from './token';

/**
 * After a restart the process has forgotten the jobs its callbacks submitted. Each queued job's
 * hookUrl names its position and the job whose callback submitted it, and TT API echoes the
 * hookUrl in the job, so a lane is read backwards from its latest callback: one fetch per job the
 * process has not heard of, which the resume needs anyway. Stops at a job it cannot read or place.
 */
export async function walkLanesBack(ctx: IWebhookFunctions, queue: QueuedRun, heads: Set<string>, memory: RunMemory, fetchPath: string): Promise<void> {
	for (;;) {
		const unplaced = unplacedPrevious(queue, heads, memory);
		if (!unplaced) return;
		let answer = memory.ended.get(unplaced);
		try {
			answer ??= await fetchJob(ctx, { jobId: unplaced, fetchPath, itemIndex: 0 });
		} catch (error) {
			ctx.logger.debug(`TT API job ${unplaced} could not be fetched: ${(error as Error).message}`);
			return;
		}
		const { position, previous } = laneParams((answer.data as IDataObject | null | undefined)?.hookUrl as string | undefined);
		if (position === undefined || position < queue.lanes || position >= queue.order.length || memory.jobs.has(position)) return;
		memory.jobs.set(position, unplaced);
		if (previous) memory.previous.set(position, previous);
		if (isFinished(answer.status)) memory.ended.set(unplaced, answer);
	}
}

/** The job at a position of the submit order, as far as this process knows it: a head from the pause, a later one from memory. */
export function jobAtPosition(queue: QueuedRun, headAt: Map<number, string>, memory: RunMemory, position: number): string | undefined {
	return position < queue.lanes ? headAt.get(queue.order[position]) : memory.jobs.get(position);
}

/**
 * Every position's job, once each has one or has failed to become one; undefined before. A
 * position its lane went past (a job's previous job sits further back) was refused by TT API; if
 * this process did not see why, the item says so.
 */
export function settledPositions(queue: QueuedRun, headAt: Map<number, string>, memory: RunMemory, fetchPath: string): CallbackJob[] | undefined {
	// Runs at every callback, so it allocates nothing until every position is settled, unless a lane
	// went past one: the callbacks of a long run do not each copy the whole run.
	let positionOfJob: Map<string, number> | undefined;
	memory.previous.forEach((previous, position) => {
		if (jobAtPosition(queue, headAt, memory, position - queue.lanes) === previous) return;
		positionOfJob ??= positionsOfJobs(queue, headAt, memory);
		const from = positionOfJob.get(previous);
		if (from === undefined) return;
		for (let skipped = from + queue.lanes; skipped < position; skipped += queue.lanes) {
			if (!memory.errors.has(skipped) && !memory.jobs.has(skipped)) memory.errors.set(skipped, refusedElsewhere(queue.order[skipped]));
		}
	});
	for (let position = 0; position < queue.order.length; position++) {
		if (!memory.errors.has(position) && !jobAtPosition(queue, headAt, memory, position)) return undefined;
	}
	const jobs: CallbackJob[] = [];
	queue.order.forEach((itemIndex, position) => {
		const jobId = memory.errors.has(position) ? undefined : jobAtPosition(queue, headAt, memory, position);
		if (jobId) jobs.push({ jobId, itemIndex, fetchPath });
	});
	return jobs;
}

function positionsOfJobs(queue: QueuedRun, headAt: Map<number, string>, memory: RunMemory): Map<string, number> {
	const positionOfJob = new Map<string, number>();
	memory.jobs.forEach((jobId, position) => positionOfJob.set(jobId, position));
	for (let position = 0; position < queue.lanes && position < queue.order.length; position++) positionOfJob.set(headAt.get(queue.order[position])!, position);
	return positionOfJob;
}

/** A job that submitted one this process knows, at no position this process knows. */
function unplacedPrevious(queue: QueuedRun, heads: Set<string>, memory: RunMemory): string | undefined {
	let placed: Set<string> | undefined;
	let unplaced: string | undefined;
	memory.previous.forEach((previous, position) => {
		// Usually the job just before in the same lane: then nothing is allocated.
		if (unplaced !== undefined || heads.has(previous) || memory.jobs.get(position - queue.lanes) === previous) return;
		placed ??= new Set(memory.jobs.values());
		if (!placed.has(previous)) unplaced = previous;
	});
	return unplaced;
}

const refusedElsewhere = (itemIndex: number): RunEntry => ({
	itemIndex,
	error: 'This item did not become a job when it was submitted after the pause',
	errorDescription: "The n8n process that submitted it has restarted, or was another webhook process, so the reason is in that process's log. Check your TT API dashboard before running the item again.",
});
