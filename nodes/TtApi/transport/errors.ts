import type { INode, JsonObject } from 'n8n-workflow';
import { NodeApiError } from 'n8n-workflow';

import { DEFAULT_BASE_URL, type NetworkFailure } from './network';

/** What the transport knows about a failed call; never the request headers, so never the key. */
export interface TtApiFailure {
	httpCode?: number;
	apiMessage?: string;
	network?: NetworkFailure;
	/** The host the call went to, named in network errors. */
	host?: string;
	/** Why the credential's Base URL cannot be used, as a sentence that says what to fix. */
	badBaseUrl?: string;
	jobId?: string;
	itemIndex: number;
	action: string;
	kind: 'read' | 'submit';
	/** A download from TT API's image host rather than a call to TT API itself. */
	image?: boolean;
	/** A 403/404 on an image URL: it has expired. */
	imageExpired?: boolean;
	/** A synchronous call: the answer waits for the image. */
	sync?: boolean;
}

const withJob = (text: string, jobId?: string) => (jobId ? `${text} (job ${jobId})` : text);

const nothingSent = (kind: TtApiFailure['kind']) =>
	kind === 'submit' ? 'Nothing was sent to TT API, so no job was started and nothing was charged.' : 'Nothing was sent to TT API.';

const slowHint = (network?: NetworkFailure) =>
	network && !network.beforeSend && ['ECONNABORTED', 'ETIMEDOUT'].includes(network.code ?? '')
		? 'If TT API is slow to answer, raise the Request Timeout option.'
		: '';

/** The low-level cause, for searching and support; n8n rewrites a code in the message, not here. */
function causeOf(network?: NetworkFailure): string {
	const { code, detail } = network ?? {};
	if (!detail) return code ? `Cause: ${code}.` : '';
	return code && !detail.includes(code) ? `Cause: ${detail} (${code}).` : `Cause: ${detail}.`;
}

const sentences = (...parts: string[]) => parts.filter(Boolean).join(' ');

/** A failure before any byte reached TT API: what to fix, and never a word about charges. */
function describeBeforeSend(failure: TtApiFailure, network: NetworkFailure) {
	const { action, host, image } = failure;
	const target = image ? `the image host${host ? ` ${host}` : ''}` : `TT API${host ? ` at ${host}` : ''}`;
	const check = image
		? 'Check that this machine can reach the image host.'
		: `Check the Base URL in the TT API credential (TT API's is ${DEFAULT_BASE_URL}).`;
	if (network.tls) {
		return {
			message: `Could not connect to ${target} to ${action}: ${network.words}`,
			description: sentences(
				image ? '' : nothingSent(failure.kind),
				check,
				'An https:// URL must point at a TLS port; a proxy that replaces certificates needs its CA certificate trusted by n8n (NODE_EXTRA_CA_CERTS).',
				causeOf(network),
			),
		};
	}
	const where =
		network.code === 'ECONNREFUSED'
			? 'Nothing listens on that host and port, or a firewall refused the connection.'
			: network.code === 'SSRF_BLOCKED'
				? 'If the host is right, ask your n8n administrator to allow it.'
				: "Also check this machine's DNS and network.";
	return {
		message: `Could not reach ${target} to ${action}: ${network.words}`,
		description: sentences(image ? '' : nothingSent(failure.kind), check, where, causeOf(network)),
	};
}

const ACCELERATED_BASE_URL = 'https://api.ttapi.org';

/** TT API's advice: api.ttapi.io's proxy ends long synchronous calls with 504; api.ttapi.org does not. */
function describeSyncTimeout(failure: TtApiFailure) {
	const timedOut = `TT API timed out (HTTP 504) before it could ${failure.action}`;
	const charged = 'The image may still have been generated and charged; it was not requested again. Check your TT API dashboard before running this item again.';
	if (failure.host === new URL(ACCELERATED_BASE_URL).host) {
		return { message: timedOut, description: `${charged} Try again later, or with fewer or smaller images.` };
	}
	return {
		message: `${timedOut}: use the Base URL ${ACCELERATED_BASE_URL} for slow synchronous calls`,
		description: `TT API recommends ${ACCELERATED_BASE_URL} for slow synchronous calls: the proxy in front of ${DEFAULT_BASE_URL} ends them with a 504. Change the Base URL in the TT API credential. ${charged}`,
	};
}

function describe(failure: TtApiFailure): { message: string; description: string } {
	const { httpCode, apiMessage, network, action } = failure;
	const said = apiMessage ? `TT API said: "${apiMessage}"` : '';
	if (failure.badBaseUrl) {
		return { message: failure.badBaseUrl, description: `Fix the Base URL in the TT API credential. ${nothingSent(failure.kind)}` };
	}
	if (httpCode === undefined && network?.beforeSend) return describeBeforeSend(failure, network);
	if (failure.imageExpired) {
		return {
			message: `The image URL has expired (HTTP ${httpCode})`,
			description:
				'TT API image URLs expire. Fetch the job again with the Get operation for a fresh URL, or turn off Download.',
		};
	}
	if (failure.sync && httpCode === 504) return describeSyncTimeout(failure);
	if (failure.kind === 'submit' && (httpCode === undefined || httpCode >= 500)) {
		const reason =
			httpCode === undefined
				? `the connection failed (${network?.words ?? 'network error'})`
				: `TT API answered HTTP ${httpCode}`;
		return {
			message: `TT API may not have accepted the job: ${reason}`,
			description: sentences(
				'The request may have reached TT API, so the job may still have started and been charged; it was not submitted again. Check your TT API dashboard before running this item again.',
				said,
				slowHint(network),
				causeOf(network),
			),
		};
	}
	switch (httpCode) {
		case 400:
			return {
				message: `TT API refused the request: ${apiMessage ?? 'bad or missing parameters'}`,
				description: 'Fix the parameters named above; retrying the same request will not help.',
			};
		case 401:
			return {
				message: 'The TT API key is wrong',
				description: 'Check the API key in the TT API credential (TT API dashboard → API key).',
			};
		case 402:
			return {
				message: 'TT API balance insufficient',
				description: `Top up your TT API quota, then run the workflow again. ${said}`.trim(),
			};
		case 403:
			return {
				message: 'The TT API account is blocked',
				description: `Contact TT API support. ${said}`.trim(),
			};
		case 404:
			return {
				message: `TT API does not know this resource (${action})`,
				description: `Check the Base URL of the credential and the job ID. ${said}`.trim(),
			};
		case 429:
			return {
				message: 'TT API rate limit reached, retries exhausted',
				description: 'Lower the Concurrency option or spread the items over time.',
			};
		case 499:
			return {
				message: 'TT API queue for this model is exhausted, retries exhausted',
				description: 'Try again later or choose another model.',
			};
		default:
			break;
	}
	if (httpCode !== undefined && httpCode >= 200 && httpCode < 300) {
		return {
			message: `TT API's answer could not be read while trying to ${action}`,
			description: apiMessage ?? 'The answer was not valid JSON.',
		};
	}
	if (httpCode !== undefined) {
		return {
			message: `TT API failed with HTTP ${httpCode} while trying to ${action}`,
			description: said || 'TT API had a service error; try again in a moment.',
		};
	}
	return {
		message: `Could not reach ${failure.image ? 'the image host' : 'TT API'} to ${action} (${network?.words ?? 'network error'})`,
		description: sentences(
			failure.image ? 'Check your network.' : 'Check the Base URL of the credential and your network.',
			slowHint(network),
			causeOf(network),
		),
	};
}

// Failures that repeating the call cannot fix until a setting changes; they end a wait at once.
const permanent = new WeakSet<Error>();
export const isPermanentFailure = (error: unknown) => error instanceof Error && permanent.has(error);

// Submits that reached TT API without a job ID coming back: the job may have started and been charged.
const uncertain = new WeakSet<Error>();
export const mayHaveStartedJob = (error: unknown) => error instanceof Error && uncertain.has(error);
export const markMayHaveStartedJob = (error: Error) => uncertain.add(error);

function reachedTtApiUnanswered({ kind, badBaseUrl, httpCode, network }: TtApiFailure): boolean {
	if (kind !== 'submit' || badBaseUrl) return false;
	if (httpCode === undefined) return network?.beforeSend === false;
	return httpCode >= 500 || (httpCode >= 200 && httpCode < 300);
}

export function ttApiError(node: INode, failure: TtApiFailure): NodeApiError {
	const { message, description } = describe(failure);
	const body: JsonObject = { message: failure.apiMessage ?? message };
	if (failure.jobId) body.jobId = failure.jobId;
	const error = new NodeApiError(node, body, {
		message: withJob(message, failure.jobId),
		description,
		httpCode: failure.httpCode !== undefined ? String(failure.httpCode) : undefined,
		itemIndex: failure.itemIndex,
	});
	if (failure.badBaseUrl || (failure.httpCode === undefined && failure.network?.retry === 'none')) permanent.add(error);
	if (reachedTtApiUnanswered(failure)) uncertain.add(error);
	return error;
}
