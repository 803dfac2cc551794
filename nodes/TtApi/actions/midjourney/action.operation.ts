import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { NodeApiError } from 'n8n-workflow';

import { invalid, requireText } from '../../helpers/validation';
import { isFinished, jobToJson } from '../../jobs/job';
import { runAsyncGenerate } from '../../jobs/run';
import { fetchJob } from '../../jobs/wait';
import { MJ_FIELDS } from './fields';
import { MJ_FETCH_PATH, MJ_SPELLINGS, midjourneyModel, readJobTimeout } from './model';
import { midjourneyRunProperties } from './properties';

/** The buttons of a finished grid, as TT API names them in the job's `components`. */
const GRID_ACTIONS = ['upsample1', 'upsample2', 'upsample3', 'upsample4', 'variation1', 'variation2', 'variation3', 'variation4', 'reroll'];

const label = (action: string) => action.replace(/^upsample/, 'Upscale ').replace(/^variation/, 'Vary ').replace(/^reroll$/, 'Reroll');

export const description: INodeProperties[] = [
	{
		displayName: 'Job ID',
		name: 'jobId',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'e.g. 5ecc5080-b1d7-4b9f-8184-435e46ebb5cb',
		description: 'The finished Midjourney job to act on, e.g. the jobId of an Imagine item',
	},
	{
		displayName: 'Action',
		name: 'action',
		type: 'options',
		options: GRID_ACTIONS.map((action) => ({ name: `${label(action)} (${action})`, value: action })),
		default: 'upsample1',
		description:
			"The button to press. A grid offers these; other jobs offer what their components list (e.g. after an upscale): give any of those with an expression. An action the job does not offer is refused before anything is sent, naming the ones it does.",
	},
	...midjourneyRunProperties(),
];

/** Checks the parent job (a free fetch) so an action it does not offer costs nothing and says what it does offer. */
async function checkedAction(ctx: IExecuteFunctions, itemIndex: number): Promise<IDataObject> {
	const jobId = requireText(ctx, MJ_FIELDS.parentJobId, ctx.getNodeParameter('jobId', itemIndex, ''), itemIndex, 200);
	const action = requireText(ctx, MJ_FIELDS.action, ctx.getNodeParameter('action', itemIndex, ''), itemIndex, 100);
	const parent = jobToJson(await fetchJob(ctx, { jobId, fetchPath: MJ_FETCH_PATH, itemIndex }), jobId, MJ_SPELLINGS);
	if (parent.status === 'FAILED' && /not\s*found|not\s*exist|no such/i.test(String(parent.message))) {
		throw new NodeApiError(ctx.getNode(), { message: String(parent.message), jobId }, {
			message: `TT API has no Midjourney job with ID ${jobId}`,
			description: `Check the Job ID (${MJ_FIELDS.parentJobId.name}): use the jobId of a Midjourney item, e.g. from Imagine. Nothing was sent.`,
			httpCode: '404',
			itemIndex,
		});
	}
	if (parent.status !== 'SUCCESS') {
		const why = isFinished(parent.status) ? `failed (${parent.message || 'no reason given'})` : `is ${parent.status}, not finished yet`;
		throw new NodeApiError(ctx.getNode(), { message: String(parent.message ?? parent.status), jobId }, {
			message: `Midjourney job ${jobId} ${why}: no action can be taken on it`,
			description: 'Actions apply to a finished job: wait for it (Wait Mode "Poll Until Done" on Imagine, or Get) and check its Job ID. Nothing was sent.',
			itemIndex,
		});
	}
	const offered = Array.isArray(parent.components) ? parent.components.map(String) : undefined;
	if (offered && !offered.includes(action)) {
		const list = offered.length > 0 ? `Job ${jobId} offers: ${offered.join(', ')}.` : `Job ${jobId} offers no actions.`;
		throw invalid(ctx, MJ_FIELDS.action, itemIndex, `is "${action}", which job ${jobId} does not offer`, `${list} Nothing was sent.`);
	}
	return { jobId, action, ...readJobTimeout(ctx, itemIndex, 'any') };
}

/** Action: upscale, vary or reroll a finished job; the result is a new job. */
export const model = midjourneyModel('/midjourney/v1/action', checkedAction);

export async function execute(this: IExecuteFunctions, items: INodeExecutionData[]) {
	return await runAsyncGenerate(this, items, model);
}
