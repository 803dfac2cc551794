import { selectorFor } from '../shared/selector';
import * as action from './action.operation';
import * as blend from './blend.operation';
import * as describe from './describe.operation';
import * as get from './get.operation';
import * as imagine from './imagine.operation';

export const resource = {
	name: 'Midjourney',
	value: 'midjourney',
	description: 'Midjourney through TT API: imagine a grid, upscale or vary a tile, blend, describe (asynchronous)',
} as const;

export const operations = { imagine, action, blend, describe, get };

export const operationSelector = selectorFor(resource.value, [
	{ name: 'Imagine', value: 'imagine', action: 'Imagine a grid with Midjourney', description: 'Submit a prompt and, by default, wait for its grid of four images' },
	{ name: 'Action', value: 'action', action: 'Upscale, vary or reroll a Midjourney job', description: 'Press a button of a finished job: Upscale 1–4, Vary 1–4, Reroll, …' },
	{ name: 'Blend', value: 'blend', action: 'Blend images with Midjourney', description: 'Combine 2 to 5 images into a new grid' },
	{ name: 'Describe', value: 'describe', action: 'Describe an image with Midjourney', description: 'Get four prompts that describe an image' },
	{ name: 'Get', value: 'get', action: 'Get a Midjourney job', description: 'Fetch a job by its ID' },
]);
