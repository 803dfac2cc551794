import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import type { HttpContext, TtApiEnvelope } from '../transport/request';
import { attachImage, type DownloadOptions } from './binary';
import { jobToJson } from './job';
import type { AsyncModel } from './model';
import { forgetFailedJob } from './remembered';
import type { ItemResult } from './results';

/**
 * The one failure contract of a finished job, for polling, callbacks and Get alike: FAILED, SUCCESS
 * without an image URL, and an image that cannot be downloaded are errors that name the job;
 * SUCCESS becomes the model's items (by default one item with its image).
 */
export async function finishedJobResult(
	ctx: HttpContext,
	answer: TtApiEnvelope,
	jobId: string,
	itemIndex: number,
	download: DownloadOptions,
	model?: AsyncModel,
): Promise<ItemResult> {
	const json = jobToJson(answer, jobId, model?.spellings);
	if (json.status === 'FAILED') {
		forgetFailedJob(ctx, jobId);
		const reason = json.message || 'no reason given';
		const hint = model?.failureHint?.(reason);
		const error = new NodeApiError(ctx.getNode(), { message: json.message || 'failed', jobId }, {
			message: `TT API job ${jobId} failed: ${reason}`,
			description: `TT API reports the job as FAILED. Job ID: ${jobId}.${hint ? ` ${hint}` : ''}`,
			itemIndex,
		});
		return { error, jobId };
	}
	if (model?.resultHasImage !== false && json.imageUrl === null) {
		const error = new NodeOperationError(ctx.getNode(), `TT API reports job ${jobId} as ${json.status} but sent no image URL`, {
			itemIndex,
			description: `Fetch the job later with the Get operation and job ID ${jobId}.`,
		});
		return { error, jobId };
	}
	try {
		const meta = { itemIndex, jobId };
		if (model?.toItems) return { items: await model.toItems(ctx, json, download, meta) };
		return { items: [await attachImage(ctx, { json }, download, meta)] };
	} catch (error) {
		return { error: error as Error, jobId };
	}
}
