import type { IDataObject, IWebhookFunctions } from 'n8n-workflow';

import { sleepUnlessCancelled } from '../helpers/sleep';
import { isQueueExhausted } from '../jobs/limit';
import { acceptedJobId } from '../jobs/submit';
import { backoffMs } from '../jobs/queueSchedule';
import { ttApiRequest } from '../transport/request';
import type { QueuedRun } from './state';

type QueuedSubmit = { jobId: string } | { error: Error } | { tooLate: true };

/**
 * Submits a queued item from the resume webhook, its answer read by jobs/submit.ts's acceptedJobId
 * as in the node. TT API just ended one of our jobs, so its queue has room; a 499 all the same (other
 * workflows took the place) is tried again after a back-off, until the run's deadline: then the item
 * was never submitted.
 */
export async function submitQueued(ctx: IWebhookFunctions, queue: QueuedRun, body: IDataObject, itemIndex: number): Promise<QueuedSubmit> {
	for (let refusals = 1; Date.now() < queue.deadline; refusals++) {
		try {
			const answer = await ttApiRequest(ctx, { method: 'POST', path: queue.submitPath, body, kind: 'submit', itemIndex, action: 'submit the job' });
			return { jobId: acceptedJobId(ctx, answer, itemIndex) };
		} catch (error) {
			if (!isQueueExhausted(error)) return { error: error as Error };
		}
		const delay = backoffMs(refusals);
		if (Date.now() + delay >= queue.deadline) break;
		await sleepUnlessCancelled(delay);
	}
	return { tooLate: true };
}
