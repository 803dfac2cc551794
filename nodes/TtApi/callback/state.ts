import type { IDataObject, IWebhookFunctions } from 'n8n-workflow';

/** One input item of a paused run: its job, or why it never became one. */
export interface RunEntry {
	itemIndex: number;
	jobId?: string;
	fetchPath?: string;
	/** The item never became a job: why, and what to do. */
	error?: string;
	errorDescription?: string;
	/** The item was waiting for a place in TT API's queue at the pause (see QueuedRun; not stored, its place in `order` says it). */
	queued?: boolean;
}

/**
 * A run with more items than N (jobs/limit.ts). Its items form N lanes in submit order: the job at
 * position p of `order` is followed by the item at p + lanes, which the callback of that job
 * submits. So which item goes next depends only on the callback, never on what another callback
 * or another webhook process did: none is submitted twice, none is left out.
 */
export interface QueuedRun {
	submitPath: string;
	/** Item indexes in submit order: first the jobs submitted before the pause, one per lane. */
	order: number[];
	lanes: number;
	/** Submit bodies, without hookUrl, of the items not submitted at the pause, by item index: less what `sharedBody` holds. */
	bodies: Record<string, IDataObject>;
	/** What every queued item's body has (absent in runs paused before it existed). */
	sharedBody?: IDataObject;
	/** The resume URL without its token, which the webhook computes again. */
	resumeUrl: string;
	/** When the pause ends, in epoch milliseconds: no item is submitted after it. */
	deadline: number;
	timeoutMs: number;
}

/** The submit body of a queued item, without hookUrl. */
export const queuedBody = (queue: QueuedRun, itemIndex: number): IDataObject => ({ ...queue.sharedBody, ...queue.bodies[String(itemIndex)] });

/** What the pause keeps in the node's execution context, which n8n stores with the paused execution. */
export interface CallbackRunState {
	/**
	 * Which pause of the execution this is: a loop may run the node again, and another TT API node
	 * may pause the same execution after it; each pause's callbacks are a run of their own (absent
	 * in runs paused before it existed).
	 */
	pauseId?: string;
	entries: RunEntry[];
	queue?: QueuedRun;
}

export const CONTEXT_KEY = 'ttapiCallbackRun';

/** One submitted job of a paused run. */
export interface CallbackJob {
	jobId: string;
	itemIndex: number;
	fetchPath: string;
}

/**
 * The run's entries, from the node context saved before pausing. n8n gives webhooks no getter for
 * it, so it is read from the run data the webhook context was built with.
 */
export function runStateOf(ctx: IWebhookFunctions): CallbackRunState {
	const runExecutionData = (ctx as unknown as { runExecutionData?: { executionData?: { contextData?: IDataObject } } })
		.runExecutionData;
	const nodeContext = runExecutionData?.executionData?.contextData?.[`node:${ctx.getNode().name}`] as IDataObject | undefined;
	const stored = nodeContext?.[CONTEXT_KEY] as CallbackRunState | string | undefined;
	let run: CallbackRunState | undefined;
	try {
		run = typeof stored === 'string' ? (JSON.parse(stored) as CallbackRunState) : stored;
	} catch {
		run = undefined;
	}
	return { pauseId: typeof run?.pauseId === 'string' ? run.pauseId : undefined, entries: Array.isArray(run?.entries) ? run.entries : [], queue: run?.queue };
}

/**
 * The run's state as the pause stores it: one JSON text. n8n parses the whole paused execution for
 * every callback, object by object; a text of a thousand items' entries and bodies is one value
 * to it, and this node parses it once per callback, in about a millisecond.
 */
export const storedRunState = (state: CallbackRunState): string => JSON.stringify(state);

export function jobsOf(entries: RunEntry[]): CallbackJob[] {
	return entries
		.filter((entry) => typeof entry.jobId === 'string')
		.map((entry) => ({ jobId: entry.jobId!, itemIndex: entry.itemIndex, fetchPath: String(entry.fetchPath) }));
}
