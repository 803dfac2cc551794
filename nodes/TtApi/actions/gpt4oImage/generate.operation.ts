import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { asyncGenerateProperties, runAsyncGenerate } from '../asyncImage';
import { gpt4oImageModel } from './model';

export const description = asyncGenerateProperties(gpt4oImageModel);

export async function execute(this: IExecuteFunctions, items: INodeExecutionData[]) {
	return await runAsyncGenerate(this, items, gpt4oImageModel);
}
