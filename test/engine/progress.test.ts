/**
 * Progress of long runs: where the run stands (queued, running, done, failed, submitted), in n8n's
 * log while it runs and at its end, and as a hint above the node's output.
 */
import type { IDataObject } from 'n8n-workflow';

import { PROGRESS_LOG_INTERVAL_MS, RunProgress } from '../../nodes/TtApi/jobs/progress';
import { deliverToPausedRun, pauseRun, startCallbackListener } from './callbackHarness';
import { runNode, useEmulator, watchingLogger } from './harness';

interface Line {
	level: 'info' | 'debug';
	message: string;
	counts?: Record<string, number>;
	at: number;
}

/** Lines of one kind but the last are at least 5 s apart: the log is never flooded, however fast the run. */
function expectThrottled(lines: Line[]) {
	const gaps = lines.slice(1, -1).map((line, index) => line.at - lines[index].at);
	for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(5000);
}

/** The progress lines the node writes to n8n's logger during `work`. */
async function progressLines(work: () => Promise<unknown>): Promise<Line[]> {
	const lines: Line[] = [];
	const capture = (level: Line['level']) => (message: string, meta?: object) => {
		const counts = (meta as { ttapiProgress?: Record<string, number> } | undefined)?.ttapiProgress;
		if (counts) lines.push({ level, message, counts, at: Date.now() });
	};
	await watchingLogger({ info: capture('info'), debug: capture('debug') }, work);
	return lines;
}

const parameters = (extra: IDataObject = {}) => ({ resource: 'gptImage', operation: 'generate', model: 'gpt-image-2', prompt: '={{ $json.prompt }}', ...extra });
const prompts = (count: number, failing: number[] = []) =>
	Array.from({ length: count }, (_, n) => ({ prompt: `image ${n}${failing.includes(n) ? ' [fail]' : ''}` }));

describe('progress of a run (real engine, emulator)', () => {
	const env = useEmulator();

	it('a run of 30 items logs where it stands while it runs and at its end, and shows the end as a hint', async () => {
		let result: Awaited<ReturnType<typeof runNode>> | undefined;
		const lines = await progressLines(async () => {
			result = await runNode({ credentials: env.credentials(), continueOnFail: true, items: prompts(30, [3, 17, 29]), parameters: parameters({ options: { download: false } }), additionalData: { executionId: '301' } });
		});

		expect(lines.every((line) => line.level === 'info')).toBe(true);
		const last = lines.at(-1)!;
		expect(last.message).toBe('TT API run ended (execution 301, node "TT API"): 30 items: 0 queued, 0 running, 27 done, 3 failed; 30 submitted');
		// The first line came while the run was under way: the first job submitted, the rest queued.
		expect(lines[0].message).toMatch(/^TT API run in progress \(execution 301, node "TT API"\): 30 items: 29 queued, 1 running, 0 done, 0 failed; 1 submitted$/);
		for (const line of lines) {
			const { queued, running, done, failed, items } = line.counts!;
			expect(queued + running + done + failed).toBe(items);
		}
		// Ended items never come back; at most one line per 5 s between the first and the last.
		const ended = lines.map((line) => line.counts!.done + line.counts!.failed);
		expect(ended).toEqual([...ended].sort((a, b) => a - b));
		expectThrottled(lines);
		const hints = result!.run.data.resultData.runData['TT API'][0].hints;
		expect(hints).toEqual([{ message: 'TT API: 30 items: 0 queued, 0 running, 27 done, 3 failed; 30 submitted.', type: 'warning', location: 'outputPane' }]);
	});

	it('with Retry On Fail, the last line and the hint say how many jobs an earlier try submitted', async () => {
		env.emulator.addFault({ route: 'image', status: 404 });
		let result: Awaited<ReturnType<typeof runNode>> | undefined;
		const lines = await progressLines(async () => {
			result = await runNode({ credentials: env.credentials(), items: prompts(3), parameters: parameters(), node: { retryOnFail: true, maxTries: 2, waitBetweenTries: 10 }, additionalData: { executionId: '302' } });
		});
		const ended = lines.filter((line) => line.message.startsWith('TT API run ended'));
		// The failed try's last line, then the retry's.
		expect(ended.map((line) => line.message)).toEqual([
			'TT API run ended (execution 302, node "TT API"): 3 items: 0 queued, 0 running, 2 done, 1 failed; 3 submitted',
			'TT API run ended (execution 302, node "TT API"): 3 items: 0 queued, 0 running, 3 done, 0 failed; 3 submitted, 3 of them by an earlier try of this node (Retry On Fail) and waited for again',
		]);
		expect(env.emulator.requestsTo('/openai/gpt/generations')).toHaveLength(3);
		expect(result!.run.data.resultData.runData['TT API'][0].hints?.[0]?.message).toContain('3 submitted, 3 of them by an earlier try');
	});

	it('a run of two items logs at debug level and adds no hint', async () => {
		let result: Awaited<ReturnType<typeof runNode>> | undefined;
		const lines = await progressLines(async () => {
			result = await runNode({ credentials: env.credentials(), items: prompts(2), parameters: parameters({ options: { download: false } }) });
		});
		expect(lines.length).toBeGreaterThan(0);
		expect(lines.every((line) => line.level === 'debug')).toBe(true);
		expect(result!.run.data.resultData.runData['TT API'][0].hints ?? []).toEqual([]);
	});
});

describe('progress in callback mode (real engine, emulator)', () => {
	const HELD = '[held]';
	// An account queue for all 12 jobs at once, so they all go out before the pause.
	const env = useEmulator({ stuckMarker: HELD, maxQueue: 20 });
	let listener: Awaited<ReturnType<typeof startCallbackListener>>;
	beforeAll(async () => (listener = await startCallbackListener()));
	afterAll(async () => await listener.stop());

	it('the pause logs the jobs it waits for; the callbacks log how many have ended, the last one always', async () => {
		const items = Array.from({ length: 12 }, (_, n) => ({ prompt: `${HELD} item ${n}` }));
		let executionId = '';
		const lines = await progressLines(async () => {
			const paused = await pauseRun({ credentials: env.credentials(), listenerBase: listener.base, items, parameters: parameters({ waitMode: 'callback' }) });
			executionId = paused.executionId;
			// The jobs end one after another, each callback delivered before the next job ends.
			for (const [index, item] of paused.items.entries()) {
				env.emulator.finishJob(String(item.json.jobId));
				await deliverToPausedRun(paused, (await listener.waitFor(index + 1))[index]);
			}
		});
		const messages = lines.map((line) => line.message);
		const where = `(execution ${executionId}, node "TT API")`;
		expect(messages).toContain(`TT API run paused until its jobs call back ${where}: 12 items: 0 queued, 12 running, 0 done, 0 failed; 12 submitted`);
		const callbacks = messages.filter((message) => message.startsWith('TT API run waiting for callbacks'));
		expect(callbacks[0]).toBe(`TT API run waiting for callbacks ${where}: 1 of 12 jobs ended`);
		expect(callbacks.at(-1)).toBe(`TT API run waiting for callbacks ${where}: 12 of 12 jobs ended`);
		expectThrottled(lines.filter((line) => line.message.startsWith('TT API run waiting for callbacks')));
	});
});

describe('the progress log of 1,000 jobs (virtual clock)', () => {
	it('2,000 changes in 200 s give one line per 5 s at most, and the last line always', () => {
		let now = 0;
		const clock = jest.spyOn(Date, 'now').mockImplementation(() => now);
		const lines: string[] = [];
		const ctx = { logger: { info: (message: string) => lines.push(message), debug: () => {} }, getNode: () => ({ name: 'TT API' }), getExecutionId: () => '1' };
		const progress = new RunProgress(ctx as never, Array.from({ length: 1000 }, (_, n) => n));
		// Ten at a time, as an account's queue runs them; an item changes every 100 ms; 1 in 50 fails.
		const step = (n: number, state: 'running' | 'done' | 'failed') => {
			now += 100;
			progress.mark(n, state);
		};
		for (let batch = 0; batch < 100; batch++) {
			for (let n = batch * 10; n < batch * 10 + 10; n++) step(n, 'running');
			for (let n = batch * 10; n < batch * 10 + 10; n++) step(n, n % 50 === 7 ? 'failed' : 'done');
		}
		const counts = progress.finish();
		clock.mockRestore();

		expect(counts).toEqual({ items: 1000, queued: 0, running: 0, done: 980, failed: 20, submitted: 1000 });
		expect(lines[0]).toBe('TT API run in progress (execution 1, node "TT API"): 1000 items: 999 queued, 1 running, 0 done, 0 failed; 1 submitted');
		expect(lines.at(-1)).toBe('TT API run ended (execution 1, node "TT API"): 1000 items: 0 queued, 0 running, 980 done, 20 failed; 1000 submitted');
		expect(lines.length).toBeLessThanOrEqual(200_000 / PROGRESS_LOG_INTERVAL_MS + 2);
		expect(lines.length).toBeGreaterThanOrEqual(200_000 / PROGRESS_LOG_INTERVAL_MS);
	});
});
