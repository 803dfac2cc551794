import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { imageAsUriOrDataUri, readInputImages } from '../../helpers/imagesIn';
import { requireOneOf } from '../../helpers/validation';
import { runAsyncGenerate } from '../../jobs/run';
import { MJ_FIELDS } from './fields';
import { midjourneyModel, readJobTimeout, readMode } from './model';
import { imagesFromFieldsOrUrls, midjourneyRunProperties, modeProperty } from './properties';

const DIMENSIONS = ['PORTRAIT', 'SQUARE', 'LANDSCAPE'] as const;

export const description: INodeProperties[] = [
	...imagesFromFieldsOrUrls({ max: 5, min: 2, what: 'images to blend' }),
	{
		displayName: 'Dimensions',
		name: 'dimensions',
		type: 'options',
		options: [
			{ name: 'Landscape (3:2)', value: 'LANDSCAPE' },
			{ name: 'Portrait (2:3)', value: 'PORTRAIT' },
			{ name: 'Square (1:1)', value: 'SQUARE' },
		],
		default: 'SQUARE',
		description: 'The shape of the blended grid',
	},
	modeProperty,
	...midjourneyRunProperties(),
];

/**
 * Blend: 2 to 5 images become one grid. Binary images go as data: URIs in imgBase64Array; an image
 * URL goes as given (TT API's pages do not document Blend's fields: see the README).
 */
export const model = midjourneyModel('/midjourney/v1/blend', async (ctx, itemIndex) => {
	const images = await readInputImages(ctx, itemIndex, { min: 2, max: 5 });
	const mode = readMode(ctx, itemIndex);
	return {
		imgBase64Array: images.map(imageAsUriOrDataUri),
		dimensions: requireOneOf(ctx, MJ_FIELDS.dimensions, ctx.getNodeParameter('dimensions', itemIndex, 'SQUARE'), itemIndex, DIMENSIONS),
		mode,
		...readJobTimeout(ctx, itemIndex, mode),
	};
});

export async function execute(this: IExecuteFunctions, items: INodeExecutionData[]) {
	return await runAsyncGenerate(this, items, model);
}
