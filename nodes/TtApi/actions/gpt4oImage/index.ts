import { selectorFor } from '../shared/selector';
import * as generate from './generate.operation';
import * as get from './get.operation';

export const resource = {
	name: 'GPT-4o Image',
	value: 'gpt4oImage',
	description: "GPT-4o image on its own endpoint, TT API's first (asynchronous); GPT Image offers the same model too",
} as const;

export const operations = { generate, get };

export const operationSelector = selectorFor(resource.value, [
	{ name: 'Generate', value: 'generate', action: 'Generate a 4o image', description: 'Submit a job and, by default, wait for its image' },
	{ name: 'Get', value: 'get', action: 'Get a 4o image job', description: 'Fetch a job by its ID' },
]);
