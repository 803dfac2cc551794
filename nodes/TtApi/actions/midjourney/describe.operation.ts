import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { imageAsUriOrDataUri, readInputImages } from '../../helpers/imagesIn';
import { runAsyncGenerate } from '../../jobs/run';
import { midjourneyModel, readJobTimeout } from './model';
import { imagesFromFieldsOrUrls, midjourneyRunProperties } from './properties';
import { describeItems } from './tiles';

export const description: INodeProperties[] = [
	...imagesFromFieldsOrUrls({ max: 1, min: 1, what: 'image to describe' }),
	...midjourneyRunProperties({ image: false }),
];

/** Describe: one image in, four prompts out (json.prompts); a binary image goes as base64, a URL as url. */
export const model = midjourneyModel(
	'/midjourney/v1/describe',
	async (ctx, itemIndex) => {
		const [image] = await readInputImages(ctx, itemIndex, { min: 1, max: 1 });
		return {
			...(image.source === 'url' ? { url: image.name } : { base64: imageAsUriOrDataUri(image) }),
			...readJobTimeout(ctx, itemIndex, 'any'),
		};
	},
	{ resultHasImage: false, toItems: describeItems },
);

export async function execute(this: IExecuteFunctions, items: INodeExecutionData[]) {
	return await runAsyncGenerate(this, items, model);
}
