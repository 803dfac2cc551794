import type {
	INodeType,
	INodeTypeDescription,
	IWebhookFunctions,
	IWebhookResponseData,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { NOTHING_TO_REGISTER, readCallbackBody, reply, secretMatches } from '../TtApi/callback/request';
import { isFinished, jobIdOf } from '../TtApi/jobs/job';
import { callbackItems, modelOf } from './jobItems';
import { firstTimeSeen } from './seen';
import { expectedSecret, FROM_V2, secretProperties, ttApiCallbackSecret } from './secret';

type Events = 'all' | 'succeeded' | 'failed';

export class TtApiTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'TT API Trigger',
		name: 'ttApiTrigger',
		icon: { light: 'file:ttapi.svg', dark: 'file:ttapi.dark.svg' },
		group: ['trigger'],
		// Version 2 takes the secret from a credential; version 1 keeps it as a node parameter.
		version: [1, 2],
		defaultVersion: 2,
		subtitle: '={{"events: " + $parameter["events"]}}',
		// n8n's editor folds this trigger into the TT API app entry and shows this text for the app.
		description: "Generate and edit images with TT API (Midjourney, Flux, Nano Banana, GPT image, DALL·E), and start workflows when a job ends",
		defaults: { name: 'TT API Trigger' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [
			{
				name: 'ttApiTriggerApi',
				displayName: 'TT API Callback Secret',
				required: true,
				testedBy: 'ttApiCallbackSecret',
				displayOptions: { show: FROM_V2 },
			},
		],
		webhooks: [
			{
				name: 'default',
				httpMethod: 'POST',
				responseMode: 'onReceived',
				path: 'callback',
			},
		],
		properties: [
			...secretProperties,
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
					{
						displayName: 'Split Grid Into Tiles',
						name: 'splitTiles',
						type: 'boolean',
						default: false,
						description:
							"Whether a Midjourney grid becomes four items, one tile each as binary (its tile field is the N of upsampleN), instead of one item with the grid",
					},
				],
			},
		],
	};

	// TT API has no webhook registry: the URL travels with each job as its hookUrl, so there is
	// nothing to create, check or delete on TT API's side.
	webhookMethods = NOTHING_TO_REGISTER;

	methods = { credentialTest: { ttApiCallbackSecret } };

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		const { token } = this.getQueryData() as { token?: unknown };
		if (!secretMatches(token, await expectedSecret(this))) {
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
		const model = modelOf(body);
		const wanted =
			isFinished(body.status, model?.endStatuses) &&
			(events === 'all' || (events === 'succeeded') === (body.status === 'SUCCESS'));
		if (!wanted || !firstTimeSeen(this, `${jobId}:${body.status}`)) {
			reply(this, 200, { received: true, started: false });
			return { noWebhookResponse: true };
		}

		// Answer TT API now; downloading the image must not keep it waiting.
		reply(this, 200, { received: true, started: true });
		return { noWebhookResponse: true, workflowData: [await callbackItems(this, body, jobId, model)] };
	}
}
