import type { IBinaryData, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { invalid, requireHttpUrls, type Field } from './validation';

/** One image an item sends to TT API: a binary field of the item, or a public URL. */
export interface InputImage {
	source: 'binary' | 'url';
	/** The binary field name, or the URL. */
	name: string;
	/** Source 'binary', after readInputImages; checkInputImages leaves it out. */
	data?: Buffer;
	/** Source 'binary': the file's first bytes (up to 4 KB), for checks of its header. */
	head?: Buffer;
	/** '' when unknown (URLs). */
	mimeType: string;
	fileName: string;
}

export interface ImageRules {
	/** Default 'inputBinaryFields'. */
	fieldsParameter?: string;
	/** Default 'imageUrls'; '' = no URLs (a parameter the operation lacks also reads as none). */
	urlsParameter?: string;
	min?: number;
	max: number;
	maxBytes?: number;
	/** Default PNG, JPEG and WebP. */
	mimeTypes?: string[];
}

const IMAGE_MIME_TYPES = ['image/png', 'image/jpeg', 'image/webp'];

const LABELS: Record<string, string> = {
	inputBinaryFields: 'Input Binary Fields',
	imageUrls: 'Image URLs',
	maskBinaryField: 'Mask Binary Field',
	referImages: 'Reference Images',
};
const fieldOf = (name: string): Field => ({ label: LABELS[name] ?? name, name });

function typeNames(mimeTypes: string[]): string {
	const names = mimeTypes.map((type) => (type === 'image/webp' ? 'WebP' : type.replace('image/', '').toUpperCase()));
	return names.length > 1 ? `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}` : (names[0] ?? '');
}
const megabytes = (bytes: number) => `${Math.round((bytes / 1024 / 1024) * 10) / 10} MB`;

/** The image type from the file's first bytes: binary metadata often says application/octet-stream. */
export function sniffImageType(head: Buffer): string {
	if (head.length >= 8 && head.readUInt32BE(0) === 0x89504e47 && head.readUInt32BE(4) === 0x0d0a1a0a) return 'image/png';
	if (head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'image/jpeg';
	if (head.length >= 12 && head.toString('latin1', 0, 4) === 'RIFF' && head.toString('latin1', 8, 12) === 'WEBP') return 'image/webp';
	if (head.length >= 4 && head.toString('latin1', 0, 4) === 'GIF8') return 'image/gif';
	return '';
}

/** Binary field names from "data, mask" (commas, spaces or new lines), without repeats. */
function fieldNames(value: unknown): string[] {
	const names = (Array.isArray(value) ? value.map(String) : String(value ?? '').split(/[\s,]+/)).map((name) => name.trim());
	return [...new Set(names.filter(Boolean))];
}

const HEAD_BYTES = 4096;

/** The file's first bytes, without reading the whole file (filesystem mode) or decoding it all. */
async function headOf(ctx: IExecuteFunctions, binary: IBinaryData): Promise<Buffer> {
	if (!binary.id) return Buffer.from((binary.data ?? '').slice(0, (HEAD_BYTES / 3) * 4 + 4), 'base64').subarray(0, HEAD_BYTES);
	const stream = await ctx.helpers.getBinaryStream(binary.id, HEAD_BYTES);
	try {
		for await (const chunk of stream) return Buffer.from(chunk as Buffer).subarray(0, HEAD_BYTES);
		return Buffer.alloc(0);
	} finally {
		stream.destroy();
	}
}

async function sizeOf(ctx: IExecuteFunctions, binary: IBinaryData): Promise<number | undefined> {
	if (typeof binary.bytes === 'number') return binary.bytes;
	if (!binary.id) return Buffer.byteLength(binary.data ?? '', 'base64');
	// n8n 1.x does not record `bytes`; the binary store knows the file's size.
	return (await ctx.helpers.getBinaryMetadata(binary.id)).fileSize;
}

/**
 * One binary field of the item as an image, checked against `rules`: present, an image of an
 * allowed type (by its first bytes), not over `maxBytes`. `load` reads all its bytes (in
 * filesystem mode, from disk); otherwise only its head is read.
 */
export async function readBinaryImage(
	ctx: IExecuteFunctions,
	itemIndex: number,
	field: Field,
	binaryName: string,
	rules: Pick<ImageRules, 'maxBytes' | 'mimeTypes'> & { load: boolean },
): Promise<InputImage> {
	const allowed = rules.mimeTypes ?? IMAGE_MIME_TYPES;
	const present = ctx.getInputData()[itemIndex]?.binary ?? {};
	if (!present[binaryName]) {
		const has = Object.keys(present);
		throw invalid(ctx, field, itemIndex, `names the binary field "${binaryName}", which item ${itemIndex + 1} does not have`,
			has.length ? `The item's binary fields are: ${has.join(', ')}.` : 'The item has no binary data: read a file or download an image in a node before this one.');
	}
	const binary = ctx.helpers.assertBinaryData(itemIndex, binaryName);
	const notAnImage = (type: string) =>
		invalid(ctx, field, itemIndex, `names "${binaryName}", which holds ${type || 'no image'}, not ${typeNames(allowed)}`, `Give a binary field holding a ${typeNames(allowed)} image.`);
	// The bytes decide; the declared type only names what the field holds when they show no image.
	const declared = (binary.mimeType ?? '').split(';')[0].trim().toLowerCase();
	const shown = (sniffed: string) => sniffed || (declared.startsWith('image/') || /octet-stream/.test(declared) ? '' : declared);
	const maxBytes = rules.maxBytes;
	const tooBig = (bytes: number) =>
		invalid(ctx, field, itemIndex, `names "${binaryName}", which is ${megabytes(bytes)}; at most ${megabytes(maxBytes ?? 0)} are allowed`, 'Use a smaller image, or resize it in a node before this one.');
	const declaredSize = maxBytes === undefined ? undefined : await sizeOf(ctx, binary);
	if (maxBytes !== undefined && declaredSize !== undefined && declaredSize > maxBytes) throw tooBig(declaredSize);
	const fileName = binary.fileName ?? `${binaryName}.${binary.fileExtension ?? 'png'}`;
	if (!rules.load) {
		const head = await headOf(ctx, binary);
		const sniffed = sniffImageType(head);
		if (!allowed.includes(sniffed)) throw notAnImage(shown(sniffed));
		return { source: 'binary', name: binaryName, mimeType: sniffed, fileName, head };
	}
	const data = await ctx.helpers.getBinaryDataBuffer(itemIndex, binaryName);
	const sniffed = sniffImageType(data.subarray(0, 16));
	if (!allowed.includes(sniffed)) throw notAnImage(shown(sniffed));
	if (maxBytes !== undefined && data.length > maxBytes) throw tooBig(data.length);
	return { source: 'binary', name: binaryName, mimeType: sniffed, fileName, data, head: data.subarray(0, HEAD_BYTES) };
}

async function collect(ctx: IExecuteFunctions, itemIndex: number, rules: ImageRules, load: boolean): Promise<InputImage[]> {
	const fieldsParameter = rules.fieldsParameter ?? 'inputBinaryFields';
	const urlsParameter = rules.urlsParameter ?? 'imageUrls';
	const fields = fieldOf(fieldsParameter);
	const names = fieldNames(ctx.getNodeParameter(fieldsParameter, itemIndex, ''));
	const urls = urlsParameter ? requireHttpUrls(ctx, fieldOf(urlsParameter), ctx.getNodeParameter(urlsParameter, itemIndex, ''), itemIndex, rules.max) : [];
	const total = names.length + urls.length;
	const counted = urlsParameter ? `${names.length} binary field(s) and ${urls.length} URL(s)` : `${names.length} binary field(s)`;
	if (total > rules.max) {
		throw invalid(ctx, fields, itemIndex, `gives ${counted}, ${total} images; at most ${rules.max} are allowed`, `Send at most ${rules.max} images per item.`);
	}
	if (total < (rules.min ?? 0)) {
		throw invalid(ctx, fields, itemIndex, total ? `gives ${total} image(s); at least ${rules.min} are needed` : 'is empty',
			`Name the item's binary field(s) holding the image(s), e.g. data${urlsParameter ? ', or give image URLs' : ''}.`);
	}
	const images: InputImage[] = [];
	// One at a time: an item's images are read only as the previous one passed its checks.
	for (const name of names) images.push(await readBinaryImage(ctx, itemIndex, fields, name, { ...rules, load }));
	for (const url of urls) images.push({ source: 'url', name: url, mimeType: '', fileName: url.split('?')[0].split('/').pop() || 'image' });
	return images;
}

/** Reads and validates the item's images: missing field names the fields the item has, not-an-image, too many, too big. */
export async function readInputImages(ctx: IExecuteFunctions, itemIndex: number, rules: ImageRules): Promise<InputImage[]> {
	return await collect(ctx, itemIndex, rules, true);
}

/**
 * The same checks from the binary metadata alone, without reading any file: for validating every
 * item before the first request while holding only the images of the items in flight.
 */
export async function checkInputImages(ctx: IExecuteFunctions, itemIndex: number, rules: ImageRules): Promise<InputImage[]> {
	return await collect(ctx, itemIndex, rules, false);
}

/** A URL image as its URL, a binary image as a data: URI (base64). */
export function imageAsUriOrDataUri(image: InputImage): string {
	if (image.source === 'url' || !image.data) return image.name;
	return `data:${image.mimeType || 'application/octet-stream'};base64,${image.data.toString('base64')}`;
}

/** A binary image as a Blob for `form.append(name, blob, image.fileName)` (multipart uploads). */
export function imageBlob(image: InputImage): Blob {
	if (!image.data) throw new Error(`The image "${image.name}" has no data to upload`);
	return new Blob([image.data], { type: image.mimeType });
}

/** The `inputBinaryFields` and `imageUrls` parameters, described for `max` images. */
export function inputImagesProperties(options: { max: number; min?: number; what: string }): INodeProperties[] {
	const required = (options.min ?? 0) > 0;
	const fields: INodeProperties = {
		displayName: 'Input Binary Fields',
		name: 'inputBinaryFields',
		type: 'string',
		default: 'data',
		required,
		placeholder: 'e.g. data, photo2',
		hint: `The input item's binary fields holding the ${options.what}, comma-separated`,
		description: `PNG, JPEG or WebP. Up to ${options.max} images, counting the image URLs.`,
	};
	// Optional images: an item without a "data" field must not fail by default.
	if (!required) fields.default = '';
	return [
		fields,
		{
			displayName: 'Image URLs',
			name: 'imageUrls',
			type: 'string',
			default: '',
			placeholder: 'e.g. https://example.com/photo.jpg',
			description: `Public http(s) URLs of more ${options.what}, separated by commas or new lines; counted in the ${options.max}`,
		},
	];
}
