import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeApiError } from 'n8n-workflow';

import { sniffImageType } from '../../helpers/imagesIn';
import { downloadFile, type TtApiEnvelope } from '../../transport/request';
import { MIME_OF } from './models';
import type { ImageRequest } from './read';

/** OpenAI's image answer, which TT API's /v1 endpoints return unwrapped. */
interface ImagesAnswer {
	created?: number;
	data?: Array<{ b64_json?: string; url?: string; revised_prompt?: string }>;
	usage?: IDataObject;
}

const EXTENSIONS: Record<string, string> = { 'image/png': 'png', 'image/jpeg': 'jpg', 'image/webp': 'webp', 'image/gif': 'gif' };

/** The answer itself, or its `data` when a gateway wraps it in TT API's envelope. */
function answerOf(envelope: TtApiEnvelope): ImagesAnswer {
	if (Array.isArray(envelope.data)) return envelope as ImagesAnswer;
	const inner = envelope.data as ImagesAnswer | undefined;
	return inner && Array.isArray(inner.data) ? inner : {};
}

/**
 * One item per image: its bytes as binary (decoded from b64_json, or downloaded from its URL,
 * which expires), and json with the model, prompt, revised prompt, index, created and usage.
 * The MIME type is the image's own, else the one Output Format asked for.
 */
export async function imagesToItems(
	ctx: IExecuteFunctions,
	envelope: TtApiEnvelope,
	request: ImageRequest,
	itemIndex: number,
): Promise<INodeExecutionData[]> {
	const answer = answerOf(envelope);
	const images = answer.data ?? [];
	if (images.length === 0 || images.some((image) => !image.b64_json && !image.url)) {
		const said = envelope.message ?? 'the answer held no image';
		throw new NodeApiError(ctx.getNode(), { message: said }, { message: `TT API did not return an image: ${said}`, itemIndex });
	}
	const asked = MIME_OF[request.outputFormat] ?? 'image/png';
	const items: INodeExecutionData[] = [];
	for (const [index, image] of images.entries()) {
		const json: IDataObject = { model: request.model, prompt: request.prompt };
		if (image.revised_prompt) json.revisedPrompt = image.revised_prompt;
		Object.assign(json, { index, created: answer.created ?? null, usage: answer.usage ?? null });
		let binary;
		if (image.b64_json) {
			const bytes = Buffer.from(image.b64_json, 'base64');
			const mimeType = sniffImageType(bytes.subarray(0, 16)) || asked;
			binary = await ctx.helpers.prepareBinaryData(bytes, `ttapi-${answer.created ?? 'image'}-${index + 1}.${EXTENSIONS[mimeType] ?? 'png'}`, mimeType);
		} else {
			json.imageUrl = image.url;
			const file = await downloadFile(ctx, image.url!, { itemIndex });
			const type = file.contentType?.split(';')[0].trim() ?? '';
			const mimeType = type.startsWith('image/') ? type : asked;
			binary = await ctx.helpers.prepareBinaryData(file.body, `ttapi-${answer.created ?? 'image'}-${index + 1}.${EXTENSIONS[mimeType] ?? 'png'}`, mimeType);
		}
		items.push({ json, binary: { [request.binaryPropertyName]: binary } });
	}
	return items;
}

/**
 * Whether a retry may take these items instead of paying again: their images are stored by
 * reference (n8n's filesystem, S3 or database binary store), so the items are a few hundred bytes.
 * With images kept in memory (n8n's default mode) each item carries its image, too big to keep.
 */
export const imagesStoredByReference = (items: INodeExecutionData[]): boolean =>
	items.every((item) => Object.values(item.binary ?? {}).every((binary) => typeof binary.id === 'string' && binary.id !== ''));
