import type { FunctionsBase, IDataObject, IExecuteFunctions, IN8nHttpFullResponse } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import { sleepUnlessCancelled } from '../helpers/sleep';

import { isPermanentFailure } from './errors';
import { networkFailureOf, type NetworkFailure } from './network';

/**
 * `read`: fetch or download, safe to repeat. `submit`: may start (and charge) a job, so it is
 * repeated only when TT API certainly did not start it: 429, 499, or a failure before sending.
 */
export type CallKind = 'read' | 'submit';

export interface RetryPolicy {
	attempts: number;
	baseDelayMs: number;
	maxDelayMs: number;
}

export const RETRY: RetryPolicy = { attempts: 5, baseDelayMs: 500, maxDelayMs: 30_000 };

export function cancelSignal(ctx: FunctionsBase): AbortSignal | undefined {
	const withSignal = ctx as Partial<IExecuteFunctions>;
	return typeof withSignal.getExecutionCancelSignal === 'function'
		? withSignal.getExecutionCancelSignal()
		: undefined;
}

function isRetryableStatus(status: number, kind: CallKind, retryQueueFull = true): boolean {
	if (status === 429 || (status === 499 && retryQueueFull)) return true;
	return kind === 'read' && status >= 500;
}

function isRetryableNetwork(failure: NetworkFailure, kind: CallKind): boolean {
	return failure.retry === 'any' || (failure.retry === 'read' && kind === 'read');
}

/**
 * Whether a read that failed after its retries may still succeed later: the same failures a read
 * retries (rate limits, 5xx, network, unreadable answers), as opposed to a wrong key, a refused
 * request, a missing job or a setting that must change first (Base URL, certificate).
 */
export function isTransientFailure(error: unknown): boolean {
	if (!(error instanceof NodeApiError) || isPermanentFailure(error)) return false;
	if (!error.httpCode) return true;
	const status = Number(error.httpCode);
	return isRetryableStatus(status, 'read') || (status >= 200 && status < 300);
}

/** Delay before retry number `attempt` (1-based), honouring Retry-After (seconds or HTTP date). */
export function retryDelayMs(
	attempt: number,
	retryAfter: unknown,
	policy: RetryPolicy = RETRY,
): number {
	if (typeof retryAfter === 'string' && retryAfter.trim() !== '') {
		const seconds = Number(retryAfter);
		const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(retryAfter) - Date.now();
		if (Number.isFinite(ms)) return Math.min(Math.max(ms, 0), policy.maxDelayMs * 2);
	}
	const exponential = policy.baseDelayMs * 2 ** (attempt - 1);
	return Math.min(exponential * (0.75 + Math.random() * 0.5), policy.maxDelayMs);
}

export function headerValue(headers: IDataObject | undefined, name: string): unknown {
	if (!headers) return undefined;
	const key = Object.keys(headers).find((h) => h.toLowerCase() === name);
	return key ? headers[key] : undefined;
}

/** A streamed body that will not be read must be destroyed, or its socket stays busy. */
export function discardBody(response: IN8nHttpFullResponse): void {
	const body = response.body as { destroy?: () => void } | undefined;
	if (body && typeof body.destroy === 'function') body.destroy();
}

type SendOutcome = { response: IN8nHttpFullResponse } | { network: NetworkFailure };

/**
 * Sends until the answer is final: retryable statuses and network errors are retried per `kind`
 * with backoff (Retry-After first); anything else is returned for the caller to interpret.
 */
export async function sendWithRetries(
	ctx: FunctionsBase,
	kind: CallKind,
	send: () => Promise<IN8nHttpFullResponse>,
	acceptable: (response: IN8nHttpFullResponse) => boolean,
	policy: RetryPolicy,
	retryQueueFull = true,
): Promise<SendOutcome> {
	const signal = cancelSignal(ctx);
	for (let attempt = 1; ; attempt++) {
		const last = attempt >= policy.attempts;
		let response: IN8nHttpFullResponse;
		try {
			response = await send();
		} catch (error) {
			if (signal?.aborted) throw new NodeOperationError(ctx.getNode(), error as Error);
			const network = networkFailureOf(error);
			if (last || !isRetryableNetwork(network, kind)) return { network };
			await sleepUnlessCancelled(retryDelayMs(attempt, undefined, policy), signal);
			continue;
		}
		const status = response.statusCode;
		const ok = status >= 200 && status < 300;
		const retryable = ok ? !acceptable(response) && kind === 'read' : isRetryableStatus(status, kind, retryQueueFull);
		if (last || !retryable) return { response };
		discardBody(response);
		await sleepUnlessCancelled(
			retryDelayMs(attempt, headerValue(response.headers as IDataObject, 'retry-after'), policy),
			signal,
		);
	}
}
