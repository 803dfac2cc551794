import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { getJobProperties, runGetJob } from '../asyncImage';
import { gpt4oImageModel } from './model';

export const description = getJobProperties;

export async function execute(this: IExecuteFunctions, items: INodeExecutionData[]) {
	return await runGetJob(this, items, gpt4oImageModel);
}
