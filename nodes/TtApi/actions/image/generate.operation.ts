import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { ttApiRequest } from '../../transport/request';
import { promptProperty } from '../shared/properties';
import { executeSync, SYNC_TIMEOUT_SECONDS } from '../shared/sync';
import { GENERATE_MODELS } from './models';
import { imagesToItems } from './output';
import { imageOptions, modelProperty } from './properties';
import { readImageRequest, type ImageRequest } from './read';

export const description: INodeProperties[] = [modelProperty(GENERATE_MODELS), promptProperty, imageOptions(GENERATE_MODELS)];

async function generate(ctx: IExecuteFunctions, request: ImageRequest, itemIndex: number): Promise<INodeExecutionData[]> {
	const answer = await ttApiRequest(ctx, {
		method: 'POST',
		path: '/v1/images/generations',
		body: { prompt: request.prompt, model: request.model, ...request.fields },
		kind: 'submit',
		sync: true,
		itemIndex,
		action: 'generate the image',
		defaultTimeoutMs: SYNC_TIMEOUT_SECONDS * 1000,
	});
	return await imagesToItems(ctx, answer, request, itemIndex);
}

export async function execute(this: IExecuteFunctions, items: INodeExecutionData[]) {
	return await executeSync(this, items, (ctx, itemIndex) => readImageRequest(ctx, itemIndex, GENERATE_MODELS), generate);
}
