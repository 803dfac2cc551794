import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { NodeApiError } from 'n8n-workflow';

import { ttApiRequest } from '../../transport/request';

export const description: INodeProperties[] = [];

/**
 * `GET /midjourney/v1/info`: TT API's account fields (balance, freeze_balance, max_queue, email,
 * ...) as sent. The account does not depend on the item, so it is read once and every input item
 * gets it.
 */
export async function execute(this: IExecuteFunctions, items: INodeExecutionData[]): Promise<INodeExecutionData[]> {
	const answer = await ttApiRequest(this, { method: 'GET', path: '/midjourney/v1/info', kind: 'read', itemIndex: 0, action: 'read the account' });
	if (answer.status === 'FAILED' || typeof answer.data !== 'object' || answer.data === null) {
		const said = answer.message ?? 'the answer held no account';
		throw new NodeApiError(this.getNode(), { message: said }, { message: `TT API did not return the account: ${said}` });
	}
	const account = answer.data as IDataObject;
	return items.map((_item, itemIndex) => ({ json: { ...account }, pairedItem: { item: itemIndex } }));
}
