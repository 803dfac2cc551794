import type { INodeExecutionData } from 'n8n-workflow';

import { attachImage, type DownloadOptions } from '../../jobs/binary';
import type { JobJson } from '../../jobs/job';
import type { HttpContext } from '../../transport/request';

const tilesOf = (json: JobJson): string[] =>
	Array.isArray(json.images) ? json.images.filter((url): url is string => typeof url === 'string' && url !== '') : [];

/**
 * A finished Midjourney job: one item with the grid (or the single upscaled image) as binary, or,
 * with Split Grid Into Tiles, one item per tile so each can go its own way. A tile item keeps the
 * job's fields; `tile` is its number, the N of upsampleN.
 */
export async function midjourneyItems(
	ctx: HttpContext,
	json: JobJson,
	download: DownloadOptions,
	meta: { itemIndex: number; jobId: string },
): Promise<INodeExecutionData[]> {
	const tiles = tilesOf(json);
	if (!download.splitTiles || tiles.length < 2) return [await attachImage(ctx, { json }, download, meta)];
	// One at a time: four downloads of one job in flight would multiply the run's concurrency.
	const items: INodeExecutionData[] = [];
	for (const [index, url] of tiles.entries()) {
		items.push(await attachImage(ctx, { json: { ...json, tile: index + 1, gridImageUrl: json.imageUrl, imageUrl: url } }, download, meta));
	}
	return items;
}

/**
 * Describe's four prompts. Where TT API puts them is not documented; Midjourney itself answers one
 * text with numbered prompts, so both a `prompts` list and a numbered `prompt` text are read.
 */
function describedPrompts(json: JobJson): string[] {
	if (Array.isArray(json.prompts)) return json.prompts.filter((prompt): prompt is string => typeof prompt === 'string');
	const text = typeof json.prompt === 'string' ? json.prompt : '';
	return text
		.split(/\n\s*\n|\n(?=\s*(?:[1-9]\uFE0F?\u20E3|\d+[.)]\s))/u)
		.map((part) => part.replace(/^\s*(?:[1-9]\uFE0F?\u20E3|\d+[.)])\s*/u, '').trim())
		.filter((part) => part !== '');
}

export async function describeItems(_ctx: HttpContext, json: JobJson): Promise<INodeExecutionData[]> {
	return [{ json: { ...json, prompts: describedPrompts(json) } }];
}
