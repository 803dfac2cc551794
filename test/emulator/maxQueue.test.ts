/** The emulator's account queue: 499 beyond `max_queue` jobs in progress (../shared/TTAPI-MORE.md §1.4, §1.7). */
import { startEmulator, type TtApiEmulator } from './emulator';

describe('emulator: max_queue', () => {
	let emulator: TtApiEmulator;
	const submit = async (prompt: string) => {
		const response = await fetch(`${emulator.url}/openai/gpt/generations`, {
			method: 'POST',
			headers: { 'TT-API-KEY': 'test-key', 'content-type': 'application/json' },
			body: JSON.stringify({ prompt }),
		});
		return { code: response.status, body: (await response.json()) as any };
	};

	beforeAll(async () => (emulator = await startEmulator({ maxQueue: 2, enforceMaxQueue: true, queueMs: 0, runMs: 60_000 })));
	afterAll(async () => await emulator.stop());

	it('answers 499 while max_queue jobs are in progress, and starts no job for it', async () => {
		expect((await submit('one')).code).toBe(200);
		expect((await submit('two')).code).toBe(200);
		const refused = await submit('three');
		expect(refused).toEqual({ code: 499, body: { status: 'FAILED', message: expect.stringMatching(/queue exhausted/i), data: null } });
		expect(emulator.jobTimes().map((job) => job.prompt)).toEqual(['one', 'two']);
		expect(emulator.jobsInProgress()).toBe(2);
	});

	it('accepts again once a job has ended', async () => {
		emulator.finishJob(emulator.jobTimes()[0].jobId);
		expect(emulator.jobsInProgress()).toBe(1);
		expect((await submit('four')).code).toBe(200);
	});

	it('does not limit unless asked to', async () => {
		const free = await startEmulator({ maxQueue: 1, queueMs: 0, runMs: 300 });
		try {
			const codes = await Promise.all(['a', 'b', 'c'].map(async (prompt) =>
				(await fetch(`${free.url}/openai/gpt/generations`, { method: 'POST', headers: { 'TT-API-KEY': 'test-key', 'content-type': 'application/json' }, body: JSON.stringify({ prompt }) })).status));
			expect(codes).toEqual([200, 200, 200]);
		} finally {
			await free.stop();
		}
	});
});
