import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';
import { NodeApiError } from 'n8n-workflow';

import { markMayHaveStartedJob } from '../transport/errors';
import { ttApiRequest } from '../transport/request';
import { jobIdOf } from './job';
import type { AsyncModel } from './model';
import { submitOnce } from './remembered';

/**
 * Submits one job and returns its ID; an answer without one is an error that warns of a charge.
 * A job an earlier try of the node (Retry On Fail) submitted for this item is returned instead.
 */
export async function submitJob(ctx: IExecuteFunctions, model: AsyncModel, body: IDataObject, itemIndex: number): Promise<string> {
	return await submitOnce(ctx, model.submitPath, body, itemIndex, async () => await submitNow(ctx, model, body, itemIndex));
}

async function submitNow(ctx: IExecuteFunctions, model: AsyncModel, body: IDataObject, itemIndex: number): Promise<string> {
	const answer = await ttApiRequest(ctx, {
		method: 'POST',
		path: model.submitPath,
		body: model.formBody ? await model.formBody(ctx, body, itemIndex) : body,
		kind: 'submit',
		itemIndex,
		action: 'submit the job',
	});
	const jobId = jobIdOf(answer);
	if (answer.status === 'FAILED' || !jobId) {
		const error = new NodeApiError(ctx.getNode(), { message: answer.message ?? 'no job ID' }, {
			message: answer.status === 'FAILED'
				? `TT API refused the job: ${answer.message ?? 'no reason given'}`
				: 'TT API accepted the request but sent no job ID',
			description: answer.status === 'FAILED'
				? 'Check the prompt and the parameters; nothing was waited for.'
				: 'The job may have started and been charged: check your TT API dashboard before running this item again.',
			itemIndex,
		});
		if (answer.status !== 'FAILED') markMayHaveStartedJob(error);
		throw error;
	}
	return jobId;
}
