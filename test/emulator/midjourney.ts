/**
 * Midjourney as TTAPI-MORE.md §4 describes it: imagine, action, blend, describe and fetch (GET with
 * ?jobId or POST JSON) under /midjourney/v1/, callbacks carrying the fetch body. Quirks the docs
 * disagree on are switchable (EmulatorOptions.midjourney): `job_id`/`jobId` on submit, `action`/
 * `actions`, quota string or number, progress "40" or "40%". Progress climbs while ON_QUEUE; a
 * finished grid has a grid image and four tile images, all served as PNGs.
 * Where the docs are silent (blend's fields, describe's result, an upscale's components, out-of-range
 * timeouts) the choice made here is marked UNVERIFIED: it is not a TT API fact.
 */
import type { Job } from './jobs';
import { failed, imageTypeOf, isHttpUrl, promptProblem, type RouteAnswer, type RouteCall, type RouteHost, type RouteModule } from './modules';
import type { MidjourneyQuirks } from './types';

const BASE = '/midjourney/v1/';
const MODES = ['relax', 'fast', 'turbo'];
const DIMENSIONS = ['PORTRAIT', 'SQUARE', 'LANDSCAPE'];
/** The components of a grid, as the fetch docs list them. */
export const GRID_COMPONENTS = ['upsample1', 'upsample2', 'upsample3', 'upsample4', 'reroll', 'variation1', 'variation2', 'variation3', 'variation4'];
/** UNVERIFIED: an upscale's buttons, from a third-party rewrite of the docs (no TT page names them). */
const UPSCALE_COMPONENTS = ['high_variation', 'low_variation', 'upscale2', 'upscale4', 'zoom_out_2', 'zoom_out_1_5', 'pan_left', 'pan_right', 'pan_up', 'pan_down'];
/** UNVERIFIED: the four prompts of describe, in data.prompt, numbered as Midjourney numbers them. */
const DESCRIBED = ['a red square on a white ground, flat design --ar 1:1', 'minimal geometric poster, bold red block --ar 1:1', 'abstract color field painting in red --ar 1:1', 'simple red tile, studio lighting --ar 1:1'];
const NUMBERS = ['1\uFE0F\u20E3', '2\uFE0F\u20E3', '3\uFE0F\u20E3', '4\uFE0F\u20E3'];

/** What a Midjourney job is beyond the emulator's common job: its action, its tiles, its parent. */
interface MjJob {
	action: string;
	tiles: string[];
	single: boolean;
}
const mjJobs = new WeakMap<Job, MjJob>();

/** TT API's documented failure messages, picked by a word in the prompt of a job that fails. */
function failureOf(prompt: string): string {
	if (prompt.includes('job-timeout')) return 'Job Timeout';
	if (prompt.includes('image-denied')) return '[Image denied] Request cancelled due to image filters...';
	return '[Banned prompt detected] Sorry! Our AI moderator thinks this prompt is probably against our community standards.';
}

function present(quirks: MidjourneyQuirks) {
	return (answer: Record<string, unknown>, job: Job): Record<string, unknown> => {
		const mj = mjJobs.get(job)!;
		const status = String(answer.status);
		const common = answer.data as Record<string, unknown>;
		const ran = Date.now() - job.submittedAt - job.queueMs;
		const percent = status === 'SUCCESS' ? 100 : status === 'ON_QUEUE' ? Math.min(99, Math.max(1, Math.floor((ran / Math.max(1, job.runMs)) * 100))) : 0;
		const done = status === 'SUCCESS';
		const image = done && mj.action !== 'describe' ? common.imageUrl : null;
		const quota = mj.action === 'describe' || mj.single ? 1 : 2;
		const data: Record<string, unknown> = {
			[quirks.actionKey ?? 'action']: mj.action,
			jobId: job.jobId,
			progress: `${percent}${quirks.progressSuffix ?? ''}`,
			prompt: mj.action === 'describe' && done ? DESCRIBED.map((text, index) => `${NUMBERS[index]} ${text}`).join('\n\n') : job.prompt,
		};
		if (status === 'SUCCESS' || status === 'FAILED') {
			Object.assign(data, {
				quota: status === 'FAILED' ? (quirks.quotaAsNumber ? 0 : '0') : quirks.quotaAsNumber ? quota : String(quota),
				discordImage: image,
				cdnImage: image,
				width: image ? 64 : null,
				height: image ? 64 : null,
				hookUrl: common.hookUrl,
				components: !done || mj.action === 'describe' ? [] : mj.single ? (quirks.upscaleComponents ?? UPSCALE_COMPONENTS) : GRID_COMPONENTS,
				seed: null,
				images: done && !mj.single && mj.action !== 'describe' ? mj.tiles : [],
			});
		}
		return { status, message: status === 'FAILED' ? failureOf(job.prompt) : '', jobId: job.jobId, data };
	};
}

/** TT API's doc examples send timeout as a string, clients as a number. Out of range gives 400 here: UNVERIFIED. */
function timeoutProblem(value: unknown, mode: unknown): string | undefined {
	if (value === undefined || value === '') return undefined;
	const seconds = Number(value);
	const min = mode === 'relax' ? 600 : 300;
	return Number.isInteger(seconds) && seconds >= min && seconds <= 1200 ? undefined : `timeout must be from ${min} to 1200 seconds`;
}

const isImageDataUri = (value: unknown) => {
	const match = typeof value === 'string' ? /^data:image\/[\w.+-]+;base64,(.+)$/s.exec(value) : null;
	return !!match && !!imageTypeOf(Buffer.from(match[1], 'base64'));
};

/** The body's problem, or the new job's prompt and what it is. */
function submitOf(host: RouteHost, call: RouteCall, op: string): string | { prompt: string; mj: Omit<MjJob, 'tiles'> } {
	const { params } = call;
	const mode = params.mode ?? params.model ?? 'fast';
	if (op !== 'action' && op !== 'describe' && !MODES.includes(String(mode))) return `mode must be one of ${MODES.join(', ')}`;
	const timeout = timeoutProblem(params.timeout, mode);
	if (timeout) return timeout;
	if (params.hookUrl !== undefined && params.hookUrl !== '' && !isHttpUrl(params.hookUrl)) return 'hookUrl must be an http(s) URL';
	if (op === 'imagine') return promptProblem(host.options, params.prompt) ?? { prompt: String(params.prompt), mj: { action: 'imagine', single: false } };
	if (op === 'blend') {
		// UNVERIFIED: field names from a rewrite of the docs; http(s) URLs in the list are an unverified guess too.
		const images = params.imgBase64Array;
		if (!Array.isArray(images) || images.length < 2 || images.length > 5) return 'imgBase64Array must hold 2 to 5 images';
		if (images.some((image) => !isImageDataUri(image) && !isHttpUrl(image))) return 'imgBase64Array entries must be data:image/...;base64 images';
		if (params.dimensions !== undefined && !DIMENSIONS.includes(String(params.dimensions))) return `dimensions must be one of ${DIMENSIONS.join(', ')}`;
		return { prompt: `blend of ${images.length} images`, mj: { action: 'blend', single: false } };
	}
	if (op === 'describe') {
		// The docs: one of base64 and url is required; base64 wins when both are sent.
		if (params.base64 !== undefined && params.base64 !== '') {
			return isImageDataUri(params.base64) ? { prompt: 'describe', mj: { action: 'describe', single: true } } : 'base64 must be a data:image/...;base64 image';
		}
		return isHttpUrl(params.url) ? { prompt: 'describe', mj: { action: 'describe', single: true } } : 'url or base64 is required';
	}
	const parent = typeof params.jobId === 'string' ? host.findJob(params.jobId) : undefined;
	if (!parent || parent.family !== 'midjourney') return 'jobId: job not found';
	const answer = host.jobAnswer(parent) as { status: string; data: { components?: string[] } };
	if (answer.status !== 'SUCCESS') return `job ${parent.jobId} is not finished`;
	const allowed = answer.data.components ?? [];
	if (typeof params.action !== 'string' || !allowed.includes(params.action)) return `action must be one of ${allowed.join(', ')}`;
	return { prompt: parent.prompt, mj: { action: params.action, single: /^upsample|^upscale/.test(params.action) } };
}

function fetchAnswer(host: RouteHost, call: RouteCall): RouteAnswer {
	const jobId = call.params.jobId ?? call.params.job_id;
	if (typeof jobId !== 'string' || jobId === '') return failed(400, 'jobId is required');
	const job = host.findJob(jobId);
	if (!job || job.family !== 'midjourney') return { code: 200, body: { status: 'FAILED', message: 'job not found', jobId, data: null } };
	return { code: 200, body: host.jobAnswer(job) };
}

export const midjourneyRoutes: RouteModule = {
	routeOf(path) {
		if (path === `${BASE}fetch`) return 'fetch';
		if (['imagine', 'action', 'blend', 'describe'].some((op) => path === `${BASE}${op}`)) return 'submit';
		return undefined;
	},

	handle(host, call) {
		if (call.path === `${BASE}fetch`) return fetchAnswer(host, call);
		if (call.method !== 'POST') return failed(404, 'Not Found');
		if (call.broke) return failed(402, 'Insufficient balance, please recharge');
		const quirks = host.options.midjourney ?? {};
		const outcome = submitOf(host, call, call.path.slice(BASE.length));
		if (typeof outcome === 'string') return failed(400, outcome);
		const { hookUrl, ...params } = call.params;
		// An empty hookUrl is how TT's examples say "no callback".
		const job = host.createJob('midjourney', { ...params, prompt: outcome.prompt, ...(hookUrl ? { hookUrl } : {}) }, present(quirks));
		mjJobs.set(job, { ...outcome.mj, tiles: outcome.mj.single ? [] : [1, 2, 3, 4].map(() => host.newImageUrl()) });
		return { code: 200, body: { status: 'SUCCESS', message: 'success', data: { [quirks.jobIdField ?? 'job_id']: job.jobId } } };
	},
};
