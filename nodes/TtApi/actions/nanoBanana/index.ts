import { selectorFor } from '../shared/selector';
import * as generate from './generate.operation';

export const resource = {
	name: 'Nano Banana',
	value: 'nanoBanana',
	description: "Google's Gemini image models, with reference images (synchronous: the image comes back in the same call)",
} as const;

export const operations = { generate };

export const operationSelector = selectorFor(resource.value, [
	{ name: 'Generate', value: 'generate', action: 'Generate an image with Nano Banana', description: 'Create or change an image from a prompt and reference images' },
]);
