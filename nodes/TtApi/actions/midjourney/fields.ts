import type { Field } from '../../helpers/validation';

/** Midjourney's parameters as errors name them: label in the editor, name in the workflow JSON. */
export const MJ_FIELDS = {
	mode: { label: 'Mode', name: 'mode' },
	jobTimeout: { label: 'TT API Job Timeout', name: 'jobTimeout' },
	parentJobId: { label: 'Job ID', name: 'jobId' },
	action: { label: 'Action', name: 'action' },
	dimensions: { label: 'Dimensions', name: 'dimensions' },
} satisfies Record<string, Field>;
