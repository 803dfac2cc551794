/**
 * Callback mode within the account's queue (issue 13): the run pauses with N jobs out, each
 * callback submits the next queued item from the resume webhook, and the run resumes once. The
 * emulator answers 499 beyond its max_queue; callbacks reach the paused run's webhook() as n8n's
 * waiting-webhook handler would deliver them.
 */
import { stringify } from 'flatted';
import type { IDataObject } from 'n8n-workflow';

import { deliverToPausedRun, pauseRun, startCallbackListener, type PausedRun, type ReceivedCallback, type WebhookAnswer } from './callbackHarness';
import { binaryBytes, PNG_SIGNATURE, useEmulator, watchingLogger } from './harness';
import { holdQueue, queueLog } from './queueLog';

const parameters = (options: IDataObject = {}) => ({
	resource: 'gptImage',
	operation: 'generate',
	model: 'gpt-image-2',
	prompt: '={{ $json.prompt }}',
	waitMode: 'callback',
	options,
});
const promptsOf = (name: string, count: number) => Array.from({ length: count }, (_, n) => `${name} ${n}`);

type Deliver = typeof deliverToPausedRun;

/** What the node writes to n8n's log during `work`: warnings, and info and debug lines (small runs log their progress at debug level). */
async function logDuring(work: () => Promise<void>): Promise<{ warnings: string[]; info: string[] }> {
	const lines = { warnings: [] as string[], info: [] as string[] };
	const info = (message: string) => void lines.info.push(message);
	await watchingLogger({ warn: (message) => void lines.warnings.push(message), info, debug: info }, work);
	return lines;
}
const warningsDuring = async (work: () => Promise<void>) => (await logDuring(work)).warnings;
/** The callbacks' progress lines: "N of M jobs ended". */
const endedCounts = (info: string[]) =>
	info.flatMap((line) => {
		const match = / (\d+) of (\d+) jobs ended/.exec(line);
		return match ? [[Number(match[1]), Number(match[2])]] : [];
	});
const CROSSING = /^TT API: callbacks of execution \S+ reach more than one n8n process/;

/**
 * Hands every callback of the run to its webhook as it arrives (`copies` times each, at once) until
 * one resumes it; `via` picks the webhook process of the n-th callback.
 */
async function deliverUntilResumed(
	listener: Awaited<ReturnType<typeof startCallbackListener>>,
	paused: PausedRun,
	copies = 1,
	via: (index: number) => Deliver = () => deliverToPausedRun,
	timeoutMs = 30_000,
) {
	const answers: WebhookAnswer[] = [];
	const delivering: Array<Promise<void>> = [];
	let taken = 0;
	const deadline = Date.now() + timeoutMs;
	while (!answers.some((answer) => answer.items) && Date.now() < deadline) {
		const fresh: ReceivedCallback[] = listener.received.slice(taken);
		taken += fresh.length;
		for (const [offset, callback] of fresh.entries()) {
			const deliver = via(taken - fresh.length + offset);
			for (let copy = 0; copy < copies; copy++) delivering.push(deliver(paused, callback).then((answer) => void answers.push(answer)));
		}
		await new Promise((resolve) => setTimeout(resolve, 10));
	}
	await Promise.all(delivering);
	return answers;
}

describe('queue-aware submit, callback mode (real engine, emulator with max_queue 3)', () => {
	const env = useEmulator({ maxQueue: 3, enforceMaxQueue: true, queueMs: 50, runMs: 250 });
	let listener: Awaited<ReturnType<typeof startCallbackListener>>;
	// n8n restarted: the same package loaded again, with an empty memory.
	let restarted: typeof import('./callbackHarness');
	beforeAll(async () => {
		listener = await startCallbackListener();
		await jest.isolateModulesAsync(async () => {
			restarted = await import('./callbackHarness');
			await restarted.loadPackageCopy();
		});
	});
	afterAll(async () => await listener.stop());
	beforeEach(() => listener.received.splice(0));

	const pause = async (prompts: string[], options: IDataObject = {}) => {
		const paused = await pauseRun({ credentials: env.credentials(), listenerBase: listener.base, items: prompts.map((prompt) => ({ prompt })), parameters: parameters(options) });
		expect(paused.error).toBeUndefined();
		expect(paused.run.status).toBe('waiting');
		return paused;
	};

	it('30 prompts: the webhook submits the queued items, every item comes out once, never more than 3 jobs in flight', async () => {
		const prompts = promptsOf('callback thirty', 30);
		const paused = await pause(prompts);
		expect(paused.items.map((item) => item.json.status)).toEqual([...Array(3).fill('PENDING_QUEUE'), ...Array(27).fill('QUEUED')]);
		let answers: WebhookAnswer[] = [];
		// One process takes every callback: nothing to warn of.
		expect(await warningsDuring(async () => void (answers = await deliverUntilResumed(listener, paused)))).toEqual([]);
		const resumed = answers.filter((answer) => answer.items);
		expect(resumed).toHaveLength(1);
		const items = resumed[0].items!;
		expect(items.map((item) => [item.json.prompt, item.json.status])).toEqual(prompts.map((prompt) => [prompt, 'SUCCESS']));
		expect(items.map((item) => item.pairedItem)).toEqual(prompts.map((_prompt, item) => ({ item })));
		for (const item of items) expect(binaryBytes(item).subarray(0, 8)).toEqual(PNG_SIGNATURE);
		expect(queueLog(env.emulator, prompts)).toMatchObject({ accepted: 30, startedTwice: [], refused: 0, maxInFlight: 3 });
		// The wait state holds the queued request bodies, not the whole items.
		expect(JSON.stringify(paused.run.data.executionData!.contextData).length).toBeLessThan(30 * 400);
		// Submitted after the pause or before it, a job's request is the same but for its prompt and position.
		const sent = env.emulator.requests.filter((request) => request.path.endsWith('/generations') && prompts.includes(String((request.body as IDataObject).prompt)));
		const shape = (body: IDataObject) => ({ ...body, prompt: undefined, hookUrl: String(body.hookUrl).replace(/[?&](ttapiPos|ttapiPrev|ttapiBy)=[^&]*/g, '') });
		expect(new Set(sent.map((request) => JSON.stringify(shape(request.body as IDataObject)))).size).toBe(1);
	});

	it('1,000 prompts: the paused run n8n loads for every callback is small and plain ASCII', async () => {
		const prompts = promptsOf('callback stored size', 1000);
		const paused = await pause(prompts, { timeout: 7200 });
		// What n8n stores and parses again at each callback: its flatted form. 371 KB before the queued
		// items shared their texts and bodies' common fields; n8n keeps a run with a "…" in two bytes a character.
		const stored = stringify(paused.run.data);
		expect(stored.length).toBeLessThan(1000 * 200);
		expect(stored).toMatch(/^[\x20-\x7e]*$/);
	});

	it('every callback delivered twice at the same moment: no item submitted twice or lost, one resume', async () => {
		const prompts = promptsOf('callback twice', 12);
		const paused = await pause(prompts);
		const answers = await deliverUntilResumed(listener, paused, 2);
		const resumed = answers.filter((answer) => answer.items);
		expect(resumed).toHaveLength(1);
		expect(resumed[0].items!.map((item) => item.json.prompt)).toEqual(prompts);
		expect(queueLog(env.emulator, prompts)).toMatchObject({ accepted: 12, startedTwice: [], maxInFlight: 3 });
	});

	it('n8n restarts mid-run: the new process reads the lanes back from the jobs, resumes once, submits nothing twice', async () => {
		const prompts = promptsOf('callback restart', 12);
		const paused = await pause(prompts);
		// The first 5 callbacks reach the process that paused the run; every later one a restarted process.
		const answers = await deliverUntilResumed(listener, paused, 1, (index) => (index < 5 ? deliverToPausedRun : restarted.deliverToPausedRun));
		const resumed = answers.filter((answer) => answer.items);
		expect(resumed).toHaveLength(1);
		expect(resumed[0].items!.map((item) => [item.json.prompt, item.json.status])).toEqual(prompts.map((prompt) => [prompt, 'SUCCESS']));
		const log = queueLog(env.emulator, prompts);
		expect(log).toMatchObject({ accepted: 12, startedTwice: [], maxInFlight: 3 });
		// The jobs whose callbacks went to the process before the restart are read back, and a callback
		// that finds every place known may ask once for a job still running: not more than one fetch per job.
		expect(log.fetches).toBeGreaterThanOrEqual(3);
		expect(log.fetches).toBeLessThanOrEqual(12);
	});

	it('n8n restarts after TT API refused an item submitted after the pause: the new process sees the lane went past it and says so in the item', async () => {
		const prompts = promptsOf('callback refused before restart', 9);
		// The first item submitted after the pause, by the lane of the first item's job.
		prompts[3] = 'callback refused before restart forbidden-word';
		const paused = await pause(prompts);
		const firstJob = paused.items[0].json.jobId;
		// The process that paused the run takes the first job's callback: its submit of item 3 is refused
		// (400), so it submits item 6. Every other callback reaches a restarted process.
		const answers = await deliverUntilResumed(listener, paused, 1, (index) => ((listener.received[index].body as IDataObject).jobId === firstJob ? deliverToPausedRun : restarted.deliverToPausedRun), 15_000);
		const resumed = answers.filter((answer) => answer.items);
		expect(resumed).toHaveLength(1);
		const items = resumed[0].items!;
		expect(items.map((item) => item.json.status ?? item.json.error)).toEqual(
			prompts.map((_prompt, index) => (index === 3 ? 'This item did not become a job when it was submitted after the pause' : 'SUCCESS')),
		);
		expect(items[3].json.errorDescription).toMatch(/^The n8n process that submitted it has restarted/);
		expect(queueLog(env.emulator, prompts)).toMatchObject({ accepted: 8, startedTwice: [] });
	});

	it('one process, two callbacks lost mid-run: their lanes go on once a later job ends, every item comes out once, nothing submitted twice', async () => {
		const prompts = promptsOf('callback lost', 15);
		const paused = await pause(prompts);
		const lost = new Set([2, 6]);
		const dropped: Deliver = async () => ({ status: 200 });
		const answers = await deliverUntilResumed(listener, paused, 1, (index) => (lost.has(index) ? dropped : deliverToPausedRun));
		const resumed = answers.filter((answer) => answer.items);
		expect(resumed).toHaveLength(1);
		expect(resumed[0].items!.map((item) => [item.json.prompt, item.json.status])).toEqual(prompts.map((prompt) => [prompt, 'SUCCESS']));
		const log = queueLog(env.emulator, prompts);
		expect(log).toMatchObject({ accepted: 15, startedTwice: [], maxInFlight: 3 });
	});

	it('callbacks crossing processes: a lost callback is not taken over by a process that did not submit the job (it could pay twice)', async () => {
		const prompts = promptsOf('callback lost elsewhere', 9);
		const paused = await pause(prompts);
		const dropped: Deliver = async () => ({ status: 200 });
		// Every callback goes to another process than the one that paused the run (a webhook process in queue mode); the third is lost.
		const answers = await deliverUntilResumed(listener, paused, 1, (index) => (index === 2 ? dropped : restarted.deliverToPausedRun), 5_000);
		expect(answers.filter((answer) => answer.items)).toHaveLength(0);
		expect(queueLog(env.emulator, prompts)).toMatchObject({ startedTwice: [] });
	});

	it('two webhook processes taking callbacks in turn resume the run, with every image, at most two fetches per job', async () => {
		const prompts = promptsOf('callback two processes', 12);
		const paused = await pause(prompts);
		const answers: WebhookAnswer[] = [];
		const warnings = await warningsDuring(async () => {
			// Until the run resumes: n8n then refuses further calls, as the execution no longer waits.
			for (let index = 0; index < prompts.length && !answers.some((answer) => answer.items); index++) {
				const [callback] = (await listener.waitFor(index + 1)).slice(index);
				answers.push(await (index % 2 === 0 ? deliverToPausedRun : restarted.deliverToPausedRun)(paused, callback));
			}
		});
		// A process that takes a callback of a job the other one submitted says so in n8n's log, once
		// (both processes here log through one logger).
		const crossings = warnings.filter((warning) => CROSSING.test(warning));
		expect(crossings.length).toBeGreaterThanOrEqual(1);
		expect(crossings.length).toBeLessThanOrEqual(2);
		// It names both remedies: callbacks of one execution kept on one process, or polling.
		for (const warning of crossings) expect(warning).toMatch(/send all calls to \/webhook-waiting\/<execution ID>\/ to one webhook process.*"Poll Until Done"/);
		// At the last callback, or earlier if a fetch finds the jobs still to call back already ended.
		const resumed = answers.filter((answer) => answer.items !== undefined);
		expect(resumed).toHaveLength(1);
		expect(answers.length).toBeGreaterThanOrEqual(prompts.length - 3);
		expect(resumed[0].items!.map((item) => [item.json.prompt, item.json.status])).toEqual(prompts.map((prompt) => [prompt, 'SUCCESS']));
		const log = queueLog(env.emulator, prompts);
		expect(log).toMatchObject({ accepted: 12, startedTwice: [], maxInFlight: 3 });
		expect(log.fetches).toBeLessThanOrEqual(2 * 12);
	});

	it('Max Jobs in Flight below max_queue is honoured', async () => {
		const prompts = promptsOf('callback two at a time', 8);
		const paused = await pause(prompts, { maxJobsInFlight: 2 });
		const answers = await deliverUntilResumed(listener, paused);
		expect(answers.filter((answer) => answer.items)).toHaveLength(1);
		expect(queueLog(env.emulator, prompts)).toMatchObject({ accepted: 8, refused: 0, maxInFlight: 2 });
	});

	it('499s before and after the pause: the items wait, are submitted later, nothing is charged twice', async () => {
		// Another workflow holds every place of the account's queue for 9 s: longer than one submit's
		// own retries of a 499 (7.5 s), so the items go back to the queue and the node backs off.
		const others = await holdQueue(env.emulator, 3, 9000);
		const prompts = promptsOf('callback crowded', 6);
		// One job at a time, so the 499s after the pause all meet the same item.
		const paused = await pause(prompts, { maxJobsInFlight: 1 });
		others.release();
		// And after the pause the next submits meet 499 six times: more than one submit's 5 attempts.
		const pausedAt = Date.now();
		env.emulator.addFault({ route: 'submit', status: 499, times: 6 });
		const answers = await deliverUntilResumed(listener, paused);
		const [resumed] = answers.filter((answer) => answer.items);
		expect(resumed.items!.map((item) => [item.json.prompt, item.json.status])).toEqual(prompts.map((prompt) => [prompt, 'SUCCESS']));
		const log = queueLog(env.emulator, prompts);
		expect(log.mostSubmitsOfOnePrompt).toBeGreaterThan(5);
		// The webhook, too, sent an item again after its submit's own retries met only 499s.
		const sentByWebhook = env.emulator.requestsTo('/openai/gpt/generations').filter((request) => request.at >= pausedAt);
		const prompt = (request: { body: unknown }) => (request.body as { prompt: string }).prompt;
		expect(Math.max(...sentByWebhook.map((request) => sentByWebhook.filter((other) => prompt(other) === prompt(request)).length))).toBeGreaterThan(5);
		expect(log).toMatchObject({ accepted: 6, startedTwice: [] });
		expect(log.maxInFlight).toBe(1);
	}, 60_000);

	it('a submit after the pause fails after TT API started the job: its callback gives the item its result, and the lane goes on once', async () => {
		const prompts = promptsOf('callback half-failed submit', 9);
		const paused = await pause(prompts);
		// The first submit from the webhook (the item after the first job to end) starts a job and answers 502.
		env.emulator.addFault({ route: 'submit', status: 502, afterHandling: true });
		const answers = await deliverUntilResumed(listener, paused);
		const resumed = answers.filter((answer) => answer.items);
		expect(resumed).toHaveLength(1);
		expect(resumed[0].items!.map((item) => [item.json.prompt, item.json.status])).toEqual(prompts.map((prompt) => [prompt, 'SUCCESS']));
		expect(queueLog(env.emulator, prompts)).toMatchObject({ accepted: 9, startedTwice: [] });
	});

	it('callbacks crossing processes, a submit after the pause fails after TT API started the job: the lane waits for that job\'s callback, nothing is submitted twice', async () => {
		const prompts = promptsOf('callback half-failed elsewhere', 9);
		const paused = await pause(prompts);
		env.emulator.addFault({ route: 'submit', status: 502, afterHandling: true });
		// Every callback reaches the process that did not submit its job: the run's heads the other
		// process, and so on, as a load balancer may spread them.
		const submitter = (callback: ReceivedCallback) => new URL(callback.url, 'http://localhost').searchParams.get('ttapiBy');
		const pauser = submitter((await listener.waitFor(1))[0]);
		let answers: WebhookAnswer[] = [];
		const { info } = await logDuring(async () => void (answers = await deliverUntilResumed(listener, paused, 1, (index) => (submitter(listener.received[index]) === pauser ? restarted.deliverToPausedRun : deliverToPausedRun))));
		// Progress counts each item once, whatever a process learned of it twice (an error, then its job).
		const counts = endedCounts(info);
		expect(counts.length).toBeGreaterThan(0);
		for (const [ended, items] of counts) expect(ended).toBeLessThanOrEqual(items);
		const resumed = answers.filter((answer) => answer.items);
		expect(resumed).toHaveLength(1);
		expect(resumed[0].items!.map((item) => item.json.prompt ?? prompts[(item.pairedItem as { item: number }).item])).toEqual(prompts);
		// The job whose submit failed called back to the other process, which sent the lane's next item: once.
		expect(queueLog(env.emulator, prompts)).toMatchObject({ accepted: 9, startedTwice: [] });
	});

	it('a first job out pauses the run at once: the items TT API refused wait for its callback instead of holding the pause (its callback could come before n8n has stored the run)', async () => {
		// Another workflow holds two of the three places for 3 s: the first item gets the last place.
		const others = await holdQueue(env.emulator, 2, 3000);
		const prompts = promptsOf('callback pause at once', 3);
		const paused = await pause(prompts);
		others.release();
		const [first] = env.emulator.jobTimes().filter((job) => prompts.includes(job.prompt));
		// The run paused with one job out, before that job ended; the refused items went back to the queue.
		expect(paused.items.map((item) => item.json.status)).toEqual(['PENDING_QUEUE', 'QUEUED', 'QUEUED']);
		expect(paused.run.stoppedAt!.getTime()).toBeLessThan(first.endsAt);
		const answers = await deliverUntilResumed(listener, paused);
		expect(answers.filter((answer) => answer.items)[0].items!.map((item) => [item.json.prompt, item.json.status])).toEqual(prompts.map((prompt) => [prompt, 'SUCCESS']));
		expect(queueLog(env.emulator, prompts)).toMatchObject({ accepted: 3, startedTwice: [] });
	});

	it('at the Wait Timeout, an item still queued says it was never submitted or names where its job is logged', async () => {
		const prompts = ['[stuck] a', '[stuck] b', '[stuck] c', 'd'];
		const paused = await pause(prompts, { timeout: 10 });
		const timedOut = paused.run.data.executionData!.nodeExecutionStack[0].data.main[0]!;
		expect(timedOut.map((item) => item.pairedItem)).toEqual([0, 1, 2, 3].map((item) => ({ item })));
		expect(String(timedOut[0].json.error)).toMatch(/^TT API job [0-9a-f-]{36} had not been reported finished when the 10 s timeout ran out$/);
		expect(timedOut[3].json).toEqual({
			error: "This item was waiting for a place in TT API's queue and had not been reported finished when the 10 s timeout ran out",
			errorDescription: expect.stringMatching(/never submitted, and then nothing was charged.*\/webhook-waiting\/<execution ID>\/ to one of them; otherwise use Wait Mode "Poll Until Done"/),
		});
		for (const job of env.emulator.jobTimes().filter((job) => prompts.includes(job.prompt))) env.emulator.finishJob(job.jobId);
	});
});
