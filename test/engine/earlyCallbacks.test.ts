/**
 * A job that ends before n8n has stored the paused run: n8n refuses its callback (409, "running
 * already") and TT API does not send it again. The listener plays n8n: it refuses the node's own
 * calls (asking the webhook to check the run's jobs) until the test says the run is stored, then
 * hands them to the paused run's webhook(). TT API's callbacks of jobs that ended before that are
 * treated as refused (never delivered).
 */
import type { IDataObject } from 'n8n-workflow';

import { deliverToPausedRun, pauseRun, startCallbackListener, type PausedRun, type ReceivedCallback, type WebhookAnswer } from './callbackHarness';
import { binaryBytes, PNG_SIGNATURE, useEmulator, watchingLogger } from './harness';

const HELD = '[held]';
const RUNNING_ALREADY = { status: 409, message: 'The execution "x" is running already.' };

describe('callback mode: jobs that end before n8n has stored the paused run (real engine, emulator)', () => {
	const env = useEmulator({ stuckMarker: HELD });
	let listener: Awaited<ReturnType<typeof startCallbackListener>>;
	let paused: PausedRun | undefined;
	let stored = false;
	/** What the paused run's webhook answered each call of the node it was handed. */
	let handed: Array<{ call: ReceivedCallback; answer: WebhookAnswer }> = [];

	beforeAll(async () => {
		listener = await startCallbackListener();
		listener.answerNodeWith(async (call) => {
			if (!stored || !paused) return RUNNING_ALREADY;
			handed.push({ call, answer: await deliverToPausedRun(paused, call) });
			return { status: 200, message: '' };
		});
	});
	afterAll(async () => await listener.stop());
	beforeEach(() => {
		listener.received.splice(0);
		listener.fromNode.splice(0);
		handed = [];
		stored = false;
		paused = undefined;
	});

	const pause = async (prompts: string[], options: IDataObject = {}) => {
		paused = await pauseRun({
			credentials: env.credentials(),
			listenerBase: listener.base,
			items: prompts.map((prompt) => ({ prompt })),
			parameters: { resource: 'gptImage', operation: 'generate', model: 'gpt-image-2', prompt: '={{ $json.prompt }}', waitMode: 'callback', options },
		});
		expect(paused.error).toBeUndefined();
		expect(paused.run.status).toBe('waiting');
		return paused;
	};
	const until = async (condition: () => boolean, what: string) => {
		for (const deadline = Date.now() + 20_000; !condition(); await new Promise((resolve) => setTimeout(resolve, 20))) {
			if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		}
	};
	const fetched = () => env.emulator.requestsTo('/openai/gpt/fetch').map((request) => String(request.query.jobId));

	it('two jobs, the first ends (its callback refused) before the run is stored: once n8n takes the node\'s call, the webhook fetches the last job, still running, and its callback fetches the first and resumes the run with both images', async () => {
		const run = await pause([`${HELD} early`, `${HELD} late`]);
		const [early, late] = run.items.map((item) => String(item.json.jobId));
		env.emulator.finishJob(early);
		await listener.waitFor(1);
		// n8n kept refusing while the run was being stored.
		await until(() => listener.fromNode.length >= 2, 'the node to ask twice');
		expect(handed).toEqual([]);
		stored = true;
		await until(() => handed.length === 1, 'the call n8n takes');
		expect(handed[0].call.url).toMatch(/[?&]ttapiCheck=1(&|$)/);
		expect(handed[0].answer.items).toBeUndefined();
		// The last job still runs, so its callback is to come: that is all the check needs to know.
		expect(fetched()).toEqual([late]);

		env.emulator.finishJob(late);
		const [, lateCallback] = await listener.waitFor(2);
		const resumed = await deliverToPausedRun(run, lateCallback);
		expect(fetched()).toEqual([late, early]);
		expect(resumed.items!.map((item) => [item.json.prompt, item.json.status])).toEqual([
			[`${HELD} early`, 'SUCCESS'],
			[`${HELD} late`, 'SUCCESS'],
		]);
		for (const item of resumed.items!) expect(binaryBytes(item).subarray(0, 8)).toEqual(PNG_SIGNATURE);
		// The node asked no more once n8n took its call.
		expect(listener.fromNode.filter((call) => listener.fromNode.indexOf(call) >= listener.fromNode.indexOf(handed[0].call))).toHaveLength(1);
	});

	it('one job in flight for three items (Max Jobs in Flight 1): its callback refused, the delivered one submits the next item, and the run completes', async () => {
		const run = await pause([`${HELD} a`, `${HELD} b`, `${HELD} c`], { maxJobsInFlight: 1 });
		const head = String(run.items[0].json.jobId);
		expect(run.items.map((item) => item.json.status)).toEqual(['PENDING_QUEUE', 'QUEUED', 'QUEUED']);
		env.emulator.finishJob(head);
		await listener.waitFor(1);
		stored = true;
		// The check takes the head as called back, which submits the second item.
		await until(() => handed.length === 1, 'the call n8n takes');
		expect(handed[0].answer.items).toBeUndefined();
		expect(fetched()).toEqual([head]);

		// The second item's callback submits the third: the test ends each as TT API would.
		const prompts = [`${HELD} a`, `${HELD} b`, `${HELD} c`];
		const jobOf = (prompt: string) => env.emulator.jobTimes().find((job) => job.prompt === prompt)?.jobId;
		const answers: WebhookAnswer[] = [];
		for (const [position, prompt] of prompts.entries()) {
			if (position === 0) continue;
			await until(() => jobOf(prompt) !== undefined, `the job of "${prompt}"`);
			env.emulator.finishJob(jobOf(prompt)!);
			const callback = (await listener.waitFor(position + 1))[position];
			answers.push(await deliverToPausedRun(run, callback));
		}
		const items = answers.find((answer) => answer.items)!.items!;
		expect(items.map((item) => [item.json.prompt, item.json.status])).toEqual([
			[`${HELD} a`, 'SUCCESS'],
			[`${HELD} b`, 'SUCCESS'],
			[`${HELD} c`, 'SUCCESS'],
		]);
	});

	it('a run whose jobs are all still running when it is stored: the check fetches the last job once and resumes nothing', async () => {
		const run = await pause([`${HELD} x`, `${HELD} y`, `${HELD} z`]);
		stored = true;
		await until(() => handed.length === 1, 'the call n8n takes');
		expect(handed[0].answer.items).toBeUndefined();
		expect(fetched()).toEqual([String(run.items[2].json.jobId)]);
	});

	it('a run whose jobs all end before it is stored: the check takes the last as called back, which fetches the others, and the run resumes at once', async () => {
		const prompts = [`${HELD} one`, `${HELD} two`, `${HELD} three`];
		const run = await pause(prompts);
		const jobIds = run.items.map((item) => String(item.json.jobId));
		for (const jobId of jobIds) env.emulator.finishJob(jobId);
		await listener.waitFor(3);
		stored = true;
		await until(() => handed.length === 1, 'the call n8n takes');
		expect(handed[0].answer.items!.map((item) => [item.json.prompt, item.json.status])).toEqual(prompts.map((prompt) => [prompt, 'SUCCESS']));
		expect(fetched()).toEqual([jobIds[2], jobIds[0], jobIds[1]]);
	});

	it('most jobs end before the run is stored, the first and the last run on: the last callback fetches every job submitted before the latest one seen ending, and resumes the run', async () => {
		const prompts = Array.from({ length: 7 }, (_, n) => `${HELD} many ${n}`);
		const run = await pause(prompts);
		const jobIds = run.items.map((item) => String(item.json.jobId));
		for (const jobId of jobIds.slice(1, -1)) env.emulator.finishJob(jobId);
		await listener.waitFor(5);
		stored = true;
		await until(() => handed.length === 1, 'the call n8n takes');
		expect(fetched()).toEqual([jobIds[6]]);

		env.emulator.finishJob(jobIds[6]);
		const lastCallback = (await listener.waitFor(6))[5];
		// The first job still runs: the search stops there.
		expect((await deliverToPausedRun(run, lastCallback)).items).toBeUndefined();
		env.emulator.finishJob(jobIds[0]);
		const firstCallback = (await listener.waitFor(7))[6];
		const resumed = await deliverToPausedRun(run, firstCallback);
		expect(resumed.items!.map((item) => [item.json.prompt, item.json.status])).toEqual(prompts.map((prompt) => [prompt, 'SUCCESS']));
		expect(fetched()).toEqual([jobIds[6], jobIds[0], ...jobIds.slice(1, -1)]);
	});

	it("a resume URL this process cannot reach: n8n's log says so, once, and nothing is fetched", async () => {
		const warnings: string[] = [];
		await watchingLogger({ warn: (message) => void warnings.push(message) }, async () => {
			const run = await pauseRun({
				credentials: env.credentials(),
				listenerBase: 'http://127.0.0.1:9/webhook-waiting',
				items: [{ prompt: `${HELD} unreachable` }],
				parameters: { resource: 'gptImage', operation: 'generate', model: 'gpt-image-2', prompt: '={{ $json.prompt }}', waitMode: 'callback' },
			});
			expect(run.run.status).toBe('waiting');
			await until(() => warnings.length > 0, 'the warning');
		});
		expect(warnings).toEqual([expect.stringMatching(/^TT API: this n8n process cannot reach the resume URL of execution \S+ \(.+\), so a job that ended before n8n had stored the paused run .* Make n8n's WEBHOOK_URL reachable from its own processes\.$/)]);
		expect(fetched()).toEqual([]);
	});

	it('a job whose callback came through is not fetched by the check', async () => {
		const run = await pause([`${HELD} heard`, `${HELD} quiet`]);
		const [heard, quiet] = run.items.map((item) => String(item.json.jobId));
		env.emulator.finishJob(heard);
		const [callback] = await listener.waitFor(1);
		expect((await deliverToPausedRun(run, callback)).items).toBeUndefined();
		const before = fetched().length;
		stored = true;
		await until(() => handed.length === 1, 'the call n8n takes');
		expect(fetched().slice(before)).toEqual([quiet]);
	});
});
