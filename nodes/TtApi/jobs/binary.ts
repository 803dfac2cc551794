import type { IBinaryKeyData, INodeExecutionData } from 'n8n-workflow';

import { downloadFile, type HttpContext } from '../transport/request';

export interface DownloadOptions {
	download: boolean;
	binaryPropertyName: string;
	/** A job with several images (a Midjourney grid's tiles) becomes one item per image. */
	splitTiles?: boolean;
}

function fileNameFor(url: string, fallbackStem: string, mimeType: string): string {
	let name = '';
	try {
		name = decodeURIComponent(new URL(url).pathname.split('/').pop() ?? '');
	} catch {
		name = '';
	}
	if (/^[\w.-]+\.\w{2,5}$/.test(name)) return name;
	const extension = mimeType.split('/')[1]?.split(/[;+]/)[0] || 'png';
	return `${fallbackStem}.${extension === 'jpeg' ? 'jpg' : extension}`;
}

/** Adds the image at `json.imageUrl` to the item as binary data, because TT API's URLs expire. */
export async function attachImage(
	ctx: HttpContext,
	item: INodeExecutionData,
	options: DownloadOptions,
	meta: { itemIndex: number; jobId?: string },
): Promise<INodeExecutionData> {
	const url = item.json.imageUrl;
	if (!options.download || typeof url !== 'string' || url === '') return item;
	const file = await downloadFile(ctx, url, meta);
	const mimeType = file.contentType?.split(';')[0].trim() || 'image/png';
	const fileName = fileNameFor(url, meta.jobId ?? 'ttapi-image', mimeType);
	const binary: IBinaryKeyData = {
		...(item.binary ?? {}),
		[options.binaryPropertyName]: await ctx.helpers.prepareBinaryData(file.body, fileName, mimeType),
	};
	return { ...item, binary };
}
