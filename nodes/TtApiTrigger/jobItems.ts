import type { IDataObject, INodeExecutionData, IWebhookFunctions } from 'n8n-workflow';

import { jobModels } from '../TtApi/actions/router';
import { attachImage } from '../TtApi/jobs/binary';
import { jobToJson } from '../TtApi/jobs/job';
import type { AsyncModel } from '../TtApi/jobs/model';
import { downloadOptionsFrom } from '../TtApi/jobs/settings';
import type { TtApiEnvelope } from '../TtApi/transport/request';

/** The model whose jobs look like this callback (Midjourney's); otherwise the shape GPT image and Flux share. */
export const modelOf = (body: TtApiEnvelope): AsyncModel | undefined => jobModels().find((model) => model.recognises?.(body));

/**
 * The items a callback starts the workflow with, in the shape the action node's Get gives for that
 * model: a failed job as its JSON, a finished one with its image(s). A download that fails keeps the
 * job and says why the image is missing, since the callback itself is the result.
 */
export async function callbackItems(ctx: IWebhookFunctions, body: TtApiEnvelope, jobId: string, model?: AsyncModel): Promise<INodeExecutionData[]> {
	const json = jobToJson(body, jobId, model?.spellings);
	if (json.status !== 'SUCCESS') return [{ json }];
	const download = downloadOptionsFrom(ctx.getNodeParameter('options', {}) as IDataObject);
	const meta = { itemIndex: 0, jobId };
	try {
		if (model?.toItems) return await model.toItems(ctx, json, download, meta);
		return [await attachImage(ctx, { json }, download, meta)];
	} catch (error) {
		return [{ json: { ...json, downloadError: (error as Error).message } }];
	}
}
