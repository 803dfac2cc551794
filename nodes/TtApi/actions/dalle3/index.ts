import { selectorFor } from '../shared/selector';
import * as generate from './generate.operation';

export const resource = {
	name: 'DALL·E 3',
	value: 'dalle3',
	description: 'Synchronous: the image comes back in the same call',
} as const;

export const operations = { generate };

export const operationSelector = selectorFor(resource.value, [{ name: 'Generate', value: 'generate', action: 'Generate an image with DALL·E 3', description: 'Create an image from a prompt' }]);
