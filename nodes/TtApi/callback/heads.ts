import type { IExecuteFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { settleConcurrent } from '../helpers/concurrency';
import { sleepUnlessCancelled } from '../helpers/sleep';
import { isQueueExhausted } from '../jobs/limit';
import type { AcceptedItem, AsyncModel } from '../jobs/model';
import { backoffMs } from '../jobs/queueSchedule';
import type { RunProgress } from '../jobs/progress';
import type { ItemResult } from '../jobs/results';
import type { RunSettings } from '../jobs/settings';
import { submitJob } from '../jobs/submit';
import { cancelSignal } from '../transport/request';

/**
 * The submit bodies of queued items stay in the paused execution's data until the last is sent.
 * A prompt and its options are a few hundred bytes (1,000 items: well under 1 MB); images sent
 * inline as data URIs are not, and n8n loads that data for every callback.
 */
const MAX_QUEUED_BYTES = 16 * 1024 * 1024;

interface Heads {
	/** The jobs submitted before the pause, by item index, in submit order. */
	jobIds: Map<number, string>;
	/** Items left for the callbacks to submit, in order. */
	waiting: AcceptedItem[];
}

/**
 * Before the pause: the first N items as jobs, with this run's resume URL as hookUrl. A 499 puts
 * the item back; once one job of ours is out, its callback submits the rest. While none is (other
 * workflows hold the whole queue), the node backs off and tries again, until the Wait Timeout.
 */
export async function submitHeads(
	ctx: IExecuteFunctions,
	{ model, settings, hookUrl, progress }: { model: AsyncModel; settings: RunSettings; hookUrl: string; progress?: RunProgress },
	accepted: AcceptedItem[],
	limit: number,
	results: ItemResult[],
): Promise<Heads> {
	if (accepted.length > limit) {
		const bytes = Buffer.byteLength(JSON.stringify(accepted.slice(limit).map((item) => item.body)));
		if (bytes > MAX_QUEUED_BYTES) {
			throw new NodeOperationError(ctx.getNode(), `The ${accepted.length - limit} items waiting for TT API's queue are too large to keep in the paused execution`, {
				description: `Their requests take ${Math.ceil(bytes / 1024 / 1024)} MB (at most ${MAX_QUEUED_BYTES / 1024 / 1024} MB). Nothing was submitted. Use Wait Mode "Poll Until Done", or send fewer items per run.`,
			});
		}
	}
	const jobIds = new Map<number, string>();
	const waiting = [...accepted];
	const giveUpAt = Date.now() + settings.timeoutMs;
	let refusals = 0;
	while (waiting.length > 0 && jobIds.size < limit) {
		const batch = waiting.splice(0, limit - jobIds.size);
		// A 499 puts the item back at once: retrying it here would hold the pause, and a job accepted
		// meanwhile could end, and call back, before n8n has stored the paused run (n8n refuses that callback).
		const outcomes = await settleConcurrent(batch, settings.concurrency, async ({ itemIndex, body }) => await submitJob(ctx, model, { ...body, hookUrl }, itemIndex, true));
		const refused: AcceptedItem[] = [];
		batch.forEach((item, position) => {
			const outcome = outcomes[position];
			if ('value' in outcome) jobIds.set(item.itemIndex, outcome.value);
			else if (isQueueExhausted(outcome.error)) refused.push(item);
			else results[item.itemIndex] = { error: outcome.error };
			progress?.mark(item.itemIndex, 'value' in outcome ? 'running' : refused.includes(item) ? 'queued' : 'failed');
		});
		waiting.unshift(...refused);
		if (refused.length === 0) continue;
		if (jobIds.size > 0) break;
		const delay = backoffMs(++refusals);
		if (Date.now() + delay > giveUpAt) break;
		await sleepUnlessCancelled(delay, cancelSignal(ctx));
	}
	return { jobIds, waiting };
}
