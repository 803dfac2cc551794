import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { invalid, requireOneOf, requireText } from '../../helpers/validation';
import { FIELDS } from '../../helpers/fields';
import type { AsyncModel } from '../../jobs/model';

const GPT_IMAGE_MODELS = [
	'gpt-4o-image',
	'gpt-image-1',
	'gpt-image-1.5',
	'gpt-image-2',
	'gpt-image-2-plus',
] as const;
export const ASPECT_RATIOS = ['1:1', '3:4', '4:3', '16:9', '9:16'] as const;

/** gpt-image-2-plus takes any WxH in multiples of 16 with the longest side at most 3840. */
function readFreeSize(ctx: IExecuteFunctions, itemIndex: number): string {
	const size = requireText(ctx, FIELDS.size, ctx.getNodeParameter('size', itemIndex, ''), itemIndex, 20);
	const match = /^(\d+)\s*[xX×]\s*(\d+)$/.exec(size);
	const [width, height] = match ? [Number(match[1]), Number(match[2])] : [0, 0];
	if (!match || width < 16 || height < 16 || width % 16 || height % 16 || Math.max(width, height) > 3840) {
		throw invalid(ctx, FIELDS.size, itemIndex, `is "${size}", which is not allowed`, 'Use WIDTHxHEIGHT, both multiples of 16, the longest side at most 3840, e.g. 1536x1024.');
	}
	return `${width}x${height}`;
}

/** The GPT image models endpoint: one path, the model chosen in the body. */
export const gptImageModel: AsyncModel = {
	submitPath: '/openai/gpt/generations',
	fetchPath: '/openai/gpt/fetch',
	properties: [
		{
			displayName: 'Model',
			name: 'model',
			type: 'options',
			options: [
				{ name: 'GPT Image 1', value: 'gpt-image-1' },
				{ name: 'GPT Image 1.5', value: 'gpt-image-1.5' },
				{ name: 'GPT Image 2', value: 'gpt-image-2', description: 'The default; choose an aspect ratio' },
				{ name: 'GPT Image 2 Plus', value: 'gpt-image-2-plus', description: 'Any size in multiples of 16, up to 3840 px' },
				{
					name: 'GPT-4o Image',
					value: 'gpt-4o-image',
					description: 'The same model as the GPT-4o Image resource, through this endpoint',
				},
			],
			default: 'gpt-image-2',
			description: 'The GPT image model to generate with',
		},
		{
			displayName: 'Aspect Ratio',
			name: 'aspect_ratio',
			type: 'options',
			options: ASPECT_RATIOS.map((ratio) => ({ name: ratio, value: ratio })),
			default: '1:1',
			displayOptions: { show: { model: ['gpt-image-2'] } },
		},
		{
			displayName: 'Size',
			name: 'size',
			type: 'string',
			default: '1024x1024',
			placeholder: 'e.g. 1536x1024',
			description: 'Width x height in pixels, multiples of 16, longest side at most 3840',
			displayOptions: { show: { model: ['gpt-image-2-plus'] } },
		},
	],
	readBody(ctx, itemIndex) {
		const model = requireOneOf(ctx, FIELDS.model, ctx.getNodeParameter('model', itemIndex, 'gpt-image-2'), itemIndex, GPT_IMAGE_MODELS);
		const body: IDataObject = { model };
		if (model === 'gpt-image-2') {
			body.aspect_ratio = requireOneOf(ctx, FIELDS.aspectRatio, ctx.getNodeParameter('aspect_ratio', itemIndex, '1:1'), itemIndex, ASPECT_RATIOS);
		}
		if (model === 'gpt-image-2-plus') body.size = readFreeSize(ctx, itemIndex);
		return body;
	},
};
