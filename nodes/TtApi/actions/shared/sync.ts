import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { NodeApiError } from 'n8n-workflow';

import { settleConcurrent } from '../../helpers/concurrency';
import { submitOnce } from '../../jobs/remembered';
import { collectResults, type ItemResult } from '../../jobs/results';
import { concurrencyOf } from '../../jobs/settings';
import { ttApiRequest, type TtApiEnvelope } from '../../transport/request';
import { downloadOptionProperties } from './properties';

/** Synchronous image calls answer only when the image is done, often after more than a minute. */
const SYNC_TIMEOUT_SECONDS = 180;

// Adding Request Timeout in the editor sets the option's default, so this default is what a user
// gets; the shared default (60 s) would end slow generations as "may have been charged".
export const syncOptionProperties: INodeProperties[] = downloadOptionProperties.map((property) =>
	property.name === 'requestTimeout'
		? {
				...property,
				default: SYNC_TIMEOUT_SECONDS,
				description:
					'Seconds ONE call to TT API may take before it counts as failed. The image comes back in the same call, often after more than a minute, so it defaults to 180. A failed call is not repeated, because the image may have been generated and charged. For the whole node.',
			}
		: property,
);

/**
 * The synchronous flow: every item is read and validated before the first (paid) request, then
 * sent with at most Concurrency calls in flight; each item's results are paired with it, and
 * Continue On Fail keeps the others' results.
 */
export async function executeSync<R>(
	ctx: IExecuteFunctions,
	items: INodeExecutionData[],
	read: (ctx: IExecuteFunctions, itemIndex: number) => R | Promise<R>,
	send: (ctx: IExecuteFunctions, request: R, itemIndex: number) => Promise<INodeExecutionData[]>,
): Promise<INodeExecutionData[]> {
	const requests: Array<R | { error: Error }> = [];
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		try {
			requests.push(await read(ctx, itemIndex));
		} catch (error) {
			requests.push({ error: error as Error });
		}
	}
	const isError = (request: R | { error: Error }): request is { error: Error } =>
		typeof request === 'object' && request !== null && 'error' in request;
	if (!ctx.continueOnFail()) collectResults(ctx, requests.filter(isError));
	const concurrency = concurrencyOf(ctx);

	const results = await settleConcurrent(requests, concurrency, async (request, itemIndex): Promise<ItemResult> =>
		isError(request) ? request : { items: await send(ctx, request, itemIndex) },
	);
	return collectResults(ctx, results.map((result) => ('error' in result ? { error: result.error } : result.value)));
}

interface SyncCall {
	path: string;
	body: IDataObject | Buffer | FormData;
	itemIndex: number;
	/** What the call does, for its error messages: "generate the image". */
	action: string;
}

/**
 * One paid synchronous call, which answers with the image. `read` turns TT API's answer into what
 * the node keeps for the item; a retry of the node (Retry On Fail) takes that instead of paying
 * again, unless `keep` turns it down (too big to keep in the execution).
 */
export async function callSyncOnce<T extends object>(
	ctx: IExecuteFunctions,
	{ path, body, itemIndex, action }: SyncCall,
	read: (answer: TtApiEnvelope) => T | Promise<T>,
	keep?: (value: T) => boolean,
): Promise<T> {
	return await submitOnce(
		ctx,
		path,
		body,
		itemIndex,
		async () => await read(await ttApiRequest(ctx, { method: 'POST', path, body, kind: 'submit', sync: true, itemIndex, action, defaultTimeoutMs: SYNC_TIMEOUT_SECONDS * 1000 })),
		keep,
	);
}

/** A synchronous answer that reports FAILED or holds no image URL. */
export function noImageError(ctx: IExecuteFunctions, answer: TtApiEnvelope, itemIndex: number): NodeApiError {
	return new NodeApiError(ctx.getNode(), { message: answer.message ?? 'no image' }, {
		message: `TT API did not return an image: ${answer.message ?? 'the answer had no image URL'}`,
		itemIndex,
	});
}
