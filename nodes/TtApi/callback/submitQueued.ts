import type { IDataObject, IWebhookFunctions } from 'n8n-workflow';
import { NodeApiError } from 'n8n-workflow';

import { sleepUnlessCancelled } from '../helpers/sleep';
import { jobIdOf } from '../jobs/job';
import { isQueueExhausted } from '../jobs/limit';
import { backoffMs } from '../jobs/queueSchedule';
import { ttApiRequest } from '../transport/request';
import type { QueuedRun } from './state';

export type QueuedSubmit = { jobId: string } | { error: Error } | { tooLate: true };

/**
 * Submits a queued item from the resume webhook, as jobs/submit.ts does in the node. TT API just
 * ended one of our jobs, so its queue has room; a 499 all the same (other workflows took the place)
 * is tried again after a back-off, until the run's deadline: then the item was never submitted.
 */
export async function submitQueued(ctx: IWebhookFunctions, queue: QueuedRun, body: IDataObject, itemIndex: number): Promise<QueuedSubmit> {
	for (let refusals = 1; Date.now() < queue.deadline; refusals++) {
		try {
			const answer = await ttApiRequest(ctx, { method: 'POST', path: queue.submitPath, body, kind: 'submit', itemIndex, action: 'submit the job' });
			const jobId = jobIdOf(answer);
			if (answer.status !== 'FAILED' && jobId) return { jobId };
			return {
				error: new NodeApiError(ctx.getNode(), { message: answer.message ?? 'no job ID' }, {
					message: answer.status === 'FAILED' ? `TT API refused the job: ${answer.message ?? 'no reason given'}` : 'TT API accepted the request but sent no job ID',
					description: answer.status === 'FAILED'
						? 'Check the prompt and the parameters; nothing was waited for.'
						: 'The job may have started and been charged: check your TT API dashboard before running this item again.',
					itemIndex,
				}),
			};
		} catch (error) {
			if (!isQueueExhausted(error)) return { error: error as Error };
		}
		const delay = backoffMs(refusals);
		if (Date.now() + delay >= queue.deadline) break;
		await sleepUnlessCancelled(delay);
	}
	return { tooLate: true };
}
