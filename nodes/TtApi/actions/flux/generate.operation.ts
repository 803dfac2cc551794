import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { runAsyncGenerate } from '../../jobs/run';
import { asyncGenerateProperties } from '../shared/properties';
import { fluxGenerateModel } from './model';

// TT API documents no reference images for /flux/generate: images go through Edit.
export const model = fluxGenerateModel;

export const description = asyncGenerateProperties(fluxGenerateModel).filter((property) => property.name !== 'referImages');

export async function execute(this: IExecuteFunctions, items: INodeExecutionData[]) {
	return await runAsyncGenerate(this, items, fluxGenerateModel);
}
