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

/**
 * Without Continue On Fail the first error stops the node and the other items' results are lost;
 * its description lists every other job of the run, so the finished ones can be fetched with Get
 * instead of being paid for again.
 */
export function nameWhatWasPaidFor(results: ItemResult[], lastStatus: Map<string, string>): void {
	const first = results.find((result): result is { error: Error; jobId?: string } => !!result && 'error' in result);
	if (!first) return;
	const others = [...lastStatus].filter(([jobId]) => jobId !== first.jobId);
	if (others.length === 0) return;
	const list = others.map(([jobId, status]) => `${jobId} (${status})`).join(', ');
	const error = first.error as Error & { description?: string | null };
	const before = error.description ? `${error.description} ` : '';
	error.description = `${before}Other jobs of this run, already submitted and possibly charged: ${list}. Fetch them with the Get operation instead of running them again.`;
}
