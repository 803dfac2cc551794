import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { NodeApiError } from 'n8n-workflow';

import { settleConcurrent } from '../../helpers/concurrency';
import { requireOneOf, requireText } from '../../helpers/validation';
import { attachImage } from '../../jobs/binary';
import { submitOnce } from '../../jobs/remembered';
import { ttApiRequest } from '../../transport/request';
import { FIELDS, PROMPT_MAX_LENGTH } from '../../helpers/fields';
import { collectResults, type ItemResult } from '../../jobs/results';
import { concurrencyOf, readDownloadOptions } from '../../jobs/settings';
import { downloadOptionProperties, promptProperty } from '../shared/properties';

export const DALLE3_SIZES = ['1024x1024', '1024x1792', '1792x1024'] as const;
export const DALLE3_QUALITIES = ['standard', 'hd'] as const;
const DALLE3_PROMPT_MAX_LENGTH = Math.min(4000, PROMPT_MAX_LENGTH);
/** DALL·E 3 answers synchronously and can take well over a minute. */
const DALLE3_TIMEOUT_SECONDS = 180;

// Adding Request Timeout in the editor sets the option's default, so DALL·E 3's own default is
// what a user gets; the shared default (60 s) would end slow generations as "may have been charged".
const dalle3OptionProperties: INodeProperties[] = downloadOptionProperties.map((property) =>
	property.name === 'requestTimeout'
		? {
				...property,
				default: DALLE3_TIMEOUT_SECONDS,
				description:
					'Seconds ONE call to TT API may take before it counts as failed. DALL·E 3 answers only when the image is done, often after more than a minute, so it defaults to 180. A failed call is not repeated, because the image may have been generated and charged. For the whole node.',
			}
		: property,
);

export const description: INodeProperties[] = [
	promptProperty,
	{
		displayName: 'Size',
		name: 'size',
		type: 'options',
		options: [
			{ name: 'Square (1024x1024)', value: '1024x1024' },
			{ name: 'Portrait (1024x1792)', value: '1024x1792' },
			{ name: 'Landscape (1792x1024)', value: '1792x1024' },
		],
		default: '1024x1024',
	},
	{
		displayName: 'Quality',
		name: 'quality',
		type: 'options',
		options: [
			{ name: 'Standard', value: 'standard' },
			{ name: 'HD', value: 'hd' },
		],
		default: 'standard',
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: dalle3OptionProperties,
	},
];

const DALLE3_PATH = '/openai/v1/images/generations';

function readRequest(ctx: IExecuteFunctions, itemIndex: number) {
	const body: IDataObject = {
		prompt: requireText(ctx, FIELDS.prompt, ctx.getNodeParameter('prompt', itemIndex, ''), itemIndex, DALLE3_PROMPT_MAX_LENGTH),
		size: requireOneOf(ctx, FIELDS.size, ctx.getNodeParameter('size', itemIndex, '1024x1024'), itemIndex, DALLE3_SIZES),
		quality: requireOneOf(ctx, FIELDS.quality, ctx.getNodeParameter('quality', itemIndex, 'standard'), itemIndex, DALLE3_QUALITIES),
		model: 'dall-e-3',
		n: 1,
	};
	return { body, options: readDownloadOptions(ctx, itemIndex) };
}

async function generate(
	ctx: IExecuteFunctions,
	{ body, options }: ReturnType<typeof readRequest>,
	itemIndex: number,
): Promise<INodeExecutionData> {
	// A retry of the node (Retry On Fail) takes an image an earlier try was charged for.
	const image = await submitOnce(ctx, DALLE3_PATH, body, itemIndex, async () => {
		const answer = await ttApiRequest(ctx, {
			method: 'POST',
			path: DALLE3_PATH,
			body,
			kind: 'submit',
			itemIndex,
			action: 'generate the image',
			defaultTimeoutMs: DALLE3_TIMEOUT_SECONDS * 1000,
		});
		const result = (answer.data ?? {}) as { created?: number; data?: Array<{ url?: string; revised_prompt?: string }> };
		const first = result.data?.[0];
		if (answer.status === 'FAILED' || !first?.url) {
			throw new NodeApiError(ctx.getNode(), { message: answer.message ?? 'no image' }, {
				message: `TT API did not return an image: ${answer.message ?? 'the answer had no image URL'}`,
				itemIndex,
			});
		}
		return { url: first.url, revisedPrompt: first.revised_prompt ?? null, created: result.created ?? null };
	});
	const json: IDataObject = {
		imageUrl: image.url,
		revisedPrompt: image.revisedPrompt,
		prompt: body.prompt,
		size: body.size,
		quality: body.quality,
		created: image.created,
	};
	return await attachImage(ctx, { json }, options, { itemIndex });
}

export async function execute(this: IExecuteFunctions, items: INodeExecutionData[]) {
	// Every item is validated before the first (paid) request.
	const requests = items.map((_item, itemIndex) => {
		try {
			return readRequest(this, itemIndex);
		} catch (error) {
			return { error: error as Error };
		}
	});
	const invalidItems: ItemResult[] = requests.filter((request) => 'error' in request);
	if (!this.continueOnFail()) collectResults(this, invalidItems);
	const concurrency = concurrencyOf(this);

	const results = await settleConcurrent(requests, concurrency, async (request, itemIndex): Promise<ItemResult> =>
		'error' in request ? request : { items: [await generate(this, request, itemIndex)] },
	);
	return collectResults(this, results.map((result) => ('error' in result ? { error: result.error } : result.value)));
}
