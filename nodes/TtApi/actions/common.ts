import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import type { DownloadOptions } from '../jobs/binary';
import { requireNumberInRange, requireText, setOrDefault, type Field } from '../helpers/validation';
import { REQUEST_TIMEOUT_RANGE } from '../transport/request';

export const PROMPT_MAX_LENGTH = 32_000;
export const REFER_IMAGES_MAX = 16;
export const DEFAULT_CONCURRENCY = 5;

export const FIELDS = {
	prompt: { label: 'Prompt', name: 'prompt' },
	referImages: { label: 'Reference Images', name: 'referImages' },
	jobId: { label: 'Job ID', name: 'jobId' },
	size: { label: 'Size', name: 'size' },
	quality: { label: 'Quality', name: 'quality' },
	model: { label: 'Model', name: 'model' },
	aspectRatio: { label: 'Aspect Ratio', name: 'aspect_ratio' },
	waitMode: { label: 'Wait Mode', name: 'waitMode' },
	pollInterval: { label: 'Max Poll Interval', name: 'pollInterval' },
	timeout: { label: 'Timeout', name: 'timeout' },
	hookUrl: { label: 'Hook URL', name: 'hookUrl' },
	concurrency: { label: 'Concurrency', name: 'concurrency' },
	binaryPropertyName: { label: 'Put Image in Field', name: 'binaryPropertyName' },
	requestTimeout: { label: 'Request Timeout', name: 'requestTimeout' },
} satisfies Record<string, Field>;

export const promptProperty: INodeProperties = {
	displayName: 'Prompt',
	name: 'prompt',
	type: 'string',
	typeOptions: { rows: 3 },
	default: '',
	required: true,
	placeholder: 'e.g. A watercolor fox reading a newspaper',
	description: 'What the image should show',
};

export const downloadOptionProperties: INodeProperties[] = [
	{
		displayName: 'Concurrency',
		name: 'concurrency',
		type: 'number',
		typeOptions: { minValue: 1, maxValue: 20 },
		default: DEFAULT_CONCURRENCY,
		description: 'How many items are sent to TT API at the same time',
	},
	{
		displayName: 'Download Image',
		name: 'download',
		type: 'boolean',
		default: true,
		description:
			'Whether to download the image into the item as binary data. TT API image URLs expire, so keep this on unless you only need the URL.',
	},
	{
		displayName: 'Put Image in Field',
		name: 'binaryPropertyName',
		type: 'string',
		default: 'data',
		description: 'The name of the binary field the image is written to',
	},
	{
		displayName: 'Request Timeout',
		name: 'requestTimeout',
		type: 'number',
		typeOptions: { minValue: REQUEST_TIMEOUT_RANGE[0], maxValue: REQUEST_TIMEOUT_RANGE[1] },
		default: 60,
		description:
			'Seconds one call to TT API may take (DALL·E 3 defaults to 180, since it answers only when the image is done) before it counts as failed. A fetch or download is then retried; a submit is not, because the job may have started.',
	},
];

export interface ImageOptions extends DownloadOptions {
	concurrency: number;
}

export function readImageOptions(ctx: IExecuteFunctions, itemIndex: number): ImageOptions {
	const options = ctx.getNodeParameter('options', itemIndex, {}) as IDataObject;
	// Checked here with the other options, before any request; the transport reads it for each call.
	requireNumberInRange(ctx, FIELDS.requestTimeout, setOrDefault(options.requestTimeout, 60), itemIndex, ...REQUEST_TIMEOUT_RANGE);
	return {
		concurrency: requireNumberInRange(ctx, FIELDS.concurrency, setOrDefault(options.concurrency, DEFAULT_CONCURRENCY), itemIndex, 1, 20),
		download: options.download !== false,
		binaryPropertyName: requireText(ctx, FIELDS.binaryPropertyName, setOrDefault(options.binaryPropertyName, 'data'), itemIndex, 100),
	};
}

/** What became of one input item: its output items, or the error that stopped it. */
export type ItemResult = { items: INodeExecutionData[] } | { error: Error; jobId?: string };

/**
 * Pairs every result with its input item. An error stops the node unless "Continue On Fail" is on;
 * then it becomes an error item and the other items' results are kept.
 */
export function collectResults(ctx: IExecuteFunctions, results: ItemResult[]): INodeExecutionData[] {
	const continueOnFail = ctx.continueOnFail();
	const output: INodeExecutionData[] = [];
	results.forEach((result, itemIndex) => {
		if ('items' in result) {
			for (const item of result.items) output.push({ ...item, pairedItem: { item: itemIndex } });
			return;
		}
		const { error } = result;
		if (!continueOnFail) {
			if (error instanceof NodeApiError || error instanceof NodeOperationError) throw error;
			throw new NodeOperationError(ctx.getNode(), error, { itemIndex });
		}
		const json: IDataObject = { error: error.message };
		const description = (error as { description?: unknown }).description;
		if (typeof description === 'string' && description !== '') json.errorDescription = description;
		if (result.jobId) json.jobId = result.jobId;
		output.push({ json, pairedItem: { item: itemIndex } });
	});
	return output;
}
