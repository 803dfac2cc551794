import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';
import { NodeApiError } from 'n8n-workflow';

import { markMayHaveStartedJob } from '../transport/errors';
import { ttApiRequest, type TtApiEnvelope } from '../transport/request';
import type { HttpContext } from '../transport/settings';
import { jobIdOf } from './job';
import type { AsyncModel } from './model';
import { submitOnce } from './remembered';

/**
 * Submits one job and returns its ID; an answer without one is an error that warns of a charge.
 * A job an earlier try of the node (Retry On Fail) submitted for this item is returned instead.
 * With `queueFullAtOnce`, a 499 is the caller's to handle (it puts the item back in its queue), not tried again here.
 */
export async function submitJob(ctx: IExecuteFunctions, model: AsyncModel, body: IDataObject, itemIndex: number, queueFullAtOnce = false): Promise<string> {
	return await submitOnce(ctx, model.submitPath, body, itemIndex, async () => await submitNow(ctx, model, body, itemIndex, queueFullAtOnce));
}

async function submitNow(ctx: IExecuteFunctions, model: AsyncModel, body: IDataObject, itemIndex: number, queueFullAtOnce: boolean): Promise<string> {
	const answer = await ttApiRequest(ctx, {
		method: 'POST',
		path: model.submitPath,
		body: model.formBody ? await model.formBody(ctx, body, itemIndex) : body,
		kind: 'submit',
		itemIndex,
		action: 'submit the job',
		queueFullAtOnce,
	});
	return acceptedJobId(ctx, answer, itemIndex);
}

/**
 * The job ID of a submit answer, from the node or the resume webhook alike: a refusal, or an
 * answer without an ID (the job may have started and been charged), is an error that says which.
 */
export function acceptedJobId(ctx: HttpContext, answer: TtApiEnvelope, itemIndex: number): string {
	const jobId = jobIdOf(answer);
	if (answer.status !== 'FAILED' && jobId) return jobId;
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
