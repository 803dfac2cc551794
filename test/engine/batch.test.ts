import { binaryBytes, PNG_SIGNATURE, runNode, useEmulator } from './harness';

describe('several items, Continue On Fail, cancellation (real engine, emulator)', () => {
	const env = useEmulator();

	it('with Continue On Fail a failing item becomes an error item and the others keep their results', async () => {
		const { items, error } = await runNode({
			credentials: env.credentials(),
			continueOnFail: true,
			items: [{ p: 'a good fox' }, { p: '' }, { p: 'a fox [fail]' }, { p: 'another good fox' }],
			parameters: { resource: 'gptImage', operation: 'generate', prompt: '={{ $json.p }}' },
		});
		expect(error).toBeUndefined();
		expect(items.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }, { item: 3 }]);
		expect(items[0].json).toMatchObject({ status: 'SUCCESS', prompt: 'a good fox' });
		expect(binaryBytes(items[0]).subarray(0, 8)).toEqual(PNG_SIGNATURE);
		expect(items[1].json.error).toBe('Prompt (prompt) is empty');
		expect(items[2].json.error).toMatch(/^TT API job [0-9a-f-]{36} failed: prompt violation/);
		expect(items[2].json.jobId).toMatch(/^[0-9a-f-]{36}$/);
		expect(items[3].json).toMatchObject({ status: 'SUCCESS', prompt: 'another good fox' });
		// The invalid item cost nothing: three submits for four items.
		expect(env.emulator.requestsTo('/openai/gpt/generations')).toHaveLength(3);
	});

	it('without Continue On Fail, bad input on any item stops the node before any request', async () => {
		const { error, items } = await runNode({
			credentials: env.credentials(),
			items: [{ p: 'fine' }, { p: null }],
			parameters: { resource: 'gptImage', operation: 'generate', prompt: '={{ $json.p }}' },
		});
		expect(error).toBe('Prompt (prompt) must be text, but it is null');
		expect(items).toEqual([]);
		expect(env.emulator.requests).toHaveLength(0);
	});

	it('submits a batch concurrently and waits for all jobs together', async () => {
		const started = Date.now();
		const { items } = await runNode({
			credentials: env.credentials(),
			items: Array.from({ length: 8 }, (_, n) => ({ n })),
			parameters: { resource: 'gpt4oImage', operation: 'generate', prompt: '={{ "image " + $json.n }}', options: { download: false } },
		});
		expect(items.map((item) => item.json.prompt)).toEqual(Array.from({ length: 8 }, (_, n) => `image ${n}`));
		expect(items.every((item) => item.json.status === 'SUCCESS')).toBe(true);
		// One polling round covers every job: 8 jobs sequentially would take 8 rounds of 2 s.
		expect(Date.now() - started).toBeLessThan(6000);
		const fetchesPerJob = env.emulator.requestsTo('/openai/4o-image/fetch').length / 8;
		expect(fetchesPerJob).toBeLessThanOrEqual(2);
	});

	it('stops waiting promptly when the execution is cancelled', async () => {
		const slow = await import('../emulator/emulator').then(({ startEmulator }) => startEmulator({ queueMs: 60_000 }));
		try {
			const started = Date.now();
			const result = await runNode({
				credentials: { apiKey: 'test-key', baseUrl: slow.url },
				parameters: { resource: 'gptImage', operation: 'generate', prompt: 'never ends' },
				cancelAfterMs: 2500,
			});
			expect(Date.now() - started).toBeLessThan(4000);
			expect(result.items).toEqual([]);
			const fetchesAtCancel = slow.requestsTo('/openai/gpt/fetch').length;
			await new Promise((resolve) => setTimeout(resolve, 2500));
			expect(slow.requestsTo('/openai/gpt/fetch').length).toBe(fetchesAtCancel);
		} finally {
			await slow.stop();
		}
	});
});
