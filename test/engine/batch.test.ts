import type { IncomingMessage, ServerResponse } from 'node:http';

import { binaryBytes, PNG_SIGNATURE, runNode, useEmulator } from './harness';
import { countInFlight, onEmulatorRequest, trackLongTimers, until } from './watch';

describe('several items, Continue On Fail (real engine, emulator)', () => {
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
		const inFlight = countInFlight(env.emulator, '/openai/4o-image/generations');
		// Each submit is answered after a pause, so submits sent together are seen together.
		env.emulator.addFault({ route: 'submit', delayMs: 300, times: 8 });
		const { items } = await runNode({
			credentials: env.credentials(),
			items: Array.from({ length: 8 }, (_, n) => ({ n })),
			parameters: { resource: 'gpt4oImage', operation: 'generate', prompt: '={{ "image " + $json.n }}', options: { download: false } },
		});
		inFlight.stop();
		expect(items.map((item) => item.json.prompt)).toEqual(Array.from({ length: 8 }, (_, n) => `image ${n}`));
		expect(items.every((item) => item.json.status === 'SUCCESS')).toBe(true);
		// Up to Concurrency (5 by default) submits at a time, never one after another.
		expect(inFlight.max).toBeGreaterThan(1);
		expect(inFlight.max).toBeLessThanOrEqual(5);
		// The jobs are waited for together: every job is fetched once before any is fetched again,
		// where one job after another would interleave submits and fetches.
		const log = env.emulator.requestsTo('/openai').map((request) => (request.path.endsWith('/fetch') ? request.query.jobId : 'submit'));
		expect(log.slice(0, 8)).toEqual(Array(8).fill('submit'));
		const fetched = log.slice(8);
		expect(new Set(fetched.slice(0, 8)).size).toBe(8);
		expect(fetched.length / 8).toBeLessThanOrEqual(2);
	});
});

describe('Stop (real engine, emulator)', () => {
	const env = useEmulator({ queueMs: 600_000 });

	// Stop must end the run at once and leave nothing behind: a timer still armed would fire a
	// fetch for a cancelled run minutes later and keep the process busy.
	async function stopWhileWaiting(answered: string) {
		const timers = trackLongTimers();
		// The node is waiting once a long timer is armed after the emulator answered `answered`.
		let answeredAt = Infinity;
		const answers = onEmulatorRequest(env.emulator, (req: IncomingMessage, res: ServerResponse) => {
			if (req.url?.startsWith(answered)) res.on('finish', () => (answeredAt = Math.min(answeredAt, timers.created)));
		});
		let fetchesAtStop = -1;
		try {
			const result = await runNode({
				credentials: env.credentials(),
				parameters: { resource: 'gptImage', operation: 'generate', prompt: 'never ends' },
				cancelWhen: (async () => {
					await until(() => [...timers.armed.values()].some((created) => created > answeredAt));
					fetchesAtStop = env.emulator.requestsTo('/openai/gpt/fetch').length;
				})(),
			});
			await until(() => true);
			return { result, armedAfterStop: timers.armed.size, fetchesAtStop };
		} finally {
			timers.restore();
			answers.off();
		}
	}

	it('during the wait between two polls: the run ends at once and no timer stays armed', async () => {
		const { result, armedAfterStop, fetchesAtStop } = await stopWhileWaiting('/openai/gpt/generations');
		expect(result.items).toEqual([]);
		expect(env.emulator.requestsTo('/openai/gpt/generations')).toHaveLength(1);
		expect(env.emulator.requestsTo('/openai/gpt/fetch')).toHaveLength(fetchesAtStop);
		expect(armedAfterStop).toBe(0);
	}, 30_000);

	it('during a Retry-After wait (60 s): the run ends at once and no timer stays armed', async () => {
		env.emulator.addFault({ route: 'fetch', status: 429, retryAfter: '60', times: 5 });
		const { result, armedAfterStop, fetchesAtStop } = await stopWhileWaiting('/openai/gpt/fetch');
		expect(result.items).toEqual([]);
		expect(fetchesAtStop).toBe(1);
		expect(env.emulator.requestsTo('/openai/gpt/fetch')).toHaveLength(1);
		expect(armedAfterStop).toBe(0);
	}, 30_000);
});
