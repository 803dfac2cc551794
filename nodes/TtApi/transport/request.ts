import type {
	FunctionsBase,
	IDataObject,
	IExecuteFunctions,
	IHttpRequestOptions,
	IN8nHttpFullResponse,
	IWebhookFunctions,
} from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import { sleepUnlessCancelled } from '../helpers/sleep';

import { ttApiError } from './errors';

export const CREDENTIAL_TYPE = 'ttApiApi';
export const DEFAULT_BASE_URL = 'https://api.ttapi.io';

/** TT API wraps every answer: `{ status, message, data }`, plus `jobId` on job answers. */
export interface TtApiEnvelope {
	status?: string;
	message?: string | null;
	jobId?: string;
	data?: unknown;
}

/**
 * `read`: fetch or download, safe to repeat. `submit`: may start (and charge) a job, so it is
 * repeated only when TT API certainly did not start it: 429, 499 or a refused connection.
 */
export type CallKind = 'read' | 'submit';

export interface TtApiCall {
	method: 'GET' | 'POST';
	path: string;
	body?: IDataObject;
	qs?: IDataObject;
	kind: CallKind;
	itemIndex: number;
	/** Named in errors so the user can find the job later. */
	jobId?: string;
	/** What the call does, for error messages: "submit the job", "fetch the job". */
	action: string;
	/** Timeout of this call unless the user set Request Timeout. */
	defaultTimeoutMs?: number;
}

export interface RetryPolicy {
	attempts: number;
	baseDelayMs: number;
	maxDelayMs: number;
}

export const RETRY: RetryPolicy = { attempts: 5, baseDelayMs: 500, maxDelayMs: 30_000 };
export const REQUEST_TIMEOUT_RANGE = [1, 600] as const;
const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;

export type HttpContext = IExecuteFunctions | IWebhookFunctions;

const baseUrls = new WeakMap<object, string>();

export async function getBaseUrl(ctx: HttpContext): Promise<string> {
	let baseUrl = baseUrls.get(ctx);
	if (baseUrl === undefined) {
		const credentials = await ctx.getCredentials(CREDENTIAL_TYPE);
		baseUrl = String(credentials.baseUrl || DEFAULT_BASE_URL).replace(/\/+$/, '');
		baseUrls.set(ctx, baseUrl);
	}
	return baseUrl;
}

const requestTimeouts = new WeakMap<object, number | null>();

/**
 * How long one HTTP call may hang before it counts as a network failure (retried for reads,
 * reported for submits): the node's "Request Timeout" option when set, else the call's default.
 * The option is validated with the other options, before any request.
 */
function requestTimeoutMs(ctx: HttpContext, defaultMs = DEFAULT_REQUEST_TIMEOUT_MS): number {
	let chosenMs = requestTimeouts.get(ctx);
	if (chosenMs === undefined) {
		const seconds = 'getInputData' in ctx ? ctx.getNodeParameter('options.requestTimeout', 0, null) : null;
		const [min, max] = REQUEST_TIMEOUT_RANGE;
		chosenMs = typeof seconds === 'number' ? 1000 * Math.min(max, Math.max(min, seconds)) : null;
		requestTimeouts.set(ctx, chosenMs);
	}
	return chosenMs ?? defaultMs;
}

export function cancelSignal(ctx: FunctionsBase): AbortSignal | undefined {
	const withSignal = ctx as Partial<IExecuteFunctions>;
	return typeof withSignal.getExecutionCancelSignal === 'function'
		? withSignal.getExecutionCancelSignal()
		: undefined;
}

const NETWORK_CODES = [
	'ECONNREFUSED',
	'ECONNRESET',
	'ETIMEDOUT',
	'ECONNABORTED',
	'EPIPE',
	'EAI_AGAIN',
	'ENOTFOUND',
	'ERR_BAD_RESPONSE',
];

/** The low-level code of a network failure, looked up through n8n's error wrappers. */
export function networkCodeOf(error: unknown): string | undefined {
	let current = error as { code?: unknown; httpCode?: unknown; cause?: unknown; message?: unknown } | undefined;
	for (let depth = 0; current && depth < 5; depth++) {
		// NodeApiError keeps the low-level code in httpCode; axios errors in code.
		for (const code of [current.code, current.httpCode]) {
			if (typeof code === 'string' && NETWORK_CODES.includes(code)) return code;
		}
		if (typeof current.message === 'string') {
			if (/socket hang up/i.test(current.message)) return 'ECONNRESET';
			if (/timeout of \d+ms exceeded/i.test(current.message)) return 'ETIMEDOUT';
			const named = NETWORK_CODES.find((code) => (current!.message as string).includes(code));
			if (named) return named;
		}
		current = current.cause as typeof current;
	}
	return undefined;
}

function isRetryableStatus(status: number, kind: CallKind): boolean {
	if (status === 429 || status === 499) return true;
	return kind === 'read' && status >= 500;
}

function isRetryableNetwork(code: string, kind: CallKind): boolean {
	return kind === 'read' || code === 'ECONNREFUSED';
}

/**
 * Whether a read that failed after its retries may still succeed later: the same failures a read
 * retries (rate limits, 5xx, network, unreadable answers), as opposed to a wrong key, a refused
 * request or a missing job.
 */
export function isTransientFailure(error: unknown): boolean {
	if (!(error instanceof NodeApiError)) return false;
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

function parseBody(body: unknown): unknown {
	if (Buffer.isBuffer(body)) body = body.toString('utf8');
	if (typeof body !== 'string') return body;
	try {
		return JSON.parse(body);
	} catch {
		return undefined;
	}
}

function headerValue(headers: IDataObject | undefined, name: string): unknown {
	if (!headers) return undefined;
	const key = Object.keys(headers).find((h) => h.toLowerCase() === name);
	return key ? headers[key] : undefined;
}

/** A streamed body that will not be read must be destroyed, or its socket stays busy. */
function discardBody(response: IN8nHttpFullResponse): void {
	const body = response.body as { destroy?: () => void } | undefined;
	if (body && typeof body.destroy === 'function') body.destroy();
}

type SendOutcome = { response: IN8nHttpFullResponse } | { networkCode: string };

/**
 * Sends until the answer is final: retryable statuses and network errors are retried per `kind`
 * with backoff (Retry-After first); anything else is returned for the caller to interpret.
 */
async function sendWithRetries(
	ctx: HttpContext,
	kind: CallKind,
	send: () => Promise<IN8nHttpFullResponse>,
	acceptable: (response: IN8nHttpFullResponse) => boolean,
	policy: RetryPolicy,
): Promise<SendOutcome> {
	const signal = cancelSignal(ctx);
	for (let attempt = 1; ; attempt++) {
		const last = attempt >= policy.attempts;
		let response: IN8nHttpFullResponse;
		try {
			response = await send();
		} catch (error) {
			if (signal?.aborted) throw new NodeOperationError(ctx.getNode(), error as Error);
			const networkCode = networkCodeOf(error) ?? 'network error';
			if (last || !isRetryableNetwork(networkCode, kind)) return { networkCode };
			await sleepUnlessCancelled(retryDelayMs(attempt, undefined, policy), signal);
			continue;
		}
		const status = response.statusCode;
		const ok = status >= 200 && status < 300;
		const retryable = ok ? !acceptable(response) && kind === 'read' : isRetryableStatus(status, kind);
		if (last || !retryable) return { response };
		discardBody(response);
		await sleepUnlessCancelled(
			retryDelayMs(attempt, headerValue(response.headers as IDataObject, 'retry-after'), policy),
			signal,
		);
	}
}

const isEnvelope = (value: unknown): value is TtApiEnvelope =>
	typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The only way the nodes talk to TT API: authenticated by n8n, retried per `kind`, cancelled with
 * the execution, and every failure turned into an error a user can act on.
 */
export async function ttApiRequest(
	ctx: HttpContext,
	call: TtApiCall,
	policy: RetryPolicy = RETRY,
): Promise<TtApiEnvelope> {
	const baseUrl = await getBaseUrl(ctx);
	const options: IHttpRequestOptions = {
		method: call.method,
		url: `${baseUrl}${call.path}`,
		qs: call.qs,
		body: call.body,
		json: true,
		returnFullResponse: true,
		ignoreHttpStatusErrors: true,
		timeout: requestTimeoutMs(ctx, call.defaultTimeoutMs),
		abortSignal: cancelSignal(ctx),
	};
	const fail = (extra: { httpCode?: number; apiMessage?: string; networkCode?: string }) =>
		ttApiError(ctx.getNode(), {
			...extra,
			kind: call.kind,
			jobId: call.jobId,
			itemIndex: call.itemIndex,
			action: call.action,
		});

	const outcome = await sendWithRetries(
		ctx,
		call.kind,
		async () =>
			(await ctx.helpers.httpRequestWithAuthentication.call(ctx, CREDENTIAL_TYPE, {
				...options,
			})) as IN8nHttpFullResponse,
		(response) => isEnvelope(parseBody(response.body)),
		policy,
	);
	if ('networkCode' in outcome) throw fail({ networkCode: outcome.networkCode });

	const { statusCode } = outcome.response;
	const envelope = parseBody(outcome.response.body);
	if (statusCode >= 200 && statusCode < 300) {
		if (isEnvelope(envelope)) return envelope;
		throw fail({
			httpCode: statusCode,
			apiMessage:
				call.kind === 'submit'
					? 'the answer was not valid JSON; the job may have started, check your TT API dashboard before running this item again'
					: 'the answer was not valid JSON',
		});
	}
	const apiMessage =
		isEnvelope(envelope) && typeof envelope.message === 'string' ? envelope.message : undefined;
	throw fail({ httpCode: statusCode, apiMessage });
}

export interface DownloadedFile {
	/** The response body as a stream, for n8n to write into its binary data store. */
	body: Parameters<HttpContext['helpers']['prepareBinaryData']>[0];
	contentType?: string;
}

/**
 * Downloads an image TT API produced, as a stream: n8n's binary data store writes it to disk
 * without holding the whole image in memory. Image URLs are public CDN links, so no key is sent;
 * they expire, which shows as 403/404 and is reported as such.
 */
export async function downloadFile(
	ctx: HttpContext,
	url: string,
	meta: { jobId?: string; itemIndex: number },
	policy: RetryPolicy = RETRY,
): Promise<DownloadedFile> {
	const outcome = await sendWithRetries(
		ctx,
		'read',
		async () =>
			(await ctx.helpers.httpRequest({
				method: 'GET',
				url,
				encoding: 'stream',
				returnFullResponse: true,
				ignoreHttpStatusErrors: true,
				timeout: requestTimeoutMs(ctx),
				abortSignal: cancelSignal(ctx),
			})) as IN8nHttpFullResponse,
		() => true,
		policy,
	);
	const failure = { jobId: meta.jobId, itemIndex: meta.itemIndex, kind: 'read' as const };
	if ('networkCode' in outcome) {
		throw ttApiError(ctx.getNode(), { ...failure, action: 'download the image', networkCode: outcome.networkCode });
	}
	const { statusCode, headers, body } = outcome.response;
	if (statusCode < 200 || statusCode >= 300) discardBody(outcome.response);
	if (statusCode === 403 || statusCode === 404 || statusCode === 410) {
		throw ttApiError(ctx.getNode(), { ...failure, action: 'download the image', imageExpired: true, httpCode: statusCode });
	}
	if (statusCode < 200 || statusCode >= 300) {
		throw ttApiError(ctx.getNode(), { ...failure, action: 'download the image', httpCode: statusCode });
	}
	const contentType = headerValue(headers as IDataObject, 'content-type');
	return {
		body: body as DownloadedFile['body'],
		contentType: typeof contentType === 'string' ? contentType : undefined,
	};
}
