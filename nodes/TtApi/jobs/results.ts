import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

/** What became of one input item: its output items, or the error that stopped it. */
export type ItemResult = { items: INodeExecutionData[] } | { error: Error; jobId?: string };

/**
 * An error as an item shows it: with Continue On Fail, and in callback mode, where n8n resumes
 * past the node and so nothing can stop the workflow there.
 */
export function errorJson(error: Error | { message: string; description?: string }, jobId?: string): IDataObject {
	const json: IDataObject = { error: error.message };
	const description = (error as { description?: unknown }).description;
	if (typeof description === 'string' && description !== '') json.errorDescription = description;
	if (jobId) json.jobId = jobId;
	return json;
}

/**
 * Pairs every result with its input item. An error stops the node unless "Continue On Fail" is on;
 * then it becomes an error item and the other items' results are kept.
 */
export function collectResults(ctx: IExecuteFunctions, results: ItemResult[]): INodeExecutionData[] {
	const continueOnFail = ctx.continueOnFail();
	const output: INodeExecutionData[] = [];
	results.forEach((result, itemIndex) => {
		if ('items' in result) {
			for (const item of result.items) output.push({ ...item, pairedItem: { item: itemIndex } });
			return;
		}
		const { error } = result;
		if (!continueOnFail) {
			if (error instanceof NodeApiError || error instanceof NodeOperationError) throw error;
			throw new NodeOperationError(ctx.getNode(), error, { itemIndex });
		}
		output.push({ json: errorJson(error, result.jobId), pairedItem: { item: itemIndex } });
	});
	return output;
}

/** A description lists this many other jobs at most: a run of 1,000 would otherwise bury the advice. */
const LISTED_JOBS_MAX = 20;

/**
 * Without Continue On Fail the first error stops the node and the other items' results are lost.
 * Its description names the other jobs of the run (the first few) and how to have them without
 * paying again: a retry of this execution waits for them (the node remembers them, see
 * remembered.ts); a new run of the workflow submits them again.
 */
export function nameWhatWasPaidFor(results: ItemResult[], lastStatus: Map<string, string>): void {
	const first = results.find((result): result is { error: Error; jobId?: string } => !!result && 'error' in result);
	if (!first) return;
	const others = [...lastStatus].filter(([jobId]) => jobId !== first.jobId);
	if (others.length === 0) return;
	const listed = others.slice(0, LISTED_JOBS_MAX).map(([jobId, status]) => `${jobId} (${status})`).join(', ');
	const more = others.length > LISTED_JOBS_MAX ? ` and ${others.length - LISTED_JOBS_MAX} more` : '';
	const error = first.error as Error & { description?: string | null };
	const before = error.description ? `${error.description} ` : '';
	const counted = others.length === 1 ? "This run's other job was" : `This run's ${others.length} other jobs were`;
	error.description =
		`${before}${counted} submitted and may be charged: ${listed}${more}. ` +
		'Retry this execution from the Executions list: the node waits for these jobs again instead of paying for them again (Retry On Fail in the node settings does the same at once). Running the workflow anew submits them again. Each job can also be fetched with the Get operation.';
}
