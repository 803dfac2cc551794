import type { IWebhookFunctions } from 'n8n-workflow';

import { isFinished, jobIdOf } from '../jobs/job';
import { logCallbackProgress } from '../jobs/progress';
import type { TtApiEnvelope } from '../transport/request';
import { CHECK_PARAM, checkJobsOfThePause } from './earlyCallbacks';
import { receiveQueued } from './lanes';
import { heardCallback, learnTheRest, memoryOf, oneAtATime } from './memory';
import { readCallbackBody, reply, secretMatches } from './request';
import { jobsOf, runStateOf, type CallbackJob, type CallbackRunState, type RunEntry } from './state';
import { acceptToken, executionIdOf, expectedToken, TOKEN_PARAM } from './token';

/** What the callback that completes a run resumes it with: every job's final state, and the items that never became one (at the pause or after it). */
export interface CompletedRun {
	finished: Array<{ job: CallbackJob; answer: TtApiEnvelope }>;
	errors: RunEntry[];
}

/**
 * Handles one callback to the waiting execution, or the pausing process's call asking to check the
 * jobs submitted before the pause (callback/earlyCallbacks.ts). It answers TT API at once; until
 * every job of the run has ended the wait goes on, and exactly one callback (the one that completes
 * the run) returns every job's final state, in the order of the input items.
 *
 * Callbacks of one run are decided one at a time in this process, and the run is marked resumed
 * before the decision returns, so two callbacks arriving together cannot both resume it.
 */
export async function receiveCallback(ctx: IWebhookFunctions): Promise<CompletedRun | undefined> {
	const executionId = executionIdOf(ctx);
	const query = ctx.getQueryData() as Record<string, unknown>;
	const expected = executionId ? await expectedToken(ctx, executionId) : '';
	if (!executionId || !secretMatches(query[TOKEN_PARAM], expected)) {
		reply(ctx, 401, { message: 'Unauthorized' });
		return undefined;
	}
	await acceptToken(ctx, executionId, expected);
	if (query[CHECK_PARAM] !== undefined) {
		reply(ctx, 200, { received: true });
		const state = runStateOf(ctx);
		const run = { executionId, token: expected, ...state };
		return await checkJobsOfThePause(ctx, { executionId, jobs: jobsOf(state.entries), memory: memoryOf(executionId, state.pauseId), queued: !!state.queue }, async (body, jobId) => await takeCallback(ctx, run, body, jobId));
	}
	const { body, tooLarge } = readCallbackBody(ctx);
	const jobId = body ? jobIdOf(body) : undefined;
	if (tooLarge || !body || !jobId || typeof body.status !== 'string') {
		reply(ctx, tooLarge ? 413 : 400, { message: 'Expected a TT API job as JSON, with jobId and status' });
		return undefined;
	}
	reply(ctx, 200, { received: true });
	return await takeCallback(ctx, { executionId, token: expected, ...runStateOf(ctx) }, body, jobId);
}

/** One job's end (its callback, or a fetch standing in for one) for the paused run. */
async function takeCallback(
	ctx: IWebhookFunctions,
	{ executionId, token, pauseId, entries, queue }: { executionId: string; token: string } & CallbackRunState,
	body: TtApiEnvelope,
	jobId: string,
): Promise<CompletedRun | undefined> {
	if (queue) return await receiveQueued(ctx, { executionId, pauseId, token, entries, queue, body, jobId });
	const jobs = jobsOf(entries);
	if (!isFinished(body.status) || !jobs.some((job) => job.jobId === jobId)) return undefined;

	const memory = memoryOf(executionId, pauseId);
	if (memory.resumed) return undefined;
	heardCallback(memory, jobId, body);
	return await oneAtATime(memory, async () => {
		if (memory.resumed) return undefined;
		const allEnded = await learnTheRest(ctx, jobs, memory);
		logCallbackProgress(ctx, executionId, memory.ended.size, jobs.length);
		if (!allEnded) return undefined;
		memory.resumed = true;
		return { finished: jobs.map((job) => ({ job, answer: memory.ended.get(job.jobId)! })), errors: entries.filter((entry) => entry.error) };
	});
}
