import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { FIELDS, PROMPT_MAX_LENGTH, REFER_IMAGES_MAX } from '../helpers/fields';
import { requireHttpUrls, requireText } from '../helpers/validation';
import type { AsyncModel } from './model';

/** The shared body of a prompt model: prompt, the model's own fields, reference image URLs. */
function promptBody(ctx: IExecuteFunctions, model: AsyncModel, itemIndex: number): IDataObject {
	const body: IDataObject = {
		prompt: requireText(ctx, FIELDS.prompt, ctx.getNodeParameter('prompt', itemIndex, ''), itemIndex, PROMPT_MAX_LENGTH),
		...(model.readBody?.(ctx, itemIndex) ?? {}),
	};
	const referImages = requireHttpUrls(ctx, FIELDS.referImages, ctx.getNodeParameter('referImages', itemIndex, []), itemIndex, REFER_IMAGES_MAX);
	if (referImages.length > 0) body.referImages = referImages;
	return body;
}

/** Reads and validates one item's submit body, before anything is sent: bad input costs nothing. */
export async function readSubmitBody(ctx: IExecuteFunctions, model: AsyncModel, itemIndex: number): Promise<IDataObject> {
	const options = ctx.getNodeParameter('options', itemIndex, {}) as IDataObject;
	const body = model.buildBody ? await model.buildBody(ctx, itemIndex) : promptBody(ctx, model, itemIndex);
	const hookUrl = options.hookUrl;
	if (hookUrl !== undefined && hookUrl !== null && String(hookUrl).trim() !== '') {
		body.hookUrl = requireHttpUrls(ctx, FIELDS.hookUrl, String(hookUrl).trim(), itemIndex, 1)[0];
	}
	return body;
}

const isDataUri = (value: unknown) => typeof value === 'string' && value.startsWith('data:');

/** The body as a submitted job's item shows it: images sent inline are left out, they can be megabytes. */
export function bodyEcho(body: IDataObject): IDataObject {
	return Object.fromEntries(
		Object.entries(body).filter(([, value]) => !isDataUri(value) && !(Array.isArray(value) && value.some(isDataUri))),
	);
}
