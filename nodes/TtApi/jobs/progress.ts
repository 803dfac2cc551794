import type { IExecuteFunctions, Logger } from 'n8n-workflow';

/** Where one input item of a run stands. */
type ItemState = 'queued' | 'running' | 'done' | 'failed';

interface ProgressCounts {
	items: number;
	/** Waiting to be submitted. */
	queued: number;
	/** Submitted (or taken over from an earlier try) and not ended yet. */
	running: number;
	done: number;
	failed: number;
	/** Jobs submitted so far, including those an earlier try of the node submitted. */
	submitted: number;
}

/** A line at most this often while the counts change: a few hundred lines for a night's run. */
export const PROGRESS_LOG_INTERVAL_MS = 5_000;
/** Smaller runs log at debug level: a workflow of three images needs no progress in the log. */
const PROGRESS_INFO_FROM_ITEMS = 10;

function describeCounts(counts: ProgressCounts): string {
	return `${counts.items} items: ${counts.queued} queued, ${counts.running} running, ${counts.done} done, ${counts.failed} failed; ${counts.submitted} submitted`;
}

interface ProgressContext {
	logger: Logger;
	getNode(): { name: string };
	getExecutionId(): string;
}

/**
 * Where a run of many jobs stands, in n8n's log: a line when the counts have changed, at most every
 * 5 s (checked when an item changes state, so no timer is ever armed), and a last line at the end,
 * which also becomes a hint above the node's output in the editor. A few operations per event: it
 * never slows the run. The flow calls `mark` as items move; any order of calls keeps the counts right.
 */
export class RunProgress {
	private readonly states = new Map<number, ItemState>();

	private readonly everSubmitted = new Set<number>();

	private readonly counts: ProgressCounts;

	private lastLogAt = -Infinity;

	constructor(
		private readonly ctx: ProgressContext,
		itemIndexes: number[],
		private readonly intervalMs = PROGRESS_LOG_INTERVAL_MS,
	) {
		this.counts = { items: itemIndexes.length, queued: itemIndexes.length, running: 0, done: 0, failed: 0, submitted: 0 };
		for (const itemIndex of itemIndexes) this.states.set(itemIndex, 'queued');
	}

	snapshot(): ProgressCounts {
		return { ...this.counts };
	}

	/** An item moved: submitted (`running`), ended, or back in the queue (a 499). */
	mark(itemIndex: number, state: ItemState): void {
		const before = this.states.get(itemIndex);
		if (before === undefined || before === state) return;
		this.counts[before]--;
		this.counts[state]++;
		this.states.set(itemIndex, state);
		if (state === 'running' && !this.everSubmitted.has(itemIndex)) {
			this.everSubmitted.add(itemIndex);
			this.counts.submitted++;
		}
		if (Date.now() - this.lastLogAt >= this.intervalMs) this.log('TT API run in progress');
	}

	/** Marks the item running when `submit` gives its job, failed when it throws; returns `submit`. */
	async track<T>(itemIndex: number, submit: Promise<T>): Promise<T> {
		submit.then(
			() => this.mark(itemIndex, 'running'),
			() => this.mark(itemIndex, 'failed'),
		);
		return await submit;
	}

	/**
	 * The last line, always logged (`paused`: callback mode, the run goes on without a worker);
	 * `reused` jobs were submitted by an earlier try of the node.
	 */
	finish(reused = 0, paused = false): ProgressCounts {
		const counts = this.snapshot();
		const retry = reused > 0 ? `, ${reused} of them by an earlier try of this node (Retry On Fail) and waited for again` : '';
		this.log(paused ? 'TT API run paused until its jobs call back' : 'TT API run ended', retry);
		if (!paused && (counts.items >= PROGRESS_INFO_FROM_ITEMS || counts.failed > 0 || reused > 0)) {
			const withHints = this.ctx as Partial<IExecuteFunctions>;
			withHints.addExecutionHints?.({ message: `TT API: ${describeCounts(counts)}${retry}.`, type: counts.failed > 0 ? 'warning' : 'info', location: 'outputPane' });
		}
		return counts;
	}

	private log(what: string, extra = ''): void {
		this.lastLogAt = Date.now();
		const level = this.counts.items >= PROGRESS_INFO_FROM_ITEMS ? 'info' : 'debug';
		// n8n's text log prints the message alone: it names the execution, as runs log side by side.
		const where = `execution ${this.ctx.getExecutionId()}, node "${this.ctx.getNode().name}"`;
		this.ctx.logger[level](`${what} (${where}): ${describeCounts(this.counts)}${extra}`, {
			node: this.ctx.getNode().name,
			executionId: this.ctx.getExecutionId(),
			ttapiProgress: this.snapshot(),
		});
	}
}

/** When each paused run last logged its callbacks, in this process (a webhook process sees only its own). */
const callbackLogAt = new Map<string, number>();

/**
 * Callback mode: each callback of a paused run says how many of its jobs this process knows ended,
 * at most every 5 s per run, and always for the last one.
 */
export function logCallbackProgress(ctx: { logger: Logger; getNode(): { name: string } }, executionId: string, ended: number, total: number): void {
	const last = callbackLogAt.get(executionId) ?? -Infinity;
	if (ended < total && Date.now() - last < PROGRESS_LOG_INTERVAL_MS) return;
	if (callbackLogAt.size >= 1000) callbackLogAt.delete(callbackLogAt.keys().next().value!);
	callbackLogAt.delete(executionId);
	if (ended < total) callbackLogAt.set(executionId, Date.now());
	const level = total >= PROGRESS_INFO_FROM_ITEMS ? 'info' : 'debug';
	ctx.logger[level](`TT API run waiting for callbacks (execution ${executionId}, node "${ctx.getNode().name}"): ${ended} of ${total} jobs ended`, {
		node: ctx.getNode().name,
		executionId,
		ttapiProgress: { items: total, running: total - ended, ended },
	});
}
