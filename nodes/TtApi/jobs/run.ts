import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { pauseForCallbacks } from '../callback/pause';
import { settleConcurrent } from '../helpers/concurrency';
import { bodyEcho, readSubmitBody } from './body';
import { finishedJobResult } from './finished';
import { jobToJson } from './job';
import { jobsInFlightLimit } from './limit';
import type { AcceptedItem, AsyncModel } from './model';
import { RunProgress } from './progress';
import { submitAndPoll } from './queue';
import { reusedInThisTry } from './remembered';
import { collectResults, nameWhatWasPaidFor, type ItemResult } from './results';
import { readDownloadOptions, readRunSettings, type RunSettings } from './settings';
import { submitJob } from './submit';

/**
 * The async flow of every model: validates every item before any request (bad input costs
 * nothing), then keeps at most N jobs of the run at TT API (the account's queue, jobs/limit.ts),
 * submitting the next item as each job ends, seen by polling (jobs/queue.ts) or by its callback
 * (callback/); or submits them all and returns them at once.
 */
export async function runAsyncGenerate(ctx: IExecuteFunctions, items: INodeExecutionData[], model: AsyncModel): Promise<INodeExecutionData[]> {
	const settings = readRunSettings(ctx, model);
	const results: ItemResult[] = new Array(items.length);
	const accepted: AcceptedItem[] = [];
	// Reading a body may read binary input or check a parent job (free), so items are read concurrently.
	const read = await settleConcurrent(items, settings.concurrency, async (_item, itemIndex): Promise<AcceptedItem> => ({
		itemIndex,
		body: await readSubmitBody(ctx, model, itemIndex),
		download: readDownloadOptions(ctx, itemIndex),
	}));
	read.forEach((outcome, itemIndex) => {
		if ('error' in outcome) results[itemIndex] = { error: outcome.error };
		else accepted.push(outcome.value);
	});
	if (!ctx.continueOnFail()) collectResults(ctx, results.filter(Boolean));
	if (accepted.length === 0) return collectResults(ctx, results);
	const progress = new RunProgress(ctx, accepted.map(({ itemIndex }) => itemIndex));
	if (settings.waitMode === 'callback') return await pauseForCallbacks(ctx, model, settings, accepted, results, progress);

	const lastStatus = new Map<string, string>();
	if (settings.waitMode === 'none') {
		await submitWithoutWaiting(ctx, model, settings, accepted, results, lastStatus, progress);
	} else {
		const finished = await submitAndPoll(
			{
				ctx,
				model,
				settings,
				limit: await jobsInFlightLimit(ctx, settings, accepted.length),
				progress,
				submitted: (jobId) => lastStatus.set(jobId, 'not finished'),
				finish: async ({ itemIndex, download }, jobId, outcome) => {
					if ('error' in outcome) return { error: outcome.error, jobId };
					lastStatus.set(jobId, String(outcome.job.status));
					return await finishedJobResult(ctx, outcome.job, jobId, itemIndex, download, model);
				},
			},
			accepted,
		);
		for (const [itemIndex, result] of finished) {
			results[itemIndex] = result;
			progress.mark(itemIndex, 'error' in result ? 'failed' : 'done');
		}
	}
	progress.finish(reusedInThisTry(ctx));
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
	progress: RunProgress,
): Promise<void> {
	const submitted = await settleConcurrent(accepted, settings.concurrency, async ({ itemIndex, body }) =>
		await progress.track(itemIndex, submitJob(ctx, model, body, itemIndex)),
	);
	accepted.forEach(({ itemIndex, body }, position) => {
		const outcome = submitted[position];
		if ('error' in outcome) {
			results[itemIndex] = { error: outcome.error };
			return;
		}
		lastStatus.set(outcome.value, 'submitted');
		progress.mark(itemIndex, 'done');
		results[itemIndex] = { items: [{ json: jobToJson({ status: 'PENDING_QUEUE', message: null, jobId: outcome.value, data: bodyEcho(body) }, undefined, model.spellings) }] };
	});
}
