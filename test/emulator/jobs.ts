/**
 * The emulator's async jobs: their queue and run times, the fetch answer, the images they make,
 * and the hookUrl callbacks TT API sends when a job ends (sent, or held until released).
 */
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';

import { makePng } from './png';
import { EmulatorServer } from './server';
import type { CallbackAttempt, HeldCallback } from './types';

export interface Job {
	jobId: string;
	/** Which fetch path reads it: 'gpt4o', 'gpt', or a family of a route module (e.g. 'flux'). */
	family: string;
	prompt: string;
	body: Record<string, unknown>;
	submittedAt: number;
	queueMs: number;
	runMs: number;
	fails: boolean;
	stuck: boolean;
	finishedAt?: number;
	callbackTimer?: NodeJS.Timeout;
	/** A family's own answer shape, made from the common one (fetch answer and callback body alike). */
	present?: (answer: Record<string, unknown>, job: Job) => Record<string, unknown>;
}

const FAILURE_MESSAGE = 'prompt violation: the prompt was rejected by the safety system';

const formatTime = (ms: number) => new Date(ms).toISOString().replace('T', ' ').slice(0, 19);

export abstract class EmulatorJobs extends EmulatorServer {
	readonly callbacks: CallbackAttempt[] = [];

	/** Callbacks of ended jobs kept back by holdCallbacks, oldest first. */
	readonly heldCallbacks: HeldCallback[] = [];

	private readonly jobs = new Map<string, Job>();

	protected readonly images = new Map<string, { png: Buffer; createdAt: number }>();

	async stop(): Promise<void> {
		for (const job of this.jobs.values()) clearTimeout(job.callbackTimer);
		await super.stop();
	}

	/** Forget requests, callbacks and faults (jobs stay, as on the real service). */
	reset(): void {
		super.reset();
		this.callbacks.length = 0;
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

	/** Jobs submitted and not yet ended (stuck ones included): what TT API counts against max_queue. */
	jobsInProgress(now = Date.now()): number {
		let count = 0;
		for (const job of this.jobs.values()) if (job.stuck || now < job.submittedAt + job.queueMs + job.runMs) count++;
		return count;
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

	/** A job by its id, whatever its family. */
	findJob(jobId: string): Job | undefined {
		return this.jobs.get(jobId);
	}

	protected createJob(family: Job['family'], params: Record<string, unknown>, present?: Job['present']): Job {
		const prompt = String(params.prompt);
		const job: Job = {
			jobId: randomUUID(),
			family,
			present,
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
		const answer = {
			status,
			message: status === 'SUCCESS' ? 'success' : status === 'FAILED' ? FAILURE_MESSAGE : null,
			jobId: job.jobId,
			data,
		};
		return job.present ? job.present(answer, job) : answer;
	}

	protected fetchAnswer(jobId: string, path: string): { code: number; body: unknown } {
		if (!jobId) return { code: 400, body: { status: 'FAILED', message: 'jobId is required', data: null } };
		const job = this.jobs.get(jobId);
		const family = path.includes('4o-image') ? 'gpt4o' : 'gpt';
		// An unknown job costs nothing to ask about: TT API's FAILED envelope, HTTP 200.
		if (!job || job.family !== family) {
			return { code: 200, body: { status: 'FAILED', message: 'job not found', jobId, data: null } };
		}
		return { code: 200, body: this.jobAnswer(job) };
	}

	/** Sends an ended job's callback now instead of on its timer, and waits for n8n's answer. */
	protected async callBackNow(job: Job): Promise<void> {
		clearTimeout(job.callbackTimer);
		const hookUrl = job.body.hookUrl;
		const status = this.statusOf(job);
		if (typeof hookUrl === 'string' && status !== 'ON_QUEUE' && status !== 'PENDING_QUEUE') await this.sendCallback(job, hookUrl);
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

	protected serveImage(file: string, res: ServerResponse): void {
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
}
