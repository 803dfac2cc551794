import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { settleConcurrent } from '../helpers/concurrency';
import { jobToJson } from '../jobs/job';
import type { AcceptedItem, AsyncModel } from '../jobs/model';
import type { RunProgress } from '../jobs/progress';
import { reusedInThisTry } from '../jobs/remembered';
import { collectResults, errorJson, nameWhatWasPaidFor, type ItemResult } from '../jobs/results';
import type { RunSettings } from '../jobs/settings';
import { submitJob } from '../jobs/submit';
import { CONTEXT_KEY, type CallbackRunState, type RunEntry } from './state';
import { callbackUrl } from './token';

const entryJson = (entry: RunEntry): IDataObject => errorJson({ message: entry.error ?? 'unknown error', description: entry.errorDescription });

/**
 * Callback mode: submit every job with this execution's resume URL as hookUrl, then pause the
 * execution the way n8n's Wait node does. The node's webhook() resumes it when the last job has
 * called back; if the timeout comes first, every item names its job in an error. Every input item
 * has an entry (refused ones too), so each comes out once in every phase.
 */
export async function pauseForCallbacks(
	ctx: IExecuteFunctions,
	model: AsyncModel,
	settings: RunSettings,
	accepted: AcceptedItem[],
	results: ItemResult[],
	progress?: RunProgress,
): Promise<INodeExecutionData[]> {
	const hookUrl = await callbackUrl(ctx);
	const submitted = await settleConcurrent(accepted, settings.concurrency, async ({ itemIndex, body }) => {
		const submit = submitJob(ctx, model, { ...body, hookUrl }, itemIndex);
		return await (progress ? progress.track(itemIndex, submit) : submit);
	});
	const jobIds = new Map<number, string>();
	accepted.forEach(({ itemIndex }, position) => {
		const outcome = submitted[position];
		if ('error' in outcome) results[itemIndex] = { error: outcome.error };
		else jobIds.set(itemIndex, outcome.value);
	});
	progress?.finish(reusedInThisTry(ctx), jobIds.size > 0);
	if (jobIds.size === 0) return collectResults(ctx, results);
	if (!ctx.continueOnFail()) {
		// The first failure stops the node; it names the jobs already submitted, which may be charged.
		nameWhatWasPaidFor(results, new Map([...jobIds.values()].map((jobId) => [jobId, 'submitted'])));
		collectResults(ctx, results);
	}
	const entries: RunEntry[] = Array.from(results, (result, itemIndex) => {
		const jobId = jobIds.get(itemIndex);
		if (jobId) return { itemIndex, jobId, fetchPath: model.fetchPath };
		const { error, errorDescription } = errorJson((result as { error: Error }).error);
		return { itemIndex, error: String(error), ...(errorDescription ? { errorDescription: String(errorDescription) } : {}) };
	});

	ctx.getContext('node')[CONTEXT_KEY] = { entries } satisfies CallbackRunState;
	// When the wait runs out, n8n resumes without running the node again and passes its input on;
	// so the input becomes what the timeout means for each item. A callback resume replaces it.
	ctx.getExecuteData().data = { main: [entries.map((entry) => timedOutItem(entry, settings.timeoutMs))] };
	await ctx.putExecutionToWait(new Date(Date.now() + settings.timeoutMs));
	return entries.map((entry) => ({
		json: entry.jobId ? jobToJson({ status: 'PENDING_QUEUE', message: null, jobId: entry.jobId, data: {} }) : entryJson(entry),
		pairedItem: { item: entry.itemIndex },
	}));
}

/** An item as it stands if the run has not ended by the timeout: an error naming its job. */
function timedOutItem(entry: RunEntry, timeoutMs: number): INodeExecutionData {
	if (!entry.jobId) return { json: entryJson(entry), pairedItem: { item: entry.itemIndex } };
	const json = errorJson(
		{
			message: `TT API job ${entry.jobId} had not been reported finished when the ${Math.round(timeoutMs / 1000)} s timeout ran out`,
			description: `Not every job of this run called back in time, so n8n resumed at the timeout. The job may have finished: fetch it with the Get operation and job ID ${entry.jobId}, or raise the Wait Timeout option.`,
		},
		entry.jobId,
	);
	return { json, pairedItem: { item: entry.itemIndex } };
}
