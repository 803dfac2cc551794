/**
 * n8n refuses a paused execution's callbacks (409, "running already") until it has stored the
 * run, which takes from milliseconds to seconds after the node returns (longer in queue mode on a
 * busy worker), and TT API sends each callback once. A job submitted before the pause that ends
 * within that moment (a prompt refused at once, a very short job) would lose its callback: its
 * item would wait for the Wait Timeout, and so would every queued item of its lane; if it was the
 * only job, nothing would ever resume the run.
 *
 * So the process that paused the run asks n8n, in the background, to check the run's jobs, until
 * n8n takes the request: the run is stored. The webhook that takes it fetches jobs submitted before
 * the pause that it has not heard of, and takes the end of those that have ended as their callback.
 * A callback that came through too counts once in that process.
 *
 * The asking side sends no credentials (n8n releases them when the node returns); the resume URL
 * carries the run's token.
 */
import type { IExecuteFunctions, IWebhookFunctions } from 'n8n-workflow';

import { mapConcurrent } from '../helpers/concurrency';
import { sleepUnlessCancelled } from '../helpers/sleep';
import { isFinished } from '../jobs/job';
import { fetchJob } from '../jobs/wait';
import type { TtApiEnvelope } from '../transport/request';
import { cancelSignal } from '../transport/retry';
import { postToResumeUrl, type ResumeUrlAnswer } from '../transport/resumeUrl';
import type { RunMemory } from './memory';
import type { CallbackJob } from './state';

/** Query parameter of a call asking the webhook to check the jobs submitted before the pause. */
export const CHECK_PARAM = 'ttapiCheck';

/** Waits between the asks: short at first, as n8n has usually stored the run within a second. */
const ASK_DELAYS_MS = [100, 200, 300, 400, 500, 500];
const ASK_LATER_MS = 1000;
/** Beyond this, n8n is not storing the run: its own log says why. */
const ASK_LIMIT_MS = 60_000;
const FETCH_CONCURRENCY = 4;

/** n8n's answer while the run is still executing: the paused run is not stored yet. */
const stillRunning = (answer: ResumeUrlAnswer) => 'statusCode' in answer && answer.statusCode === 409 && /running already/i.test(answer.message);
const accepted = (answer: ResumeUrlAnswer) => 'statusCode' in answer && answer.statusCode >= 200 && answer.statusCode < 300;
const describe = (answer: ResumeUrlAnswer) => ('unreachable' in answer ? answer.unreachable : `HTTP ${answer.statusCode} ${answer.message}`.trim());

/** After the pause, in the background: asks n8n to check the run's jobs once it has stored the run. */
export function askToCheckOnceStored(ctx: IExecuteFunctions, hookUrl: string): void {
	const url = new URL(hookUrl);
	url.searchParams.set(CHECK_PARAM, '1');
	void askUntilStored(ctx, url.toString()).catch((error: Error) => ctx.logger.debug(`TT API: asking n8n to check the paused run's jobs stopped: ${error.message}`));
}

async function askUntilStored(ctx: IExecuteFunctions, checkUrl: string): Promise<void> {
	const executionId = ctx.getExecutionId();
	const giveUpAt = Date.now() + ASK_LIMIT_MS;
	for (let ask = 0; Date.now() < giveUpAt; ask++) {
		await sleepUnlessCancelled(ASK_DELAYS_MS[ask] ?? ASK_LATER_MS, cancelSignal(ctx));
		const answer = await postToResumeUrl(ctx, checkUrl, {});
		if (stillRunning(answer)) continue;
		if (accepted(answer)) return;
		if ('unreachable' in answer) {
			ctx.logger.warn(
				`TT API: this n8n process cannot reach the resume URL of execution ${executionId} (${answer.unreachable}), so a job that ended before n8n had stored the paused run (n8n refuses callbacks until then) waits for the Wait Timeout. Make n8n's WEBHOOK_URL reachable from its own processes.`,
			);
		} else ctx.logger.debug(`TT API: execution ${executionId} no longer takes callbacks (${describe(answer)})`);
		return;
	}
	ctx.logger.warn(`TT API: n8n had not stored paused execution ${executionId} ${ASK_LIMIT_MS / 1000} s after its pause; a job that ended meanwhile may wait for the Wait Timeout`);
}

/**
 * The webhook's side. A run with queued items needs each job submitted before the pause: each
 * starts a lane, which goes on only by its callback. So each this process has not heard of is
 * fetched, and each that has ended is handed to `takeCallback`, in submit order, until one
 * completes the run.
 *
 * A run without queued items needs one fetch: of its last job, unless its callback came through.
 * Still running, that job will call back; ended, it is taken as its callback now. Either way a
 * callback fetches, in submit order, the jobs submitted before the latest one seen ending
 * (callback/memory.ts), which finds those whose callbacks n8n refused.
 */
export async function checkJobsOfThePause<T>(
	ctx: IWebhookFunctions,
	{ executionId, jobs, memory, queued }: { executionId: string; jobs: CallbackJob[]; memory: RunMemory; queued: boolean },
	takeCallback: (body: TtApiEnvelope, jobId: string) => Promise<T | undefined>,
): Promise<T | undefined> {
	const unheard = (queued ? jobs : jobs.slice(-1)).filter((job) => !memory.ended.has(job.jobId));
	const answers = await mapConcurrent(unheard, FETCH_CONCURRENCY, async (job): Promise<TtApiEnvelope | undefined> => {
		try {
			return await fetchJob(ctx, job);
		} catch (error) {
			// Its callback will come, or the Wait Timeout will say what became of it.
			ctx.logger.debug(`TT API job ${job.jobId} could not be fetched: ${(error as Error).message}`);
			return undefined;
		}
	});
	for (const [index, answer] of answers.entries()) {
		const { jobId } = unheard[index];
		if (!answer || !isFinished(answer.status) || memory.ended.has(jobId)) continue;
		ctx.logger.info(`TT API: job ${jobId} had ended when n8n stored the paused run (n8n refuses callbacks before then), and its callback has not come here; its end is taken as the callback (execution ${executionId})`);
		const completed = await takeCallback(answer, jobId);
		if (completed) return completed;
	}
	return undefined;
}
