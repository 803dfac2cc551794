/**
 * A small local measurement of the queue-aware submitter (not part of the suite):
 *   npx jest --testMatch '**\/queue.measure.ts' test/engine/queue.measure.ts
 * QUEUE_PROMPTS (100), QUEUE_MAX (10) and QUEUE_JOB_MS (1000) set the run. Wall time is from the
 * first submit TT API saw to the node's end (poll) or the resume (callback); ideal = prompts / N × job.
 */
import { pauseRun, startCallbackListener, deliverToPausedRun, type WebhookAnswer } from './callbackHarness';
import { runNode, useEmulator } from './harness';
import { queueLog } from './queueLog';

const PROMPTS = Number(process.env.QUEUE_PROMPTS ?? 100);
const MAX_QUEUE = Number(process.env.QUEUE_MAX ?? 10);
const JOB_MS = Number(process.env.QUEUE_JOB_MS ?? 1000);
const IDEAL_MS = Math.ceil(PROMPTS / MAX_QUEUE) * JOB_MS;

const parameters = (waitMode: string) => ({ resource: 'gptImage', operation: 'generate', model: 'gpt-image-2', prompt: '={{ $json.prompt }}', waitMode, options: { timeout: 3600 } });

describe(`queue measurement: ${PROMPTS} prompts, max_queue ${MAX_QUEUE}, ${JOB_MS} ms jobs`, () => {
	const env = useEmulator({ maxQueue: MAX_QUEUE, enforceMaxQueue: true, queueMs: 100, runMs: JOB_MS - 100 });

	const report = (mode: string, prompts: string[], endedAt: number) => {
		const firstSubmit = Math.min(...env.emulator.requestsTo('/openai/gpt/generations').map((request) => request.at));
		const log = queueLog(env.emulator, prompts);
		const wall = endedAt - firstSubmit;
		console.log(
			`[queue] ${mode}: ${PROMPTS} prompts, max_queue ${MAX_QUEUE}, ${JOB_MS} ms jobs: wall ${(wall / 1000).toFixed(2)} s, ideal ${(IDEAL_MS / 1000).toFixed(2)} s, ` +
				`ratio ${(wall / IDEAL_MS).toFixed(3)}, fetches per job ${(log.fetches / PROMPTS).toFixed(2)}, accepted ${log.accepted}, refused ${log.refused}, ` +
				`started twice ${log.startedTwice.length}, max in flight ${log.maxInFlight}`,
		);
		return log;
	};

	it('poll', async () => {
		const prompts = Array.from({ length: PROMPTS }, (_, n) => `measure poll ${n}`);
		const { items } = await runNode({ credentials: env.credentials(), items: prompts.map((prompt) => ({ prompt })), parameters: parameters('poll') });
		const log = report('poll', prompts, Date.now());
		expect(items.filter((item) => item.json.status === 'SUCCESS')).toHaveLength(PROMPTS);
		expect(log.maxInFlight).toBeLessThanOrEqual(MAX_QUEUE);
	}, 600_000);

	it('callback', async () => {
		const listener = await startCallbackListener();
		try {
			const prompts = Array.from({ length: PROMPTS }, (_, n) => `measure callback ${n}`);
			const paused = await pauseRun({ credentials: env.credentials(), listenerBase: listener.base, items: prompts.map((prompt) => ({ prompt })), parameters: parameters('callback') });
			let resumedAt = 0;
			let taken = 0;
			const delivering: Array<Promise<WebhookAnswer>> = [];
			while (!resumedAt) {
				for (const callback of listener.received.slice(taken)) {
					taken++;
					delivering.push(deliverToPausedRun(paused, callback).then((answer) => ((resumedAt ||= answer.items ? Date.now() : 0), answer)));
				}
				await new Promise((resolve) => setTimeout(resolve, 5));
			}
			const answers = await Promise.all(delivering);
			const log = report('callback', prompts, resumedAt);
			console.log(`[queue] callback: the paused run's node context holds ${JSON.stringify(paused.run.data.executionData!.contextData).length} bytes for ${PROMPTS} prompts`);
			const [resumed] = answers.filter((answer) => answer.items);
			expect(resumed.items!.filter((item) => item.json.status === 'SUCCESS')).toHaveLength(PROMPTS);
			expect(log.maxInFlight).toBeLessThanOrEqual(MAX_QUEUE);
		} finally {
			await listener.stop();
		}
	}, 600_000);
});
