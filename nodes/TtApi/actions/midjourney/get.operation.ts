import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import type { AsyncModel } from '../../jobs/model';
import { runGetJob } from '../../jobs/get';
import { getJobProperties } from '../shared/properties';
import { model as imagine } from './imagine.operation';
import { midjourneyGetOptions } from './properties';
import { describeItems, midjourneyItems } from './tiles';

export const description = [...getJobProperties.filter((property) => property.name !== 'options'), midjourneyGetOptions];

/** Any Midjourney job, as the operation that made it gives it: Describe's prompts, or the image(s). */
export const model: AsyncModel = {
	...imagine,
	resultHasImage: false,
	async toItems(ctx, json, download, meta) {
		if (json.action === 'describe' || Array.isArray(json.prompts)) return await describeItems(ctx, json);
		if (json.imageUrl === null) {
			throw new NodeOperationError(ctx.getNode(), `TT API reports job ${meta.jobId} as ${json.status} but sent no image URL`, {
				itemIndex: meta.itemIndex,
				description: `Fetch the job later with the Get operation and job ID ${meta.jobId}.`,
			});
		}
		return await midjourneyItems(ctx, json, download, meta);
	},
};

export async function execute(this: IExecuteFunctions, items: INodeExecutionData[]) {
	return await runGetJob(this, items, model);
}
