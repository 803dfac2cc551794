import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { runGetJob } from '../../jobs/get';
import { getJobProperties } from '../shared/properties';
import { fluxGenerateModel } from './model';

export const model = fluxGenerateModel;

export const description = getJobProperties;

// Generations and edits are read from the same fetch path.
export async function execute(this: IExecuteFunctions, items: INodeExecutionData[]) {
	return await runGetJob(this, items, fluxGenerateModel);
}
