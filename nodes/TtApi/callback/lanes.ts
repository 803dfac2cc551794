import type { IWebhookFunctions } from 'n8n-workflow';

import { isFinished } from '../jobs/job';
import { fetchJob } from '../jobs/wait';
import { logCallbackProgress } from '../jobs/progress';
import { neverSubmittedError } from '../jobs/queueSchedule';
import { errorJson } from '../jobs/results';
import { mayHaveStartedJob } from '../transport/errors';
import type { TtApiEnvelope } from '../transport/request';
import { heardCallback, learnTheRest, memoryOf, oneAtATime, type RunMemory } from './memory';
import type { CompletedRun } from './receive';
import { queuedBody, type QueuedRun, type RunEntry } from './state';
import { submitQueued } from './submitQueued';
import { hookUrlOf, laneParams, PROCESS_TAG } from './token';
import { jobAtPosition, settledPositions, walkLanesBack } from './walk';

interface QueuedCallback {
	executionId: string;
	pauseId: string | undefined;
	/** The run's callback token, checked: the hookUrls of the jobs submitted here carry it too. */
	token: string;
	entries: RunEntry[];
	queue: QueuedRun;
	body: TtApiEnvelope;
	jobId: string;
}

interface LaneRun {
	executionId: string;
	token: string;
	queue: QueuedRun;
	memory: RunMemory;
}

/**
 * A callback of a run with more items than N: the job's end frees its lane, so the next item of
 * the lane is submitted (once per position: a second copy of the same callback submits nothing),
 * then, one decision at a time, the run resumes if every item is settled.
 */
export async function receiveQueued(ctx: IWebhookFunctions, callback: QueuedCallback): Promise<CompletedRun | undefined> {
	const { executionId, pauseId, token, entries, queue, body, jobId } = callback;
	const heads = new Map(entries.filter((entry) => entry.jobId).map((entry) => [entry.jobId!, entry]));
	const headAt = new Map([...heads].map(([headJobId, entry]) => [entry.itemIndex, headJobId]));
	const fetchPath = String(heads.values().next().value?.fetchPath);
	const lane = laneParams(ctx.getQueryData() as Record<string, unknown>);
	const head = heads.get(jobId);
	const position = head ? queue.order.indexOf(head.itemIndex) : lane.position;
	if (position === undefined || position < 0 || position >= queue.order.length || (!head && position < queue.lanes)) return undefined;
	if (!isFinished(body.status)) return undefined;
	const memory = memoryOf(executionId, pauseId);
	const known = memory.jobs.get(position);
	if (memory.resumed || (known !== undefined && known !== jobId)) return undefined;
	if (lane.submitter === PROCESS_TAG) memory.ownCallbacks++;
	else {
		memory.crossesProcesses = true;
		if (position >= queue.lanes && !memory.warnedCrossing) {
			memory.warnedCrossing = true;
			warnCallbacksCross(ctx, executionId, queue);
		}
	}
	memory.jobs.set(position, jobId);
	// A submit that failed after TT API had started the job (a 5xx, a dropped answer): its callback shows the job, and the item has its result after all.
	memory.errors.delete(position);
	if (!head && lane.previous) memory.previous.set(position, lane.previous);
	heardCallback(memory, jobId, body);
	if (!memory.handled.has(position)) {
		memory.handled.add(position);
		// After that failed submit the lane went on at once: its next place is taken already.
		const next = position + queue.lanes;
		if (!memory.submitting.has(next) && !memory.jobs.has(next)) await submitNextOfLane(ctx, { executionId, token, queue, memory }, next, jobId);
	}
	return await oneAtATime(memory, async () => {
		if (memory.resumed) return undefined;
		await recoverStalledLanes(ctx, { executionId, token, queue, memory }, { headAt, fetchPath, calledBack: position });
		await walkLanesBack(ctx, queue, new Set(heads.keys()), memory, fetchPath);
		const jobs = settledPositions(queue, headAt, memory, fetchPath);
		const allEnded = !!jobs && (await learnTheRest(ctx, jobs, memory));
		logCallbackProgress(ctx, executionId, settledCount(queue, headAt, memory), queue.order.length);
		if (!jobs || !allEnded) return undefined;
		memory.resumed = true;
		return { finished: jobs.map((job) => ({ job, answer: memory.ended.get(job.jobId)! })), errors: [...entries.filter((entry) => entry.error), ...memory.errors.values()] };
	});
}

/** Items of the run this process has seen end, as a job or as an error: each position once. */
function settledCount(queue: QueuedRun, headAt: Map<number, string>, memory: RunMemory): number {
	let settled = 0;
	for (let position = 0; position < queue.order.length; position++) {
		const jobId = jobAtPosition(queue, headAt, memory, position);
		if (memory.errors.has(position) || (jobId !== undefined && memory.ended.has(jobId))) settled++;
	}
	return settled;
}

/**
 * A job another n8n process submitted after the pause called back here: the run's callbacks reach
 * several processes (webhook processes in queue mode, or one restarted). Each knows only the jobs it
 * submitted or heard of, and they share nothing the node can reach, so the run may not complete
 * before its Wait Timeout unless the load balancer keeps each execution's callbacks on one process;
 * n8n's log is where that setup shows first.
 */
function warnCallbacksCross(ctx: IWebhookFunctions, executionId: string, queue: QueuedRun): void {
	ctx.logger.warn(
		`TT API: callbacks of execution ${executionId} reach more than one n8n process. With more items than its ${queue.lanes} places, the run completes only where every callback arrives: if n8n runs several webhook processes, it may wait for its Wait Timeout. Have the load balancer send all calls to /webhook-waiting/<execution ID>/ to one webhook process (see the package README), or use Wait Mode "Poll Until Done" for such runs.`,
	);
}

/**
 * A lane whose job has run twice as long as the one calling back, without a callback here, may
 * have lost its callback: the job is fetched, and if it has ended, taken as its callback (the
 * lane's next item is submitted). Only while every callback of the run has come back to the
 * process that submitted its job, at least as many as the run has lanes (one n8n process, as in
 * regular mode): where callbacks cross processes, another may have had that callback and
 * submitted the next item already, so a lane there waits for its own callback or the Wait
 * Timeout rather than risk paying twice.
 */
async function recoverStalledLanes(
	ctx: IWebhookFunctions,
	run: LaneRun,
	{ headAt, fetchPath, calledBack }: { headAt: Map<number, string>; fetchPath: string; calledBack: number },
): Promise<void> {
	const { executionId, queue, memory } = run;
	// Until a lane's worth of callbacks has come back here, another process taking callbacks may not have shown yet.
	if (memory.crossesProcesses || memory.ownCallbacks < queue.lanes) return;
	const pausedAt = queue.deadline - queue.timeoutMs;
	const jobAt = (position: number) => jobAtPosition(queue, headAt, memory, position);
	const startedAt = (position: number) => (position < queue.lanes ? pausedAt : memory.submittedAt.get(position));
	const ownStart = startedAt(calledBack);
	if (ownStart === undefined) return;
	const now = Date.now();
	for (let lane = 0; lane < queue.lanes; lane++) {
		let latest: number | undefined;
		for (let position = lane; position < queue.order.length; position += queue.lanes) {
			if (jobAt(position)) latest = position;
			else if (!memory.errors.has(position)) break;
		}
		const jobId = latest === undefined ? undefined : jobAt(latest);
		const started = latest === undefined ? undefined : startedAt(latest);
		if (latest === undefined || latest === calledBack || !jobId || started === undefined || memory.handled.has(latest) || memory.ended.has(jobId)) continue;
		if (now - started < 2 * (now - ownStart)) continue;
		let answer;
		try {
			answer = await fetchJob(ctx, { jobId, fetchPath, itemIndex: queue.order[latest] });
		} catch (error) {
			ctx.logger.debug(`TT API job ${jobId} could not be fetched: ${(error as Error).message}`);
			continue;
		}
		if (!isFinished(answer.status) || memory.handled.has(latest)) continue;
		ctx.logger.info(`TT API: job ${jobId} ended without its callback reaching n8n; its lane goes on (execution ${executionId})`);
		memory.ended.set(jobId, answer);
		memory.handled.add(latest);
		await submitNextOfLane(ctx, run, latest + queue.lanes, jobId);
	}
}

/** Submits the item at `position`, or, if TT API refuses it, the next of the same lane. */
async function submitNextOfLane(
	ctx: IWebhookFunctions,
	{ executionId, token, queue, memory }: LaneRun,
	position: number,
	previous: string,
): Promise<void> {
	for (let next = position; next < queue.order.length; next += queue.lanes) {
		memory.submitting.add(next);
		const itemIndex = queue.order[next];
		const hookUrl = hookUrlOf(queue.resumeUrl, token, { position: next, previous });
		const outcome = await submitQueued(ctx, queue, { ...queuedBody(queue, itemIndex), hookUrl }, itemIndex);
		if ('jobId' in outcome) {
			memory.jobs.set(next, outcome.jobId);
			memory.submittedAt.set(next, Date.now());
			ctx.logger.info(`TT API: item ${itemIndex} submitted as job ${outcome.jobId} (execution ${executionId})`);
			return;
		}
		const error = 'error' in outcome ? outcome.error : neverSubmittedError(ctx, itemIndex, queue.timeoutMs, queue.lanes);
		const { error: message, errorDescription } = errorJson(error);
		memory.errors.set(next, { itemIndex, error: String(message), ...(errorDescription ? { errorDescription: String(errorDescription) } : {}) });
		// TT API may have started this job. Its callback, if it did, goes on with the lane; where
		// callbacks cross processes it may reach one that does not know of this failure, so going on
		// here too would submit every later item of the lane twice. Then the lane waits for that
		// callback, or, if no job started, for the Wait Timeout: slower, never paid twice.
		if (mayHaveStartedJob(error) && memory.crossesProcesses) return;
	}
}
