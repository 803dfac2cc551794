import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
	IWebhookFunctions,
	IWebhookResponseData,
} from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import { settleConcurrent } from '../helpers/concurrency';
import { requireHttpUrls, requireNumberInRange, requireOneOf, requireText, setOrDefault } from '../helpers/validation';
import { attachImage } from '../jobs/binary';
import { jobIdOf, jobToJson } from '../jobs/job';
import { callbackUrl, CONTEXT_KEY, entriesOfRun, receiveCallback, type CallbackRunState, type RunEntry } from '../jobs/callback';
import { fetchJob, pollJobs, type PendingJob } from '../jobs/wait';
import { ttApiRequest, type TtApiEnvelope } from '../transport/request';
import {
	collectResults,
	downloadOptionProperties,
	FIELDS,
	PROMPT_MAX_LENGTH,
	promptProperty,
	readImageOptions,
	REFER_IMAGES_MAX,
	type ImageOptions,
	type ItemResult,
} from './common';

/**
 * What makes one asynchronous TT API model different from another. Everything else (validation,
 * concurrent submit, waiting, download, errors) is shared, so a new model is one small file.
 */
export interface AsyncImageModel {
	submitPath: string;
	fetchPath: string;
	/** Parameters of this model only, shown between the prompt and the reference images. */
	properties: INodeProperties[];
	/** Reads and validates this model's own body fields for one item. */
	readBody?: (ctx: IExecuteFunctions, itemIndex: number) => IDataObject;
}

export const WAIT_MODES = ['poll', 'callback', 'none'] as const;
export type WaitMode = (typeof WAIT_MODES)[number];

const POLL_INTERVAL_RANGE = [1, 300] as const;
const TIMEOUT_RANGE = [10, 7200] as const;

export function asyncGenerateProperties(model: AsyncImageModel): INodeProperties[] {
	return [
		promptProperty,
		...model.properties,
		{
			displayName: 'Reference Images',
			name: 'referImages',
			type: 'string',
			typeOptions: { multipleValues: true, multipleValueButtonText: 'Add Reference Image' },
			default: [],
			placeholder: 'https://example.com/photo.jpg',
			description: 'Public http(s) URLs of images to base the new image on',
		},
		{
			displayName: 'Wait Mode',
			name: 'waitMode',
			type: 'options',
			noDataExpression: true,
			options: [
				{
					name: 'Poll Until Done',
					value: 'poll',
					description: 'Wait in this node, fetching the jobs until they end, and output the images',
				},
				{
					name: 'Pause Until TT API Calls Back',
					value: 'callback',
					description:
						'Pause the execution (no worker held, no polling) and resume when TT API reports every job of the run as ended',
				},
				{
					name: 'Do Not Wait',
					value: 'none',
					description: 'Output the submitted jobs at once; get the results later with Get or the TT API Trigger',
				},
			],
			default: 'poll',
		},
		{
			displayName: 'Options',
			name: 'options',
			type: 'collection',
			placeholder: 'Add Option',
			default: {},
			options: [
				...downloadOptionProperties,
				{
					displayName: 'Hook URL',
					name: 'hookUrl',
					type: 'string',
					default: '',
					placeholder: 'https://your-n8n/webhook/.../callback?token=...',
					description:
						'TT API POSTs the finished job to this URL, e.g. the production URL of a TT API Trigger. Not used when pausing until TT API calls back: the node then gives TT API its own resume URL.',
				},
				{
					displayName: 'Max Poll Interval',
					name: 'pollInterval',
					type: 'number',
					typeOptions: { minValue: POLL_INTERVAL_RANGE[0], maxValue: POLL_INTERVAL_RANGE[1] },
					default: 10,
					description:
						'Longest pause, in seconds, between two checks of a job. Young jobs are checked every 2 seconds, older ones at 8% of their age.',
					displayOptions: { show: { '/waitMode': ['poll'] } },
				},
				{
					displayName: 'Timeout',
					name: 'timeout',
					type: 'number',
					typeOptions: { minValue: TIMEOUT_RANGE[0], maxValue: TIMEOUT_RANGE[1] },
					default: 600,
					description:
						'Seconds to wait for all jobs before giving up. A job that has not ended by then is reported with its job ID, so it can be fetched later.',
					displayOptions: { show: { '/waitMode': ['poll', 'callback'] } },
				},
			],
		},
	];
}

interface Submission {
	body: IDataObject;
	options: ImageOptions;
}

/**
 * Settings of the whole node run, not of an item: they decide how the run waits. An expression in
 * them is read for the first item; a bad value stops the node before any request.
 */
export interface RunSettings {
	waitMode: WaitMode;
	concurrency: number;
	pollIntervalMs: number;
	timeoutMs: number;
}

export function readRunSettings(ctx: IExecuteFunctions): RunSettings {
	const options = ctx.getNodeParameter('options', 0, {}) as IDataObject;
	return {
		waitMode: requireOneOf(ctx, FIELDS.waitMode, ctx.getNodeParameter('waitMode', 0, 'poll'), 0, WAIT_MODES),
		concurrency: readImageOptions(ctx, 0).concurrency,
		pollIntervalMs: 1000 * requireNumberInRange(ctx, FIELDS.pollInterval, setOrDefault(options.pollInterval, 10), 0, ...POLL_INTERVAL_RANGE),
		timeoutMs: 1000 * requireNumberInRange(ctx, FIELDS.timeout, setOrDefault(options.timeout, 600), 0, ...TIMEOUT_RANGE),
	};
}

function readSubmission(ctx: IExecuteFunctions, model: AsyncImageModel, itemIndex: number): Submission {
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
	return { body, options: readImageOptions(ctx, itemIndex) };
}

async function submit(ctx: IExecuteFunctions, model: AsyncImageModel, body: IDataObject, itemIndex: number) {
	const answer = await ttApiRequest(ctx, {
		method: 'POST',
		path: model.submitPath,
		body,
		kind: 'submit',
		itemIndex,
		action: 'submit the job',
	});
	const jobId = jobIdOf(answer);
	if (answer.status === 'FAILED' || !jobId) {
		throw new NodeApiError(ctx.getNode(), { message: answer.message ?? 'no job ID' }, {
			message: answer.status === 'FAILED'
				? `TT API refused the job: ${answer.message ?? 'no reason given'}`
				: 'TT API accepted the request but sent no job ID',
			description: answer.status === 'FAILED'
				? 'Check the prompt and the parameters; nothing was waited for.'
				: 'The job may have started and been charged: check your TT API dashboard before running this item again.',
			itemIndex,
		});
	}
	return jobId;
}

/** A finished job as output items: FAILED becomes an error naming the job, SUCCESS gets its image. */
export async function finishedJobResult(
	ctx: IExecuteFunctions,
	answer: TtApiEnvelope,
	jobId: string,
	itemIndex: number,
	options: ImageOptions,
): Promise<ItemResult> {
	const json = jobToJson(answer, jobId);
	if (json.status === 'FAILED') {
		const error = new NodeApiError(ctx.getNode(), { message: json.message ?? 'failed', jobId }, {
			message: `TT API job ${jobId} failed: ${json.message ?? 'no reason given'}`,
			description: `TT API reports the job as FAILED. Job ID: ${jobId}.`,
			itemIndex,
		});
		return { error, jobId };
	}
	if (json.imageUrl === null) {
		const error = new NodeOperationError(ctx.getNode(), `TT API reports job ${jobId} as ${json.status} but sent no image URL`, {
			itemIndex,
			description: `Fetch the job later with the Get operation and job ID ${jobId}.`,
		});
		return { error, jobId };
	}
	try {
		return { items: [await attachImage(ctx, { json }, options, { itemIndex, jobId })] };
	} catch (error) {
		return { error: error as Error, jobId };
	}
}

/**
 * Validates every item before any request (so bad input costs nothing), submits the jobs
 * concurrently, waits for all of them together, and downloads the images.
 */
export async function runAsyncGenerate(
	ctx: IExecuteFunctions,
	items: INodeExecutionData[],
	model: AsyncImageModel,
): Promise<INodeExecutionData[]> {
	const settings = readRunSettings(ctx);
	const results: ItemResult[] = new Array(items.length);
	const accepted: Array<{ itemIndex: number; submission: Submission }> = [];
	items.forEach((_item, itemIndex) => {
		try {
			accepted.push({ itemIndex, submission: readSubmission(ctx, model, itemIndex) });
		} catch (error) {
			results[itemIndex] = { error: error as Error };
		}
	});
	if (!ctx.continueOnFail()) collectResults(ctx, results.filter(Boolean));
	if (settings.waitMode === 'callback' && accepted.length > 0) {
		return await runCallbackGenerate(ctx, model, settings, accepted, results);
	}

	const { concurrency } = settings;
	const submitted = await settleConcurrent(accepted, concurrency, async ({ itemIndex, submission }) => ({
		jobId: await submit(ctx, model, submission.body, itemIndex),
		submittedAt: Date.now(),
	}));

	const waiting: PendingJob[] = [];
	accepted.forEach(({ itemIndex, submission }, position) => {
		const outcome = submitted[position];
		if ('error' in outcome) {
			results[itemIndex] = { error: outcome.error };
		} else if (settings.waitMode === 'none') {
			const json = jobToJson({ status: 'PENDING_QUEUE', message: null, jobId: outcome.value.jobId, data: submission.body });
			results[itemIndex] = { items: [{ json }] };
		} else {
			waiting.push({ jobId: outcome.value.jobId, fetchPath: model.fetchPath, itemIndex, submittedAt: outcome.value.submittedAt });
		}
	});

	if (waiting.length > 0) {
		const outcomes = await pollJobs(ctx, waiting, {
			maxIntervalMs: settings.pollIntervalMs,
			timeoutMs: settings.timeoutMs,
			concurrency: Math.max(concurrency, 5),
		});
		const finished = await settleConcurrent(waiting, concurrency, async (job) => {
			const outcome = outcomes.get(job.jobId)!;
			if ('error' in outcome) return { error: outcome.error, jobId: job.jobId } as ItemResult;
			const { options } = accepted.find((entry) => entry.itemIndex === job.itemIndex)!.submission;
			return await finishedJobResult(ctx, outcome.job, job.jobId, job.itemIndex, options);
		});
		waiting.forEach((job, position) => {
			const outcome = finished[position];
			results[job.itemIndex] = 'error' in outcome ? { error: outcome.error, jobId: job.jobId } : outcome.value;
		});
	}
	return collectResults(ctx, results);
}

export const getJobProperties: INodeProperties[] = [
	{
		displayName: 'Job ID',
		name: 'jobId',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'e.g. 5ecc5080-b1d7-4b9f-8184-435e46ebb5cb',
		description: 'The job ID returned when the job was submitted',
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: downloadOptionProperties,
	},
];

/** The node-wide concurrency; an invalid value is reported by the item it belongs to. */
export function concurrencyOf(ctx: IExecuteFunctions): number {
	try {
		return readImageOptions(ctx, 0).concurrency;
	} catch {
		return 1;
	}
}

/** Fetches jobs as they stand; finished ones come with their image. */
export async function runGetJob(
	ctx: IExecuteFunctions,
	items: INodeExecutionData[],
	model: AsyncImageModel,
): Promise<INodeExecutionData[]> {
	const concurrency = concurrencyOf(ctx);
	const results = await settleConcurrent(items, concurrency, async (_item, itemIndex): Promise<ItemResult> => {
		const jobId = requireText(ctx, FIELDS.jobId, ctx.getNodeParameter('jobId', itemIndex, ''), itemIndex, 200);
		const options = readImageOptions(ctx, itemIndex);
		const answer = await fetchJob(ctx, { jobId, fetchPath: model.fetchPath, itemIndex });
		const item = { json: jobToJson(answer, jobId) };
		if (answer.status !== 'SUCCESS') return { items: [item] };
		return { items: [await attachImage(ctx, item, options, { itemIndex, jobId })] };
	});
	return collectResults(
		ctx,
		results.map((result) => ('error' in result ? { error: result.error } : result.value)),
	);
}

/**
 * Callback mode: submit every job with this execution's resume URL as hookUrl, then pause the
 * execution the way n8n's Wait node does. The node's webhook() resumes it when the last job has
 * called back; if the timeout comes first, every item names its job in an error.
 */
async function runCallbackGenerate(
	ctx: IExecuteFunctions,
	model: AsyncImageModel,
	settings: RunSettings,
	accepted: Array<{ itemIndex: number; submission: Submission }>,
	results: ItemResult[],
): Promise<INodeExecutionData[]> {
	const hookUrl = await callbackUrl(ctx);
	const submitted = await settleConcurrent(accepted, settings.concurrency, async ({ itemIndex, submission }) =>
		await submit(ctx, model, { ...submission.body, hookUrl }, itemIndex),
	);
	// Every input item has an entry, refused ones too, so each comes out once in every phase.
	const entries: RunEntry[] = results.flatMap((result, itemIndex) =>
		result && 'error' in result ? [failedEntry(itemIndex, result.error)] : [],
	);
	accepted.forEach(({ itemIndex }, position) => {
		const outcome = submitted[position];
		if ('error' in outcome) {
			results[itemIndex] = { error: outcome.error };
			entries.push(failedEntry(itemIndex, outcome.error));
		} else {
			entries.push({ itemIndex, jobId: outcome.value, fetchPath: model.fetchPath });
		}
	});
	entries.sort((a, b) => a.itemIndex - b.itemIndex);
	const waiting = entries.filter((entry) => entry.jobId);
	if (waiting.length === 0) return collectResults(ctx, results);
	if (!ctx.continueOnFail()) {
		const failed = entries.find((entry) => entry.error);
		if (failed) {
			const jobIds = waiting.map((entry) => entry.jobId).join(', ');
			throw new NodeApiError(ctx.getNode(), { message: failed.error! }, {
				message: failed.error!,
				description: `Other items were submitted and may still finish: job IDs ${jobIds}. Fetch them with the Get operation.`,
				itemIndex: failed.itemIndex,
			});
		}
	}

	ctx.getContext('node')[CONTEXT_KEY] = { entries } satisfies CallbackRunState;
	const { timeoutMs } = settings;
	// When the wait runs out, n8n resumes without running the node again and passes its input on;
	// so the input becomes what the timeout means for each item. A callback resume replaces it.
	ctx.getExecuteData().data = { main: [entries.map((entry) => timedOutItem(entry, timeoutMs))] };
	await ctx.putExecutionToWait(new Date(Date.now() + timeoutMs));
	return entries.map((entry) => ({
		json: entry.jobId
			? jobToJson({ status: 'PENDING_QUEUE', message: null, jobId: entry.jobId, data: {} })
			: failedEntryJson(entry),
		pairedItem: { item: entry.itemIndex },
	}));
}

function failedEntry(itemIndex: number, error: Error): RunEntry {
	const description = (error as { description?: unknown }).description;
	return { itemIndex, error: error.message, ...(typeof description === 'string' && description ? { errorDescription: description } : {}) };
}

/** An item that never became a job, as Continue On Fail shows it. */
function failedEntryJson(entry: RunEntry): IDataObject {
	return { error: entry.error ?? null, ...(entry.errorDescription ? { errorDescription: entry.errorDescription } : {}) };
}

/**
 * An item as it stands if the run has not ended by the timeout: an error naming its job. n8n does
 * not run the node then, so no job can be fetched; the description says how to get it later.
 */
function timedOutItem(entry: RunEntry, timeoutMs: number): INodeExecutionData {
	const json = failedEntryJson(entry);
	if (entry.jobId) {
		json.error = `TT API job ${entry.jobId} had not been reported finished when the ${Math.round(timeoutMs / 1000)} s timeout ran out`;
		json.errorDescription = `Not every job of this run called back in time, so n8n resumed at the timeout. The job may have finished: fetch it with the Get operation and job ID ${entry.jobId}, or raise the Timeout option.`;
		json.jobId = entry.jobId;
	}
	return { json, pairedItem: { item: entry.itemIndex } };
}

/**
 * The action node's webhook: TT API's callbacks to a paused execution. The callback that completes
 * the run resumes it with one item per input item, images included.
 */
export async function resumeFromCallback(ctx: IWebhookFunctions): Promise<IWebhookResponseData> {
	const finished = await receiveCallback(ctx);
	if (!finished) return { noWebhookResponse: true };
	const options = ctx.getNodeParameter('options', {}) as IDataObject;
	const download = {
		download: options.download !== false,
		binaryPropertyName: (options.binaryPropertyName as string) || 'data',
	};
	const items: INodeExecutionData[] = entriesOfRun(ctx)
		.filter((entry) => entry.error)
		.map((entry) => ({ json: failedEntryJson(entry), pairedItem: { item: entry.itemIndex } }));
	for (const { job, answer } of finished) {
		const json = jobToJson(answer, job.jobId);
		if (json.status === 'FAILED') json.error = `TT API job ${job.jobId} failed: ${json.message ?? 'no reason given'}`;
		let item: INodeExecutionData = { json, pairedItem: { item: job.itemIndex } };
		try {
			item = await attachImage(ctx, item, download, { itemIndex: job.itemIndex, jobId: job.jobId });
		} catch (error) {
			// The job's result is kept; the item says why its image is missing.
			json.downloadError = (error as Error).message;
		}
		items.push(item);
	}
	items.sort((a, b) => (a.pairedItem as { item: number }).item - (b.pairedItem as { item: number }).item);
	return { noWebhookResponse: true, workflowData: [items] };
}
