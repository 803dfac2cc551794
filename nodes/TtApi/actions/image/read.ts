import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { FIELDS } from '../../helpers/fields';
import { invalid, requireNumberInRange, requireOneOf, requireText, setOrDefault } from '../../helpers/validation';
import { readDownloadOptions } from '../../jobs/settings';
import {
	BACKGROUNDS,
	IMAGE_FIELDS,
	isGpt,
	MODERATIONS,
	N_RANGE,
	OUTPUT_FORMATS,
	PROMPT_MAX,
	QUALITIES,
	SIZES,
	type ImageModel,
} from './models';

/** What an item asks of /v1/images/*, checked: the body's fields in the API's spelling. */
export interface ImageRequest {
	model: ImageModel;
	prompt: string;
	/** n, size, quality and the GPT image options, as TT API spells them. */
	fields: IDataObject;
	outputFormat: string;
	binaryPropertyName: string;
}

/**
 * The model, prompt and options of an item. Options are sent only when set (TT API's documented
 * defaults apply otherwise); the GPT-only ones are left out for DALL·E, which the editor hides
 * them for.
 */
export function readImageRequest(ctx: IExecuteFunctions, itemIndex: number, models: readonly ImageModel[]): ImageRequest {
	const model = requireOneOf(ctx, FIELDS.model, ctx.getNodeParameter('model', itemIndex, 'gpt-image-1'), itemIndex, models);
	const prompt = requireText(ctx, FIELDS.prompt, ctx.getNodeParameter('prompt', itemIndex, ''), itemIndex, PROMPT_MAX[model]);
	const options = ctx.getNodeParameter('options', itemIndex, {}) as IDataObject;
	const n = requireNumberInRange(ctx, IMAGE_FIELDS.n, setOrDefault(options.n, 1), itemIndex, ...N_RANGE);
	if (!Number.isInteger(n)) throw invalid(ctx, IMAGE_FIELDS.n, itemIndex, `is ${n}, not a whole number`, 'Enter a whole number from 1 to 10.');
	if (model === 'dall-e-3' && n !== 1) {
		throw invalid(ctx, IMAGE_FIELDS.n, itemIndex, `is ${n}, but DALL·E 3 makes one image per call`, 'Set it to 1, or choose a GPT image model for several images.');
	}
	const fields: IDataObject = { n };
	if (options.size !== undefined) fields.size = requireOneOf(ctx, FIELDS.size, options.size, itemIndex, SIZES[model]);
	if (options.quality !== undefined) fields.quality = requireOneOf(ctx, FIELDS.quality, options.quality, itemIndex, QUALITIES[model]);

	let outputFormat = 'png';
	if (isGpt(model)) {
		outputFormat = requireOneOf(ctx, IMAGE_FIELDS.outputFormat, setOrDefault(options.outputFormat, 'png'), itemIndex, OUTPUT_FORMATS);
		if (options.outputFormat !== undefined) fields.output_format = outputFormat;
		if (options.background !== undefined) {
			fields.background = requireOneOf(ctx, IMAGE_FIELDS.background, options.background, itemIndex, BACKGROUNDS);
			if (fields.background === 'transparent' && outputFormat === 'jpeg') {
				throw invalid(ctx, IMAGE_FIELDS.background, itemIndex, 'is transparent, but the output format is jpeg, which has no transparency', 'Set Output Format to PNG or WebP, or Background to Auto or Opaque.');
			}
		}
		if (options.moderation !== undefined) fields.moderation = requireOneOf(ctx, IMAGE_FIELDS.moderation, options.moderation, itemIndex, MODERATIONS);
		if (options.outputCompression !== undefined) {
			const compression = requireNumberInRange(ctx, IMAGE_FIELDS.outputCompression, options.outputCompression, itemIndex, 0, 100);
			// Documented for JPEG and WebP only.
			if (outputFormat !== 'png') fields.output_compression = compression;
		}
	}
	const { binaryPropertyName } = readDownloadOptions(ctx, itemIndex);
	return { model, prompt, fields, outputFormat, binaryPropertyName };
}
