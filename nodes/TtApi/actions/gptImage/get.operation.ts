import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { runGetJob } from '../../jobs/get';
import { getJobProperties } from '../shared/properties';
import { gptImageModel } from './model';

export const model = gptImageModel;

export const description = getJobProperties;

export async function execute(this: IExecuteFunctions, items: INodeExecutionData[]) {
	return await runGetJob(this, items, gptImageModel);
}
