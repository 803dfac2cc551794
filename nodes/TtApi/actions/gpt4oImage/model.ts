import type { AsyncModel } from '../../jobs/model';

/** GPT-4o image: prompt and reference images only. */
export const gpt4oImageModel: AsyncModel = {
	submitPath: '/openai/4o-image/generations',
	fetchPath: '/openai/4o-image/fetch',
	properties: [],
};
