import { selectorFor } from '../shared/selector';
import * as generate from './generate.operation';
import * as get from './get.operation';

export const resource = {
	name: 'Flux',
	value: 'flux',
	description: 'Black Forest Labs Flux models: generate and edit (asynchronous)',
} as const;

export const operations = { generate, get };

export const operationSelector = selectorFor(resource.value, [
	{ name: 'Generate', value: 'generate', action: 'Generate an image with Flux', description: 'Submit a job and, by default, wait for its image' },
	{ name: 'Get', value: 'get', action: 'Get a Flux job', description: 'Fetch a generate or edit job by its ID' },
]);
