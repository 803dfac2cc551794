import type { INode, JsonObject } from 'n8n-workflow';
import { NodeApiError } from 'n8n-workflow';

/** What the transport knows about a failed call; never the request headers, so never the key. */
export interface TtApiFailure {
	httpCode?: number;
	apiMessage?: string;
	networkCode?: string;
	jobId?: string;
	itemIndex: number;
	action: string;
	kind: 'read' | 'submit';
	/** A 403/404 on an image URL: it has expired. */
	imageExpired?: boolean;
}

// n8n swaps any message containing a raw code such as ECONNREFUSED for a generic sentence, so
// messages name the failure in words.
const NETWORK_WORDS: Record<string, string> = {
	ECONNREFUSED: 'connection refused',
	ECONNRESET: 'connection reset',
	ETIMEDOUT: 'no answer in time',
	ECONNABORTED: 'no answer in time',
	EPIPE: 'connection broken',
	EAI_AGAIN: 'host name lookup failed',
	ENOTFOUND: 'host not found',
	ERR_BAD_RESPONSE: 'unreadable answer',
};

export const networkWords = (code?: string) => (code ? (NETWORK_WORDS[code] ?? 'network error') : 'network error');

const withJob = (text: string, jobId?: string) => (jobId ? `${text} (job ${jobId})` : text);

function describe(failure: TtApiFailure): { message: string; description: string } {
	const { httpCode, apiMessage, networkCode, action } = failure;
	const said = apiMessage ? `TT API said: "${apiMessage}"` : '';
	if (failure.imageExpired) {
		return {
			message: `The image URL has expired (HTTP ${httpCode})`,
			description:
				'TT API image URLs expire. Fetch the job again with the Get operation for a fresh URL, or turn off Download.',
		};
	}
	if (failure.kind === 'submit' && (httpCode === undefined || httpCode >= 500)) {
		const reason =
			httpCode === undefined
				? `the connection failed (${networkWords(networkCode)})`
				: `TT API answered HTTP ${httpCode}`;
		return {
			message: `TT API may not have accepted the job: ${reason}`,
			description: `The job may still have started and been charged, so it was not submitted again. Check your TT API dashboard before running this item again. ${said}`.trim(),
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
		message: `Could not reach TT API to ${action} (${networkWords(networkCode)})`,
		description: 'Check the Base URL of the credential and your network.',
	};
}

export function ttApiError(node: INode, failure: TtApiFailure): NodeApiError {
	const { message, description } = describe(failure);
	const body: JsonObject = { message: failure.apiMessage ?? message };
	if (failure.jobId) body.jobId = failure.jobId;
	return new NodeApiError(node, body, {
		message: withJob(message, failure.jobId),
		description,
		httpCode: failure.httpCode !== undefined ? String(failure.httpCode) : undefined,
		itemIndex: failure.itemIndex,
	});
}
