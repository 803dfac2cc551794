import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { runAsyncGenerate } from '../../jobs/run';
import { asyncGenerateProperties } from '../shared/properties';
import { gpt4oImageModel } from './model';

export const model = gpt4oImageModel;

export const description = asyncGenerateProperties(gpt4oImageModel);

export async function execute(this: IExecuteFunctions, items: INodeExecutionData[]) {
	return await runAsyncGenerate(this, items, gpt4oImageModel);
}
