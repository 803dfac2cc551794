/**
 * TT API on loopback, as ../shared/TTAPI.md describes it: key check, balance, validation, async
 * jobs with hookUrl callbacks, expiring image URLs and switchable faults. Tests drive it in-process;
 * `npm run emulator` runs it for offline workflows. This file holds TT API's routes; the server,
 * request log and faults are in ./server.ts, the jobs and callbacks in ./jobs.ts.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

import { fluxRoutes } from './flux';
import { geminiRoutes } from './gemini';
import { EmulatorModules } from './moduleHost';
import type { RouteModule } from './modules';
import { midjourneyRoutes } from './midjourney';
import { makePng } from './png';
import type { EmulatorOptions, Route } from './types';

export type { CallbackAttempt, EmulatorOptions, Fault, HeldCallback, LoggedRequest, Route } from './types';

const GPT_MODELS = ['gpt-4o-image', 'gpt-image-1', 'gpt-image-1.5', 'gpt-image-2', 'gpt-image-2-plus'];
const ASPECT_RATIOS = ['1:1', '3:4', '4:3', '16:9', '9:16'];
const DALLE_SIZES = ['1024x1024', '1024x1792', '1792x1024'];

/** Model families whose routes live in files of their own: one line each. */
const ROUTE_MODULES: RouteModule[] = [
	midjourneyRoutes,
	fluxRoutes,
	geminiRoutes,
];

export class TtApiEmulator extends EmulatorModules {
	private routeOf(path: string): Route | undefined {
		if (path === '/openai/v1/images/generations') return 'dalle';
		if (path === '/openai/4o-image/generations' || path === '/openai/gpt/generations') return 'submit';
		if (path === '/openai/4o-image/fetch' || path === '/openai/gpt/fetch') return 'fetch';
		if (path === '/midjourney/v1/info') return 'info';
		if (path.startsWith('/files/')) return 'image';
		return undefined;
	}

	protected async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
		const url = new URL(req.url ?? '/', this.url);
		if (await this.handleOpenAiImages(req, res, url)) return;
		const raw = await this.readBody(req);
		let body: unknown;
		try {
			body = raw.length ? JSON.parse(raw.toString('utf8')) : undefined;
		} catch {
			body = Symbol.for('invalid-json');
		}
		const key = req.headers['tt-api-key'];
		const keyText = Array.isArray(key) ? key[0] : key;
		const keyKnown = !!keyText && [...this.options.validKeys, ...this.options.brokeKeys].includes(keyText);
		this.requests.push({
			method: req.method ?? 'GET',
			path: url.pathname,
			query: Object.fromEntries(url.searchParams),
			body: typeof body === 'symbol' ? raw.toString('utf8') : body,
			keySent: !!keyText,
			keyKnown,
			at: Date.now(),
		});

		if (url.pathname === '/healthz') return this.send(res, 200, { status: 'ok' });
		const module = ROUTE_MODULES.find((candidate) => candidate.routeOf(url.pathname));
		if (module) return await this.handleModule(module, { req, res, url, raw, keyText, keyKnown, logged: this.requests.at(-1)! });
		const route = this.routeOf(url.pathname);
		const fault = this.firstFetchFaultOf(route, url) ?? this.takeFault(route);
		if (fault && !fault.afterHandling && (await this.applyFault(fault, res))) return;

		if (route === 'image') return this.serveImage(url.pathname.slice('/files/'.length), res);
		if (route === undefined) return this.send(res, 404, { status: 'FAILED', message: 'Not Found', data: null });

		if (!keyKnown) {
			return this.send(res, 401, { status: 'FAILED', message: 'Wrong TT-API-KEY or email is not activated.', data: null });
		}
		if (typeof body === 'symbol') {
			return this.send(res, 400, { status: 'FAILED', message: 'Request body is not valid JSON', data: null });
		}
		const params = { ...Object.fromEntries(url.searchParams), ...((body as Record<string, unknown>) ?? {}) };

		// Account info is free, so a key without quota still gets it.
		if (route === 'info') return this.send(res, 200, this.accountInfo(keyText!));
		if (route === 'fetch') {
			const answer = this.fetchAnswer(String(params.jobId ?? params.job_id ?? ''), url.pathname);
			if (fault?.afterHandling && (await this.applyFault(fault, res))) return;
			return this.send(res, answer.code, answer.body);
		}
		if (req.method !== 'POST') return this.send(res, 404, { status: 'FAILED', message: 'Not Found', data: null });
		if (this.options.brokeKeys.includes(keyText!)) {
			return this.send(res, 402, { status: 'FAILED', message: 'Insufficient balance, please recharge', data: null });
		}
		const problem = this.validate(route, url.pathname, params);
		if (problem) return this.send(res, 400, { status: 'FAILED', message: problem, data: null });

		if (route === 'dalle') {
			await new Promise((resolve) => setTimeout(resolve, this.options.dalleMs));
			const imageId = randomUUID();
			this.images.set(imageId, { png: makePng(this.images.size + 1, this.options.imageBytes), createdAt: Date.now() });
			const answer = {
				status: 'SUCCESS',
				message: 'success',
				data: {
					created: Math.floor(Date.now() / 1000),
					data: [{ revised_prompt: `A detailed rendering of: ${String(params.prompt)}`, url: `${this.url}/files/${imageId}.png?se=expiring` }],
				},
			};
			if (fault?.afterHandling && (await this.applyFault(fault, res))) return;
			return this.send(res, 200, answer);
		}

		if (this.options.enforceMaxQueue && this.jobsInProgress() >= this.options.maxQueue) {
			// TT API: "499 Queue exhausted — Not enough queue capacity for that product" (its body is undocumented).
			return this.send(res, 499, { status: 'FAILED', message: 'Queue exhausted: not enough queue capacity for that product', data: null });
		}
		const job = this.createJob(url.pathname.includes('4o-image') ? 'gpt4o' : 'gpt', params);
		if (this.options.callbackFirstMarker && job.prompt.includes(this.options.callbackFirstMarker)) await this.callBackNow(job);
		const idField = job.family === 'gpt' ? 'job_id' : this.options.gpt4oJobIdField;
		if (fault?.afterHandling && (await this.applyFault(fault, res))) return;
		return this.send(res, 200, { status: 'SUCCESS', message: 'success', data: { [idField]: job.jobId } });
	}

	private validate(route: Route, path: string, params: Record<string, unknown>): string | undefined {
		const prompt = params.prompt;
		if (typeof prompt !== 'string' || prompt.trim() === '') return 'prompt is required';
		const banned = this.options.bannedWords.find((word) => prompt.toLowerCase().includes(word));
		if (banned) return `The prompt contains banned words: ${banned}`;
		if (route === 'dalle') {
			if (typeof params.size !== 'string' || !DALLE_SIZES.includes(params.size)) {
				return `size must be one of ${DALLE_SIZES.join(', ')}`;
			}
			if (params.quality !== undefined && params.quality !== 'standard' && params.quality !== 'hd') {
				return 'quality must be standard or hd';
			}
			if (params.n !== undefined && params.n !== 1) return 'n can only be 1 for dall-e-3';
			return undefined;
		}
		if (params.referImages !== undefined) {
			if (!Array.isArray(params.referImages) || params.referImages.some((u) => typeof u !== 'string' || !/^https?:\/\//.test(u))) {
				return 'referImages must be an array of image URLs';
			}
		}
		if (params.hookUrl !== undefined && (typeof params.hookUrl !== 'string' || !/^https?:\/\//.test(params.hookUrl))) {
			return 'hookUrl must be an http(s) URL';
		}
		if (path === '/openai/gpt/generations') {
			const model = params.model ?? 'gpt-image-2';
			if (typeof model !== 'string' || !GPT_MODELS.includes(model)) return `model must be one of ${GPT_MODELS.join(', ')}`;
			if (params.aspect_ratio !== undefined && !ASPECT_RATIOS.includes(String(params.aspect_ratio))) {
				return `aspect_ratio must be one of ${ASPECT_RATIOS.join(', ')}`;
			}
			if (params.size !== undefined) {
				const match = /^(\d+)x(\d+)$/.exec(String(params.size));
				if (!match || Number(match[1]) % 16 || Number(match[2]) % 16 || Math.max(Number(match[1]), Number(match[2])) > 3840) {
					return 'size must be WxH, multiples of 16, longest side at most 3840';
				}
			}
		}
		return undefined;
	}

	/** `GET /midjourney/v1/info` as TTAPI-MORE.md §2.1 shows it; the account fields are made up. */
	private accountInfo(key: string): Record<string, unknown> {
		return {
			status: 'SUCCESS',
			message: 'success',
			data: {
				email: 'emulator@ttapi.invalid',
				email_verified_at: '2024-01-02 03:04:05',
				balance: this.options.brokeKeys.includes(key) ? 0 : this.options.balance,
				// Quota held for jobs in flight is a guess at the field's meaning; nothing is held here.
				freeze_balance: 0,
				max_queue: this.options.maxQueue,
				created_at: '2024-01-02 03:04:05',
			},
		};
	}
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<TtApiEmulator> {
	return await new TtApiEmulator(options).start();
}
