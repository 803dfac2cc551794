import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeApiError } from 'n8n-workflow';

import { settleConcurrent } from '../helpers/concurrency';
import { jobToJson } from '../jobs/job';
import type { AsyncModel } from '../jobs/model';
import { collectResults, errorJson, type ItemResult } from '../jobs/results';
import type { RunSettings } from '../jobs/settings';
import { submitJob } from '../jobs/submit';
import { CONTEXT_KEY, type CallbackRunState, type RunEntry } from './state';
import { callbackUrl } from './token';

export interface AcceptedItem {
	itemIndex: number;
	body: IDataObject;
}

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
): Promise<INodeExecutionData[]> {
	const hookUrl = await callbackUrl(ctx);
	const submitted = await settleConcurrent(accepted, settings.concurrency, async ({ itemIndex, body }) =>
		await submitJob(ctx, model, { ...body, hookUrl }, itemIndex),
	);
	accepted.forEach(({ itemIndex }, position) => {
		const outcome = submitted[position];
		if ('error' in outcome) results[itemIndex] = { error: outcome.error };
	});
	const entries: RunEntry[] = Array.from(results, (result, itemIndex) => {
		if (result && 'error' in result) {
			const { error, errorDescription } = errorJson(result.error);
			return { itemIndex, error: String(error), ...(errorDescription ? { errorDescription: String(errorDescription) } : {}) };
		}
		const position = accepted.findIndex((item) => item.itemIndex === itemIndex);
		const outcome = submitted[position] as { value: string };
		return { itemIndex, jobId: outcome.value, fetchPath: model.fetchPath };
	});
	const waiting = entries.filter((entry) => entry.jobId);
	if (waiting.length === 0) return collectResults(ctx, results);
	const failed = entries.find((entry) => entry.error);
	if (failed && !ctx.continueOnFail()) {
		throw new NodeApiError(ctx.getNode(), { message: failed.error! }, {
			message: failed.error!,
			description: `Other items were submitted and may still finish (they may be charged): job IDs ${waiting.map((entry) => entry.jobId).join(', ')}. Fetch them with the Get operation instead of running them again.`,
			itemIndex: failed.itemIndex,
		});
	}

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
