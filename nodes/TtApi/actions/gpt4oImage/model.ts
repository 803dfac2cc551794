import type { AsyncImageModel } from '../asyncImage';

/** GPT-4o image: prompt and reference images only. */
export const gpt4oImageModel: AsyncImageModel = {
	submitPath: '/openai/4o-image/generations',
	fetchPath: '/openai/4o-image/fetch',
	properties: [],
};
