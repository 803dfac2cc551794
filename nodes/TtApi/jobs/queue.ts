import type { IExecuteFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { sleepUnlessCancelled } from '../helpers/sleep';
import { cancelSignal } from '../transport/request';
import { isQueueExhausted } from './limit';
import type { AcceptedItem, AsyncModel } from './model';
import type { ItemResult } from './results';
import type { RunProgress } from './progress';
import type { RunSettings } from './settings';
import { submitJob } from './submit';
import { limiter, nextPollDelayMs, watchJob, type JobOutcome } from './wait';
import { backoffMs, Durations, neverSubmittedError, pollDelayWhileQueued } from './queueSchedule';

interface QueueRun {
	ctx: IExecuteFunctions;
	model: AsyncModel;
	settings: RunSettings;
	/** N: jobs of this run at TT API at once (jobs/limit.ts). */
	limit: number;
	/** Turns an ended job into the item's result (download included), after its slot is free. */
	finish: (item: AcceptedItem, jobId: string, outcome: JobOutcome) => Promise<ItemResult>;
	/** Told of each accepted submit, so errors can name the jobs already paid for. */
	submitted: (jobId: string) => void;
	progress?: RunProgress;
}

/**
 * Poll mode within the account's queue: at most N jobs of the run in flight, the next item
 * submitted as soon as a fetch sees one end. A 499 means TT API started nothing: the item goes
 * back to the front of the queue until one of our jobs ends (or, if none runs, other workflows
 * hold the queue: after a back-off). At the Wait Timeout, items never submitted end in an error
 * saying so.
 */
export async function submitAndPoll(run: QueueRun, accepted: AcceptedItem[]): Promise<Map<number, ItemResult>> {
	const { ctx, model, settings, limit } = run;
	const results = new Map<number, ItemResult>();
	const queue = [...accepted];
	const cancelled = cancelSignal(ctx);
	const over = new AbortController();
	const signal = cancelled ? AbortSignal.any([cancelled, over.signal]) : over.signal;
	const submitSlot = limiter(settings.concurrency);
	const fetchSlot = limiter(Math.max(settings.concurrency, 5));
	const finishSlot = limiter(settings.concurrency);
	const durations = new Durations();
	const watchers = fanOut(signal);
	const timeoutMs = settings.timeoutMs;
	let active = 0;
	let refusals = 0;
	let blockedUntil = 0;
	let wake = () => {};
	const tasks: Array<Promise<void>> = [];

	const delayMs = (ageMs: number, lastRunningAgeMs: number) =>
		queue.length > 0
			? pollDelayWhileQueued(ageMs, lastRunningAgeMs, settings.pollIntervalMs, durations.typical())
			: nextPollDelayMs(ageMs, settings.pollIntervalMs);

	const runItem = async (item: AcceptedItem): Promise<void> => {
		let jobId: string;
		try {
			jobId = await submitSlot(async () => await submitJob(ctx, model, item.body, item.itemIndex));
		} catch (error) {
			active--;
			if (isQueueExhausted(error)) {
				queue.unshift(item);
				blockedUntil = Date.now() + backoffMs(++refusals);
			} else {
				results.set(item.itemIndex, { error: error as Error });
				run.progress?.mark(item.itemIndex, 'failed');
			}
			wake();
			return;
		}
		refusals = 0;
		run.submitted(jobId);
		run.progress?.mark(item.itemIndex, 'running');
		const job = { jobId, fetchPath: model.fetchPath, endStatuses: model.endStatuses, itemIndex: item.itemIndex, submittedAt: Date.now() };
		const own = watchers.child();
		const outcome = await watchJob(job, {
			ctx,
			signal: own.signal,
			timeoutMs,
			fetchSlot,
			delayMs,
			ended: (running, seen) => durations.add(running, seen),
		});
		watchers.release(own);
		active--;
		// One of ours ended, so the account's queue has room again: a refused item may go now.
		blockedUntil = 0;
		wake();
		const result = await finishSlot(async () => await run.finish(item, jobId, outcome));
		results.set(item.itemIndex, result);
		run.progress?.mark(item.itemIndex, 'error' in result ? 'failed' : 'done');
	};

	const deadline = sleepUnlessCancelled(timeoutMs, signal).then(() => over.abort(), () => undefined);
	try {
		// Runs while jobs are out too: a submit refused with 499 puts its item back in the queue.
		while ((queue.length > 0 || active > 0) && !signal.aborted) {
			if (queue.length > 0 && active < limit && Date.now() >= blockedUntil) {
				active++;
				tasks.push(runItem(queue.shift()!));
				continue;
			}
			await nextWake(signal, blockedUntil, (resolve) => (wake = resolve));
		}
		await Promise.all(tasks);
	} finally {
		over.abort();
		await deadline;
	}
	if (cancelled?.aborted) throw new NodeOperationError(ctx.getNode(), 'The execution was cancelled');
	for (const item of queue) results.set(item.itemIndex, { error: neverSubmittedError(ctx, item.itemIndex, timeoutMs, limit) });
	return results;
}

/** Waits until woken (a slot freed), the back-off has passed, or the run is over. */
async function nextWake(signal: AbortSignal, blockedUntil: number, setWake: (resolve: () => void) => void): Promise<void> {
	const nap = new AbortController();
	const onAbort = () => nap.abort();
	signal.addEventListener('abort', onAbort, { once: true });
	const waits: Array<Promise<unknown>> = [new Promise<void>((resolve) => setWake(resolve))];
	waits.push(new Promise((resolve) => nap.signal.addEventListener('abort', resolve, { once: true })));
	if (blockedUntil > Date.now()) waits.push(sleepUnlessCancelled(blockedUntil - Date.now(), nap.signal).catch(() => undefined));
	try {
		if (!signal.aborted) await Promise.race(waits);
	} finally {
		signal.removeEventListener('abort', onAbort);
		nap.abort();
	}
}

/**
 * One abort listener on the run's signal for any number of jobs watched at once: each watcher
 * listens on its own signal, which this aborts (Node warns past 10 listeners on one signal).
 */
function fanOut(signal: AbortSignal) {
	const children = new Set<AbortController>();
	signal.addEventListener('abort', () => children.forEach((child) => child.abort()), { once: true });
	return {
		child(): AbortController {
			const child = new AbortController();
			if (signal.aborted) child.abort();
			else children.add(child);
			return child;
		},
		release: (child: AbortController) => children.delete(child),
	};
}
