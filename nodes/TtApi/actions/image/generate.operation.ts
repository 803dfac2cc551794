import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { promptProperty } from '../shared/properties';
import { callSyncOnce, executeSync } from '../shared/sync';
import { GENERATE_MODELS } from './models';
import { imagesStoredByReference, imagesToItems } from './output';
import { imageOptions, modelProperty } from './properties';
import { readImageRequest, type ImageRequest } from './read';

export const description: INodeProperties[] = [modelProperty(GENERATE_MODELS), promptProperty, imageOptions(GENERATE_MODELS)];

const GENERATE_PATH = '/v1/images/generations';

async function generate(ctx: IExecuteFunctions, request: ImageRequest, itemIndex: number): Promise<INodeExecutionData[]> {
	const body = { prompt: request.prompt, model: request.model, ...request.fields };
	return await callSyncOnce(
		ctx,
		{ path: GENERATE_PATH, body, itemIndex, action: 'generate the image' },
		async (answer) => await imagesToItems(ctx, answer, request, itemIndex),
		imagesStoredByReference,
	);
}

export async function execute(this: IExecuteFunctions, items: INodeExecutionData[]) {
	return await executeSync(this, items, (ctx, itemIndex) => readImageRequest(ctx, itemIndex, GENERATE_MODELS), generate);
}
