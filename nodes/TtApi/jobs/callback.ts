import { createHmac } from 'crypto';
import type {
	IDataObject,
	IExecuteFunctions,
	IWebhookFunctions,
} from 'n8n-workflow';

import { CREDENTIAL_TYPE, type HttpContext, type TtApiEnvelope } from '../transport/request';
import { mapConcurrent } from '../helpers/concurrency';
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
 * Callbacks already received, per execution, in this n8n process. When every job of a run has
 * called back, the run resumes without a single fetch. After a restart (or on another process)
 * the memory is empty and the missing jobs are fetched once instead: slower, never wrong.
 */
const received = new Map<string, Map<string, TtApiEnvelope>>();
const RECEIVED_RUNS_LIMIT = 1000;

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
	/** The item never became a job: why. */
	error?: string;
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
 * the run has ended the wait goes on, and the callback that completes the run returns every job's
 * final state, in the order of the input items.
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

	let runCallbacks = received.get(executionId);
	if (!runCallbacks) {
		if (received.size >= RECEIVED_RUNS_LIMIT) received.delete(received.keys().next().value!);
		runCallbacks = new Map();
		received.set(executionId, runCallbacks);
	}
	runCallbacks.set(jobId, body);
	if (runCallbacks.size === 1 && jobs.length > 1) {
		// The first callback this process has seen for the run: earlier ones may have reached a
		// process that no longer remembers them, so ask TT API once about the other jobs.
		const known = runCallbacks;
		await mapConcurrent(jobs.filter((job) => job.jobId !== jobId), 5, async (job) => {
			try {
				const answer = await fetchJob(ctx, job);
				if (isFinished(answer.status)) known.set(job.jobId, answer);
			} catch (error) {
				// Its own callback, or the timeout, will settle this job.
				ctx.logger.debug(`TT API job ${job.jobId} could not be fetched: ${(error as Error).message}`);
			}
		});
	}
	if (jobs.some((job) => !runCallbacks.has(job.jobId))) return undefined;
	received.delete(executionId);
	return jobs.map((job) => ({ job, answer: runCallbacks.get(job.jobId)! }));
}
