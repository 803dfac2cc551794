import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { FIELDS, PROMPT_MAX_LENGTH } from '../../helpers/fields';
import { requireText } from '../../helpers/validation';
import { runAsyncGenerate } from '../../jobs/run';
import { promptProperty } from '../shared/properties';
import { midjourneyModel, readJobTimeout, readMode } from './model';
import { midjourneyRunProperties, modeProperty } from './properties';

export const description: INodeProperties[] = [
	{
		...promptProperty,
		placeholder: 'e.g. A lighthouse at dawn, watercolor --ar 16:9 --v 6',
		description: 'What the grid should show. Midjourney flags (--ar 16:9, --v 6, --no text) and reference image URLs at the start stay in the prompt.',
	},
	modeProperty,
	...midjourneyRunProperties(),
];

/** Imagine: a prompt becomes a grid of four images. */
export const model = midjourneyModel('/midjourney/v1/imagine', async (ctx, itemIndex) => {
	const mode = readMode(ctx, itemIndex);
	return {
		prompt: requireText(ctx, FIELDS.prompt, ctx.getNodeParameter('prompt', itemIndex, ''), itemIndex, PROMPT_MAX_LENGTH),
		mode,
		...readJobTimeout(ctx, itemIndex, mode),
	};
});

export async function execute(this: IExecuteFunctions, items: INodeExecutionData[]) {
	return await runAsyncGenerate(this, items, model);
}
