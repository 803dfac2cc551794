/**
 * What a /v1/images request carries, read from either documented form (TTAPI-MORE.md §3): JSON
 * with `images: [{ image_url }]` (http(s) or data: URIs; the older `image` URL list too) or
 * OpenAI's multipart upload (`image` / `image[]` files, `mask` file); then OpenAI's rules checked.
 */
import { createHash } from 'node:crypto';

export interface ReceivedImage {
	via: 'url' | 'dataUri' | 'file' | 'fileId';
	/** The first 16 hex digits of the bytes' SHA-256: tests compare them with what they sent. */
	sha256?: string;
	/** The type its bytes show (png, jpeg, webp, gif), '' when not an image; URLs: not known. */
	type?: string;
	bytes?: number;
	url?: string;
	field?: string;
	fileName?: string;
}

export interface ReceivedRequest {
	format: 'json' | 'multipart';
	params: Record<string, unknown>;
	images: ReceivedImage[];
	mask?: ReceivedImage;
}

export const digest = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex').slice(0, 16);

export function sniff(bytes: Buffer): string {
	if (bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'png';
	if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
	if (bytes.toString('latin1', 0, 4) === 'RIFF' && bytes.toString('latin1', 8, 12) === 'WEBP') return 'webp';
	if (bytes.toString('latin1', 0, 4) === 'GIF8') return 'gif';
	return '';
}

function fromReference(reference: unknown): ReceivedImage {
	const value = typeof reference === 'object' && reference !== null ? (reference as Record<string, unknown>) : { image_url: reference };
	if (typeof value.file_id === 'string' && !value.image_url) return { via: 'fileId' };
	const url = String(value.image_url ?? '');
	const data = /^data:([\w/+.-]+);base64,(.*)$/s.exec(url);
	if (!data) return { via: 'url', url };
	const bytes = Buffer.from(data[2], 'base64');
	return { via: 'dataUri', type: sniff(bytes), bytes: bytes.length, sha256: digest(bytes) };
}

async function fromFile(field: string, file: File): Promise<ReceivedImage> {
	const bytes = Buffer.from(await file.arrayBuffer());
	return { via: 'file', type: sniff(bytes), bytes: bytes.length, sha256: digest(bytes), field, fileName: file.name };
}

export async function readImagesRequest(raw: Buffer, contentType: string): Promise<ReceivedRequest | string> {
	if (/^multipart\/form-data/i.test(contentType)) {
		let form: FormData;
		try {
			form = await new Response(raw, { headers: { 'content-type': contentType } }).formData();
		} catch {
			return 'the multipart body could not be read';
		}
		const request: ReceivedRequest = { format: 'multipart', params: {}, images: [] };
		for (const [name, value] of form.entries()) {
			if (typeof value === 'string') request.params[name] = /^\d+$/.test(value) ? Number(value) : value;
			else if (name === 'mask') request.mask = await fromFile(name, value);
			else if (name === 'image' || name === 'image[]') request.images.push(await fromFile(name, value));
			else return `unexpected file field ${name}`;
		}
		return request;
	}
	let params: Record<string, unknown>;
	try {
		params = raw.length ? (JSON.parse(raw.toString('utf8')) as Record<string, unknown>) : {};
	} catch {
		return 'Request body is not valid JSON';
	}
	const { images, image, mask, ...rest } = params;
	const list = Array.isArray(images) ? images : Array.isArray(image) ? image : image !== undefined ? [image] : [];
	return { format: 'json', params: rest, images: list.map(fromReference), mask: mask === undefined ? undefined : fromReference(mask) };
}

const GPT = ['gpt-image-2', 'gpt-image-1.5', 'gpt-image-1'];
const GPT_SIZES = ['auto', '1024x1024', '1536x1024', '1024x1536'];
const SIZES: Record<string, string[]> = {
	'dall-e-3': ['1024x1024', '1792x1024', '1024x1792'],
	'dall-e-2': ['256x256', '512x512', '1024x1024'],
};
const QUALITIES: Record<string, string[]> = { 'dall-e-3': ['standard', 'hd', 'auto'], 'dall-e-2': ['standard', 'auto'] };
const MB = 1024 * 1024;

function imageProblem(image: ReceivedImage, what: string, types: string[], maxBytes: number): string | undefined {
	if (image.via === 'url') return /^https?:\/\//.test(image.url ?? '') ? undefined : `${what} image_url must be an http(s) URL or a data: URI`;
	if (image.via === 'fileId') return undefined;
	if (!types.includes(image.type ?? '')) return `${what} must be ${types.join(' or ')}, not ${image.type || 'unknown data'}`;
	if ((image.bytes ?? 0) > maxBytes) return `${what} must be smaller than ${maxBytes / MB}MB`;
	return undefined;
}

/** OpenAI's rules as TT API documents them for both endpoints; the first broken one, in words. */
export function requestProblem(kind: 'generations' | 'edits', request: ReceivedRequest): string | undefined {
	const { params } = request;
	const model = String(params.model ?? params.mode ?? 'dall-e-2');
	const models = kind === 'edits' ? [...GPT, 'dall-e-2'] : [...GPT, 'dall-e-3', 'dall-e-2'];
	if (!models.includes(model)) return `model must be one of ${models.join(', ')}`;
	const n = params.n ?? 1;
	if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 10) return 'n must be an integer from 1 to 10';
	if (model === 'dall-e-3' && n !== 1) return 'n can only be 1 for dall-e-3';
	const sizes = SIZES[model] ?? GPT_SIZES;
	if (params.size !== undefined && !sizes.includes(String(params.size))) return `size must be one of ${sizes.join(', ')} for ${model}`;
	const qualities = QUALITIES[model] ?? ['auto', 'high', 'medium', 'low'];
	if (params.quality !== undefined && !qualities.includes(String(params.quality))) return `quality must be one of ${qualities.join(', ')} for ${model}`;
	const format = String(params.output_format ?? 'png');
	if (!['png', 'jpeg', 'webp'].includes(format)) return 'output_format must be png, jpeg or webp';
	if (params.background !== undefined && !['auto', 'opaque', 'transparent'].includes(String(params.background))) return 'background must be auto, opaque or transparent';
	if (params.background === 'transparent' && format === 'jpeg') return 'transparent background needs output_format png or webp';
	const compression = Number(params.output_compression ?? 100);
	if (!Number.isInteger(compression) || compression < 0 || compression > 100) return 'output_compression must be from 0 to 100';
	if (kind === 'generations') return undefined;

	const max = model === 'dall-e-2' ? 1 : 16;
	if (request.images.length === 0) return 'image is required';
	if (request.images.length > max) return `at most ${max} images can be edited with ${model}, got ${request.images.length}`;
	const [types, maxBytes] = model === 'dall-e-2' ? [['png'], 4 * MB] : [['png', 'jpeg', 'webp'], 25 * MB];
	for (const [at, image] of request.images.entries()) {
		const problem = imageProblem(image, `image ${at + 1}`, types, maxBytes);
		if (problem) return problem;
	}
	return request.mask ? imageProblem(request.mask, 'mask', ['png'], 4 * MB) : undefined;
}
