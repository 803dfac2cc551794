import * as workflow from 'n8n-workflow';

type AbortableSleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/**
 * n8n-workflow's abortable sleep, which clears its timer when the signal fires: `sleepWithAbort`
 * in n8n 1.x and early 2.x (2.11 has it); n8n 2.41 dropped it and its `sleep` takes the signal.
 * Node code may not use timers of its own (n8n Cloud's rules), so this is how a wait is cancelled.
 */
function n8nSleep(): AbortableSleep {
	const { sleepWithAbort, sleep } = workflow as { sleepWithAbort?: AbortableSleep; sleep: AbortableSleep };
	return sleepWithAbort ?? sleep;
}

const cancelled = () => new Error('The execution was cancelled');

/**
 * Waits `ms`, or less when the execution is cancelled: then it rejects at once and, on every
 * n8n version with an abortable sleep, no timer is left armed.
 */
export async function sleepUnlessCancelled(ms: number, signal?: AbortSignal): Promise<void> {
	if (!signal) return await workflow.sleep(ms);
	if (signal.aborted) throw cancelled();
	// The execution's signal lives as long as the run: each wait listens through its own signal,
	// whose listener goes when the wait ends, so a long poll does not pile up listeners on it.
	const wait = new AbortController();
	const forward = () => wait.abort();
	signal.addEventListener('abort', forward, { once: true });
	try {
		await new Promise<void>((resolve, reject) => {
			// Rejects at once even where n8n's sleep cannot be aborted (n8n-workflow before sleepWithAbort).
			wait.signal.addEventListener('abort', () => reject(cancelled()), { once: true });
			n8nSleep()(ms, wait.signal).then(resolve, () => undefined);
		});
	} finally {
		signal.removeEventListener('abort', forward);
	}
}
