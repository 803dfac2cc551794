/**
 * Flux as TTAPI-MORE.md §5 describes it: /flux/generate (JSON), /flux/edits (multipart, one or
 * more `image` files), /flux/fetch by GET or POST with jobId in the query, JSON or a form, and
 * callbacks that carry the fetch body. Modes: the union of the documented lists.
 */
import type { Job } from './jobs';
import { failed, imageTypeOf, isHttpUrl, promptProblem, type RouteCall, type RouteHost, type RouteModule } from './modules';

const MODES = [
	'flux1-dev',
	'flux1-schnell',
	'flux1-pro',
	'flux-kontext-pro',
	'flux-kontext-max',
	'flux-2-pro',
	'flux-2-flex',
	'flux-2-max',
	'flux-2-klein-4b',
	'flux-2-klein-9b',
];
const SIZES = ['1024x1024', '1024x1792', '1792x1024'];
const ASPECT_RATIOS = ['21:9', '16:9', '4:3', '3:2', '1:1', '2:3', '3:4', '9:16', '9:21'];

/** The fetch body as the docs show it: `jobId` at the top and in `data`, quota as a string. */
function present(answer: Record<string, unknown>, job: Job): Record<string, unknown> {
	const data = answer.data as Record<string, unknown>;
	return {
		status: answer.status,
		message: answer.status === 'SUCCESS' ? '' : answer.message,
		jobId: job.jobId,
		data: {
			mode: job.body.mode,
			jobId: job.jobId,
			prompt: job.prompt,
			quota: answer.status === 'SUCCESS' ? '1' : null,
			size: job.body.size ?? null,
			imageUrl: data.imageUrl,
			hookUrl: data.hookUrl,
		},
	};
}

function problemOf(call: RouteCall, host: RouteHost, edit: boolean): string | undefined {
	const { params } = call;
	const prompt = promptProblem(host.options, params.prompt);
	if (prompt) return prompt;
	// The old site's example sends the mode as `model`.
	const mode = params.mode ?? params.model;
	if (typeof mode !== 'string' || !MODES.includes(mode)) return `mode must be one of ${MODES.join(', ')}`;
	if (!edit && params.size !== undefined && !SIZES.includes(String(params.size))) return `size must be one of ${SIZES.join(', ')}`;
	if (params.aspect_ratio !== undefined && !ASPECT_RATIOS.includes(String(params.aspect_ratio))) {
		return `aspect_ratio must be one of ${ASPECT_RATIOS.join(', ')}`;
	}
	if (params.hookUrl !== undefined && !isHttpUrl(params.hookUrl)) return 'hookUrl must be an http(s) URL';
	if (!edit) return undefined;
	// How several files are named is not documented: `image` repeated, or `image[]`.
	const images = call.files.filter((file) => file.field === 'image' || file.field === 'image[]');
	if (images.length === 0) return 'image is required: upload one or more image files';
	const notImage = images.find((file) => !imageTypeOf(file.bytes));
	if (notImage) return `image ${notImage.fileName || '(unnamed)'} is not a PNG, JPEG or WEBP image`;
	return undefined;
}

export const fluxRoutes: RouteModule = {
	routeOf(path) {
		if (path === '/flux/generate' || path === '/flux/edits') return 'submit';
		if (path === '/flux/fetch') return 'fetch';
		return undefined;
	},

	handle(host, call) {
		if (call.path === '/flux/fetch') {
			const jobId = call.params.jobId ?? call.params.job_id;
			if (typeof jobId !== 'string' || jobId === '') return failed(400, 'jobId is required');
			const job = host.findJob(jobId);
			if (!job || job.family !== 'flux') return { code: 200, body: { status: 'FAILED', message: 'job not found', jobId, data: null } };
			return { code: 200, body: host.jobAnswer(job) };
		}
		if (call.method !== 'POST') return failed(404, 'Not Found');
		if (call.broke) return failed(402, 'Insufficient balance, please recharge');
		const problem = problemOf(call, host, call.path === '/flux/edits');
		if (problem) return failed(400, problem);
		const { params } = call;
		const job = host.createJob('flux', { ...params, mode: params.mode ?? params.model }, present);
		return { code: 200, body: { status: 'SUCCESS', message: 'success', data: { [host.options.fluxJobIdField]: job.jobId } } };
	},
};
