import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { runGetJob } from '../../jobs/get';
import { getJobProperties } from '../shared/properties';
import { gpt4oImageModel } from './model';

export const model = gpt4oImageModel;

export const description = getJobProperties;

export async function execute(this: IExecuteFunctions, items: INodeExecutionData[]) {
	return await runGetJob(this, items, gpt4oImageModel);
}
