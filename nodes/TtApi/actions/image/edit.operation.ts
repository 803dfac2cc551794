import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { oneAtATime } from '../../helpers/concurrency';
import { checkInputImages, inputImagesProperties, readBinaryImage, readInputImages, type ImageRules, type InputImage } from '../../helpers/imagesIn';
import { invalid, requireOneOf, requireText, setOrDefault } from '../../helpers/validation';
import { promptProperty } from '../shared/properties';
import { callSyncOnce, executeSync } from '../shared/sync';
import { editJsonBody, editMultipartBody } from './body';
import { EDIT_IMAGES_MAX, EDIT_MODELS, GPT_IMAGE_MAX_BYTES, IMAGE_FIELDS, INPUT_FIDELITIES, isGpt, SMALL_IMAGE_MAX_BYTES, UPLOAD_FORMATS } from './models';
import { imagesStoredByReference, imagesToItems } from './output';
import { pngInfo } from './png';
import { imageOptions, modelProperty } from './properties';
import { readImageRequest, type ImageRequest } from './read';

const editOptions: INodeProperties[] = [
	{
		displayName: 'Input Fidelity',
		name: 'inputFidelity',
		type: 'options',
		options: [
			{ name: 'Low', value: 'low' },
			{ name: 'High', value: 'high' },
		],
		default: 'low',
		description: 'How closely the result keeps the input images, faces especially',
		displayOptions: { show: { '/model': ['gpt-image-2', 'gpt-image-1.5', 'gpt-image-1'] } },
	},
	{
		displayName: 'Mask Binary Field',
		name: 'maskBinaryField',
		type: 'string',
		default: '',
		placeholder: 'e.g. mask',
		hint: "The input item's binary field holding the mask",
		description: 'A PNG under 4 MB, the size of the first image, transparent where the image may change',
	},
];
const uploadFormat: INodeProperties = {
	displayName: 'Upload Format',
	name: 'uploadFormat',
	type: 'options',
	options: [
		{ name: 'JSON (Documented)', value: 'json', description: 'Images as URLs and data: URIs, as TT API documents it' },
		{ name: 'Multipart Files', value: 'multipart', description: "OpenAI's file upload, for gateways that only take files; no image URLs" },
	],
	default: 'json',
};

export const description: INodeProperties[] = [
	modelProperty(EDIT_MODELS),
	promptProperty,
	...inputImagesProperties({ max: EDIT_IMAGES_MAX, min: 1, what: 'images to edit' }),
	imageOptions(EDIT_MODELS, [...editOptions, uploadFormat]),
];

interface EditRequest extends ImageRequest {
	multipart: boolean;
	rules: ImageRules;
	maskField: string;
}

async function readEdit(ctx: IExecuteFunctions, itemIndex: number): Promise<EditRequest> {
	const request = readImageRequest(ctx, itemIndex, EDIT_MODELS);
	const options = ctx.getNodeParameter('options', itemIndex, {}) as IDataObject;
	if (isGpt(request.model) && options.inputFidelity !== undefined) {
		request.fields.input_fidelity = requireOneOf(ctx, IMAGE_FIELDS.inputFidelity, options.inputFidelity, itemIndex, INPUT_FIDELITIES);
	}
	const multipart = requireOneOf(ctx, IMAGE_FIELDS.uploadFormat, setOrDefault(options.uploadFormat, 'json'), itemIndex, UPLOAD_FORMATS) === 'multipart';
	const urls = ctx.getNodeParameter('imageUrls', itemIndex, '');
	if (multipart && (Array.isArray(urls) ? urls.length : String(urls ?? '').trim())) {
		throw invalid(ctx, IMAGE_FIELDS.imageUrls, itemIndex, 'is set, but the Multipart Files upload format sends files only', 'Remove the image URLs, or use the JSON upload format.');
	}
	// dall-e-2 edits "one image, a square png file smaller than 4MB".
	const rules: ImageRules = request.model === 'dall-e-2'
		? { min: 1, max: 1, maxBytes: SMALL_IMAGE_MAX_BYTES, mimeTypes: ['image/png'], urlsParameter: multipart ? '' : undefined }
		: { min: 1, max: EDIT_IMAGES_MAX, maxBytes: GPT_IMAGE_MAX_BYTES, urlsParameter: multipart ? '' : undefined };
	const images = await checkInputImages(ctx, itemIndex, rules);
	const maskField = options.maskBinaryField === undefined || options.maskBinaryField === '' ? '' : requireText(ctx, IMAGE_FIELDS.maskBinaryField, options.maskBinaryField, itemIndex, 200);
	const edit = { ...request, multipart, rules, maskField };
	// From the files' first bytes, so that no item is sent before every item passed.
	checkPixels(ctx, itemIndex, edit, images, maskField ? await readMask(ctx, itemIndex, maskField, false) : undefined);
	return edit;
}

async function readMask(ctx: IExecuteFunctions, itemIndex: number, name: string, load: boolean): Promise<InputImage> {
	return await readBinaryImage(ctx, itemIndex, IMAGE_FIELDS.maskBinaryField, name, { maxBytes: SMALL_IMAGE_MAX_BYTES, mimeTypes: ['image/png'], load });
}

/** The checks of the PNG headers: a mask with transparency and the image's size, dall-e-2's square image. */
function checkPixels(ctx: IExecuteFunctions, itemIndex: number, request: EditRequest, images: InputImage[], mask?: InputImage) {
	const bytesOf = (image?: InputImage) => image?.data ?? image?.head;
	const first = bytesOf(images[0]) ? pngInfo(bytesOf(images[0])!) : undefined;
	if (request.model === 'dall-e-2' && first && first.width !== first.height) {
		throw invalid(ctx, IMAGE_FIELDS.inputBinaryFields, itemIndex, `names a ${first.width}x${first.height} image, but DALL·E 2 edits square images only`, 'Crop the image to a square, or choose a GPT image model.');
	}
	const info = bytesOf(mask) ? pngInfo(bytesOf(mask)!) : undefined;
	if (!mask || !info) return;
	if (!info.transparency) {
		throw invalid(ctx, IMAGE_FIELDS.maskBinaryField, itemIndex, `names "${mask.name}", a PNG without transparency`, 'The mask must be transparent (alpha 0) where the image may change.');
	}
	if (first && (first.width !== info.width || first.height !== info.height)) {
		throw invalid(ctx, IMAGE_FIELDS.maskBinaryField, itemIndex, `names a ${info.width}x${info.height} mask for a ${first.width}x${first.height} image`, 'The mask must have the size of the first image.');
	}
}

/** The request body; the images' bytes stay referenced by it alone, not by the call waiting for TT API. */
async function editBody(ctx: IExecuteFunctions, request: EditRequest, itemIndex: number): Promise<Buffer | FormData> {
	// Read here, not at validation: only the images of the items in flight are held in memory.
	const images = await readInputImages(ctx, itemIndex, request.rules);
	const mask = request.maskField ? await readMask(ctx, itemIndex, request.maskField, true) : undefined;
	const fields = { prompt: request.prompt, model: request.model, ...request.fields };
	return request.multipart ? editMultipartBody(fields, images, mask) : editJsonBody(fields, images, mask);
}

const EDIT_PATH = '/v1/images/edits';

async function edit(ctx: IExecuteFunctions, request: EditRequest, itemIndex: number, inTurn: ReturnType<typeof oneAtATime>): Promise<INodeExecutionData[]> {
	// Bodies are built one item at a time, then sent Concurrency at a time: memory holds the bodies
	// in flight plus one item's raw images, not every starting item's raw images beside its body.
	const body = await inTurn(async () => await editBody(ctx, request, itemIndex));
	return await callSyncOnce(
		ctx,
		{ path: EDIT_PATH, body, itemIndex, action: 'edit the image' },
		async (answer) => await imagesToItems(ctx, answer, request, itemIndex),
		imagesStoredByReference,
	);
}

export async function execute(this: IExecuteFunctions, items: INodeExecutionData[]) {
	const inTurn = oneAtATime();
	return await executeSync(this, items, readEdit, async (ctx, request, itemIndex) => await edit(ctx, request, itemIndex, inTurn));
}
