import type { IDataObject, IN8nHttpFullResponse } from 'n8n-workflow';

import { networkFailureOf } from './network';
import { messageOf } from './request';
import { cancelSignal } from './retry';
import type { HttpContext } from './settings';

const RESUME_CALL_TIMEOUT_MS = 10_000;
/** The User-Agent of the node's own calls to a resume URL. */
export const RESUME_CALLER = 'n8n-nodes-ttapi';

/** What n8n answered a call to a paused execution's resume URL, or why the call got no answer. */
export type ResumeUrlAnswer = { statusCode: number; message: string } | { unreachable: string };

/**
 * POSTs to a paused execution's resume URL, where TT API's callbacks go. No credentials: the URL
 * carries the run's token. Nothing is retried here; the caller decides.
 */
export async function postToResumeUrl(ctx: HttpContext, url: string, body: IDataObject): Promise<ResumeUrlAnswer> {
	try {
		const response = (await ctx.helpers.httpRequest({
			method: 'POST',
			url,
			body,
			// Tells a log or proxy this call from TT API's own callbacks.
			headers: { 'User-Agent': RESUME_CALLER },
			json: true,
			returnFullResponse: true,
			ignoreHttpStatusErrors: true,
			timeout: RESUME_CALL_TIMEOUT_MS,
			abortSignal: cancelSignal(ctx),
		})) as IN8nHttpFullResponse;
		const message = messageOf(response.body) ?? (typeof response.body === 'string' ? response.body : '');
		return { statusCode: response.statusCode, message };
	} catch (error) {
		return { unreachable: networkFailureOf(error).words };
	}
}
