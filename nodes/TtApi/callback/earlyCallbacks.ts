import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { mapConcurrent } from '../helpers/concurrency';
import { sleepUnlessCancelled } from '../helpers/sleep';
import { isFinished } from '../jobs/job';
import { fetchJob } from '../jobs/wait';
import type { TtApiEnvelope } from '../transport/request';
import { cancelSignal } from '../transport/retry';
import { postToResumeUrl, type ResumeUrlAnswer } from '../transport/resumeUrl';
import type { CallbackJob } from './state';

/** Waits between the calls that ask n8n whether it has stored the paused run: short at first, as it usually has within a second. */
const STORED_CHECK_DELAYS_MS = [100, 200, 300, 400, 500, 500];
const STORED_CHECK_LATER_MS = 1000;
/** Beyond this, n8n is not storing the run: its own log says why. */
const STORED_CHECK_LIMIT_MS = 60_000;
const FETCH_CONCURRENCY = 4;

/** n8n's answer while the run is still executing: the paused run is not stored yet, so it refuses callbacks. */
const stillRunning = (answer: ResumeUrlAnswer) => 'statusCode' in answer && answer.statusCode === 409 && /running already/i.test(answer.message);
const accepted = (answer: ResumeUrlAnswer) => 'statusCode' in answer && answer.statusCode >= 200 && answer.statusCode < 300;

/**
 * n8n refuses a paused execution's callbacks (409, "running already") until it has stored the
 * run, which takes from milliseconds to seconds after the node returns (longer in queue mode on a
 * busy worker), and TT API sends each callback once. A job submitted before the pause that ends
 * within that moment (a prompt refused at once, a very short job) would lose its callback: its
 * item would wait for the Wait Timeout, and so would every queued item of its lane; if it was the
 * only job, nothing would ever resume the run.
 *
 * So, in the background, the process that paused the run asks n8n, with a callback of a job still
 * running (which changes nothing), until n8n takes it: the run is stored. Then it fetches each job
 * once, and delivers the end of those that have ended as their callback. The webhook takes a
 * callback twice as once, so a job whose own callback came through too is not affected.
 */
export function deliverEarlyCallbacks(ctx: IExecuteFunctions, hookUrl: string, jobs: CallbackJob[]): void {
	if (jobs.length === 0) return;
	void watchThePause(ctx, hookUrl, jobs).catch((error: Error) => ctx.logger.debug(`TT API: checking for callbacks n8n refused stopped: ${error.message}`));
}

async function watchThePause(ctx: IExecuteFunctions, hookUrl: string, jobs: CallbackJob[]): Promise<void> {
	const executionId = ctx.getExecutionId();
	if (!(await untilStored(ctx, hookUrl, jobs[0].jobId, executionId))) return;
	const ended = await mapConcurrent(jobs, FETCH_CONCURRENCY, async (job): Promise<TtApiEnvelope | undefined> => {
		try {
			const answer = await fetchJob(ctx, job);
			return isFinished(answer.status) ? answer : undefined;
		} catch (error) {
			// Its callback will come, or the Wait Timeout will say what became of it.
			ctx.logger.debug(`TT API job ${job.jobId} could not be fetched: ${(error as Error).message}`);
			return undefined;
		}
	});
	for (const [index, answer] of ended.entries()) {
		if (!answer) continue;
		const delivered = await postToResumeUrl(ctx, hookUrl, answer as IDataObject);
		const outcome = accepted(delivered) ? 'delivered it now' : `could not deliver it (${describe(delivered)})`;
		ctx.logger.info(`TT API: job ${jobs[index].jobId} ended before n8n had stored the paused run, which refuses callbacks until then; ${outcome} (execution ${executionId})`);
	}
}

/** Whether n8n has stored the paused run and takes its callbacks now; false if it never will (the run ended, was cancelled, or the URL cannot be reached). */
async function untilStored(ctx: IExecuteFunctions, hookUrl: string, runningJobId: string, executionId: string): Promise<boolean> {
	const probe: IDataObject = { jobId: runningJobId, status: 'ON_QUEUE', message: null, data: null };
	const giveUpAt = Date.now() + STORED_CHECK_LIMIT_MS;
	for (let check = 0; Date.now() < giveUpAt; check++) {
		await sleepUnlessCancelled(STORED_CHECK_DELAYS_MS[check] ?? STORED_CHECK_LATER_MS, cancelSignal(ctx));
		const answer = await postToResumeUrl(ctx, hookUrl, probe);
		if (accepted(answer)) return true;
		if (stillRunning(answer)) continue;
		if ('unreachable' in answer) {
			ctx.logger.warn(
				`TT API: this n8n process cannot reach the resume URL of execution ${executionId} (${answer.unreachable}), so it cannot check for callbacks n8n refused before it had stored the paused run. A job that ended within that moment waits for the Wait Timeout. Make n8n's WEBHOOK_URL reachable from its own processes.`,
			);
		} else ctx.logger.debug(`TT API: execution ${executionId} no longer takes callbacks (${describe(answer)})`);
		return false;
	}
	ctx.logger.warn(`TT API: n8n had not stored paused execution ${executionId} ${STORED_CHECK_LIMIT_MS / 1000} s after its pause; jobs that ended meanwhile may wait for the Wait Timeout`);
	return false;
}

const describe = (answer: ResumeUrlAnswer) => ('unreachable' in answer ? answer.unreachable : `HTTP ${answer.statusCode} ${answer.message}`.trim());
