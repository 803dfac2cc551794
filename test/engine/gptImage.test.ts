import { binaryBytes, PNG_SIGNATURE, runNode, useEmulator } from './harness';

describe('GPT image (real engine, emulator)', () => {
	const env = useEmulator();

	it('generate polls until SUCCESS and emits the image as JSON and binary', async () => {
		const { items, error } = await runNode({
			credentials: env.credentials(),
			parameters: { resource: 'gptImage', operation: 'generate', prompt: 'a red fox', model: 'gpt-image-2', aspect_ratio: '16:9' },
		});
		expect(error).toBeUndefined();
		expect(items).toHaveLength(1);
		const [item] = items;
		expect(item.json).toMatchObject({ status: 'SUCCESS', message: 'success', prompt: 'a red fox', model: 'gpt-image-2', quota: '2' });
		expect(item.json.jobId).toMatch(/^[0-9a-f-]{36}$/);
		expect(item.json.imageUrl).toBe(`${env.emulator.url}/files/${item.json.jobId}.png`);
		expect(item.pairedItem).toEqual({ item: 0 });
		expect(item.binary?.data).toMatchObject({ mimeType: 'image/png', fileName: `${item.json.jobId}.png` });
		expect(binaryBytes(item).subarray(0, 8)).toEqual(PNG_SIGNATURE);

		const [submit] = env.emulator.requestsTo('/openai/gpt/generations');
		expect(submit.body).toEqual({ prompt: 'a red fox', model: 'gpt-image-2', aspect_ratio: '16:9' });
		expect(submit.keyKnown).toBe(true);
		const fetches = env.emulator.requestsTo('/openai/gpt/fetch');
		expect(fetches.length).toBeGreaterThanOrEqual(1);
		expect(fetches.every((fetch) => fetch.query.jobId === item.json.jobId)).toBe(true);
	});

	it('sends size only for gpt-image-2-plus and neither size nor aspect ratio for gpt-image-1', async () => {
		const plus = await runNode({
			credentials: env.credentials(),
			parameters: { resource: 'gptImage', operation: 'generate', prompt: 'wide', model: 'gpt-image-2-plus', size: '1536x1024', waitMode: 'none' },
		});
		expect(plus.error).toBeUndefined();
		const one = await runNode({
			credentials: env.credentials(),
			parameters: { resource: 'gptImage', operation: 'generate', prompt: 'plain', model: 'gpt-image-1', waitMode: 'none' },
		});
		expect(one.error).toBeUndefined();
		const bodies = env.emulator.requestsTo('/openai/gpt/generations').map((request) => request.body);
		expect(bodies).toEqual([
			{ prompt: 'wide', model: 'gpt-image-2-plus', size: '1536x1024' },
			{ prompt: 'plain', model: 'gpt-image-1' },
		]);
	});

	it('waitMode none returns the submitted job at once, without fetching', async () => {
		const { items } = await runNode({
			credentials: env.credentials(),
			parameters: {
				resource: 'gptImage',
				operation: 'generate',
				prompt: 'later',
				referImages: ['https://example.com/a.jpg'],
				waitMode: 'none',
				options: { hookUrl: 'https://hooks.example.com/ttapi?token=abc' },
			},
		});
		expect(items).toHaveLength(1);
		expect(items[0].json).toMatchObject({ status: 'PENDING_QUEUE', imageUrl: null, prompt: 'later' });
		expect(items[0].binary).toBeUndefined();
		expect(env.emulator.requestsTo('/openai/gpt/fetch')).toHaveLength(0);
		expect(env.emulator.requestsTo('/openai/gpt/generations')[0].body).toMatchObject({
			referImages: ['https://example.com/a.jpg'],
			hookUrl: 'https://hooks.example.com/ttapi?token=abc',
		});
	});

	it('get returns a running job as it stands, and a finished one with its image', async () => {
		const submitted = await runNode({
			credentials: env.credentials(),
			parameters: { resource: 'gptImage', operation: 'generate', prompt: 'slow', waitMode: 'none' },
		});
		const jobId = submitted.items[0].json.jobId as string;

		const running = await runNode({
			credentials: env.credentials(),
			parameters: { resource: 'gptImage', operation: 'get', jobId },
		});
		expect(['PENDING_QUEUE', 'ON_QUEUE']).toContain(running.items[0].json.status);
		expect(running.items[0].binary).toBeUndefined();

		env.emulator.finishJob(jobId);
		const done = await runNode({
			credentials: env.credentials(),
			parameters: { resource: 'gptImage', operation: 'get', jobId, options: { binaryPropertyName: 'picture' } },
		});
		expect(done.items[0].json).toMatchObject({ jobId, status: 'SUCCESS' });
		expect(binaryBytes(done.items[0], 'picture').subarray(0, 8)).toEqual(PNG_SIGNATURE);

		const noDownload = await runNode({
			credentials: env.credentials(),
			parameters: { resource: 'gptImage', operation: 'get', jobId, options: { download: false } },
		});
		expect(noDownload.items[0].json.imageUrl).toBe(`${env.emulator.url}/files/${jobId}.png`);
		expect(noDownload.items[0].binary).toBeUndefined();
	});
});
