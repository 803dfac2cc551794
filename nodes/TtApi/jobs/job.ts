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

/** Query parameters of our callback URLs that carry a secret: the trigger's and the resume token. */
const SECRET_PARAMS = ['token', 'ttapiToken'];

/** TT API echoes the hookUrl in every job; its secret must not travel on in output items. */
export function withoutUrlSecrets<T>(value: T): T {
	if (typeof value !== 'string') return value;
	try {
		const url = new URL(value);
		for (const name of SECRET_PARAMS) if (url.searchParams.has(name)) url.searchParams.set(name, 'redacted');
		return url.toString() as T;
	} catch {
		return value;
	}
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
		...('hookUrl' in rest ? { hookUrl: withoutUrlSecrets(rest.hookUrl) } : {}),
	};
}
