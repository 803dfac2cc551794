/** The TT API Trigger on Midjourney's and Flux's callbacks: recognised, filtered, shaped as Get shapes them. */
import { binaryBytes, PNG_SIGNATURE, runNode, useEmulator } from './harness';
import { callTrigger, TRIGGER_SECRET } from './triggerHarness';

const TOKEN = { token: TRIGGER_SECRET };
const headers = { 'TT-API-KEY': 'test-key', 'content-type': 'application/json' };

describe('TT API Trigger: Midjourney and Flux callbacks (n8n WebhookContext, emulator)', () => {
	const env = useEmulator();

	/** A finished Midjourney job in the exact shape TT API POSTs to hookUrl (the fetch body). */
	async function finishedImagine(prompt = 'a lighthouse', fail = false) {
		const submit = await fetch(`${env.emulator.url}/midjourney/v1/imagine`, { method: 'POST', headers, body: JSON.stringify({ prompt, mode: 'fast' }) });
		const { data } = (await submit.json()) as { data: Record<string, string> };
		const jobId = data.job_id ?? data.jobId;
		env.emulator.finishJob(jobId, fail);
		const job = await fetch(`${env.emulator.url}/midjourney/v1/fetch?jobId=${jobId}`, { headers });
		return (await job.json()) as Record<string, unknown> & { jobId: string };
	}

	it("a Midjourney callback starts one item in Get's shape: grid as binary, tiles, components, numbers", async () => {
		const job = await finishedImagine();
		const answer = await callTrigger({ query: TOKEN, body: job });
		expect(answer.status).toBe(200);
		expect(answer.items).toHaveLength(1);
		const [item] = answer.items!;
		expect(item.json).toMatchObject({ jobId: job.jobId, status: 'SUCCESS', action: 'imagine', progress: 100, quota: 2 });
		expect(item.json.images).toHaveLength(4);
		expect(binaryBytes(item).subarray(0, 8)).toEqual(PNG_SIGNATURE);

		const viaGet = await runNode({ credentials: env.credentials(), parameters: { resource: 'midjourney', operation: 'get', jobId: job.jobId } });
		expect(item.json).toEqual(viaGet.items[0].json);
		expect(binaryBytes(item)).toEqual(binaryBytes(viaGet.items[0]));
	});

	it('Split Grid Into Tiles gives four tile items, as Get does', async () => {
		const job = await finishedImagine('tiles');
		const answer = await callTrigger({ query: TOKEN, body: job, parameters: { options: { splitTiles: true } } });
		expect(answer.items?.map((item) => item.json.tile)).toEqual([1, 2, 3, 4]);
		for (const item of answer.items!) expect(binaryBytes(item).subarray(0, 8)).toEqual(PNG_SIGNATURE);
	});

	it('reads the old callback spelling `actions` and a "40%" progress as Get does', async () => {
		env.emulator.options.midjourney = { actionKey: 'actions', progressSuffix: '%', quotaAsNumber: true, jobIdField: 'jobId' };
		try {
			const job = await finishedImagine('old callback');
			expect((job.data as Record<string, unknown>).actions).toBe('imagine');
			const answer = await callTrigger({ query: TOKEN, body: job, parameters: { options: { download: false } } });
			expect(answer.items?.[0].json).toMatchObject({ action: 'imagine', progress: 100, quota: 2 });
			expect(answer.items?.[0].json).not.toHaveProperty('actions');
		} finally {
			env.emulator.options.midjourney = undefined;
		}
	});

	it.each([
		['succeeded', true, false],
		['failed', true, true],
		['failed', false, false],
		['all', true, true],
	])('events=%s and a Midjourney job that failed=%s: starts=%s', async (events, fail, starts) => {
		const job = await finishedImagine('[x] maybe', fail);
		const answer = await callTrigger({ query: TOKEN, body: job, parameters: { events, options: { download: false } } });
		expect(answer.status).toBe(200);
		expect(answer.items !== undefined).toBe(starts);
		if (starts && fail) expect(answer.items?.[0].json).toMatchObject({ jobId: job.jobId, status: 'FAILED', message: expect.stringMatching(/^\[Banned prompt detected\]/) });
	});

	it("a Flux callback, shaped like GPT image's (TTAPI-MORE §5.3), starts one item with its image", async () => {
		const submit = await fetch(`${env.emulator.url}/openai/gpt/generations`, { method: 'POST', headers, body: JSON.stringify({ prompt: 'image host' }) });
		const { data } = (await submit.json()) as { data: { job_id: string } };
		env.emulator.finishJob(data.job_id);
		await fetch(`${env.emulator.url}/openai/gpt/fetch?jobId=${data.job_id}`, { headers });
		const imageUrl = `${env.emulator.url}/files/${data.job_id}.png`;
		const flux = {
			status: 'SUCCESS',
			message: '',
			jobId: 'flux-job-1',
			data: { mode: 'flux1-dev', jobId: 'flux-job-1', prompt: 'a girl with a cat', quota: '1', size: '1024x1024', imageUrl, hookUrl: null },
		};
		const answer = await callTrigger({ query: TOKEN, body: flux });
		expect(answer.items).toHaveLength(1);
		expect(answer.items![0].json).toMatchObject({ jobId: 'flux-job-1', status: 'SUCCESS', mode: 'flux1-dev', quota: '1', imageUrl });
		expect(binaryBytes(answer.items![0]).subarray(0, 8)).toEqual(PNG_SIGNATURE);
		const failed = await callTrigger({ query: TOKEN, body: { ...flux, jobId: 'flux-job-2', status: 'FAILED', message: 'prompt violation', data: { ...flux.data, jobId: 'flux-job-2', imageUrl: null } }, parameters: { events: 'failed' } });
		expect(failed.items?.[0].json).toMatchObject({ jobId: 'flux-job-2', status: 'FAILED', message: 'prompt violation' });
	});
});
