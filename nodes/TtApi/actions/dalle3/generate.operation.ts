import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { requireOneOf, requireText } from '../../helpers/validation';
import { attachImage } from '../../jobs/binary';
import { FIELDS, PROMPT_MAX_LENGTH } from '../../helpers/fields';
import { readDownloadOptions } from '../../jobs/settings';
import { promptProperty } from '../shared/properties';
import { callSyncOnce, executeSync, noImageError, syncOptionProperties } from '../shared/sync';

const DALLE3_SIZES = ['1024x1024', '1024x1792', '1792x1024'] as const;
const DALLE3_QUALITIES = ['standard', 'hd'] as const;
const DALLE3_PROMPT_MAX_LENGTH = Math.min(4000, PROMPT_MAX_LENGTH);
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
		options: syncOptionProperties,
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
	const image = await callSyncOnce(ctx, { path: DALLE3_PATH, body, itemIndex, action: 'generate the image' }, (answer) => {
		const result = (answer.data ?? {}) as { created?: number; data?: Array<{ url?: string; revised_prompt?: string }> };
		const first = result.data?.[0];
		if (answer.status === 'FAILED' || !first?.url) throw noImageError(ctx, answer, itemIndex);
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
	return await executeSync(this, items, readRequest, async (ctx, request, itemIndex) => [await generate(ctx, request, itemIndex)]);
}
