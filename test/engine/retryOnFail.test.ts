/**
 * n8n's Retry On Fail runs the node again, in the same execution, after a failure. Jobs a failed
 * try already submitted are waited for again, never submitted (and paid for) again.
 */
import type { IDataObject } from 'n8n-workflow';

import { deliverToPausedRun, pauseRun, startCallbackListener } from './callbackHarness';
import { binaryBytes, PNG_SIGNATURE, runNode, useEmulator } from './harness';

const SUBMIT = '/openai/gpt/generations';
const RETRY = { retryOnFail: true, maxTries: 3, waitBetweenTries: 10 };
const parameters = (extra: IDataObject = {}) => ({ resource: 'gptImage', operation: 'generate', model: 'gpt-image-2', prompt: '={{ $json.prompt }}', ...extra });
const submittedPrompts = (requests: Array<{ body: unknown }>) => requests.map((request) => (request.body as IDataObject).prompt).sort();

describe('Retry On Fail in poll mode (real engine, emulator)', () => {
	const env = useEmulator();

	it('a download that fails after every submit: the retry waits for the same jobs, one submit per item, each item out once', async () => {
		// Two items with the same prompt: items are matched by index, so both keep their own job.
		const items = [{ prompt: 'a fox' }, { prompt: 'a fox' }, { prompt: 'an owl' }];
		env.emulator.addFault({ route: 'image', status: 404 });
		const { items: out, error } = await runNode({ credentials: env.credentials(), items, parameters: parameters(), node: RETRY });

		expect(error).toBeUndefined();
		expect(submittedPrompts(env.emulator.requestsTo(SUBMIT))).toEqual(['a fox', 'a fox', 'an owl']);
		expect(out.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		expect(out.map((item) => item.json.prompt)).toEqual(['a fox', 'a fox', 'an owl']);
		expect(new Set(out.map((item) => item.json.jobId)).size).toBe(3);
		for (const item of out) expect(binaryBytes(item).subarray(0, 8)).toEqual(PNG_SIGNATURE);
		// The image that failed was downloaded again by the second try: 3 + 3 downloads.
		expect(env.emulator.requestsTo('/files/')).toHaveLength(6);
	});

	// Every async model goes through the same submit, so every family is covered; one per family here.
	it.each([
		['gptImage', 'generate', '/openai/gpt/generations'],
		['gpt4oImage', 'generate', '/openai/4o-image/generations'],
		['midjourney', 'imagine', '/midjourney/v1/imagine'],
	])('%s %s: one submit per item over two tries', async (resource, operation, submitPath) => {
		env.emulator.addFault({ route: 'image', status: 404 });
		const items = [{ prompt: 'a fox' }, { prompt: 'an owl' }];
		const { items: out, error } = await runNode({ credentials: env.credentials(), items, parameters: { resource, operation, prompt: '={{ $json.prompt }}' }, node: RETRY });

		expect(error).toBeUndefined();
		expect(submittedPrompts(env.emulator.requestsTo(submitPath))).toEqual(['a fox', 'an owl']);
		expect(out.map((item) => [item.pairedItem, item.json.status])).toEqual([[{ item: 0 }, 'SUCCESS'], [{ item: 1 }, 'SUCCESS']]);
	});

	it.each([
		['DALL·E 3', 'dalle3', '/openai/v1/images/generations'],
		['Nano Banana', 'nanoBanana', '/gemini/image/generate'],
	])('%s (one synchronous call per image): the retry takes the images an earlier try was charged for', async (_label, resource, path) => {
		env.emulator.addFault({ route: 'image', status: 404 });
		const items = [{ prompt: 'a fox' }, { prompt: 'an owl' }];
		const { items: out, error } = await runNode({ credentials: env.credentials(), items, parameters: { resource, operation: 'generate', prompt: '={{ $json.prompt }}' }, node: RETRY });

		expect(error).toBeUndefined();
		expect(submittedPrompts(env.emulator.requestsTo(path))).toEqual(['a fox', 'an owl']);
		expect(out.map((item) => item.json.prompt)).toEqual(['a fox', 'an owl']);
		for (const item of out) expect(binaryBytes(item).subarray(0, 8)).toEqual(PNG_SIGNATURE);
		// The image that failed was downloaded again by the second try: 2 + 2 downloads.
		expect(env.emulator.requestsTo('/files/')).toHaveLength(4);
	});

	it('Image (OpenAI-Compatible) with binary data in memory (n8n\'s default): the images are too big to keep in the execution, so the retry calls again', async () => {
		// In filesystem mode the retry takes the stored images instead: test/e2e/images.test.ts.
		env.emulator.addFault({ route: 'v1', status: 402 });
		const items = [{ prompt: 'a fox' }, { prompt: 'an owl' }];
		const { items: out, error, run } = await runNode({ credentials: env.credentials(), items, parameters: { resource: 'image', operation: 'generate', model: 'gpt-image-1', prompt: '={{ $json.prompt }}' }, node: RETRY });

		expect(error).toBeUndefined();
		expect(submittedPrompts(env.emulator.requestsTo('/v1/images/generations'))).toEqual(['a fox', 'a fox', 'an owl', 'an owl']);
		expect(out.map((item) => item.json.prompt)).toEqual(['a fox', 'an owl']);
		// Nothing of the images went into the node's memory, which n8n stores with the execution.
		const memory = /"ttapiSubmittedJobs":(\{[^}]*\})/.exec(JSON.stringify(run.data.executionData?.contextData ?? {}));
		expect(memory?.[1]).toBe('{}');
	});

	it('a loop that runs the node again in the same execution is not a retry: each run submits its own jobs', async () => {
		const { run } = await runNode({ credentials: env.credentials(), items: [{ prompt: 'a fox' }], parameters: parameters(), node: RETRY, runs: 2 });

		const runs = run.data.resultData.runData['TT API'];
		expect(runs).toHaveLength(2);
		const jobIds = runs.map((taskData) => taskData.data!.main[0]![0].json.jobId);
		expect(new Set(jobIds).size).toBe(2);
		expect(env.emulator.requestsTo(SUBMIT)).toHaveLength(2);
	});

	it('without Retry On Fail the same fault stops the node after one try', async () => {
		env.emulator.addFault({ route: 'image', status: 404 });
		const { error } = await runNode({ credentials: env.credentials(), items: [{ prompt: 'a fox' }, { prompt: 'an owl' }], parameters: parameters() });
		expect(error).toMatch(/image/i);
		expect(env.emulator.requestsTo(SUBMIT)).toHaveLength(2);
	});

	it('a job TT API reports FAILED is submitted again by the retry; the others are not', async () => {
		const items = [{ prompt: 'a fox' }, { prompt: 'a fox [fail]' }];
		const { error } = await runNode({ credentials: env.credentials(), items, parameters: parameters(), node: RETRY });

		expect(error).toMatch(/failed: prompt violation/);
		// Three tries: the good item once, the failing one on every try.
		expect(submittedPrompts(env.emulator.requestsTo(SUBMIT))).toEqual(['a fox', 'a fox [fail]', 'a fox [fail]', 'a fox [fail]']);
	});

	it('a refused submit (402) is the only one the retry sends again', async () => {
		env.emulator.addFault({ route: 'submit', status: 402 });
		const items = [{ prompt: 'one' }, { prompt: 'two' }, { prompt: 'three' }];
		const { items: out, error } = await runNode({ credentials: env.credentials(), items, parameters: parameters(), node: RETRY });

		expect(error).toBeUndefined();
		expect(out.map((item) => item.json.prompt)).toEqual(['one', 'two', 'three']);
		// Four submits: three accepted jobs, and the refused one that never became a job.
		const submits = env.emulator.requestsTo(SUBMIT);
		expect(submits).toHaveLength(4);
		expect(new Set(out.map((item) => item.json.jobId)).size).toBe(3);
	});

	it('a submit that reached TT API without an answer (502 after the job started) is never sent again by a retry', async () => {
		env.emulator.addFault({ route: 'submit', status: 502, afterHandling: true });
		const items = [{ prompt: 'one' }, { prompt: 'two' }];
		const { error, errorDescription } = await runNode({ credentials: env.credentials(), items, parameters: parameters(), node: RETRY });

		expect(error).toBe("An earlier try of this node may have started this item's job (TT API may not have accepted the job: TT API answered HTTP 502); it was not submitted again");
		expect(errorDescription).toContain('Check your TT API dashboard before running this item again.');
		// Three tries, two submits: TT API started both jobs, and neither was paid for twice.
		expect(env.emulator.requestsTo(SUBMIT)).toHaveLength(2);
	});

	it('Continue On Fail with Retry On Fail: n8n reruns the node when the first item is an error, and pays nothing twice', async () => {
		env.emulator.addFault({ route: 'image', status: 404, times: 2 });
		const items = [{ prompt: 'first' }, { prompt: 'second' }];
		const { items: out } = await runNode({ credentials: env.credentials(), continueOnFail: true, items, parameters: parameters(), node: RETRY });

		expect(out.map((item) => item.json.status)).toEqual(['SUCCESS', 'SUCCESS']);
		expect(env.emulator.requestsTo(SUBMIT)).toHaveLength(2);
	});
});

describe('Retry On Fail in callback mode (real engine, emulator)', () => {
	const HELD = '[held]';
	const env = useEmulator({ stuckMarker: HELD });
	let listener: Awaited<ReturnType<typeof startCallbackListener>>;
	beforeAll(async () => (listener = await startCallbackListener()));
	afterAll(async () => await listener.stop());

	it('a try that fails after two submits: the retry pauses with those two jobs and submits only the third', async () => {
		env.emulator.addFault({ route: 'submit', status: 402 });
		const items = [0, 1, 2].map((n) => ({ prompt: `${HELD} item ${n}` }));
		const paused = await pauseRun({ credentials: env.credentials(), listenerBase: listener.base, items, parameters: parameters({ waitMode: 'callback' }), node: RETRY });

		expect(paused.error).toBeUndefined();
		expect(paused.run.status).toBe('waiting');
		const jobIds = paused.items.map((item) => String(item.json.jobId));
		expect(new Set(jobIds).size).toBe(3);
		expect(env.emulator.requestsTo(SUBMIT)).toHaveLength(4);

		// Every job calls back to the same resume URL, whichever try submitted it.
		for (const jobId of jobIds) env.emulator.finishJob(jobId);
		const callbacks = await listener.waitFor(3);
		const answers = [];
		for (const callback of callbacks) answers.push(await deliverToPausedRun(paused, callback));
		const resumed = answers.filter((answer) => answer.items !== undefined);
		expect(resumed).toHaveLength(1);
		expect(resumed[0].items!.map((item) => item.json.prompt)).toEqual(items.map((item) => item.prompt));
	});
});
