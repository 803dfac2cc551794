import type { IDataObject, IWebhookFunctions } from 'n8n-workflow';

/** One input item of a paused run: its job, or why it never became one. */
export interface RunEntry {
	itemIndex: number;
	jobId?: string;
	fetchPath?: string;
	/** The item never became a job: why, and what to do. */
	error?: string;
	errorDescription?: string;
}

/** What the pause keeps in the node's execution context, which n8n stores with the paused execution. */
export interface CallbackRunState {
	entries: RunEntry[];
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
export function entriesOfRun(ctx: IWebhookFunctions): RunEntry[] {
	const runExecutionData = (ctx as unknown as { runExecutionData?: { executionData?: { contextData?: IDataObject } } })
		.runExecutionData;
	const nodeContext = runExecutionData?.executionData?.contextData?.[`node:${ctx.getNode().name}`] as IDataObject | undefined;
	const run = nodeContext?.[CONTEXT_KEY] as CallbackRunState | undefined;
	return Array.isArray(run?.entries) ? run.entries : [];
}

export function jobsOf(entries: RunEntry[]): CallbackJob[] {
	return entries
		.filter((entry) => typeof entry.jobId === 'string')
		.map((entry) => ({ jobId: entry.jobId!, itemIndex: entry.itemIndex, fetchPath: String(entry.fetchPath) }));
}
