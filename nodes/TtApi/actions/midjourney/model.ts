import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import type { JobSpellings } from '../../jobs/job';
import type { AsyncModel } from '../../jobs/model';
import { requireNumberInRange, requireOneOf, setOrDefault } from '../../helpers/validation';
import type { TtApiEnvelope } from '../../transport/request';
import { MJ_FIELDS } from './fields';
import { midjourneyItems } from './tiles';

export const MJ_FETCH_PATH = '/midjourney/v1/fetch';
const MJ_MODES = ['relax', 'fast', 'turbo'] as const;
type MjMode = (typeof MJ_MODES)[number];

/** TT API's job-level limit in seconds: 300–1200, at least 600 in relax mode; its default is the minimum. */
const JOB_TIMEOUT_RANGE: Record<MjMode | 'any', readonly [number, number]> = {
	fast: [300, 1200],
	turbo: [300, 1200],
	relax: [600, 1200],
	any: [300, 1200],
};

/** Covers TT API's longest job limit (1200 s) plus 5 minutes in its queue, whatever the mode. */
export const MJ_WAIT_TIMEOUT_DEFAULT = 1500;

/** Current pages send `action`, the old callback `actions`; images sit at cdnImage (TT's CDN) or discordImage. */
export const MJ_SPELLINGS: JobSpellings = {
	imageUrl: ['cdnImage', 'discordImage', 'imageUrl', 'image_url'],
	aliases: { action: ['actions'] },
	numbers: ['quota', 'progress'],
};

/** TT API's documented Midjourney failure messages, and what the user can do about each. */
const FAILURE_HINTS: Array<[RegExp, string]> = [
	[/banned prompt/i, "Midjourney's moderator refused the prompt: reword it. TT API allows 30 refused prompts a day; after that their quota is not refunded."],
	[/image denied/i, "Midjourney's image filter refused the result: change the prompt or the images."],
	[/job timeout/i, 'The job ran past its TT API Job Timeout: raise that option (at most 1200 s) or use a faster mode.'],
	[/invalid link/i, 'Midjourney could not load an image URL of the prompt: use a public, direct image link.'],
	[/invalid parameter/i, 'A --flag of the prompt has a value Midjourney does not accept: check the flags.'],
];

const midjourneyFailureHint = (message: string) => FAILURE_HINTS.find(([pattern]) => pattern.test(message))?.[1];

/** A Midjourney job names its action, lists its follow-up components or carries MJ's image fields. */
function isMidjourneyJob(envelope: TtApiEnvelope): boolean {
	const data = envelope.data;
	if (typeof data !== 'object' || data === null) return false;
	const fields = data as IDataObject;
	return typeof (fields.action ?? fields.actions) === 'string' || Array.isArray(fields.components) || 'cdnImage' in fields || 'discordImage' in fields;
}

/** The `timeout` body field from the TT API Job Timeout option, checked against the mode's range. */
export function readJobTimeout(ctx: IExecuteFunctions, itemIndex: number, mode: MjMode | 'any'): IDataObject {
	const options = ctx.getNodeParameter('options', itemIndex, {}) as IDataObject;
	const value = setOrDefault(options.jobTimeout, undefined);
	if (value === undefined || value === '') return {};
	return { timeout: requireNumberInRange(ctx, MJ_FIELDS.jobTimeout, value, itemIndex, ...JOB_TIMEOUT_RANGE[mode]) };
}

export function readMode(ctx: IExecuteFunctions, itemIndex: number): MjMode {
	return requireOneOf(ctx, MJ_FIELDS.mode, ctx.getNodeParameter('mode', itemIndex, 'fast'), itemIndex, MJ_MODES);
}

/** One Midjourney operation: its submit path and body; fetching, spellings, tiles and errors are shared. */
export function midjourneyModel(submitPath: string, buildBody: AsyncModel['buildBody'], extra: Partial<AsyncModel> = {}): AsyncModel {
	return {
		submitPath,
		fetchPath: MJ_FETCH_PATH,
		properties: [],
		buildBody,
		spellings: MJ_SPELLINGS,
		toItems: midjourneyItems,
		failureHint: midjourneyFailureHint,
		defaultWaitTimeout: () => MJ_WAIT_TIMEOUT_DEFAULT,
		recognises: isMidjourneyJob,
		...extra,
	};
}
