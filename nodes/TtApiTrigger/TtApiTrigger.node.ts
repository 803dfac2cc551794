import type {
	IDataObject,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
	IWebhookFunctions,
	IWebhookResponseData,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { attachImage } from '../TtApi/jobs/binary';
import { NOTHING_TO_REGISTER, readCallbackBody, reply, secretMatches } from '../TtApi/callback/request';
import { isFinished, jobIdOf, jobToJson } from '../TtApi/jobs/job';

/** How many recent callbacks are remembered to drop repeats. */
const SEEN_LIMIT = 2000;

type Events = 'all' | 'succeeded' | 'failed';

/**
 * Callbacks this n8n process has taken. Concurrent webhook calls each get their own copy of the
 * static data, which n8n saves only after the execution, so a replay arriving meanwhile would pass it.
 */
const seenInProcess = new Set<string>();

/**
 * Remembers jobId+status pairs in this process and in the workflow's static data (which outlives a
 * restart), so a repeated callback starts nothing.
 */
function firstTimeSeen(ctx: IWebhookFunctions, key: string): boolean {
	const processKey = `${ctx.getWorkflow().id ?? ''}:${ctx.getNode().id}:${key}`;
	const staticData = ctx.getWorkflowStaticData('node');
	const seen = (staticData.seenCallbacks as string[] | undefined) ?? [];
	if (seenInProcess.has(processKey) || seen.includes(key)) return false;
	seenInProcess.add(processKey);
	if (seenInProcess.size > SEEN_LIMIT * 10) seenInProcess.delete(seenInProcess.values().next().value!);
	seen.push(key);
	staticData.seenCallbacks = seen.slice(-SEEN_LIMIT);
	return true;
}

export class TtApiTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'TT API Trigger',
		name: 'ttApiTrigger',
		icon: { light: 'file:ttapi.svg', dark: 'file:ttapi.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: '={{"events: " + $parameter["events"]}}',
		description: 'Starts the workflow when a TT API image job ends (the hookUrl callback)',
		defaults: { name: 'TT API Trigger' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		webhooks: [
			{
				name: 'default',
				httpMethod: 'POST',
				responseMode: 'onReceived',
				path: 'callback',
			},
		],
		properties: [
			{
				displayName:
					'Give TT API this node\'s Production URL followed by <code>?token=</code> and the secret below as the job\'s Hook URL, e.g. <code>https://n8n.example.com/webhook/…/callback?token=YOUR_SECRET</code>',
				name: 'notice',
				type: 'notice',
				default: '',
			},
			{
				displayName: 'Secret',
				name: 'secret',
				type: 'string',
				typeOptions: { password: true },
				default: '',
				required: true,
				description:
					'A long random string only you and TT API know. Calls without it as the token query parameter get 401 and start nothing.',
			},
			{
				displayName: 'Events',
				name: 'events',
				type: 'options',
				options: [
					{ name: 'All Finished Jobs', value: 'all' },
					{ name: 'Succeeded Jobs Only', value: 'succeeded' },
					{ name: 'Failed Jobs Only', value: 'failed' },
				],
				default: 'all',
			},
			{
				displayName: 'Options',
				name: 'options',
				type: 'collection',
				placeholder: 'Add Option',
				default: {},
				options: [
					{
						displayName: 'Download Image',
						name: 'download',
						type: 'boolean',
						default: true,
						description:
							'Whether to download the image into the item as binary data before its URL expires',
					},
					{
						displayName: 'Put Image in Field',
						name: 'binaryPropertyName',
						type: 'string',
						default: 'data',
						description: 'The name of the binary field the image is written to',
					},
				],
			},
		],
	};

	// TT API has no webhook registry: the URL travels with each job as its hookUrl, so there is
	// nothing to create, check or delete on TT API's side.
	webhookMethods = NOTHING_TO_REGISTER;

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		const secret = this.getNodeParameter('secret', '') as string;
		const { token } = this.getQueryData() as { token?: unknown };
		if (!secretMatches(token, secret)) {
			reply(this, 401, { message: 'Unauthorized' });
			return { noWebhookResponse: true };
		}

		const { body, tooLarge } = readCallbackBody(this);
		if (tooLarge) {
			reply(this, 413, { message: 'Body too large for a TT API callback' });
			return { noWebhookResponse: true };
		}
		const jobId = body ? jobIdOf(body) : undefined;
		if (!body || !jobId || typeof body.status !== 'string') {
			reply(this, 400, { message: 'Expected a TT API job as JSON, with jobId and status' });
			return { noWebhookResponse: true };
		}

		const events = this.getNodeParameter('events', 'all') as Events;
		const wanted =
			isFinished(body.status) &&
			(events === 'all' || (events === 'succeeded') === (body.status === 'SUCCESS'));
		if (!wanted || !firstTimeSeen(this, `${jobId}:${body.status}`)) {
			reply(this, 200, { received: true, started: false });
			return { noWebhookResponse: true };
		}

		// Answer TT API now; downloading the image must not keep it waiting.
		reply(this, 200, { received: true, started: true });
		const options = this.getNodeParameter('options', {}) as IDataObject;
		let item: INodeExecutionData = { json: jobToJson(body, jobId) };
		try {
			item = await attachImage(
				this,
				item,
				{ download: options.download !== false, binaryPropertyName: (options.binaryPropertyName as string) || 'data' },
				{ itemIndex: 0, jobId },
			);
		} catch (error) {
			// The callback itself is the result: keep it, and say why the image is missing.
			item.json.downloadError = (error as Error).message;
		}
		return { noWebhookResponse: true, workflowData: [[item]] };
	}
}
