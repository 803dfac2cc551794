import { randomUUID } from 'crypto';
import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { jobToJson } from '../jobs/job';
import { jobsInFlightLimit } from '../jobs/limit';
import type { AcceptedItem, AsyncModel } from '../jobs/model';
import type { RunProgress } from '../jobs/progress';
import { neverSubmittedError } from '../jobs/queueSchedule';
import { reusedInThisTry } from '../jobs/remembered';
import { collectResults, errorJson, nameWhatWasPaidFor, type ItemResult } from '../jobs/results';
import type { RunSettings } from '../jobs/settings';
import { askToCheckOnceStored } from './earlyCallbacks';
import { submitHeads } from './heads';
import { CONTEXT_KEY, storedRunState, type CallbackRunState, type QueuedRun, type RunEntry } from './state';
import { hookUrlOf, resumeUrlOf, runToken } from './token';

/**
 * The webhook sends queued items as JSON: a model that builds a multipart body in the node, or a
 * body carrying bytes, is submitted all at once (TT API's 499s then meet the submit's own retries).
 */
const queueable = (model: AsyncModel, accepted: AcceptedItem[]) => !model.formBody && !accepted.some(({ body }) => hasBytes(body));

function hasBytes(value: unknown): boolean {
	if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return true;
	if (Array.isArray(value)) return value.some(hasBytes);
	return typeof value === 'object' && value !== null && Object.values(value).some(hasBytes);
}

const entryJson = (entry: RunEntry): IDataObject => errorJson({ message: entry.error ?? 'unknown error', description: entry.errorDescription });

/**
 * Callback mode: submit the first N jobs (jobs/limit.ts) with this execution's resume URL as
 * hookUrl, then pause the execution the way n8n's Wait node does. Each job's callback submits the
 * next queued item (callback/lanes.ts); the node's webhook() resumes the execution when the last
 * job has called back; if the timeout comes first, every item says what became of it. Every input
 * item has an entry (refused ones too), so each comes out once in every phase.
 */
export async function pauseForCallbacks(
	ctx: IExecuteFunctions,
	model: AsyncModel,
	settings: RunSettings,
	accepted: AcceptedItem[],
	results: ItemResult[],
	progress?: RunProgress,
): Promise<INodeExecutionData[]> {
	const limit = queueable(model, accepted) ? await jobsInFlightLimit(ctx, settings, accepted.length) : accepted.length;
	const resumeUrl = resumeUrlOf(ctx);
	const hookUrl = hookUrlOf(resumeUrl, await runToken(ctx, ctx.getExecutionId()));
	const { jobIds, waiting } = await submitHeads(ctx, { model, settings, hookUrl, progress }, accepted, limit, results);
	progress?.finish(reusedInThisTry(ctx), jobIds.size > 0);
	if (jobIds.size === 0) {
		for (const { itemIndex } of waiting) results[itemIndex] = { error: neverSubmittedError(ctx, itemIndex, settings.timeoutMs, limit) };
		return collectResults(ctx, results);
	}
	if (!ctx.continueOnFail()) {
		// The first failure stops the node; it names the jobs already submitted, which may be charged.
		nameWhatWasPaidFor(results, new Map([...jobIds.values()].map((jobId) => [jobId, 'submitted'])));
		collectResults(ctx, results);
	}
	const queued = new Set(waiting.map(({ itemIndex }) => itemIndex));
	const entries: RunEntry[] = Array.from(results, (result, itemIndex) => {
		const jobId = jobIds.get(itemIndex);
		if (jobId) return { itemIndex, jobId, fetchPath: model.fetchPath };
		if (queued.has(itemIndex)) return { itemIndex, queued: true };
		const { error, errorDescription } = errorJson((result as { error: Error }).error);
		return { itemIndex, error: String(error), ...(errorDescription ? { errorDescription: String(errorDescription) } : {}) };
	});

	const deadline = Date.now() + settings.timeoutMs;
	// A queued item's place is in queue.order: its entry would say nothing more.
	const state: CallbackRunState = { pauseId: randomUUID(), entries: entries.filter((entry) => !entry.queued) };
	if (waiting.length > 0) {
		state.queue = {
			submitPath: model.submitPath,
			order: [...jobIds.keys(), ...waiting.map(({ itemIndex }) => itemIndex)],
			lanes: jobIds.size,
			...compactBodies(waiting),
			resumeUrl,
			deadline,
			timeoutMs: settings.timeoutMs,
		};
	}
	ctx.getContext('node')[CONTEXT_KEY] = storedRunState(state);
	// n8n stores the paused run, and loads and parses all of it for every callback, object by object
	// (about 4 MB of allocations for 1,000 items): an object used twice is stored once, so the queued
	// items share one json, and each item's pairedItem is one object for the pause and the timeout.
	const pairedItems = entries.map((entry) => ({ item: entry.itemIndex }));
	// When the wait runs out, n8n resumes without running the node again and passes its input on;
	// so the input becomes what the timeout means for each item. A callback resume replaces it.
	const timedOutQueued = timedOutQueuedJson(settings.timeoutMs);
	ctx.getExecuteData().data = {
		main: [entries.map((entry, index) => ({ json: entry.queued ? timedOutQueued : timedOutJson(entry, settings.timeoutMs), pairedItem: pairedItems[index] }))],
	};
	await ctx.putExecutionToWait(new Date(deadline));
	askToCheckOnceStored(ctx, hookUrl);
	const queuedJson = jobToJson({ status: 'QUEUED', message: null, jobId: '', data: {} });
	return entries.map((entry, index) => ({
		json: entry.queued ? queuedJson : entry.jobId ? jobToJson({ status: 'PENDING_QUEUE', message: null, jobId: entry.jobId, data: {} }) : entryJson(entry),
		pairedItem: pairedItems[index],
	}));
}

/**
 * The queued items' submit bodies as the paused run keeps them: what all share once, and per item
 * only the rest (its prompt, mostly), which webhook/lanes.ts puts together again (queuedBody).
 */
function compactBodies(waiting: AcceptedItem[]): Pick<QueuedRun, 'sharedBody' | 'bodies'> {
	const [first, ...others] = waiting.map(({ body }) => body);
	const sharedBody = Object.fromEntries(
		Object.entries(first).filter(([key, value]) => {
			const text = JSON.stringify(value);
			return others.every((body) => key in body && JSON.stringify(body[key]) === text);
		}),
	);
	const bodies = Object.fromEntries(
		waiting.map(({ itemIndex, body }) => [String(itemIndex), Object.fromEntries(Object.entries(body).filter(([key]) => !(key in sharedBody)))]),
	);
	return { sharedBody, bodies };
}

/**
 * A queued item as it stands if the run has not ended by the timeout, the same for every one. ASCII
 * only: one character beyond Latin-1 makes V8 hold the whole paused run, as n8n reads it for each
 * callback, in two bytes a character.
 */
function timedOutQueuedJson(timeoutMs: number): IDataObject {
	return errorJson({
		message: `This item was waiting for a place in TT API's queue and had not been reported finished when the ${Math.round(timeoutMs / 1000)} s timeout ran out`,
		description: `It was either never submitted, and then nothing was charged, or submitted by a callback after the pause: n8n's log names that job ("TT API: item <this item's index> submitted as job ..."), which may have finished: fetch it with the Get operation. Raise the Wait Timeout option or send fewer items per run. If n8n runs several webhook processes (queue mode), a run with more items than TT API's queue has places completes by callbacks only when the load balancer sends all calls to /webhook-waiting/<execution ID>/ to one of them; otherwise use Wait Mode "Poll Until Done" for it.`,
	});
}

/** A submitted or refused item as it stands if the run has not ended by the timeout: an error naming its job, or why it never became one. */
function timedOutJson(entry: RunEntry, timeoutMs: number): IDataObject {
	if (!entry.jobId) return entryJson(entry);
	return errorJson(
		{
			message: `TT API job ${entry.jobId} had not been reported finished when the ${Math.round(timeoutMs / 1000)} s timeout ran out`,
			description: `Not every job of this run called back in time, so n8n resumed at the timeout. The job may have finished: fetch it with the Get operation and job ID ${entry.jobId}, or raise the Wait Timeout option.`,
		},
		entry.jobId,
	);
}
