import { selectorFor } from '../shared/selector';
import * as generate from './generate.operation';
import * as get from './get.operation';

export const resource = {
	name: 'GPT Image',
	value: 'gptImage',
	description: 'GPT image models: gpt-image-2 (default), 2 Plus, 1.5, 1 and gpt-4o-image (asynchronous)',
} as const;

export const operations = { generate, get };

export const operationSelector = selectorFor(resource.value, [
	{ name: 'Generate', value: 'generate', action: 'Generate an image with a GPT image model', description: 'Submit a job and, by default, wait for its image' },
	{ name: 'Get', value: 'get', action: 'Get a GPT image job', description: 'Fetch a job by its ID' },
]);
