import { selectorFor } from '../shared/selector';
import * as edit from './edit.operation';
import * as generate from './generate.operation';

export const resource = {
	name: 'Image (OpenAI-Compatible)',
	value: 'image',
	description: "Synchronous, on TT API's OpenAI-compatible endpoints: up to 10 images per call, transparent backgrounds, edits of your own images with a mask",
} as const;

export const operations = { generate, edit };

export const operationSelector = selectorFor(resource.value, [
	{ name: 'Generate', value: 'generate', action: 'Generate images', description: 'Create images from a prompt' },
	{ name: 'Edit', value: 'edit', action: 'Edit images', description: "Edit the item's images (binary data or URLs), optionally within a mask" },
]);
