import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { settleConcurrent } from '../../helpers/concurrency';
import { collectResults, type ItemResult } from '../../jobs/results';
import { concurrencyOf } from '../../jobs/settings';
import { downloadOptionProperties } from './properties';

/**
 * The options of a synchronous operation, whose Request Timeout defaults to `seconds`: adding the
 * option in the editor sets its default, so the shared 60 s would end slow generations as "may
 * have been charged".
 */
export function syncOptionsProperty(seconds: number, why: string): INodeProperties {
	return {
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: downloadOptionProperties.map((property) =>
			property.name === 'requestTimeout'
				? {
						...property,
						default: seconds,
						description: `Seconds ONE call to TT API may take before it counts as failed. ${why} A failed call is not repeated, because the image may have been generated and charged. For the whole node.`,
					}
				: property,
		),
	};
}

/**
 * A synchronous operation over the items: every item is read and validated before the first
 * (paid) request, then sent with at most Concurrency in flight; results keep their input item,
 * and with Continue On Fail an item's error does not lose the others' images.
 */
export async function runSyncItems<Request>(
	ctx: IExecuteFunctions,
	items: INodeExecutionData[],
	read: (itemIndex: number) => Request | Promise<Request>,
	send: (request: Request, itemIndex: number) => Promise<INodeExecutionData>,
): Promise<INodeExecutionData[]> {
	const requests: Array<{ request: Request } | { error: Error }> = [];
	for (const itemIndex of items.keys()) {
		try {
			requests.push({ request: await read(itemIndex) });
		} catch (error) {
			requests.push({ error: error as Error });
		}
	}
	const invalidItems: ItemResult[] = requests.filter((request) => 'error' in request);
	if (!ctx.continueOnFail()) collectResults(ctx, invalidItems);
	const results = await settleConcurrent(requests, concurrencyOf(ctx), async (entry, itemIndex): Promise<ItemResult> =>
		'error' in entry ? entry : { items: [await send(entry.request, itemIndex)] },
	);
	return collectResults(ctx, results.map((result) => ('error' in result ? { error: result.error } : result.value)));
}
