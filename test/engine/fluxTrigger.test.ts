/** The TT API Trigger takes Flux's callbacks (the fetch body) and emits what Flux Get emits. */
import { binaryBytes, PNG_SIGNATURE, runNode, useEmulator } from './harness';
import { callTrigger, TRIGGER_SECRET } from './triggerHarness';

describe('TT API Trigger with Flux callbacks (n8n WebhookContext, emulator)', () => {
	const env = useEmulator();

	/** A finished Flux job in the exact shape TT API POSTs to hookUrl. */
	async function finishedFluxJob(fail = false) {
		const response = await fetch(`${env.emulator.url}/flux/generate`, {
			method: 'POST',
			headers: { 'TT-API-KEY': 'test-key', 'content-type': 'application/json' },
			body: JSON.stringify({ prompt: fail ? 'x [fail]' : 'a heron at dawn', mode: 'flux-2-flex' }),
		});
		const { data } = (await response.json()) as { data: { job_id: string } };
		env.emulator.finishJob(data.job_id, fail);
		const job = await fetch(`${env.emulator.url}/flux/fetch?jobId=${data.job_id}`, { headers: { 'TT-API-KEY': 'test-key' } });
		return (await job.json()) as Record<string, unknown> & { jobId: string };
	}

	it('a success callback gives the same item as Flux Get, with the image', async () => {
		const job = await finishedFluxJob();
		const answer = await callTrigger({ query: { token: TRIGGER_SECRET }, body: job });
		expect(answer.status).toBe(200);
		const [item] = answer.items!;
		const viaGet = await runNode({ credentials: env.credentials(), parameters: { resource: 'flux', operation: 'get', jobId: job.jobId } });
		expect(item.json).toEqual(viaGet.items[0].json);
		expect(item.json).toMatchObject({ status: 'SUCCESS', mode: 'flux-2-flex', prompt: 'a heron at dawn', quota: '1' });
		expect(binaryBytes(item).subarray(0, 8)).toEqual(PNG_SIGNATURE);
	});

	it.each([
		['succeeded', false, true],
		['succeeded', true, false],
		['failed', true, true],
		['failed', false, false],
	])('events=%s, a job that fails=%s: starts=%s', async (events, fail, starts) => {
		const answer = await callTrigger({ query: { token: TRIGGER_SECRET }, body: await finishedFluxJob(fail), parameters: { events } });
		expect(answer.status).toBe(200);
		expect(answer.items !== undefined).toBe(starts);
		if (starts && fail) expect(answer.items![0].json).toMatchObject({ status: 'FAILED', imageUrl: null });
	});
});
