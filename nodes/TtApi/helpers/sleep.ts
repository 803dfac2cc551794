import * as workflow from 'n8n-workflow';

type AbortableSleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/** Stands in for n8n-workflow's `sleepWithAbort` where it is missing (n8n 2.41's n8n-workflow). */
const sleepOrAbort: AbortableSleep = async (ms, signal) =>
	await new Promise<void>((resolve, reject) => {
		const timer = setTimeout(resolve, ms);
		signal?.addEventListener(
			'abort',
			() => {
				clearTimeout(timer);
				reject(new Error('The execution was cancelled'));
			},
			{ once: true },
		);
	});

/**
 * Waits `ms`, or less when the execution is cancelled: then it rejects and no timer is left
 * armed. Uses n8n-workflow's `sleepWithAbort` (which rejects with n8n's own cancellation error)
 * where the installed n8n has it: 1.x and early 2.x do, 2.41 does not.
 */
export async function sleepUnlessCancelled(ms: number, signal?: AbortSignal): Promise<void> {
	const abortable = (workflow as { sleepWithAbort?: AbortableSleep }).sleepWithAbort ?? sleepOrAbort;
	if (!signal) return await abortable(ms);
	if (signal.aborted) throw new Error('The execution was cancelled');
	// The execution's signal lives as long as the run: each wait listens through its own signal,
	// whose listener goes when the wait ends, so a long poll does not pile up listeners on it.
	const local = new AbortController();
	const forward = () => local.abort();
	signal.addEventListener('abort', forward, { once: true });
	try {
		await abortable(ms, local.signal);
	} finally {
		signal.removeEventListener('abort', forward);
	}
}
