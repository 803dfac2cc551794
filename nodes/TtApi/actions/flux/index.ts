import { selectorFor } from '../shared/selector';
import * as edit from './edit.operation';
import * as generate from './generate.operation';
import * as get from './get.operation';

export const resource = {
	name: 'Flux',
	value: 'flux',
	description: 'Black Forest Labs Flux models: generate and edit (asynchronous)',
} as const;

export const operations = { generate, edit, get };

export const operationSelector = selectorFor(resource.value, [
	{ name: 'Generate', value: 'generate', action: 'Generate an image with Flux', description: 'Submit a job and, by default, wait for its image' },
	{ name: 'Edit', value: 'edit', action: 'Edit images with Flux', description: "Upload the input item's images with a prompt, and by default wait for the result" },
	{ name: 'Get', value: 'get', action: 'Get a Flux job', description: 'Fetch a generate or edit job by its ID' },
]);
