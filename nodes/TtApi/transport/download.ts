import type { IDataObject, IN8nHttpFullResponse } from 'n8n-workflow';

import { ttApiError } from './errors';
import { cancelSignal, discardBody, headerValue, RETRY, sendWithRetries, type RetryPolicy } from './retry';
import { requestTimeoutMs, type HttpContext } from './settings';

export interface DownloadedFile {
	/** The response body as a stream, for n8n to write into its binary data store. */
	body: Parameters<HttpContext['helpers']['prepareBinaryData']>[0];
	contentType?: string;
}

function hostOf(url: string): string {
	try {
		return new URL(url).host;
	} catch {
		return '';
	}
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
	const failure = { jobId: meta.jobId, itemIndex: meta.itemIndex, kind: 'read' as const, action: 'download the image', image: true };
	if ('network' in outcome) {
		throw ttApiError(ctx.getNode(), { ...failure, network: outcome.network, host: hostOf(url) });
	}
	const { statusCode, headers, body } = outcome.response;
	if (statusCode < 200 || statusCode >= 300) discardBody(outcome.response);
	if (statusCode === 403 || statusCode === 404 || statusCode === 410) {
		throw ttApiError(ctx.getNode(), { ...failure, imageExpired: true, httpCode: statusCode });
	}
	if (statusCode < 200 || statusCode >= 300) {
		throw ttApiError(ctx.getNode(), { ...failure, httpCode: statusCode });
	}
	const contentType = headerValue(headers as IDataObject, 'content-type');
	return {
		body: body as DownloadedFile['body'],
		contentType: typeof contentType === 'string' ? contentType : undefined,
	};
}
