import type { IDataObject } from 'n8n-workflow';

import type { TtApiEnvelope } from '../transport/request';

export const JOB_STATUSES = ['PENDING_QUEUE', 'ON_QUEUE', 'SUCCESS', 'FAILED'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export const isFinished = (status: unknown): boolean => status === 'SUCCESS' || status === 'FAILED';

/** A job as every node emits it: the action node's async items, `get`, and the trigger. */
export interface JobJson extends IDataObject {
	jobId: string;
	status: string;
	message: string | null;
	imageUrl: string | null;
}

const asObject = (value: unknown): IDataObject =>
	typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as IDataObject) : {};

/** The job id of a submit answer or a job; TT API spells it `jobId` or, in newer docs, `job_id`. */
export function jobIdOf(envelope: TtApiEnvelope): string | undefined {
	const data = asObject(envelope.data);
	const id = envelope.jobId ?? data.jobId ?? data.job_id ?? (envelope as IDataObject).job_id;
	return typeof id === 'string' && id !== '' ? id : undefined;
}

/** Flattens TT API's `{ status, message, jobId, data: {...} }` into one item's JSON. */
export function jobToJson(envelope: TtApiEnvelope, knownJobId?: string): JobJson {
	const data = asObject(envelope.data);
	const { jobId: _jobId, job_id: _job_id, imageUrl, ...rest } = data;
	return {
		jobId: jobIdOf(envelope) ?? knownJobId ?? '',
		status: typeof envelope.status === 'string' ? envelope.status : 'UNKNOWN',
		message: typeof envelope.message === 'string' ? envelope.message : null,
		imageUrl: typeof imageUrl === 'string' && imageUrl !== '' ? imageUrl : null,
		...rest,
	};
}
