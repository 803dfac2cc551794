import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { runAsyncGenerate } from '../../jobs/run';
import { asyncGenerateProperties } from '../shared/properties';
import { gptImageModel } from './model';

export const model = gptImageModel;

export const description = asyncGenerateProperties(gptImageModel);

export async function execute(this: IExecuteFunctions, items: INodeExecutionData[]) {
	return await runAsyncGenerate(this, items, gptImageModel);
}
