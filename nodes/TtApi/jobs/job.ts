import type { IDataObject } from 'n8n-workflow';

import type { TtApiEnvelope } from '../transport/request';

const END_STATUSES: readonly string[] = ['SUCCESS', 'FAILED'];

/** Whether a job with this status has ended, for a model whose end statuses may differ. */
export const isFinished = (status: unknown, endStatuses: readonly string[] = END_STATUSES): boolean =>
	typeof status === 'string' && endStatuses.includes(status);

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
function withoutUrlSecrets<T>(value: T): T {
	if (typeof value !== 'string') return value;
	try {
		const url = new URL(value);
		for (const name of SECRET_PARAMS) if (url.searchParams.has(name)) url.searchParams.set(name, 'redacted');
		return url.toString() as T;
	} catch {
		return value;
	}
}

/**
 * How a model's jobs spell their fields (TT API's pages disagree between generations). Each
 * spelling is read; the item shows one.
 */
export interface JobSpellings {
	/** Keys of `data` holding the result image, first non-empty wins. Default: imageUrl, image_url. */
	imageUrl?: readonly string[];
	/** Other spellings of a key, folded into it, e.g. `{ action: ['actions'] }`. */
	aliases?: Readonly<Record<string, readonly string[]>>;
	/** Keys read as numbers: quota "2" → 2, progress "40%" → 40; a value that is no number stays as sent. */
	numbers?: readonly string[];
}

const DEFAULT_IMAGE_KEYS = ['imageUrl', 'image_url'];

function asNumber(value: IDataObject[string]): IDataObject[string] {
	if (typeof value !== 'string') return value;
	const match = /^\s*(-?\d+(?:\.\d+)?)\s*%?\s*$/.exec(value);
	return match ? Number(match[1]) : value;
}

function respelled(data: IDataObject, spellings: JobSpellings): IDataObject {
	const out = { ...data };
	for (const [key, others] of Object.entries(spellings.aliases ?? {})) {
		for (const other of others) {
			if (out[key] === undefined && out[other] !== undefined) out[key] = out[other];
			delete out[other];
		}
	}
	for (const key of spellings.numbers ?? []) if (key in out) out[key] = asNumber(out[key]);
	return out;
}

/** Flattens TT API's `{ status, message, jobId, data: {...} }` into one item's JSON. */
export function jobToJson(envelope: TtApiEnvelope, knownJobId?: string, spellings: JobSpellings = {}): JobJson {
	const data = respelled(asObject(envelope.data), spellings);
	const imageUrl = (spellings.imageUrl ?? DEFAULT_IMAGE_KEYS).map((key) => data[key]).find((url) => typeof url === 'string' && url !== '');
	// The spellings of imageUrl itself give way to it; other image keys (a grid's cdnImage) stay.
	const { jobId: _jobId, job_id: _job_id, imageUrl: _imageUrl, image_url: _image_url, ...rest } = data;
	return {
		jobId: jobIdOf(envelope) ?? knownJobId ?? '',
		status: typeof envelope.status === 'string' ? envelope.status : 'UNKNOWN',
		message: typeof envelope.message === 'string' ? envelope.message : null,
		imageUrl: typeof imageUrl === 'string' ? imageUrl : null,
		...rest,
		...('hookUrl' in rest ? { hookUrl: withoutUrlSecrets(rest.hookUrl) } : {}),
	};
}
