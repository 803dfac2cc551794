import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { FIELDS, PROMPT_MAX_LENGTH } from '../../helpers/fields';
import { checkInputImages, imageAsUriOrDataUri, inputImagesProperties, readInputImages, type ImageRules } from '../../helpers/imagesIn';
import { requireText } from '../../helpers/validation';
import { attachImage, type DownloadOptions } from '../../jobs/binary';
import { readDownloadOptions } from '../../jobs/settings';
import { promptProperty } from '../shared/properties';
import { callSyncOnce, executeSync, noImageError, syncOptionProperties } from '../shared/sync';
import { modelProperties, readModelFields, shapeProperties } from './model';

/** TT API states no limit; Nano Banana Pro takes up to 14 reference images. */
const REFERENCE_IMAGES_MAX = 14;
const IMAGE_RULES: ImageRules = { urlsParameter: 'referImages', max: REFERENCE_IMAGES_MAX };

export const description: INodeProperties[] = [
	promptProperty,
	...modelProperties,
	inputImagesProperties({ max: REFERENCE_IMAGES_MAX, what: 'reference images' })[0],
	{
		displayName: 'Reference Images',
		name: 'referImages',
		type: 'string',
		typeOptions: { multipleValues: true, multipleValueButtonText: 'Add Reference Image' },
		default: [],
		placeholder: 'https://example.com/photo.jpg',
		description: `Public http(s) URLs of images to base the new image on; counted in the ${REFERENCE_IMAGES_MAX}`,
	},
	...shapeProperties,
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: syncOptionProperties,
	},
];

interface NanoBananaRequest {
	body: IDataObject;
	download: DownloadOptions;
}

/** Checks everything, the binary images from their metadata only: their bytes are read when sent. */
async function readRequest(ctx: IExecuteFunctions, itemIndex: number): Promise<NanoBananaRequest> {
	const body: IDataObject = {
		prompt: requireText(ctx, FIELDS.prompt, ctx.getNodeParameter('prompt', itemIndex, ''), itemIndex, PROMPT_MAX_LENGTH),
		...readModelFields(ctx, itemIndex),
	};
	await checkInputImages(ctx, itemIndex, IMAGE_RULES);
	return { body, download: readDownloadOptions(ctx, itemIndex) };
}

const GENERATE_PATH = '/gemini/image/generate';

async function generate(ctx: IExecuteFunctions, { body, download }: NanoBananaRequest, itemIndex: number): Promise<INodeExecutionData[]> {
	const images = await readInputImages(ctx, itemIndex, IMAGE_RULES);
	const sent = images.length > 0 ? { ...body, refer_images: images.map(imageAsUriOrDataUri) } : body;
	const image = await callSyncOnce(ctx, { path: GENERATE_PATH, body: sent, itemIndex, action: 'generate the image' }, (answer) => {
		const data = (answer.data ?? {}) as IDataObject;
		const imageUrl = data.image_url ?? data.imageUrl;
		if (answer.status === 'FAILED' || typeof imageUrl !== 'string' || imageUrl === '') throw noImageError(ctx, answer, itemIndex);
		return { imageUrl, quota: data.quota ?? null };
	});
	const json: IDataObject = {
		imageUrl: image.imageUrl,
		prompt: body.prompt,
		model: body.model,
		...(body.aspect_ratio ? { aspectRatio: body.aspect_ratio, imageSize: body.image_size } : {}),
		referenceImages: images.length,
		quota: image.quota,
	};
	return [await attachImage(ctx, { json }, download, { itemIndex })];
}

export async function execute(this: IExecuteFunctions, items: INodeExecutionData[]) {
	return await executeSync(this, items, readRequest, generate);
}
