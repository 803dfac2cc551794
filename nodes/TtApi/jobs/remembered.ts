import { createHash } from 'crypto';
import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { mayHaveStartedJob } from '../transport/errors';

/**
 * The jobs this execution has submitted, so that n8n's Retry On Fail, which runs the node again
 * in the same execution with the same input, waits for them again instead of paying twice.
 *
 * They live in the node's context: n8n keeps it in the execution's run data, one object shared by
 * every try of the node (and saved with a paused execution); the next execution starts empty. A
 * job is matched by the node's run index (a loop that runs the node again is not a retry), the
 * item, the submit path and a hash of the request body, and the how-many-th identical submit of
 * this try it is, so two identical jobs of one item stay two.
 */
const MEMORY_KEY = 'ttapiSubmittedJobs';

/**
 * `run:item:hash#n` → job ID (a synchronous model: its small answer, or its items with their images
 * stored by reference). A short key: a run of 1,000 jobs keeps about 70 kB in the execution's data.
 */
type Memory = Record<string, string | object>;

/** Per try (each try of the node gets a new context object): its run index, identical submits seen. */
const tries = new WeakMap<object, { runIndex: number; seen: Map<string, number>; reused: number }>();

function tryOf(ctx: IExecuteFunctions) {
	let state = tries.get(ctx);
	if (!state) {
		// n8n's nodes have no getter for it; the documented expression variable is the same number.
		state = { runIndex: Number(ctx.evaluateExpression('{{ $runIndex }}', 0)) || 0, seen: new Map(), reused: 0 };
		tries.set(ctx, state);
	}
	return state;
}

function memoryOf(ctx: IExecuteFunctions): Memory | undefined {
	if (typeof ctx.getContext !== 'function') return undefined;
	const context = ctx.getContext('node');
	if (typeof context[MEMORY_KEY] !== 'object' || context[MEMORY_KEY] === null) context[MEMORY_KEY] = {};
	return context[MEMORY_KEY] as Memory;
}

/** The same JSON for the same values whatever the key order. */
function stableJson(value: unknown): string {
	// Bytes (an image read into the body) by their content, not as an object of a million indexes.
	if (ArrayBuffer.isView(value)) return JSON.stringify(Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64'));
	if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
	if (value && typeof value === 'object') {
		const entries = Object.keys(value as IDataObject).sort().map((key) => `${JSON.stringify(key)}:${stableJson((value as IDataObject)[key])}`);
		return `{${entries.join(',')}}`;
	}
	return JSON.stringify(value) ?? 'null';
}

async function bodyHash(path: string, body: IDataObject | FormData | Buffer): Promise<string> {
	const hash = createHash('sha256').update(path).update('\n');
	if (Buffer.isBuffer(body)) hash.update(body);
	else if (typeof FormData !== 'undefined' && body instanceof FormData) {
		// A multipart body: its fields in order, images by their bytes.
		for (const [name, value] of body.entries()) {
			hash.update(`${name}=`);
			hash.update(typeof value === 'string' ? value : Buffer.from(await value.arrayBuffer()));
			hash.update('\n');
		}
	} else hash.update(stableJson(body));
	return hash.digest('base64url').slice(0, 22);
}

/**
 * Runs `submit` unless an earlier try of the node in this execution already submitted the same
 * job for this item: then that job's ID (or answer) is returned and nothing is sent. It is
 * remembered as soon as TT API gives it, so a failure later in the try cannot lose it; an answer
 * `keep` turns down (too big for the execution's data) is not, and a retry pays for it again.
 */
export async function submitOnce<T extends string | object>(
	ctx: IExecuteFunctions,
	path: string,
	body: IDataObject | FormData | Buffer,
	itemIndex: number,
	submit: () => Promise<T>,
	keep: (answer: T) => boolean = () => true,
): Promise<T> {
	const memory = memoryOf(ctx);
	if (!memory) return await submit();
	const state = tryOf(ctx);
	const { runIndex, seen } = state;
	const base = `${runIndex}:${itemIndex}:${await bodyHash(path, body)}`;
	const occurrence = seen.get(base) ?? 0;
	seen.set(base, occurrence + 1);
	const key = `${base}#${occurrence}`;
	const earlier = memory[key] as T | undefined;
	if (isUncertain(earlier)) throw mayHaveStartedError(ctx, itemIndex, earlier[UNCERTAIN]);
	if (earlier) {
		state.reused++;
		// One line per job at debug level; the run's last progress line counts them at info.
		const what = typeof earlier === 'string' ? `TT API job ${earlier}` : 'The image';
		ctx.logger.debug(`${what} of item ${itemIndex} came from an earlier try of this node (Retry On Fail): used again instead of paying for it again`, {
			node: ctx.getNode().name,
			executionId: ctx.getExecutionId(),
			...(typeof earlier === 'string' ? { jobId: earlier } : {}),
		});
		return earlier;
	}
	const pending = submit();
	// A submit that reached TT API without an answer is not sent again by a retry either.
	pending.catch((error: unknown) => {
		if (mayHaveStartedJob(error)) memory[key] = { [UNCERTAIN]: (error as Error).message };
	});
	const answer = await pending;
	if (keep(answer)) memory[key] = answer;
	return answer;
}

const UNCERTAIN = 'mayHaveStarted';

function isUncertain(value: unknown): value is Record<typeof UNCERTAIN, string> {
	return typeof value === 'object' && value !== null && UNCERTAIN in value;
}

function mayHaveStartedError(ctx: IExecuteFunctions, itemIndex: number, why: string) {
	return new NodeOperationError(ctx.getNode(), `An earlier try of this node may have started this item's job (${why}); it was not submitted again`, {
		itemIndex,
		description: 'The request reached TT API but no job ID came back, so the job may be running and charged. Check your TT API dashboard before running this item again.',
	});
}

/** How many jobs this try took over from an earlier try instead of submitting them. */
export function reusedInThisTry(ctx: IExecuteFunctions): number {
	return tries.get(ctx)?.reused ?? 0;
}

/**
 * TT API reported the job FAILED: a retry of the node submits that item again, which is what
 * Retry On Fail is for. Called with any context; only the node's own run keeps a memory.
 */
export function forgetFailedJob(ctx: unknown, jobId: string): void {
	const withContext = ctx as Partial<IExecuteFunctions>;
	if (typeof withContext.getContext !== 'function' || typeof withContext.evaluateExpression !== 'function') return;
	const memory = memoryOf(withContext as IExecuteFunctions);
	if (!memory) return;
	for (const [key, value] of Object.entries(memory)) if (value === jobId) delete memory[key];
}
