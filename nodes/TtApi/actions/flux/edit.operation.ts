import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { FIELDS, PROMPT_MAX_LENGTH } from '../../helpers/fields';
import { checkInputImages, imageBlob, inputImagesProperties, readInputImages, type ImageRules } from '../../helpers/imagesIn';
import { requireText } from '../../helpers/validation';
import type { AsyncModel } from '../../jobs/model';
import { runAsyncGenerate } from '../../jobs/run';
import { asyncGenerateProperties } from '../shared/properties';
import { aspectRatioProperty, FLUX_ACCEPTED_MODES, modeProperty, readAspectRatio, readMode } from './model';

/**
 * TT API takes the images as uploaded files only, so no URLs. It states no limit; four is what
 * its BFL-format pages take (input_image to input_image_4).
 */
const IMAGE_RULES: ImageRules = { urlsParameter: '', min: 1, max: 4 };

/** /flux/edits: multipart, one `image` part per file, with prompt, mode and aspect_ratio. */
const fluxEditModel: AsyncModel = {
	submitPath: '/flux/edits',
	fetchPath: '/flux/fetch',
	properties: [
		// The edits page lists every mode, flux1-schnell included.
		{ ...modeProperty, options: FLUX_ACCEPTED_MODES.map((mode) => ({ name: mode, value: mode })), default: 'flux-kontext-pro' },
		inputImagesProperties({ max: IMAGE_RULES.max, min: 1, what: 'images to edit' })[0],
		aspectRatioProperty,
	],
	async buildBody(ctx, itemIndex) {
		const body: IDataObject = {
			prompt: requireText(ctx, FIELDS.prompt, ctx.getNodeParameter('prompt', itemIndex, ''), itemIndex, PROMPT_MAX_LENGTH),
			mode: readMode(ctx, itemIndex),
			aspect_ratio: readAspectRatio(ctx, itemIndex),
		};
		// Checked from the binary metadata now; the files are read when their item is sent.
		await checkInputImages(ctx, itemIndex, IMAGE_RULES);
		return body;
	},
	async formBody(ctx, body, itemIndex) {
		const form = new FormData();
		for (const [name, value] of Object.entries(body)) form.append(name, String(value));
		for (const image of await readInputImages(ctx, itemIndex, IMAGE_RULES)) form.append('image', imageBlob(image), image.fileName);
		return form;
	},
};

export const model = fluxEditModel;

export const description = asyncGenerateProperties(fluxEditModel).filter((property) => property.name !== 'referImages');

export async function execute(this: IExecuteFunctions, items: INodeExecutionData[]) {
	return await runAsyncGenerate(this, items, fluxEditModel);
}
