import { binaryBytes, PNG_SIGNATURE, runNode, useEmulator } from './harness';

describe.each(['jobId', 'job_id'] as const)('GPT-4o image, submit answers with %s (real engine, emulator)', (field) => {
	const env = useEmulator({ gpt4oJobIdField: field });

	it('generate polls the 4o fetch endpoint and emits the image', async () => {
		const { items, error } = await runNode({
			credentials: env.credentials(),
			parameters: { resource: 'gpt4oImage', operation: 'generate', prompt: 'a lighthouse', referImages: ['https://example.com/ref.png'] },
		});
		expect(error).toBeUndefined();
		expect(items[0].json).toMatchObject({ status: 'SUCCESS', prompt: 'a lighthouse', referImages: ['https://example.com/ref.png'] });
		expect(binaryBytes(items[0]).subarray(0, 8)).toEqual(PNG_SIGNATURE);
		expect(env.emulator.requestsTo('/openai/4o-image/generations')[0].body).toEqual({
			prompt: 'a lighthouse',
			referImages: ['https://example.com/ref.png'],
		});
		expect(env.emulator.requestsTo('/openai/4o-image/fetch')[0].query.jobId).toBe(items[0].json.jobId);
	});

	it('get fetches a job by id', async () => {
		const submitted = await runNode({
			credentials: env.credentials(),
			parameters: { resource: 'gpt4oImage', operation: 'generate', prompt: 'x', waitMode: 'none' },
		});
		const jobId = submitted.items[0].json.jobId as string;
		expect(jobId).toMatch(/^[0-9a-f-]{36}$/);
		env.emulator.finishJob(jobId);
		const { items } = await runNode({ credentials: env.credentials(), parameters: { resource: 'gpt4oImage', operation: 'get', jobId } });
		expect(items[0].json).toMatchObject({ jobId, status: 'SUCCESS' });
		expect(items[0].binary?.data.mimeType).toBe('image/png');
	});
});
