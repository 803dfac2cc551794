import type {
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
	IWebhookFunctions,
	IWebhookResponseData,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { resumeFromCallback } from './actions/asyncImage';
import { operationProperties, route } from './actions/router';
import { NOTHING_TO_REGISTER } from './jobs/callbackRequest';

export class TtApi implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'TT API',
		name: 'ttApi',
		icon: { light: 'file:ttapi.svg', dark: 'file:ttapi.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{$parameter["operation"] + ": " + $parameter["resource"]}}',
		description: "Generate images with TT API's OpenAI models: DALL·E 3, GPT-4o image and GPT image",
		defaults: { name: 'TT API' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'ttApiApi', required: true }],
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
		properties: [
			{
				displayName: 'Resource',
				name: 'resource',
				type: 'options',
				noDataExpression: true,
				options: [
					{ name: 'DALL·E 3', value: 'dalle3', description: 'Synchronous: the image comes back in the same call' },
					{ name: 'GPT Image', value: 'gptImage', description: 'Models gpt-image-1, 1.5, 2, 2-plus and gpt-4o-image (asynchronous)' },
					{ name: 'GPT-4o Image', value: 'gpt4oImage', description: 'GPT-4o image generation (asynchronous)' },
				],
				default: 'gptImage',
			},
			{
				displayName: 'Operation',
				name: 'operation',
				type: 'options',
				noDataExpression: true,
				displayOptions: { show: { resource: ['dalle3'] } },
				options: [{ name: 'Generate', value: 'generate', action: 'Generate an image with DALL·E 3', description: 'Create an image from a prompt' }],
				default: 'generate',
			},
			{
				displayName: 'Operation',
				name: 'operation',
				type: 'options',
				noDataExpression: true,
				displayOptions: { show: { resource: ['gpt4oImage'] } },
				options: [
					{ name: 'Generate', value: 'generate', action: 'Generate a 4o image', description: 'Submit a job and, by default, wait for its image' },
					{ name: 'Get', value: 'get', action: 'Get a 4o image job', description: 'Fetch a job by its ID' },
				],
				default: 'generate',
			},
			{
				displayName: 'Operation',
				name: 'operation',
				type: 'options',
				noDataExpression: true,
				displayOptions: { show: { resource: ['gptImage'] } },
				options: [
					{ name: 'Generate', value: 'generate', action: 'Generate an image with a GPT image model', description: 'Submit a job and, by default, wait for its image' },
					{ name: 'Get', value: 'get', action: 'Get a GPT image job', description: 'Fetch a job by its ID' },
				],
				default: 'generate',
			},
			...operationProperties(),
		],
	};

	// The resume webhook belongs to one paused execution; nothing is registered anywhere.
	webhookMethods = NOTHING_TO_REGISTER;

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await route.call(this);
	}

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		return await resumeFromCallback(this);
	}
}
