import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { pauseForCallbacks } from '../callback/pause';
import { settleConcurrent } from '../helpers/concurrency';
import { FIELDS, PROMPT_MAX_LENGTH, REFER_IMAGES_MAX } from '../helpers/fields';
import { requireHttpUrls, requireText } from '../helpers/validation';
import { finishedJobResult } from './finished';
import { jobToJson } from './job';
import type { AcceptedItem, AsyncModel } from './model';
import { collectResults, nameWhatWasPaidFor, type ItemResult } from './results';
import { jobsInFlightLimit } from './limit';
import { submitAndPoll } from './queue';
import { readDownloadOptions, readRunSettings, type RunSettings } from './settings';
import { submitJob } from './submit';

function readBody(ctx: IExecuteFunctions, model: AsyncModel, itemIndex: number): IDataObject {
	const options = ctx.getNodeParameter('options', itemIndex, {}) as IDataObject;
	const body: IDataObject = {
		prompt: requireText(ctx, FIELDS.prompt, ctx.getNodeParameter('prompt', itemIndex, ''), itemIndex, PROMPT_MAX_LENGTH),
		...(model.readBody?.(ctx, itemIndex) ?? {}),
	};
	const referImages = requireHttpUrls(ctx, FIELDS.referImages, ctx.getNodeParameter('referImages', itemIndex, []), itemIndex, REFER_IMAGES_MAX);
	if (referImages.length > 0) body.referImages = referImages;
	const hookUrl = options.hookUrl;
	if (hookUrl !== undefined && hookUrl !== null && String(hookUrl).trim() !== '') {
		body.hookUrl = requireHttpUrls(ctx, FIELDS.hookUrl, String(hookUrl).trim(), itemIndex, 1)[0];
	}
	return body;
}

/**
 * The async flow of every model: validates every item before any request (bad input costs
 * nothing), then keeps at most N jobs of the run at TT API (the account's queue, jobs/limit.ts),
 * submitting the next item as each job ends, seen by polling (jobs/queue.ts) or by its callback
 * (callback/); or submits them all and returns them at once.
 */
export async function runAsyncGenerate(ctx: IExecuteFunctions, items: INodeExecutionData[], model: AsyncModel): Promise<INodeExecutionData[]> {
	const settings = readRunSettings(ctx);
	const results: ItemResult[] = new Array(items.length);
	const accepted: AcceptedItem[] = [];
	items.forEach((_item, itemIndex) => {
		try {
			accepted.push({ itemIndex, body: readBody(ctx, model, itemIndex), download: readDownloadOptions(ctx, itemIndex) });
		} catch (error) {
			results[itemIndex] = { error: error as Error };
		}
	});
	if (!ctx.continueOnFail()) collectResults(ctx, results.filter(Boolean));
	if (accepted.length === 0) return collectResults(ctx, results);
	if (settings.waitMode === 'callback') return await pauseForCallbacks(ctx, model, settings, accepted, results);

	const lastStatus = new Map<string, string>();
	if (settings.waitMode === 'none') {
		await submitWithoutWaiting(ctx, model, settings, accepted, results, lastStatus);
	} else {
		const limit = await jobsInFlightLimit(ctx, settings, accepted.length);
		const finished = await submitAndPoll(
			{
				ctx,
				model,
				settings,
				limit,
				submitted: (jobId) => lastStatus.set(jobId, 'not finished'),
				finish: async ({ itemIndex, download }, jobId, outcome) => {
					if ('error' in outcome) return { error: outcome.error, jobId };
					lastStatus.set(jobId, String(outcome.job.status));
					return await finishedJobResult(ctx, outcome.job, jobId, itemIndex, download);
				},
			},
			accepted,
		);
		for (const [itemIndex, result] of finished) results[itemIndex] = result;
	}
	if (!ctx.continueOnFail()) nameWhatWasPaidFor(results, lastStatus);
	return collectResults(ctx, results);
}

/** Do Not Wait: every item is submitted (Concurrency at a time) and emitted as its job. */
async function submitWithoutWaiting(
	ctx: IExecuteFunctions,
	model: AsyncModel,
	settings: RunSettings,
	accepted: AcceptedItem[],
	results: ItemResult[],
	lastStatus: Map<string, string>,
): Promise<void> {
	const submitted = await settleConcurrent(accepted, settings.concurrency, async ({ itemIndex, body }) => await submitJob(ctx, model, body, itemIndex));
	accepted.forEach(({ itemIndex, body }, position) => {
		const outcome = submitted[position];
		if ('error' in outcome) {
			results[itemIndex] = { error: outcome.error };
			return;
		}
		lastStatus.set(outcome.value, 'submitted');
		results[itemIndex] = { items: [{ json: jobToJson({ status: 'PENDING_QUEUE', message: null, jobId: outcome.value, data: body }) }] };
	});
}
