/**
 * TT API on loopback, as ../shared/TTAPI.md describes it: key check, balance, validation, async
 * jobs with hookUrl callbacks, expiring image URLs and switchable faults. Tests drive it in-process;
 * `npm run emulator` runs it for offline workflows.
 */
import { randomUUID } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

import { makePng } from './png';

export type Route = 'dalle' | 'submit' | 'fetch' | 'info' | 'image' | 'any';

/** One switchable fault: applies to the next `times` requests of `route`. */
export interface Fault {
	route: Route;
	/** Answer with this HTTP status and TT API's failure envelope. */
	status?: number;
	retryAfter?: string;
	/** Send this raw text as the body instead (malformed or truncated JSON). */
	rawBody?: string;
	/** Drop the connection without answering. */
	reset?: boolean;
	/** Never answer (until the server closes). */
	hang?: boolean;
	/** Answer normally, but after this delay. */
	delayMs?: number;
	/** Let the request through to the real handler, e.g. to start a job, then answer with the fault. */
	afterHandling?: boolean;
	times?: number;
}

export interface EmulatorOptions {
	port?: number;
	host?: string;
	validKeys?: string[];
	/** Keys that are valid but have no quota left: 402. */
	brokeKeys?: string[];
	/** Quota a valid key's account info shows (broke keys show 0). */
	balance?: number;
	/** The account's `max_queue` in account info: jobs it may have in progress at once. */
	maxQueue?: number;
	queueMs?: number;
	runMs?: number;
	dalleMs?: number;
	imageTtlMs?: number;
	/** Size of each generated PNG in bytes; 0 gives a small image. */
	imageBytes?: number;
	/** Submit answers for GPT-4o: `jobId` (the original docs) or `job_id` (newer docs). */
	gpt4oJobIdField?: 'jobId' | 'job_id';
	/** When set, a prompt containing it fails the job. */
	failMarker?: string;
	/** A prompt containing it gives a job that stays ON_QUEUE forever and never calls back. */
	stuckMarker?: string;
	/** A prompt matching it (e.g. "[ends in 6 s]") gives a job that ends that many seconds after its submit. */
	endsInPattern?: RegExp;
	/** Prompts containing one of these are refused with 400 (banned words). */
	bannedWords?: string[];
	/** Answer the first fetch of each job with this fault (its route and times are ignored). */
	firstFetchFault?: Omit<Fault, 'route' | 'times'>;
	/** Keep each job's callback when the job ends, until releaseCallbacks() sends it. */
	holdCallbacks?: boolean;
	/** How long a callback waits for the receiver's answer. */
	callbackTimeoutMs?: number;
	/** Faults drawn at random for a share of all API and image requests, from a seeded generator. */
	randomFaults?: { rate: number; faults: Fault[]; seed?: number };
	log?: (line: string) => void;
}

export interface LoggedRequest {
	method: string;
	path: string;
	query: Record<string, string>;
	body: unknown;
	/** Whether a TT-API-KEY header was sent, and whether it was a known key; never the key itself. */
	keySent: boolean;
	keyKnown: boolean;
	at: number;
}

export interface CallbackAttempt {
	jobId: string;
	url: string;
	status?: number;
	error?: string;
	at: number;
}

interface Job {
	jobId: string;
	family: 'gpt4o' | 'gpt';
	prompt: string;
	body: Record<string, unknown>;
	submittedAt: number;
	queueMs: number;
	runMs: number;
	fails: boolean;
	stuck: boolean;
	finishedAt?: number;
	callbackTimer?: NodeJS.Timeout;
}

const FAILURE_MESSAGE = 'prompt violation: the prompt was rejected by the safety system';
const GPT_MODELS = ['gpt-4o-image', 'gpt-image-1', 'gpt-image-1.5', 'gpt-image-2', 'gpt-image-2-plus'];
const ASPECT_RATIOS = ['1:1', '3:4', '4:3', '16:9', '9:16'];
const DALLE_SIZES = ['1024x1024', '1024x1792', '1792x1024'];
const MAX_BODY_BYTES = 1024 * 1024;

const formatTime = (ms: number) => new Date(ms).toISOString().replace('T', ' ').slice(0, 19);

/** A job's callback that holdCallbacks kept back: sent by releaseCallbacks(). */
export interface HeldCallback {
	jobId: string;
	url: string;
}

type OptionalOptions = 'log' | 'randomFaults' | 'firstFetchFault' | 'holdCallbacks';

export class TtApiEmulator {
	readonly options: Required<Omit<EmulatorOptions, OptionalOptions>> & Pick<EmulatorOptions, OptionalOptions>;

	/** How many faults were drawn at random, per route. */
	readonly randomFaultsInjected: Record<string, number> = {};

	private randomState = 1;

	readonly requests: LoggedRequest[] = [];

	readonly callbacks: CallbackAttempt[] = [];

	faults: Fault[] = [];

	/** Callbacks of ended jobs kept back by holdCallbacks, oldest first. */
	readonly heldCallbacks: HeldCallback[] = [];

	private readonly fetchedJobs = new Set<string>();

	private readonly jobs = new Map<string, Job>();

	private readonly images = new Map<string, { png: Buffer; createdAt: number }>();

	private readonly sockets = new Set<Socket>();

	private server?: http.Server;

	url = '';

	constructor(options: EmulatorOptions = {}) {
		this.options = {
			port: 0,
			host: '127.0.0.1',
			validKeys: ['test-key'],
			brokeKeys: ['broke-key'],
			balance: 1000,
			// TT's MJ docs say "The max job in progressing is 10"; its account example shows 5.
			maxQueue: 10,
			queueMs: 100,
			runMs: 400,
			dalleMs: 50,
			imageTtlMs: 60 * 60 * 1000,
			imageBytes: 0,
			gpt4oJobIdField: 'jobId',
			callbackTimeoutMs: 10_000,
			bannedWords: ['forbidden-word'],
			failMarker: '[fail]',
			stuckMarker: '[stuck]',
			endsInPattern: /\[ends in (\d+(?:\.\d+)?) s\]/,
			...options,
		};
	}

	async start(): Promise<this> {
		this.randomState = this.options.randomFaults?.seed ?? 1;
		this.server = http.createServer((req, res) => {
			this.handle(req, res).catch((error: Error) => {
				this.options.log?.(`emulator error: ${error.message}`);
				if (!res.headersSent) this.send(res, 500, { status: 'FAILED', message: 'emulator error', data: null });
			});
		});
		this.server.on('connection', (socket) => {
			this.sockets.add(socket);
			socket.on('close', () => this.sockets.delete(socket));
		});
		await new Promise<void>((resolve, reject) => {
			this.server!.once('error', (error: NodeJS.ErrnoException) =>
				reject(new Error(`the TT API emulator cannot listen on ${this.options.host}:${this.options.port}: ${error.code ?? error.message}`)),
			);
			this.server!.listen(this.options.port, this.options.host, resolve);
		});
		const { port } = this.server.address() as AddressInfo;
		this.url = `http://${this.options.host}:${port}`;
		return this;
	}

	async stop(): Promise<void> {
		for (const job of this.jobs.values()) clearTimeout(job.callbackTimer);
		for (const socket of this.sockets) socket.destroy();
		await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
	}

	/** Forget requests, callbacks and faults (jobs stay, as on the real service). */
	reset(): void {
		this.requests.length = 0;
		this.callbacks.length = 0;
		this.faults = [];
	}

	/** How many requests these faults apply to in all. */
	static timesOf(faults: readonly Fault[]): number {
		return faults.reduce((sum, fault) => sum + (fault.times ?? 1), 0);
	}

	addFault(fault: Fault): void {
		this.faults.push({ times: 1, ...fault });
	}

	/** When each job was submitted and when it ended (or will end), in epoch milliseconds. */
	jobTimes(): Array<{ jobId: string; prompt: string; submittedAt: number; endsAt: number }> {
		return [...this.jobs.values()].map((job) => ({
			jobId: job.jobId,
			prompt: job.prompt,
			submittedAt: job.submittedAt,
			endsAt: job.submittedAt + job.queueMs + job.runMs,
		}));
	}

	requestsTo(pathPrefix: string): LoggedRequest[] {
		return this.requests.filter((request) => request.path.startsWith(pathPrefix));
	}

	/** Ends a job now (SUCCESS unless `fail`), e.g. to test callbacks without waiting. */
	finishJob(jobId: string, fail = false): void {
		const job = this.jobs.get(jobId);
		if (!job) throw new Error(`unknown job ${jobId}`);
		job.fails = fail;
		job.stuck = false;
		job.queueMs = 0;
		job.runMs = Date.now() - job.submittedAt;
		this.scheduleCallback(job);
	}

	/**
	 * Sends the held callbacks that `which` picks (all by default) at the same instant, and resolves
	 * with their attempts once every one has been answered.
	 */
	async releaseCallbacks(which: (held: HeldCallback) => boolean = () => true): Promise<CallbackAttempt[]> {
		const chosen = this.heldCallbacks.filter(which);
		for (const held of chosen) this.heldCallbacks.splice(this.heldCallbacks.indexOf(held), 1);
		return await Promise.all(chosen.map(async ({ jobId, url }) => await this.sendCallback(this.jobs.get(jobId)!, url)));
	}

	private routeOf(path: string): Route | undefined {
		if (path === '/openai/v1/images/generations') return 'dalle';
		if (path === '/openai/4o-image/generations' || path === '/openai/gpt/generations') return 'submit';
		if (path === '/openai/4o-image/fetch' || path === '/openai/gpt/fetch') return 'fetch';
		if (path === '/midjourney/v1/info') return 'info';
		if (path.startsWith('/files/')) return 'image';
		return undefined;
	}

	/** A small seeded generator (mulberry32), so a soak run injects the same faults every time. */
	private random(): number {
		let t = (this.randomState += 0x6d2b79f5);
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	}

	private randomFault(route: Route): Fault | undefined {
		const random = this.options.randomFaults;
		if (!random || this.random() >= random.rate) return undefined;
		const candidates = random.faults.filter((fault) => fault.route === route || fault.route === 'any');
		if (candidates.length === 0) return undefined;
		const fault = candidates[Math.floor(this.random() * candidates.length)];
		const name = `${route} ${fault.status ?? (fault.reset ? 'reset' : fault.hang ? 'hang' : 'raw')}${fault.afterHandling ? ' after handling' : ''}`;
		this.randomFaultsInjected[name] = (this.randomFaultsInjected[name] ?? 0) + 1;
		return fault;
	}

	private takeFault(route: Route | undefined): Fault | undefined {
		if (route === undefined) return undefined;
		const index = this.faults.findIndex((fault) => fault.route === 'any' || fault.route === route);
		if (index < 0) return this.randomFault(route);
		const fault = this.faults[index];
		fault.times = (fault.times ?? 1) - 1;
		if (fault.times <= 0) this.faults.splice(index, 1);
		return fault;
	}

	private firstFetchFaultOf(route: Route | undefined, url: URL): Fault | undefined {
		const jobId = url.searchParams.get('jobId') ?? url.searchParams.get('job_id');
		if (route !== 'fetch' || !this.options.firstFetchFault || !jobId || this.fetchedJobs.has(jobId)) return undefined;
		this.fetchedJobs.add(jobId);
		return { ...this.options.firstFetchFault, route };
	}

	private async applyFault(fault: Fault, res: ServerResponse): Promise<boolean> {
		if (fault.delayMs) await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
		if (fault.hang) return true;
		if (fault.reset) {
			res.socket?.destroy();
			return true;
		}
		if (fault.rawBody !== undefined) {
			res.writeHead(fault.status ?? 200, { 'content-type': 'application/json' });
			res.end(fault.rawBody);
			return true;
		}
		if (fault.status) {
			const headers: Record<string, string> = {};
			if (fault.retryAfter !== undefined) headers['retry-after'] = fault.retryAfter;
			this.send(res, fault.status, { status: 'FAILED', message: `emulated HTTP ${fault.status}`, data: null }, headers);
			return true;
		}
		return false;
	}

	private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
		const url = new URL(req.url ?? '/', this.url);
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

		const job = this.createJob(url.pathname.includes('4o-image') ? 'gpt4o' : 'gpt', params);
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

	private createJob(family: Job['family'], params: Record<string, unknown>): Job {
		const prompt = String(params.prompt);
		const job: Job = {
			jobId: randomUUID(),
			family,
			prompt,
			body: params,
			submittedAt: Date.now(),
			queueMs: this.options.queueMs,
			runMs: this.options.runMs,
			fails: !!this.options.failMarker && prompt.includes(this.options.failMarker),
			stuck: !!this.options.stuckMarker && prompt.includes(this.options.stuckMarker),
		};
		const endsIn = this.options.endsInPattern.exec(prompt);
		if (endsIn) {
			job.queueMs = Math.min(job.queueMs, Number(endsIn[1]) * 1000);
			job.runMs = Number(endsIn[1]) * 1000 - job.queueMs;
		}
		this.jobs.set(job.jobId, job);
		this.scheduleCallback(job);
		return job;
	}

	private statusOf(job: Job, now = Date.now()): string {
		const age = now - job.submittedAt;
		if (age < job.queueMs) return 'PENDING_QUEUE';
		if (age < job.queueMs + job.runMs || job.stuck) return 'ON_QUEUE';
		return job.fails ? 'FAILED' : 'SUCCESS';
	}

	/** The fetch answer, which is also the body TT API POSTs to hookUrl. */
	jobAnswer(job: Job, now = Date.now()): Record<string, unknown> {
		const status = this.statusOf(job, now);
		const finished = status === 'SUCCESS' || status === 'FAILED';
		const endedAt = job.submittedAt + job.queueMs + job.runMs;
		if (status === 'SUCCESS' && !this.images.has(job.jobId)) {
			this.images.set(job.jobId, { png: makePng(this.images.size + 1, this.options.imageBytes), createdAt: endedAt });
		}
		const data: Record<string, unknown> = {
			prompt: job.prompt,
			referImages: (job.body.referImages as string[] | undefined) ?? [],
			imageUrl: status === 'SUCCESS' ? `${this.url}/files/${job.jobId}.png` : null,
			quota: finished && status === 'SUCCESS' ? '2' : null,
			finishTime: finished ? formatTime(endedAt) : null,
			hookUrl: (job.body.hookUrl as string | undefined) ?? null,
		};
		if (job.family === 'gpt') data.model = job.body.model ?? 'gpt-image-2';
		return {
			status,
			message: status === 'SUCCESS' ? 'success' : status === 'FAILED' ? FAILURE_MESSAGE : null,
			jobId: job.jobId,
			data,
		};
	}

	private fetchAnswer(jobId: string, path: string): { code: number; body: unknown } {
		if (!jobId) return { code: 400, body: { status: 'FAILED', message: 'jobId is required', data: null } };
		const job = this.jobs.get(jobId);
		const family = path.includes('4o-image') ? 'gpt4o' : 'gpt';
		// An unknown job costs nothing to ask about: TT API's FAILED envelope, HTTP 200.
		if (!job || job.family !== family) {
			return { code: 200, body: { status: 'FAILED', message: 'job not found', jobId, data: null } };
		}
		return { code: 200, body: this.jobAnswer(job) };
	}

	private scheduleCallback(job: Job): void {
		clearTimeout(job.callbackTimer);
		const hookUrl = job.body.hookUrl;
		if (typeof hookUrl !== 'string' || job.stuck) return;
		const delay = Math.max(0, job.submittedAt + job.queueMs + job.runMs - Date.now());
		const send = () => (this.options.holdCallbacks ? this.heldCallbacks.push({ jobId: job.jobId, url: hookUrl }) : this.sendCallback(job, hookUrl));
		job.callbackTimer = setTimeout(() => void send(), delay);
	}

	private async sendCallback(job: Job, hookUrl: string): Promise<CallbackAttempt> {
		const attempt: CallbackAttempt = { jobId: job.jobId, url: hookUrl, at: Date.now() };
		try {
			const response = await fetch(hookUrl, {
				method: 'POST',
				headers: { 'content-type': 'application/json' },
				// As of the job's end: a timer may fire a millisecond before the clock says it has ended.
				body: JSON.stringify(this.jobAnswer(job, Math.max(Date.now(), job.submittedAt + job.queueMs + job.runMs))),
				signal: AbortSignal.timeout(this.options.callbackTimeoutMs),
			});
			attempt.status = response.status;
			await response.arrayBuffer();
		} catch (error) {
			attempt.error = (error as Error).message;
		}
		this.callbacks.push(attempt);
		this.options.log?.(`callback ${job.jobId} → ${attempt.status ?? attempt.error}`);
		return attempt;
	}

	private serveImage(file: string, res: ServerResponse): void {
		const id = file.replace(/\.png$/, '');
		const image = this.images.get(id);
		if (!image) return this.send(res, 404, { status: 'FAILED', message: 'Not Found', data: null });
		if (Date.now() - image.createdAt > this.options.imageTtlMs) {
			res.writeHead(403, { 'content-type': 'application/xml' });
			res.end('<Error><Code>AuthenticationFailed</Code><Message>Signature expired</Message></Error>');
			return;
		}
		res.writeHead(200, { 'content-type': 'image/png', 'content-length': image.png.length });
		res.end(image.png);
	}

	private send(res: ServerResponse, code: number, body: unknown, headers: Record<string, string> = {}): void {
		const text = JSON.stringify(body);
		res.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
		res.end(text);
	}

	private async readBody(req: IncomingMessage): Promise<Buffer> {
		const chunks: Buffer[] = [];
		let size = 0;
		for await (const chunk of req) {
			size += (chunk as Buffer).length;
			if (size > MAX_BODY_BYTES) break;
			chunks.push(chunk as Buffer);
		}
		return Buffer.concat(chunks);
	}
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<TtApiEmulator> {
	return await new TtApiEmulator(options).start();
}
