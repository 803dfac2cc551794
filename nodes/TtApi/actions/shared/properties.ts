import type { INodeProperties } from 'n8n-workflow';

import { DEFAULT_CONCURRENCY } from '../../helpers/fields';
import type { AsyncModel } from '../../jobs/model';
import { CONCURRENCY_RANGE, DEFAULT_MAX_JOBS_IN_FLIGHT, MAX_JOBS_IN_FLIGHT_RANGE, POLL_INTERVAL_RANGE, TIMEOUT_RANGE } from '../../jobs/settings';
import { REQUEST_TIMEOUT_RANGE } from '../../transport/request';

export const promptProperty: INodeProperties = {
	displayName: 'Prompt',
	name: 'prompt',
	type: 'string',
	typeOptions: { rows: 3 },
	default: '',
	required: true,
	placeholder: 'e.g. A watercolor fox reading a newspaper',
	description: 'What the image should show',
};

const concurrency: INodeProperties = {
	displayName: 'Concurrency',
	name: 'concurrency',
	type: 'number',
	typeOptions: { minValue: CONCURRENCY_RANGE[0], maxValue: CONCURRENCY_RANGE[1] },
	default: DEFAULT_CONCURRENCY,
	description: 'How many items are sent to TT API (and how many images downloaded) at the same time. For the whole node: an expression is read for the first item.',
};
const download: INodeProperties = {
	displayName: 'Download Image',
	name: 'download',
	type: 'boolean',
	default: true,
	description:
		'Whether to download the image into the item as binary data. TT API image URLs expire, so keep this on unless you only need the URL.',
};
const binaryPropertyName: INodeProperties = {
	displayName: 'Put Image in Field',
	name: 'binaryPropertyName',
	type: 'string',
	default: 'data',
	hint: 'The name of the binary field the image is written to',
};
const requestTimeout: INodeProperties = {
	displayName: 'Request Timeout',
	name: 'requestTimeout',
	type: 'number',
	typeOptions: { minValue: REQUEST_TIMEOUT_RANGE[0], maxValue: REQUEST_TIMEOUT_RANGE[1] },
	default: 60,
	description:
		'Seconds ONE call to TT API may take before it counts as failed (not the wait for the job: see Wait Timeout). A fetch or download is then retried; a submit is not, because the job may have started. For the whole node.',
};

/** Options every operation has, in A–Z order as the editor lists them. */
export const downloadOptionProperties: INodeProperties[] = [concurrency, download, binaryPropertyName, requestTimeout];

export function asyncGenerateProperties(model: AsyncModel): INodeProperties[] {
	return [
		promptProperty,
		...model.properties,
		{
			displayName: 'Reference Images',
			name: 'referImages',
			type: 'string',
			typeOptions: { multipleValues: true, multipleValueButtonText: 'Add Reference Image' },
			default: [],
			placeholder: 'https://example.com/photo.jpg',
			description: 'Public http(s) URLs of images to base the new image on',
		},
		{
			displayName: 'Wait Mode',
			name: 'waitMode',
			type: 'options',
			noDataExpression: true,
			options: [
				{
					name: 'Poll Until Done',
					value: 'poll',
					description: 'Wait in this node, fetching the jobs until they end, and output the images',
				},
				{
					name: 'Pause Until TT API Calls Back',
					value: 'callback',
					description:
						'Pause the execution (no worker held, no polling) and resume when TT API reports every job of the run as ended',
				},
				{
					name: 'Do Not Wait',
					value: 'none',
					description: 'Output the submitted jobs at once; get the results later with Get or the TT API Trigger',
				},
			],
			default: 'poll',
		},
		{
			displayName: 'Options',
			name: 'options',
			type: 'collection',
			placeholder: 'Add Option',
			default: {},
			options: [
				concurrency,
				download,
				{
					displayName: 'Hook URL',
					name: 'hookUrl',
					type: 'string',
					default: '',
					placeholder: 'https://your-n8n/webhook/.../callback',
					description:
						'TT API POSTs the finished job to this URL, e.g. the production URL of a TT API Trigger. Not used when pausing until TT API calls back: the node then gives TT API its own resume URL.',
				},
				{
					displayName: 'Max Jobs in Flight',
					name: 'maxJobsInFlight',
					type: 'number',
					typeOptions: { minValue: MAX_JOBS_IN_FLIGHT_RANGE[0], maxValue: MAX_JOBS_IN_FLIGHT_RANGE[1] },
					default: DEFAULT_MAX_JOBS_IN_FLIGHT,
					description:
						"Most jobs of this run running at TT API at once. The node also reads your account's queue size (max_queue) at the start of the run and uses it when smaller. The other items wait in the node and go out as jobs end, so no item fails because the queue is full. For the whole node.",
					displayOptions: { show: { '/waitMode': ['poll', 'callback'] } },
				},
				{
					displayName: 'Max Poll Interval',
					name: 'pollInterval',
					type: 'number',
					typeOptions: { minValue: POLL_INTERVAL_RANGE[0], maxValue: POLL_INTERVAL_RANGE[1] },
					default: 10,
					description:
						"Longest pause, in seconds, between two checks of a job. Young jobs are checked every 2 seconds, older ones at 8% of their age; while items wait for a place in TT API's queue, when the run's typical job ends, then at a tenth of its duration. For the whole node.",
					displayOptions: { show: { '/waitMode': ['poll'] } },
				},
				binaryPropertyName,
				requestTimeout,
				{
					displayName: 'Wait Timeout',
					name: 'timeout',
					type: 'number',
					typeOptions: { minValue: TIMEOUT_RANGE[0], maxValue: TIMEOUT_RANGE[1] },
					default: 600,
					description:
						'Seconds to wait for ALL jobs of the run, from the first submit: a deadline. A job that has not ended by then is reported with its job ID, so it can be fetched later. For the whole node.',
					displayOptions: { show: { '/waitMode': ['poll', 'callback'] } },
				},
			],
		},
	];
}

export const getJobProperties: INodeProperties[] = [
	{
		displayName: 'Job ID',
		name: 'jobId',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'e.g. 5ecc5080-b1d7-4b9f-8184-435e46ebb5cb',
		description: 'The job ID returned when the job was submitted',
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: downloadOptionProperties,
	},
];
