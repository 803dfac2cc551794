import type { IDataObject, INodeExecutionData, IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';

import { mapConcurrent } from '../helpers/concurrency';
import { DEFAULT_CONCURRENCY } from '../helpers/fields';
import { finishedJobResult } from '../jobs/finished';
import type { AsyncModel } from '../jobs/model';
import { errorJson } from '../jobs/results';
import { CONCURRENCY_RANGE, downloadOptionsFrom } from '../jobs/settings';
import { receiveCallback } from './receive';

/**
 * The action node's webhook: TT API's callbacks to a paused execution. The callback that completes
 * the run resumes it with one item per input item, images included. n8n resumes past the node, so
 * nothing can stop the workflow here: a job that failed becomes an error item naming it, as
 * Continue On Fail shows errors.
 */
export async function resumeFromCallback(ctx: IWebhookFunctions, model?: AsyncModel): Promise<IWebhookResponseData> {
	const finished = await receiveCallback(ctx);
	if (!finished) return { noWebhookResponse: true };
	const options = ctx.getNodeParameter('options', {}) as IDataObject;
	const download = downloadOptionsFrom(options);
	const items: INodeExecutionData[] = finished.errors.map((entry) => ({
		json: errorJson({ message: entry.error!, description: entry.errorDescription }),
		pairedItem: { item: entry.itemIndex },
	}));
	// A thousand images one after another would hold the resume for many seconds: the Concurrency option applies here too.
	const concurrency = Math.min(CONCURRENCY_RANGE[1], Math.max(CONCURRENCY_RANGE[0], Math.floor(Number(options.concurrency) || DEFAULT_CONCURRENCY)));
	const results = await mapConcurrent(finished.finished, concurrency, async ({ job, answer }) => await finishedJobResult(ctx, answer, job.jobId, job.itemIndex, download, model));
	results.forEach((result, index) => {
		const { job } = finished.finished[index];
		if ('error' in result) items.push({ json: errorJson(result.error, job.jobId), pairedItem: { item: job.itemIndex } });
		else items.push(...result.items.map((item) => ({ ...item, pairedItem: { item: job.itemIndex } })));
	});
	items.sort((a, b) => (a.pairedItem as { item: number }).item - (b.pairedItem as { item: number }).item);
	return { noWebhookResponse: true, workflowData: [items] };
}
