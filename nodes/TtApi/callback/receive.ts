import type { IWebhookFunctions } from 'n8n-workflow';

import { isFinished, jobIdOf } from '../jobs/job';
import { logCallbackProgress } from '../jobs/progress';
import { fetchJob } from '../jobs/wait';
import type { TtApiEnvelope } from '../transport/request';
import { readCallbackBody, reply, secretMatches } from './request';
import { jobsOf, entriesOfRun, type CallbackJob } from './state';
import { executionIdOf, runToken, TOKEN_PARAM } from './token';

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
	const jobs = jobsOf(entriesOfRun(ctx));
	if (!isFinished(body.status) || !jobs.some((job) => job.jobId === jobId)) return undefined;

	const memory = memoryOf(executionId);
	if (memory.resumed) return undefined;
	memory.ended.set(jobId, body);
	return await oneAtATime(memory, async () => {
		if (memory.resumed) return undefined;
		const allEnded = await learnTheRest(ctx, jobs, memory);
		logCallbackProgress(ctx, executionId, memory.ended.size, jobs.length);
		if (!allEnded) return undefined;
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
