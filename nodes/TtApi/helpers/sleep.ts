import { sleep } from 'n8n-workflow';

/**
 * Waits `ms`, or less when the execution is cancelled (then it rejects). Built on n8n-workflow's
 * `sleep`, which every n8n version has; `sleepWithAbort` is missing from some.
 */
export async function sleepUnlessCancelled(ms: number, signal?: AbortSignal): Promise<void> {
	if (signal?.aborted) throw new Error('The execution was cancelled');
	await new Promise<void>((resolve, reject) => {
		const onAbort = () => reject(new Error('The execution was cancelled'));
		signal?.addEventListener('abort', onAbort, { once: true });
		void sleep(ms).then(() => {
			signal?.removeEventListener('abort', onAbort);
			resolve();
		});
	});
}
