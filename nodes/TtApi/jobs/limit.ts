import type { IDataObject } from 'n8n-workflow';
import { NodeApiError } from 'n8n-workflow';

import { ttApiRequest, type HttpContext, type RetryPolicy } from '../transport/request';
import type { RunSettings } from './settings';

/**
 * N when the account's queue size cannot be read. TT API's account example shows max_queue 5 and its
 * Midjourney pages say 10; the lower one never runs a default account into 499s.
 */
const FALLBACK_MAX_QUEUE = 5;

const ACCOUNT_INFO_PATH = '/midjourney/v1/info';

// One retry: a slow or failing read must not hold up the run, since the fallback is safe.
const INFO_POLICY: RetryPolicy = { attempts: 2, baseDelayMs: 500, maxDelayMs: 1000 };
const INFO_TIMEOUT_MS = 15_000;

/** The account's `max_queue` (TTAPI-MORE.md §2.1), or undefined when TT API does not give it. */
async function accountMaxQueue(ctx: HttpContext): Promise<number | undefined> {
	try {
		const answer = await ttApiRequest(
			ctx,
			{ method: 'GET', path: ACCOUNT_INFO_PATH, kind: 'read', itemIndex: 0, action: 'read the account queue size', defaultTimeoutMs: INFO_TIMEOUT_MS },
			INFO_POLICY,
		);
		const value = Number((answer.data as IDataObject | null | undefined)?.max_queue);
		return Number.isInteger(value) && value > 0 ? value : undefined;
	} catch (error) {
		const code = error instanceof NodeApiError && error.httpCode ? ` (HTTP ${error.httpCode})` : '';
		ctx.logger.warn(`TT API: the account queue size could not be read${code}; at most ${FALLBACK_MAX_QUEUE} jobs at once`);
		return undefined;
	}
}

/**
 * N, the jobs of this run at TT API at once: the account's max_queue, read once per run, or Max
 * Jobs in Flight when smaller. A single item needs no read.
 */
export async function jobsInFlightLimit(ctx: HttpContext, settings: RunSettings, itemCount: number): Promise<number> {
	if (itemCount <= 1) return 1;
	return Math.min((await accountMaxQueue(ctx)) ?? FALLBACK_MAX_QUEUE, settings.maxJobsInFlight);
}

/** TT API did not start the job: its queue for the account is full (TTAPI-MORE.md §1.4, §1.7). */
export const isQueueExhausted = (error: unknown): boolean => error instanceof NodeApiError && error.httpCode === '499';
