/** The emulator's account queue: with enforceMaxQueue, a submit beyond `max_queue` jobs in progress gets 499. */
import { startEmulator, type TtApiEmulator } from './emulator';

describe('emulator: max_queue enforced', () => {
	let emulator: TtApiEmulator;
	const submit = async (prompt: string) => {
		const response = await fetch(`${emulator.url}/openai/gpt/generations`, {
			method: 'POST',
			headers: { 'TT-API-KEY': 'good-key', 'content-type': 'application/json' },
			body: JSON.stringify({ prompt, model: 'gpt-image-2' }),
		});
		return { code: response.status, body: (await response.json()) as any };
	};

	beforeAll(async () => (emulator = await startEmulator({ validKeys: ['good-key'], maxQueue: 2, enforceMaxQueue: true, queueMs: 0, runMs: 60_000 })));
	afterAll(async () => await emulator.stop());

	it('starts max_queue jobs, refuses the next with 499 and starts no job for it, and takes one again when a job ends', async () => {
		expect((await submit('one')).code).toBe(200);
		expect((await submit('two')).code).toBe(200);
		const refused = await submit('three');
		expect(refused).toEqual({ code: 499, body: { status: 'FAILED', message: expect.stringContaining('at most 2 jobs'), data: null } });
		expect(emulator.jobTimes().map((job) => job.prompt)).toEqual(['one', 'two']);
		expect(emulator.queueRefusals).toBe(1);

		emulator.finishJob(emulator.jobTimes()[0].jobId);
		expect((await submit('three')).code).toBe(200);
	});

	it('is off by default: the other tests submit batches larger than the queue', async () => {
		const open = await startEmulator({ validKeys: ['good-key'], maxQueue: 1, runMs: 60_000 });
		try {
			for (const prompt of ['a', 'b', 'c']) {
				const response = await fetch(`${open.url}/openai/gpt/generations`, { method: 'POST', headers: { 'TT-API-KEY': 'good-key', 'content-type': 'application/json' }, body: JSON.stringify({ prompt }) });
				expect(response.status).toBe(200);
			}
		} finally {
			await open.stop();
		}
	});
});
