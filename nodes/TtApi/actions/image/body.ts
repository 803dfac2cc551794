import type { IDataObject } from 'n8n-workflow';

import { imageBlob, type InputImage } from '../../helpers/imagesIn';

const BASE64_CHUNK = 3 * 256 * 1024;

/** Bytes a data: URI of `image` takes, without building it. */
const dataUriLength = (prefix: string, image: InputImage) => prefix.length + 4 * Math.ceil((image.data?.length ?? 0) / 3);

/**
 * The documented JSON form of /v1/images/edits (`images: [{ image_url }]`, `mask: { image_url }`),
 * binary images as data: URIs. Built as one Buffer with each image base64-encoded straight into
 * it, so a 4 MB image costs 5.3 MB once, not again as a string and again as its JSON text.
 */
export function editJsonBody(fields: IDataObject, images: InputImage[], mask?: InputImage): Buffer {
	const marker = `ttapi-image-${Math.random().toString(36).slice(2)}-`;
	const all = mask ? [...images, mask] : images;
	const reference = (image: InputImage, at: number) => ({ image_url: image.source === 'url' ? image.name : `${marker}${at}` });
	const body: IDataObject = { ...fields, images: images.map(reference) };
	if (mask) body.mask = reference(mask, images.length);
	const pieces = JSON.stringify(body).split(new RegExp(`${marker}(\\d+)`));
	// split() with a capture group alternates text and image positions: text, 0, text, 1, text.
	const prefixOf = (image: InputImage) => `data:${image.mimeType || 'application/octet-stream'};base64,`;
	let total = 0;
	pieces.forEach((piece, at) => (total += at % 2 ? dataUriLength(prefixOf(all[Number(piece)]), all[Number(piece)]) : Buffer.byteLength(piece)));
	const out = Buffer.allocUnsafe(total);
	let offset = 0;
	pieces.forEach((piece, at) => {
		if (at % 2 === 0) {
			offset += out.write(piece, offset, 'utf8');
			return;
		}
		const image = all[Number(piece)];
		offset += out.write(prefixOf(image), offset, 'latin1');
		const data = image.data ?? Buffer.alloc(0);
		// Chunks of a multiple of 3 bytes encode to base64 that joins without padding in between.
		for (let start = 0; start < data.length; start += BASE64_CHUNK) {
			offset += out.write(data.subarray(start, start + BASE64_CHUNK).toString('base64'), offset, 'latin1');
		}
	});
	return out;
}

/** OpenAI's multipart form of /v1/images/edits: `image[]` files (`image` for dall-e-2) and a `mask` file. */
export function editMultipartBody(fields: IDataObject, images: InputImage[], mask?: InputImage): FormData {
	const form = new FormData();
	for (const [name, value] of Object.entries(fields)) form.append(name, String(value));
	const imageField = fields.model === 'dall-e-2' ? 'image' : 'image[]';
	for (const image of images) form.append(imageField, imageBlob(image), image.fileName);
	if (mask) form.append('mask', imageBlob(mask), mask.fileName);
	return form;
}
