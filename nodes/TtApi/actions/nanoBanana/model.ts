import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { FIELDS } from '../../helpers/fields';
import { invalid, requireOneOf } from '../../helpers/validation';

/** TT API's Gemini image models, as its Nano Banana page lists them. */
const GEMINI_IMAGE_MODELS = [
	'gemini-2.5-flash-image',
	'gemini-2.5-flash-image-preview',
	'gemini-3-pro-image-preview',
	'gemini-3.1-flash-image-preview',
] as const;
/** "Only supported by gemini-3 and above"; image_size was documented for gemini-3-pro, before 3.1 existed. */
const SHAPED_MODELS = ['gemini-3-pro-image-preview', 'gemini-3.1-flash-image-preview'];
const GEMINI_ASPECT_RATIOS = ['1:1', '2:3', '3:2', '3:4', '4:3', '4:5', '5:4', '9:16', '16:9', '21:9', '1:4', '4:1', '1:8', '8:1'] as const;
/** The extreme ratios: gemini-3.1-flash-image-preview only (TT API's Chinese page). */
const NANO_BANANA_2_ONLY = ['1:4', '4:1', '1:8', '8:1'];
const GEMINI_IMAGE_SIZES = ['1K', '2K', '4K'] as const;

const IMAGE_SIZE = { label: 'Image Size', name: 'image_size' };

export const modelProperties: INodeProperties[] = [
	{
		displayName: 'Model',
		name: 'model',
		type: 'options',
		options: [
			{ name: 'Nano Banana (Gemini-2.5-Flash-Image)', value: 'gemini-2.5-flash-image' },
			{ name: 'Nano Banana Preview (Gemini-2.5-Flash-Image-Preview)', value: 'gemini-2.5-flash-image-preview' },
			{ name: 'Nano Banana Pro (Gemini-3-Pro-Image-Preview)', value: 'gemini-3-pro-image-preview', description: 'Takes an aspect ratio and an image size' },
			{ name: 'Nano Banana 2 (Gemini-3.1-Flash-Image-Preview)', value: 'gemini-3.1-flash-image-preview', description: 'Takes an aspect ratio, including 1:4 to 8:1, and an image size' },
		],
		default: 'gemini-2.5-flash-image',
		description: 'The Gemini image model to generate with',
	},
];

export const shapeProperties: INodeProperties[] = [
	{
		displayName: 'Aspect Ratio',
		name: 'aspect_ratio',
		type: 'options',
		options: GEMINI_ASPECT_RATIOS.map((ratio) => ({ name: NANO_BANANA_2_ONLY.includes(ratio) ? `${ratio} (Nano Banana 2 Only)` : ratio, value: ratio })),
		default: '1:1',
		displayOptions: { show: { model: SHAPED_MODELS } },
	},
	{
		displayName: 'Image Size',
		name: 'image_size',
		type: 'options',
		options: GEMINI_IMAGE_SIZES.map((size) => ({ name: size, value: size })),
		default: '1K',
		description: 'The resolution of the longer side: about 1024, 2048 or 4096 pixels. Larger costs more and takes longer.',
		displayOptions: { show: { model: SHAPED_MODELS } },
	},
];

/** The model and, for the models that take them, the aspect ratio and image size. */
export function readModelFields(ctx: IExecuteFunctions, itemIndex: number): IDataObject {
	const model = requireOneOf(ctx, FIELDS.model, ctx.getNodeParameter('model', itemIndex, 'gemini-2.5-flash-image'), itemIndex, GEMINI_IMAGE_MODELS);
	if (!SHAPED_MODELS.includes(model)) return { model };
	const ratio = requireOneOf(ctx, FIELDS.aspectRatio, ctx.getNodeParameter('aspect_ratio', itemIndex, '1:1'), itemIndex, GEMINI_ASPECT_RATIOS);
	if (NANO_BANANA_2_ONLY.includes(ratio) && model !== 'gemini-3.1-flash-image-preview') {
		throw invalid(ctx, FIELDS.aspectRatio, itemIndex, `is "${ratio}", which only gemini-3.1-flash-image-preview takes`, `Choose another aspect ratio, or the model Nano Banana 2.`);
	}
	const size = requireOneOf(ctx, IMAGE_SIZE, ctx.getNodeParameter('image_size', itemIndex, '1K'), itemIndex, GEMINI_IMAGE_SIZES);
	return { model, aspect_ratio: ratio, image_size: size };
}
