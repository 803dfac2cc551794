import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { submitOnce } from '../../jobs/remembered';
import { ttApiRequest } from '../../transport/request';
import { promptProperty } from '../shared/properties';
import { executeSync, SYNC_TIMEOUT_SECONDS } from '../shared/sync';
import { GENERATE_MODELS } from './models';
import { imagesStoredByReference, imagesToItems } from './output';
import { imageOptions, modelProperty } from './properties';
import { readImageRequest, type ImageRequest } from './read';

export const description: INodeProperties[] = [modelProperty(GENERATE_MODELS), promptProperty, imageOptions(GENERATE_MODELS)];

const GENERATE_PATH = '/v1/images/generations';

async function generate(ctx: IExecuteFunctions, request: ImageRequest, itemIndex: number): Promise<INodeExecutionData[]> {
	const body = { prompt: request.prompt, model: request.model, ...request.fields };
	// A retry of the node (Retry On Fail) takes the images an earlier try was charged for, when stored by reference.
	return await submitOnce(
		ctx,
		GENERATE_PATH,
		body,
		itemIndex,
		async () => {
			const answer = await ttApiRequest(ctx, {
				method: 'POST',
				path: GENERATE_PATH,
				body,
				kind: 'submit',
				sync: true,
				itemIndex,
				action: 'generate the image',
				defaultTimeoutMs: SYNC_TIMEOUT_SECONDS * 1000,
			});
			return await imagesToItems(ctx, answer, request, itemIndex);
		},
		imagesStoredByReference,
	);
}

export async function execute(this: IExecuteFunctions, items: INodeExecutionData[]) {
	return await executeSync(this, items, (ctx, itemIndex) => readImageRequest(ctx, itemIndex, GENERATE_MODELS), generate);
}
