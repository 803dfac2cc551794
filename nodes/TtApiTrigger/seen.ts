import type { IWebhookFunctions } from 'n8n-workflow';

/** How many recent callbacks are remembered to drop repeats. */
const SEEN_LIMIT = 2000;

/**
 * Callbacks this n8n process has taken. Concurrent webhook calls each get their own copy of the
 * static data, which n8n saves only after the execution, so a replay arriving meanwhile would pass it.
 */
const seenInProcess = new Set<string>();

/**
 * Remembers jobId+status pairs in this process and in the workflow's static data (which outlives a
 * restart), so a repeated callback starts nothing.
 */
export function firstTimeSeen(ctx: IWebhookFunctions, key: string): boolean {
	const processKey = `${ctx.getWorkflow().id ?? ''}:${ctx.getNode().id}:${key}`;
	const staticData = ctx.getWorkflowStaticData('node');
	const seen = (staticData.seenCallbacks as string[] | undefined) ?? [];
	if (seenInProcess.has(processKey) || seen.includes(key)) return false;
	seenInProcess.add(processKey);
	if (seenInProcess.size > SEEN_LIMIT * 10) seenInProcess.delete(seenInProcess.values().next().value!);
	seen.push(key);
	staticData.seenCallbacks = seen.slice(-SEEN_LIMIT);
	return true;
}
