import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { pauseForCallbacks } from '../callback/pause';
import { settleConcurrent } from '../helpers/concurrency';
import type { DownloadOptions } from './binary';
import { bodyEcho, readSubmitBody } from './body';
import { finishedJobResult } from './finished';
import { jobToJson } from './job';
import type { AcceptedItem, AsyncModel } from './model';
import { RunProgress } from './progress';
import { reusedInThisTry } from './remembered';
import { collectResults, nameWhatWasPaidFor, type ItemResult } from './results';
import { readDownloadOptions, readRunSettings, type RunSettings } from './settings';
import { submitJob } from './submit';
import { pollJobs, type PendingJob } from './wait';

/**
 * The async flow of every model: validates every item before any request (bad input costs
 * nothing), submits the jobs concurrently, then waits for them together (polling), pauses for
 * their callbacks, or returns them at once.
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

	const submitted = await settleConcurrent(accepted, settings.concurrency, async ({ itemIndex, body }) => {
		const jobId = await progress.track(itemIndex, submitJob(ctx, model, body, itemIndex));
		return { jobId, submittedAt: Date.now() };
	});
	const waiting: PendingJob[] = [];
	const lastStatus = new Map<string, string>();
	accepted.forEach(({ itemIndex, body }, position) => {
		const outcome = submitted[position];
		if ('error' in outcome) {
			results[itemIndex] = { error: outcome.error };
			return;
		}
		lastStatus.set(outcome.value.jobId, settings.waitMode === 'none' ? 'submitted' : 'not finished');
		if (settings.waitMode === 'none') {
			progress.mark(itemIndex, 'done');
			results[itemIndex] = { items: [{ json: jobToJson({ status: 'PENDING_QUEUE', message: null, jobId: outcome.value.jobId, data: bodyEcho(body) }, undefined, model.spellings) }] };
		} else waiting.push({ ...outcome.value, fetchPath: model.fetchPath, endStatuses: model.endStatuses, itemIndex });
	});
	const downloads = new Map(accepted.map(({ itemIndex, download }) => [itemIndex, download]));
	if (waiting.length > 0) await waitForJobs(ctx, model, settings, waiting, downloads, results, lastStatus, progress);
	progress.finish(reusedInThisTry(ctx));
	if (!ctx.continueOnFail()) nameWhatWasPaidFor(results, lastStatus);
	return collectResults(ctx, results);
}

async function waitForJobs(
	ctx: IExecuteFunctions,
	model: AsyncModel,
	settings: RunSettings,
	waiting: PendingJob[],
	downloads: Map<number, DownloadOptions>,
	results: ItemResult[],
	lastStatus: Map<string, string>,
	progress: RunProgress,
): Promise<void> {
	const outcomes = await pollJobs(ctx, waiting, {
		maxIntervalMs: settings.pollIntervalMs,
		timeoutMs: settings.timeoutMs,
		concurrency: Math.max(settings.concurrency, 5),
		onEnded: (job, outcome) => progress.mark(job.itemIndex, 'job' in outcome && outcome.job.status !== 'FAILED' ? 'done' : 'failed'),
	});
	const finished = await settleConcurrent(waiting, settings.concurrency, async (job): Promise<ItemResult> => {
		const outcome = outcomes.get(job.jobId)!;
		if ('error' in outcome) return { error: outcome.error, jobId: job.jobId };
		lastStatus.set(job.jobId, String(outcome.job.status));
		return await finishedJobResult(ctx, outcome.job, job.jobId, job.itemIndex, downloads.get(job.itemIndex)!, model);
	});
	waiting.forEach((job, position) => {
		const outcome = finished[position];
		results[job.itemIndex] = 'error' in outcome ? { error: outcome.error, jobId: job.jobId } : outcome.value;
		progress.mark(job.itemIndex, 'error' in results[job.itemIndex] ? 'failed' : 'done');
	});
}
