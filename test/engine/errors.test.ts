import { retryDelayMs } from '../../nodes/TtApi/transport/retry';
import { runNode, useEmulator } from './harness';

const generate = (extra: Record<string, unknown> = {}) => ({ resource: 'gptImage', operation: 'generate', prompt: 'a red fox', ...extra });

describe('errors a user can act on (real engine, emulator)', () => {
	const env = useEmulator();

	it('401: says the key is wrong, never shows the key', async () => {
		const result = await runNode({ credentials: env.credentials('sk-wrong-secret-key'), parameters: generate() });
		expect(result.error).toBe('The TT API key is wrong');
		expect(result.items).toEqual([]);
		expect(JSON.stringify(result.run)).not.toContain('sk-wrong-secret-key');
		expect(env.emulator.requestsTo('/openai/gpt/generations')).toHaveLength(1);
	});

	it('402: says the balance is insufficient', async () => {
		const result = await runNode({ credentials: env.credentials('broke-key'), parameters: generate() });
		expect(result.error).toBe('TT API balance insufficient');
		expect(result.errorDescription).toMatch(/top up/i);
		expect(JSON.stringify(result.run)).not.toContain('broke-key');
	});

	it("400: passes on TT API's own message and does not retry", async () => {
		const result = await runNode({ credentials: env.credentials(), parameters: generate({ prompt: 'a forbidden-word here' }) });
		expect(result.error).toBe('TT API refused the request: The prompt contains banned words: forbidden-word');
		expect(env.emulator.requestsTo('/openai/gpt/generations')).toHaveLength(1);
	});

	it('a FAILED job: its message and its jobId', async () => {
		const result = await runNode({ credentials: env.credentials(), parameters: generate({ prompt: 'a fox [fail]' }) });
		const [submitAnswerJob] = env.emulator.requestsTo('/openai/gpt/fetch').map((request) => request.query.jobId);
		expect(result.error).toBe(`TT API job ${submitAnswerJob} failed: prompt violation: the prompt was rejected by the safety system`);
	});

	it.each([
		[2, 1, ''],
		[3, 2, ''],
		[25, 20, ' and 4 more'],
	])('without Continue On Fail, the error of one item of %i names the other jobs (at most %i) and how to have them without paying again', async (count, listed, more) => {
		const items = Array.from({ length: count }, (_, n) => ({ prompt: `fox ${count}.${n}${n === 1 ? ' [fail]' : ''}` }));
		const result = await runNode({ credentials: env.credentials(), items, parameters: generate({ prompt: '={{ $json.prompt }}' }) });
		const jobs = env.emulator.jobTimes().filter((job) => job.prompt.startsWith(`fox ${count}.`));
		expect(jobs).toHaveLength(count);
		const failed = jobs.find((job) => job.prompt.endsWith('[fail]'))!;
		expect(result.error).toMatch(new RegExp(`^TT API job ${failed.jobId} failed`));
		const named = [...(result.errorDescription ?? '').matchAll(/(\S+) \((SUCCESS|not finished)\)/g)].map((match) => match[1]);
		expect(named).toHaveLength(listed);
		expect(named.every((jobId) => jobs.some((job) => job.jobId === jobId && job !== failed))).toBe(true);
		expect(result.errorDescription).toContain(`${count === 2 ? "This run's other job was" : `This run's ${count - 1} other jobs were`} submitted and may be charged: `);
		expect(result.errorDescription).toContain(`${more}. Retry this execution from the Executions list: the node waits for these jobs again`);
	});

	it('a poll timeout names the jobId so the job can be fetched later', async () => {
		const slow = await import('../emulator/emulator').then(({ startEmulator }) => startEmulator({ queueMs: 60_000 }));
		try {
			const result = await runNode({
				credentials: { apiKey: 'test-key', baseUrl: slow.url },
				parameters: generate({ options: { timeout: 10, pollInterval: 3 } }),
			});
			const jobId = slow.requestsTo('/openai/gpt/fetch')[0].query.jobId;
			expect(result.error).toBe(`TT API job ${jobId} did not finish within 10 s`);
			expect(result.errorDescription).toContain(`Get operation and job ID ${jobId}`);
			// Age-adapted polling: every 2 s while young, so about 5 fetches in 10 s, not one per second.
			expect(slow.requestsTo('/openai/gpt/fetch').length).toBeLessThanOrEqual(6);
		} finally {
			await slow.stop();
		}
	});

	it('an expired image URL at download time is reported with the jobId', async () => {
		const expiring = await import('../emulator/emulator').then(({ startEmulator }) => startEmulator({ queueMs: 10, runMs: 50, imageTtlMs: -1 }));
		try {
			const result = await runNode({ credentials: { apiKey: 'test-key', baseUrl: expiring.url }, parameters: generate() });
			const jobId = expiring.requestsTo('/openai/gpt/fetch')[0].query.jobId;
			expect(result.error).toBe(`The image URL has expired (HTTP 403) (job ${jobId})`);
			expect(result.errorDescription).toMatch(/Get operation/);
		} finally {
			await expiring.stop();
		}
	});
});

// Only a failure after the request may have reached TT API warns of charges (see notSent.test.ts).
const MAY_BE_CHARGED = /may (still )?have (started|been charged)/;

describe('retries (real engine, emulator)', () => {
	const env = useEmulator();

	it('retries a fetch on 429 honouring Retry-After, and on 503', async () => {
		env.emulator.addFault({ route: 'fetch', status: 429, retryAfter: '0', times: 2 });
		env.emulator.addFault({ route: 'fetch', status: 503, times: 1 });
		const result = await runNode({ credentials: env.credentials(), parameters: generate() });
		expect(result.error).toBeUndefined();
		expect(result.items[0].json.status).toBe('SUCCESS');
		expect(env.emulator.requestsTo('/openai/gpt/generations')).toHaveLength(1);
	});

	it('waits as long as Retry-After asks (seconds or an HTTP date), within a cap, else backs off exponentially', () => {
		expect(retryDelayMs(1, '7')).toBe(7_000);
		expect(retryDelayMs(1, '0')).toBe(0);
		expect(retryDelayMs(1, '3600')).toBe(60_000);
		const now = jest.spyOn(Date, 'now').mockReturnValue(Date.parse('2026-01-01T00:00:00Z'));
		expect(retryDelayMs(1, 'Thu, 01 Jan 2026 00:00:10 GMT')).toBe(10_000);
		now.mockRestore();
		for (const [attempt, base] of [[1, 500], [2, 1_000], [3, 2_000]]) {
			expect(retryDelayMs(attempt, undefined)).toBeGreaterThanOrEqual(base * 0.75);
			expect(retryDelayMs(attempt, undefined)).toBeLessThanOrEqual(base * 1.25);
		}
	});

	it('retries a submit on 429 and 499: TT API certainly did not start the job', async () => {
		env.emulator.addFault({ route: 'submit', status: 429, retryAfter: '0' });
		env.emulator.addFault({ route: 'submit', status: 499 });
		const result = await runNode({ credentials: env.credentials(), parameters: generate({ waitMode: 'none' }) });
		expect(result.error).toBeUndefined();
		expect(env.emulator.requestsTo('/openai/gpt/generations')).toHaveLength(3);
	});

	it('never repeats a submit after a 500: the job may have been charged', async () => {
		env.emulator.addFault({ route: 'submit', status: 500, times: 3 });
		const result = await runNode({ credentials: env.credentials(), parameters: generate() });
		expect(result.error).toBe('TT API may not have accepted the job: TT API answered HTTP 500');
		expect(result.errorDescription).toMatch(MAY_BE_CHARGED);
		expect(result.errorDescription).toMatch(/not submitted again/);
		expect(env.emulator.requestsTo('/openai/gpt/generations')).toHaveLength(1);
	});

	it('never repeats a submit whose connection was reset', async () => {
		env.emulator.addFault({ route: 'submit', reset: true, afterHandling: true });
		const result = await runNode({ credentials: env.credentials(), parameters: generate() });
		expect(result.error).toBe('TT API may not have accepted the job: the connection failed (connection reset)');
		expect(result.errorDescription).toMatch(MAY_BE_CHARGED);
		expect(result.errorDescription).toMatch(/Cause: socket hang up \(ECONNRESET\)\.$/);
		expect(env.emulator.requestsTo('/openai/gpt/generations')).toHaveLength(1);
	});

	it('never repeats a submit that got no answer within the Request Timeout', async () => {
		env.emulator.addFault({ route: 'submit', hang: true });
		const result = await runNode({ credentials: env.credentials(), parameters: generate({ options: { requestTimeout: 1 } }) });
		expect(result.error).toBe('TT API may not have accepted the job: the connection failed (no answer in time)');
		expect(result.errorDescription).toMatch(MAY_BE_CHARGED);
		expect(env.emulator.requestsTo('/openai/gpt/generations')).toHaveLength(1);
	});
});
