import type { INodeProperties } from 'n8n-workflow';

import * as generate from './generate.operation';

export const resource = {
	name: 'DALL·E 3',
	value: 'dalle3',
	description: 'Synchronous: the image comes back in the same call',
} as const;

export const operations = { generate };

export const operationSelector: INodeProperties = {
	displayName: 'Operation',
	name: 'operation',
	type: 'options',
	noDataExpression: true,
	displayOptions: { show: { resource: [resource.value] } },
	options: [{ name: 'Generate', value: 'generate', action: 'Generate an image with DALL·E 3', description: 'Create an image from a prompt' }],
	default: 'generate',
};
