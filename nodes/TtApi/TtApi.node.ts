import type {
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
	IWebhookFunctions,
	IWebhookResponseData,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { asyncModelOf, nodeProperties, route, subtitle } from './actions/router';
import { NOTHING_TO_REGISTER } from './callback/request';
import { resumeFromCallback } from './callback/resume';
import { ttApiApiTest } from './transport/credentialTest';

export class TtApi implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'TT API',
		name: 'ttApi',
		icon: { light: 'file:ttapi.svg', dark: 'file:ttapi.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: subtitle(),
		description: "Generate and edit images with TT API: Midjourney, Flux, Nano Banana, GPT image, GPT-4o image and DALL·E",
		defaults: { name: 'TT API' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'ttApiApi', required: true, testedBy: 'ttApiApiTest' }],
		// Wait Mode "Pause Until TT API Calls Back": TT API calls this execution's resume URL.
		webhooks: [
			{
				name: 'default',
				httpMethod: 'POST',
				responseMode: 'onReceived',
				path: '={{ $nodeId }}',
				restartWebhook: true,
				isFullPath: true,
			},
		],
		properties: nodeProperties(),
	};

	// The resume webhook belongs to one paused execution; nothing is registered anywhere.
	webhookMethods = NOTHING_TO_REGISTER;

	// The credential dialog's test: a function, so that its messages say what to fix.
	methods = { credentialTest: { ttApiApiTest } };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await route.call(this);
	}

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		return await resumeFromCallback(this, asyncModelOf(this.getNodeParameter('resource', ''), this.getNodeParameter('operation', '')));
	}
}
