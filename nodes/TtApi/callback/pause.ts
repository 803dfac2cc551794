import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { jobToJson } from '../jobs/job';
import { jobsInFlightLimit } from '../jobs/limit';
import type { AcceptedItem, AsyncModel } from '../jobs/model';
import type { RunProgress } from '../jobs/progress';
import { neverSubmittedError } from '../jobs/queueSchedule';
import { reusedInThisTry } from '../jobs/remembered';
import { collectResults, errorJson, nameWhatWasPaidFor, type ItemResult } from '../jobs/results';
import type { RunSettings } from '../jobs/settings';
import { submitHeads } from './heads';
import { CONTEXT_KEY, storedRunState, type CallbackRunState, type RunEntry } from './state';
import { hookUrlOf, resumeUrlOf, runToken } from './token';

/**
 * The webhook sends queued items as JSON: a model that builds a multipart body in the node, or a
 * body carrying bytes, is submitted all at once as before (TT API's 499s then meet the submit's
 * own retries).
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
	const state: CallbackRunState = { entries };
	if (waiting.length > 0) {
		state.queue = {
			submitPath: model.submitPath,
			order: [...jobIds.keys(), ...waiting.map(({ itemIndex }) => itemIndex)],
			lanes: jobIds.size,
			bodies: Object.fromEntries(waiting.map(({ itemIndex, body }) => [String(itemIndex), body])),
			resumeUrl,
			deadline,
			timeoutMs: settings.timeoutMs,
		};
	}
	ctx.getContext('node')[CONTEXT_KEY] = storedRunState(state);
	// When the wait runs out, n8n resumes without running the node again and passes its input on;
	// so the input becomes what the timeout means for each item. A callback resume replaces it.
	ctx.getExecuteData().data = { main: [entries.map((entry) => timedOutItem(entry, settings.timeoutMs))] };
	await ctx.putExecutionToWait(new Date(deadline));
	return entries.map((entry) => ({
		json: entry.jobId || entry.queued
			? jobToJson({ status: entry.jobId ? 'PENDING_QUEUE' : 'QUEUED', message: null, jobId: entry.jobId ?? '', data: {} })
			: entryJson(entry),
		pairedItem: { item: entry.itemIndex },
	}));
}

/** An item as it stands if the run has not ended by the timeout: an error naming its job. */
function timedOutItem(entry: RunEntry, timeoutMs: number): INodeExecutionData {
	const seconds = Math.round(timeoutMs / 1000);
	if (entry.queued) {
		// The same text for every queued item: n8n stores it once, and loads the paused run for each callback.
		const json = errorJson({
			message: `This item was waiting for a place in TT API's queue and had not been reported finished when the ${seconds} s timeout ran out`,
			description: `It was either never submitted, and then nothing was charged, or submitted by a callback after the pause: n8n's log names that job ("TT API: item <this item's index> submitted as job …"), which may have finished: fetch it with the Get operation. Raise the Wait Timeout option or send fewer items per run.`,
		});
		return { json, pairedItem: { item: entry.itemIndex } };
	}
	if (!entry.jobId) return { json: entryJson(entry), pairedItem: { item: entry.itemIndex } };
	const json = errorJson(
		{
			message: `TT API job ${entry.jobId} had not been reported finished when the ${seconds} s timeout ran out`,
			description: `Not every job of this run called back in time, so n8n resumed at the timeout. The job may have finished: fetch it with the Get operation and job ID ${entry.jobId}, or raise the Wait Timeout option.`,
		},
		entry.jobId,
	);
	return { json, pairedItem: { item: entry.itemIndex } };
}
