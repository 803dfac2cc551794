/**
 * Poll mode within the account's queue (issue 13): at most N = min(max_queue, Max Jobs in Flight)
 * jobs of the run at TT API, the next item submitted as one ends, 499s absorbed. The emulator
 * answers 499 beyond its max_queue, as TT API does.
 */
import { runNode, useEmulator } from './harness';
import { holdQueue, queueLog } from './queueLog';

const parameters = (options: Record<string, unknown> = {}) => ({
	resource: 'gptImage',
	operation: 'generate',
	model: 'gpt-image-2',
	prompt: '={{ $json.prompt }}',
	options: { download: false, ...options },
});
const promptsOf = (name: string, count: number, suffix = '') => Array.from({ length: count }, (_, n) => `${name} ${n}${suffix}`);

describe('queue-aware submit, poll mode (real engine, emulator with max_queue 3)', () => {
	const env = useEmulator({ maxQueue: 3, enforceMaxQueue: true, queueMs: 50, runMs: 250 });

	it('30 prompts: every item once, 30 jobs started, never more than 3 in flight', async () => {
		const prompts = promptsOf('thirty', 30);
		const { items, error } = await runNode({ credentials: env.credentials(), items: prompts.map((prompt) => ({ prompt })), parameters: parameters() });
		expect(error).toBeUndefined();
		expect(items.map((item) => item.json.prompt)).toEqual(prompts);
		expect(items.every((item) => item.json.status === 'SUCCESS')).toBe(true);
		const log = queueLog(env.emulator, prompts);
		expect(log).toMatchObject({ accepted: 30, startedTwice: [], refused: 0, maxInFlight: 3 });
		expect(env.emulator.requestsTo('/midjourney/v1/info')).toHaveLength(1);
	});

	it('absorbs 499s while other jobs hold the account queue: no error, no job started twice', async () => {
		// Another workflow holds every place for 9 s: longer than one submit's own retries of a 499
		// (7.5 s), so the items go back to the queue and the node backs off.
		const others = await holdQueue(env.emulator, 3, 9000);
		const prompts = promptsOf('crowded', 12);
		const { items, error } = await runNode({ credentials: env.credentials(), items: prompts.map((prompt) => ({ prompt })), parameters: parameters() });
		others.release();
		expect(error).toBeUndefined();
		expect(items.map((item) => [item.json.prompt, item.json.status])).toEqual(prompts.map((prompt) => [prompt, 'SUCCESS']));
		const log = queueLog(env.emulator, prompts);
		expect(log.mostSubmitsOfOnePrompt).toBeGreaterThan(5);
		expect(log).toMatchObject({ accepted: 12, startedTwice: [] });
		expect(log.maxInFlight).toBeLessThanOrEqual(3);
	}, 60_000);

	it('Max Jobs in Flight below max_queue is honoured', async () => {
		const prompts = promptsOf('two at a time', 8);
		const { items } = await runNode({ credentials: env.credentials(), items: prompts.map((prompt) => ({ prompt })), parameters: parameters({ maxJobsInFlight: 2 }) });
		expect(items.every((item) => item.json.status === 'SUCCESS')).toBe(true);
		expect(queueLog(env.emulator, prompts)).toMatchObject({ accepted: 8, refused: 0, maxInFlight: 2 });
	});
});

describe('queue-aware submit when the account cannot be read (emulator with max_queue 10)', () => {
	const env = useEmulator({ maxQueue: 10, queueMs: 50, runMs: 400 });

	it('a failing account read gives the safe default of 5 jobs in flight', async () => {
		env.emulator.addFault({ route: 'info', status: 500, times: 5 });
		const prompts = promptsOf('no info', 12);
		const { items, error } = await runNode({ credentials: env.credentials(), items: prompts.map((prompt) => ({ prompt })), parameters: parameters() });
		expect(error).toBeUndefined();
		expect(items.every((item) => item.json.status === 'SUCCESS')).toBe(true);
		expect(queueLog(env.emulator, prompts)).toMatchObject({ accepted: 12, maxInFlight: 5 });
	});
});

describe('Wait Timeout with items still queued (emulator with max_queue 1)', () => {
	const env = useEmulator({ maxQueue: 1, enforceMaxQueue: true });

	it('the running job is named, the item never submitted says so and was not charged', async () => {
		const prompts = ['first [ends in 6 s]', 'second [ends in 6 s]', 'third'];
		const { items, error } = await runNode({
			credentials: env.credentials(),
			continueOnFail: true,
			items: prompts.map((prompt) => ({ prompt })),
			parameters: parameters({ timeout: 10 }),
		});
		expect(error).toBeUndefined();
		const [first, second, third] = items.map((item) => item.json);
		expect(first).toMatchObject({ prompt: prompts[0], status: 'SUCCESS' });
		expect(second.error).toMatch(/^TT API job [0-9a-f-]{36} did not finish within 10 s$/);
		expect(third).toEqual({
			error: expect.stringMatching(/^This item was never submitted: TT API's queue had no room for it within the 10 s Wait Timeout$/),
			errorDescription: expect.stringContaining('No job was started for this item, so nothing was charged.'),
		});
		expect(queueLog(env.emulator, prompts)).toMatchObject({ accepted: 2, maxInFlight: 1 });
	});
});
