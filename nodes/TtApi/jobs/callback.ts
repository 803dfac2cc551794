import { createHmac } from 'crypto';
import type {
	IDataObject,
	IExecuteFunctions,
	IWebhookFunctions,
} from 'n8n-workflow';

import { CREDENTIAL_TYPE, type HttpContext, type TtApiEnvelope } from '../transport/request';
import { readCallbackBody, reply, secretMatches } from './callbackRequest';
import { isFinished, jobIdOf } from './job';
import { fetchJob } from './wait';

/** Query parameter of the resume URL that carries this run's callback token. */
const TOKEN_PARAM = 'ttapiToken';

/** One submitted job of a run waiting for callbacks, as the node's pre-wait output keeps it. */
export interface CallbackJob {
	jobId: string;
	itemIndex: number;
	fetchPath: string;
}

/**
 * What this n8n process knows of each paused run: the jobs it has seen end (by callback or
 * fetch), whether it has resumed the run, and the tail of the queue that lets one callback of
 * the run decide at a time. After a restart, or on another webhook process, the memory is empty
 * and the missing jobs are fetched instead: slower, never wrong.
 */
interface RunMemory {
	ended: Map<string, TtApiEnvelope>;
	resumed: boolean;
	decisions: Promise<unknown>;
}
const runs = new Map<string, RunMemory>();
const REMEMBERED_RUNS_LIMIT = 1000;

function memoryOf(executionId: string): RunMemory {
	let memory = runs.get(executionId);
	if (!memory) {
		if (runs.size >= REMEMBERED_RUNS_LIMIT) runs.delete(runs.keys().next().value!);
		memory = { ended: new Map(), resumed: false, decisions: Promise.resolve() };
		runs.set(executionId, memory);
	}
	return memory;
}

/** Runs `decide` after every earlier decision of the same run in this process has finished. */
async function oneAtATime<T>(memory: RunMemory, decide: () => Promise<T>): Promise<T> {
	const turn = memory.decisions.then(decide, decide);
	memory.decisions = turn.catch(() => undefined);
	return await turn;
}

/** TT API does not sign callbacks: the URL carries a token only the key holder can compute. */
async function runToken(ctx: HttpContext, executionId: string): Promise<string> {
	const credentials = await ctx.getCredentials(CREDENTIAL_TYPE);
	return createHmac('sha256', String(credentials.apiKey))
		.update(`ttapi-callback:${executionId}:${ctx.getNode().id}`)
		.digest('hex');
}

/** The hookUrl that resumes this execution: n8n's resume URL + this node's id + the run token. */
export async function callbackUrl(ctx: IExecuteFunctions): Promise<string> {
	const url = new URL(String(ctx.evaluateExpression('{{ $execution.resumeUrl }}', 0)));
	url.pathname = `${url.pathname.replace(/\/+$/, '')}/${ctx.getNode().id}`;
	url.searchParams.set(TOKEN_PARAM, await runToken(ctx, ctx.getExecutionId()));
	return url.toString();
}

/** The waiting execution's id: the path segment before this node's id in the resume URL. */
function executionIdOf(ctx: IWebhookFunctions): string {
	const req = ctx.getRequestObject() as unknown as { originalUrl?: string; url?: string };
	const segments = new URL(req.originalUrl ?? req.url ?? '/', 'http://localhost').pathname.split('/');
	const at = segments.lastIndexOf(ctx.getNode().id);
	return at > 0 ? decodeURIComponent(segments[at - 1]) : '';
}

/** One input item of a paused run: its job, or why it never became one. */
export interface RunEntry {
	itemIndex: number;
	jobId?: string;
	fetchPath?: string;
	/** The item never became a job: why, and what to do. */
	error?: string;
	errorDescription?: string;
}

/** What execute() keeps in the node's execution context while the run is paused. */
export interface CallbackRunState {
	entries: RunEntry[];
}

export const CONTEXT_KEY = 'ttapiCallbackRun';

/**
 * The run's entries, from the node context execute() saved before pausing. n8n persists that
 * context with the paused execution but gives webhooks no getter for it, so it is read from the
 * run data the webhook context was built with.
 */
export function entriesOfRun(ctx: IWebhookFunctions): RunEntry[] {
	const runExecutionData = (ctx as unknown as { runExecutionData?: { executionData?: { contextData?: IDataObject } } })
		.runExecutionData;
	const nodeContext = runExecutionData?.executionData?.contextData?.[`node:${ctx.getNode().name}`] as IDataObject | undefined;
	const run = nodeContext?.[CONTEXT_KEY] as CallbackRunState | undefined;
	return Array.isArray(run?.entries) ? run.entries : [];
}

function jobsOfRun(ctx: IWebhookFunctions): CallbackJob[] {
	return entriesOfRun(ctx)
		.filter((entry) => typeof entry.jobId === 'string')
		.map((entry) => ({ jobId: entry.jobId!, itemIndex: entry.itemIndex, fetchPath: String(entry.fetchPath) }));
}

/**
 * Handles one callback to the waiting execution. It answers TT API at once; until every job of
 * the run has ended the wait goes on, and exactly one callback (the one that completes the run)
 * returns every job's final state, in the order of the input items.
 *
 * Callbacks of one run are decided one at a time in this process, and the run is marked resumed
 * before the decision returns, so two callbacks arriving together cannot both resume it.
 */
export async function receiveCallback(
	ctx: IWebhookFunctions,
): Promise<Array<{ job: CallbackJob; answer: TtApiEnvelope }> | undefined> {
	const executionId = executionIdOf(ctx);
	const { [TOKEN_PARAM]: token } = ctx.getQueryData() as Record<string, unknown>;
	if (!executionId || !secretMatches(token, await runToken(ctx, executionId))) {
		reply(ctx, 401, { message: 'Unauthorized' });
		return undefined;
	}
	const { body, tooLarge } = readCallbackBody(ctx);
	const jobId = body ? jobIdOf(body) : undefined;
	if (tooLarge || !body || !jobId || typeof body.status !== 'string') {
		reply(ctx, tooLarge ? 413 : 400, { message: 'Expected a TT API job as JSON, with jobId and status' });
		return undefined;
	}
	reply(ctx, 200, { received: true });
	const jobs = jobsOfRun(ctx);
	if (!isFinished(body.status) || !jobs.some((job) => job.jobId === jobId)) return undefined;

	const memory = memoryOf(executionId);
	if (memory.resumed) return undefined;
	memory.ended.set(jobId, body);
	return await oneAtATime(memory, async () => {
		if (memory.resumed) return undefined;
		if (!(await learnTheRest(ctx, jobs, memory))) return undefined;
		memory.resumed = true;
		return jobs.map((job) => ({ job, answer: memory.ended.get(job.jobId)! }));
	});
}

/**
 * Whether every job of the run has ended, fetching the ones this process has not heard of, one
 * by one. The first that is still running (or cannot be read) ends the search: its own callback
 * is still to come and will ask again. So a job is fetched at most once per callback that finds
 * it running, plus once per process that never got its callback: about one fetch per job with
 * one webhook process, at most two with several.
 */
async function learnTheRest(ctx: IWebhookFunctions, jobs: CallbackJob[], memory: RunMemory): Promise<boolean> {
	for (;;) {
		// Callbacks that arrived during the last fetch are already in memory: never fetch those.
		const unknown = jobs.find((job) => !memory.ended.has(job.jobId));
		if (!unknown) return true;
		try {
			const answer = await fetchJob(ctx, unknown);
			if (!isFinished(answer.status)) return false;
			memory.ended.set(unknown.jobId, answer);
		} catch (error) {
			// Its own callback, a later one, or the timeout will settle this job.
			ctx.logger.debug(`TT API job ${unknown.jobId} could not be fetched: ${(error as Error).message}`);
			return false;
		}
	}
}
