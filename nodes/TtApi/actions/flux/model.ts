import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { FIELDS } from '../../helpers/fields';
import { invalid, requireOneOf } from '../../helpers/validation';
import type { AsyncModel } from '../../jobs/model';

/**
 * The modes of TT API's newest Flux page (Mar 2026). An older page also listed flux1-schnell, which
 * the edits page still lists; it stays accepted from an expression, not offered in the editor.
 */
const FLUX_MODES = [
	'flux1-dev',
	'flux1-pro',
	'flux-kontext-pro',
	'flux-kontext-max',
	'flux-2-pro',
	'flux-2-flex',
	'flux-2-max',
	'flux-2-klein-4b',
	'flux-2-klein-9b',
] as const;
export const FLUX_ACCEPTED_MODES = [...FLUX_MODES, 'flux1-schnell'] as const;
const FLUX_SIZES = ['1024x1024', '1024x1792', '1792x1024'] as const;
const FLUX_ASPECT_RATIOS = ['21:9', '16:9', '4:3', '3:2', '1:1', '2:3', '3:4', '9:16', '9:21'] as const;

const FLUX_FIELDS = {
	mode: { label: 'Mode', name: 'mode' },
	shape: { label: 'Image Shape', name: 'shape' },
};

export const modeProperty: INodeProperties = {
	displayName: 'Mode',
	name: 'mode',
	type: 'options',
	options: FLUX_MODES.map((mode) => ({ name: mode, value: mode })),
	default: 'flux1-dev',
	description: 'The Flux model. Each costs a different quota; see TT API\'s pricing.',
};

export const aspectRatioProperty: INodeProperties = {
	displayName: 'Aspect Ratio',
	name: 'aspect_ratio',
	type: 'options',
	options: FLUX_ASPECT_RATIOS.map((ratio) => ({ name: ratio, value: ratio })),
	default: '1:1',
};

/** Size or aspect ratio, never both: TT API does not say which wins when both are sent. */
const shapeProperties: INodeProperties[] = [
	{
		displayName: 'Image Shape',
		name: 'shape',
		type: 'options',
		options: [
			{ name: 'Aspect Ratio', value: 'aspectRatio', description: 'Send aspect_ratio' },
			{ name: 'Size', value: 'size', description: 'Send size in pixels' },
		],
		default: 'aspectRatio',
		description: 'Whether to ask for an aspect ratio or a size in pixels',
	},
	{ ...aspectRatioProperty, displayOptions: { show: { shape: ['aspectRatio'] } } },
	{
		displayName: 'Size',
		name: 'size',
		type: 'options',
		options: FLUX_SIZES.map((size) => ({ name: size, value: size })),
		default: '1024x1024',
		displayOptions: { show: { shape: ['size'] } },
	},
];

export function readMode(ctx: IExecuteFunctions, itemIndex: number): string {
	return requireOneOf(ctx, FLUX_FIELDS.mode, ctx.getNodeParameter('mode', itemIndex, 'flux1-dev'), itemIndex, FLUX_ACCEPTED_MODES);
}

export function readAspectRatio(ctx: IExecuteFunctions, itemIndex: number): string {
	return requireOneOf(ctx, FIELDS.aspectRatio, ctx.getNodeParameter('aspect_ratio', itemIndex, '1:1'), itemIndex, FLUX_ASPECT_RATIOS);
}

/** Flux jobs: one fetch path for generations and edits; the model is `mode` in the body. */
export const fluxGenerateModel: AsyncModel = {
	submitPath: '/flux/generate',
	fetchPath: '/flux/fetch',
	properties: [modeProperty, ...shapeProperties],
	readBody(ctx, itemIndex) {
		const body: IDataObject = { mode: readMode(ctx, itemIndex) };
		const shape = ctx.getNodeParameter('shape', itemIndex, 'aspectRatio');
		if (shape === 'size') {
			body.size = requireOneOf(ctx, FIELDS.size, ctx.getNodeParameter('size', itemIndex, '1024x1024'), itemIndex, FLUX_SIZES);
		} else if (shape === 'aspectRatio') body.aspect_ratio = readAspectRatio(ctx, itemIndex);
		else throw invalid(ctx, FLUX_FIELDS.shape, itemIndex, `is "${String(shape)}", which is not allowed`, 'Use aspectRatio or size.');
		return body;
	},
};
