import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeApiError } from 'n8n-workflow';

import { settleConcurrent } from '../helpers/concurrency';
import { FIELDS } from '../helpers/fields';
import { requireText } from '../helpers/validation';
import { finishedJobResult } from './finished';
import { isFinished, jobToJson } from './job';
import type { AsyncModel } from './model';
import { collectResults, type ItemResult } from './results';
import { concurrencyOf, readDownloadOptions } from './settings';
import { fetchJob } from './wait';

/** TT API's answer for an ID it does not know is a FAILED job whose message says so. */
const isUnknownJob = (message: unknown) => typeof message === 'string' && /not\s*found|not\s*exist|no such/i.test(message);

/** Fetches jobs as they stand: a running one as it is, a finished one as generate gives it. */
export async function runGetJob(ctx: IExecuteFunctions, items: INodeExecutionData[], model: AsyncModel): Promise<INodeExecutionData[]> {
	const results = await settleConcurrent(items, concurrencyOf(ctx), async (_item, itemIndex): Promise<ItemResult> => {
		const jobId = requireText(ctx, FIELDS.jobId, ctx.getNodeParameter('jobId', itemIndex, ''), itemIndex, 200);
		const download = readDownloadOptions(ctx, itemIndex);
		const answer = await fetchJob(ctx, { jobId, fetchPath: model.fetchPath, itemIndex });
		if (answer.status === 'FAILED' && isUnknownJob(answer.message)) {
			const error = new NodeApiError(ctx.getNode(), { message: String(answer.message), jobId }, {
				message: `TT API has no job with ID ${jobId}`,
				description: `Check the Job ID (${FIELDS.jobId.name}): use the jobId of an item that Generate returned, for this same resource.`,
				httpCode: '404',
				itemIndex,
			});
			return { error, jobId };
		}
		if (!isFinished(answer.status, model.endStatuses)) return { items: [{ json: jobToJson(answer, jobId, model.spellings) }] };
		return await finishedJobResult(ctx, answer, jobId, itemIndex, download, model);
	});
	return collectResults(ctx, results.map((result) => ('error' in result ? { error: result.error } : result.value)));
}
