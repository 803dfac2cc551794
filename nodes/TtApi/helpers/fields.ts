import type { Field } from './validation';

export const PROMPT_MAX_LENGTH = 32_000;
export const REFER_IMAGES_MAX = 16;
export const DEFAULT_CONCURRENCY = 5;

/** Every parameter as errors name it: its label in the editor and its name in the workflow JSON. */
export const FIELDS = {
	prompt: { label: 'Prompt', name: 'prompt' },
	referImages: { label: 'Reference Images', name: 'referImages' },
	jobId: { label: 'Job ID', name: 'jobId' },
	size: { label: 'Size', name: 'size' },
	quality: { label: 'Quality', name: 'quality' },
	model: { label: 'Model', name: 'model' },
	aspectRatio: { label: 'Aspect Ratio', name: 'aspect_ratio' },
	waitMode: { label: 'Wait Mode', name: 'waitMode' },
	pollInterval: { label: 'Max Poll Interval', name: 'pollInterval' },
	timeout: { label: 'Wait Timeout', name: 'timeout' },
	hookUrl: { label: 'Hook URL', name: 'hookUrl' },
	concurrency: { label: 'Concurrency', name: 'concurrency' },
	maxJobsInFlight: { label: 'Max Jobs in Flight', name: 'maxJobsInFlight' },
	binaryPropertyName: { label: 'Put Image in Field', name: 'binaryPropertyName' },
	requestTimeout: { label: 'Request Timeout', name: 'requestTimeout' },
} satisfies Record<string, Field>;
