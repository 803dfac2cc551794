import type { IDataObject, IHttpRequestOptions, IN8nHttpFullResponse } from 'n8n-workflow';

import { ttApiError, type TtApiFailure } from './errors';
import { cancelSignal, RETRY, sendWithRetries, type CallKind, type RetryPolicy } from './retry';
import { apiKeyOf, baseUrlOf, CREDENTIAL_TYPE, requestTimeoutMs, type HttpContext } from './settings';

// Other modules import the transport from this file.
export { downloadFile, type DownloadedFile } from './download';
export { DEFAULT_BASE_URL } from './network';
export { cancelSignal, isTransientFailure, retryDelayMs, RETRY, type CallKind, type RetryPolicy } from './retry';
export { CREDENTIAL_TYPE, getBaseUrl, REQUEST_TIMEOUT_RANGE, type HttpContext } from './settings';

/** TT API wraps every answer: `{ status, message, data }`, plus `jobId` on job answers. */
export interface TtApiEnvelope {
	status?: string;
	message?: string | null;
	jobId?: string;
	data?: unknown;
}

interface TtApiCall {
	method: 'GET' | 'POST';
	path: string;
	/**
	 * JSON as an object, JSON already serialized as a Buffer (large images: no second copy), or a
	 * global FormData sent as multipart/form-data.
	 */
	body?: IDataObject | Buffer | FormData;
	qs?: IDataObject;
	kind: CallKind;
	itemIndex: number;
	/** Named in errors so the user can find the job later. */
	jobId?: string;
	/** What the call does, for error messages: "submit the job", "fetch the job". */
	action: string;
	/** Timeout of this call unless the user set Request Timeout. */
	defaultTimeoutMs?: number;
	/** The answer comes when the work is done: a 504 is TT API's proxy giving up on a slow call. */
	sync?: boolean;
	/** A 499 (TT API's queue is full) is answered at once, not tried again: the caller puts the item back in its own queue. */
	queueFullAtOnce?: boolean;
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

const isEnvelope = (value: unknown): value is TtApiEnvelope =>
	typeof value === 'object' && value !== null && !Array.isArray(value);

/** TT API's `message` (n8n's own error answers have one too), or the OpenAI-shaped `{ error: { message } }` of the /v1 endpoints. */
export function messageOf(answer: unknown): string | undefined {
	if (!isEnvelope(answer)) return undefined;
	if (typeof answer.message === 'string') return answer.message;
	const error = (answer as { error?: unknown }).error;
	if (typeof error === 'string') return error;
	const nested = isEnvelope(error) ? (error as { message?: unknown }).message : undefined;
	return typeof nested === 'string' ? nested : undefined;
}

/** TT API's OpenAI-compatible /v1 pages show TT-API-KEY, its OpenAI SDK example sends Bearer: send both. */
async function extraHeaders(ctx: HttpContext, call: TtApiCall): Promise<IDataObject | undefined> {
	const headers: IDataObject = {};
	if (call.path.startsWith('/v1/')) headers.Authorization = `Bearer ${await apiKeyOf(ctx)}`;
	// n8n labels only object bodies as JSON.
	if (Buffer.isBuffer(call.body)) headers['Content-Type'] = 'application/json';
	return Object.keys(headers).length ? headers : undefined;
}

/**
 * The only way the nodes talk to TT API: authenticated by n8n, retried per `kind`, cancelled with
 * the execution, and every failure turned into an error a user can act on.
 */
export async function ttApiRequest(
	ctx: HttpContext,
	call: TtApiCall,
	policy: RetryPolicy = RETRY,
): Promise<TtApiEnvelope> {
	const { baseUrl, host, problem } = await baseUrlOf(ctx);
	const fail = (extra: Partial<TtApiFailure>) =>
		ttApiError(ctx.getNode(), {
			...extra,
			host,
			kind: call.kind,
			jobId: call.jobId,
			itemIndex: call.itemIndex,
			action: call.action,
			sync: call.sync,
		});
	if (problem) throw fail({ badBaseUrl: problem });

	const options: IHttpRequestOptions = {
		method: call.method,
		url: `${baseUrl}${call.path}`,
		qs: call.qs,
		headers: await extraHeaders(ctx, call),
		body: call.body,
		json: true,
		returnFullResponse: true,
		ignoreHttpStatusErrors: true,
		timeout: requestTimeoutMs(ctx, call.defaultTimeoutMs),
		abortSignal: cancelSignal(ctx),
	};
	const outcome = await sendWithRetries(
		ctx,
		call.kind,
		async () =>
			(await ctx.helpers.httpRequestWithAuthentication.call(ctx, CREDENTIAL_TYPE, {
				...options,
			})) as IN8nHttpFullResponse,
		(response) => isEnvelope(parseBody(response.body)),
		policy,
		!call.queueFullAtOnce,
	);
	if ('network' in outcome) throw fail({ network: outcome.network });

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
	throw fail({ httpCode: statusCode, apiMessage: messageOf(envelope) });
}
