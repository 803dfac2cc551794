/**
 * Callback mode ("Pause Until TT API Calls Back") on the real engine: the run pauses, the emulator's
 * callbacks are delivered to the node's webhook() as n8n's waiting-webhook handler would, at the
 * moments the tests choose. Jobs are held running (stuck marker) until the test ends them.
 */
import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import { deliverToPausedRun, pauseRun, startCallbackListener, type PausedRun, type WebhookAnswer } from './callbackHarness';
import { binaryBytes, PNG_SIGNATURE, useEmulator } from './harness';

const HELD = '[held]';
const callbackParameters = (extra: IDataObject = {}) => ({
	resource: 'gptImage',
	operation: 'generate',
	model: 'gpt-image-2',
	prompt: '={{ $json.prompt }}',
	waitMode: 'callback',
	...extra,
});
const prompts = (run: number, count: number) => Array.from({ length: count }, (_, n) => ({ prompt: `${HELD} run ${run} item ${n}` }));
const resumes = (answers: WebhookAnswer[]) => answers.filter((answer) => answer.items !== undefined);
const jobIdsOf = (paused: PausedRun) => paused.items.map((item) => String(item.json.jobId));
const promptOrder = (items: INodeExecutionData[]) => items.map((item) => item.json.prompt);

describe('callback mode (real engine, emulator, callbacks delivered by the test)', () => {
	const env = useEmulator({ stuckMarker: HELD });
	let listener: Awaited<ReturnType<typeof startCallbackListener>>;
	// A second n8n webhook process: the same package loaded again, with its own memory.
	let otherProcess: typeof import('./callbackHarness');

	beforeAll(async () => {
		listener = await startCallbackListener();
		await jest.isolateModulesAsync(async () => {
			otherProcess = await import('./callbackHarness');
			await otherProcess.loadPackageCopy();
		});
	});
	afterAll(async () => await listener.stop());
	beforeEach(() => listener.received.splice(0));

	/** Ends the jobs one at a time, handing each callback, once it arrives, to the process `via` picks. */
	const endOneByOne = async (paused: PausedRun, jobIds: string[], via: (index: number) => typeof deliverToPausedRun = () => deliverToPausedRun) => {
		const answers: WebhookAnswer[] = [];
		for (const [index, jobId] of jobIds.entries()) {
			env.emulator.finishJob(jobId);
			const [callback] = (await listener.waitFor(index + 1)).slice(index);
			answers.push(await via(index)(paused, callback));
		}
		return answers;
	};

	const pause = async (items: IDataObject[], options: { continueOnFail?: boolean; parameters?: IDataObject } = {}) => {
		const paused = await pauseRun({
			credentials: env.credentials(),
			listenerBase: listener.base,
			items,
			continueOnFail: options.continueOnFail,
			parameters: callbackParameters(options.parameters),
		});
		expect(paused.error).toBeUndefined();
		expect(paused.run.status).toBe('waiting');
		return paused;
	};

	it('five callbacks of a run arriving at the same instant resume it once, every image in input order', async () => {
		const paused = await pause(prompts(1, 5));
		for (const jobId of jobIdsOf(paused)) env.emulator.finishJob(jobId);
		const callbacks = await listener.waitFor(5);
		// Slow fetches widen the window in which a callback waits while the others arrive.
		env.emulator.addFault({ route: 'fetch', delayMs: 300, times: 20 });

		const answers = await Promise.all(callbacks.map(async (callback) => await deliverToPausedRun(paused, callback)));

		expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 200]);
		expect(resumes(answers)).toHaveLength(1);
		const [{ items }] = resumes(answers);
		expect(promptOrder(items!)).toEqual(prompts(1, 5).map((item) => item.prompt));
		expect(items!.map((item) => item.pairedItem)).toEqual([0, 1, 2, 3, 4].map((item) => ({ item })));
		for (const item of items!) expect(binaryBytes(item).subarray(0, 8)).toEqual(PNG_SIGNATURE);
		expect(env.emulator.requestsTo('/openai/gpt/fetch')).toHaveLength(0);
	});

	it("a callback without the run's token gets 401 and changes nothing, also once the run's own callbacks have been accepted", async () => {
		const paused = await pause(prompts(3, 2));
		const [first, second] = jobIdsOf(paused);
		const withToken = (url: string, token?: string) => {
			const forged = new URL(url, 'http://localhost');
			if (token === undefined) forged.searchParams.delete('ttapiToken');
			else forged.searchParams.set('ttapiToken', token);
			return `${forged.pathname}${forged.search}`;
		};
		env.emulator.finishJob(first);
		const [firstCallback] = await listener.waitFor(1);
		const forgedBefore = await deliverToPausedRun(paused, { ...firstCallback, url: withToken(firstCallback.url, 'guess') });
		expect(await deliverToPausedRun(paused, firstCallback)).toMatchObject({ status: 200, items: undefined });

		// The second job's end, claimed before it has ended, by someone without the token.
		const claim = { url: firstCallback.url, body: { ...(firstCallback.body as IDataObject), jobId: second } };
		const forgedAfter = await Promise.all([withToken(claim.url, 'guess'), withToken(claim.url), withToken(claim.url, '')].map(async (url) => await deliverToPausedRun(paused, { ...claim, url })));
		expect([forgedBefore, ...forgedAfter].map((answer) => [answer.status, answer.items])).toEqual([[401, undefined], [401, undefined], [401, undefined], [401, undefined]]);

		env.emulator.finishJob(second);
		const [, secondCallback] = await listener.waitFor(2);
		const resumed = await deliverToPausedRun(paused, secondCallback);
		expect(resumed.status).toBe(200);
		expect(promptOrder(resumed.items!)).toEqual(prompts(3, 2).map((item) => item.prompt));
	});

	it('twenty runs of five jobs whose callbacks all arrive at once give twenty resumes, each once', async () => {
		const runs: PausedRun[] = [];
		for (let run = 0; run < 20; run++) runs.push(await pause(prompts(100 + run, 5)));
		for (const paused of runs) for (const jobId of jobIdsOf(paused)) env.emulator.finishJob(jobId);
		const callbacks = await listener.waitFor(100);

		const answers = await Promise.all(
			callbacks.map(async (callback) => {
				const paused = runs.find((run) => callback.url.includes(`/${run.executionId}/`))!;
				return { paused, answer: await deliverToPausedRun(paused, callback) };
			}),
		);

		for (const [index, paused] of runs.entries()) {
			const own = resumes(answers.filter((answer) => answer.paused === paused).map(({ answer }) => answer));
			expect(own).toHaveLength(1);
			expect(promptOrder(own[0].items!)).toEqual(prompts(100 + index, 5).map((item) => item.prompt));
		}
	});

	it('two webhook processes taking callbacks in turn: the last callback resumes the run, at most two fetches per job', async () => {
		const paused = await pause(prompts(2, 5));
		const answers = await endOneByOne(paused, jobIdsOf(paused), (index) => (index % 2 === 0 ? deliverToPausedRun : otherProcess.deliverToPausedRun));

		expect(answers.map((answer) => answer.items !== undefined)).toEqual([false, false, false, false, true]);
		expect(promptOrder(answers[4].items!)).toEqual(prompts(2, 5).map((item) => item.prompt));
		expect(answers[4].items!.every((item) => item.json.status === 'SUCCESS')).toBe(true);
		const fetches = env.emulator.requestsTo('/openai/gpt/fetch').length;
		console.log(`[callback] two webhook processes, 5 jobs: ${fetches} fetches (${(fetches / 5).toFixed(1)} per job)`);
		expect(fetches).toBeLessThanOrEqual(2 * 5);
	});

	it('one webhook process: each callback before the last fetches at most one running job', async () => {
		const paused = await pause(prompts(3, 4));
		const answers = await endOneByOne(paused, jobIdsOf(paused));
		expect(resumes(answers)).toHaveLength(1);
		expect(answers[3].items).toBeDefined();
		expect(env.emulator.requestsTo('/openai/gpt/fetch').length).toBeLessThanOrEqual(3);
	});

	it('one webhook process, ten jobs (the account queue) ending in submit order: at most one fetch per two jobs', async () => {
		const paused = await pause(prompts(4, 10));
		const answers = await endOneByOne(paused, jobIdsOf(paused));
		expect(answers.map((answer) => answer.items !== undefined)).toEqual([...Array(9).fill(false), true]);
		const fetches = env.emulator.requestsTo('/openai/gpt/fetch').length;
		console.log(`[callback] one webhook process, 10 jobs in submit order: ${fetches} fetches`);
		expect(fetches).toBeLessThanOrEqual(5);
	});

	it('a lost callback: the callback of a job submitted after it fetches it, and the last callback resumes with every image', async () => {
		const paused = await pause(prompts(5, 4));
		const jobIds = jobIdsOf(paused);
		env.emulator.finishJob(jobIds[0]);
		await listener.waitFor(1);
		// TT API's callback for the first job never reaches n8n.
		listener.received.splice(0);
		const answers = await endOneByOne(paused, jobIds.slice(1));
		expect(answers.map((answer) => answer.items !== undefined)).toEqual([false, false, true]);
		expect(promptOrder(answers[2].items!)).toEqual(prompts(5, 4).map((item) => item.prompt));
		expect(answers[2].items!.every((item) => item.json.status === 'SUCCESS')).toBe(true);
		expect(env.emulator.requestsTo('/openai/gpt/fetch').map((request) => request.query.jobId)).toContain(jobIds[0]);
	});

	it('with Continue On Fail, an item refused by validation comes out once before the pause, at the timeout and at the resume', async () => {
		const items = [{ prompt: `${HELD} good 0` }, { prompt: null }, { prompt: `${HELD} good 2` }];
		const paused = await pause(items, { continueOnFail: true });
		expect(paused.items.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		expect(paused.items[1].json.error).toBe('Prompt (prompt) must be text, but it is null');

		// What n8n passes on if the wait runs out: the node's input, which the pause replaced.
		const timedOut = paused.run.data.executionData!.nodeExecutionStack[0].data.main[0]!;
		expect(timedOut.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		expect(timedOut[1].json.error).toBe('Prompt (prompt) must be text, but it is null');
		expect(String(timedOut[0].json.error)).toContain('had not been reported finished');

		const jobIds = jobIdsOf(paused).filter((jobId) => jobId !== 'undefined' && jobId !== '');
		expect(jobIds).toHaveLength(2);
		const answers = await endOneByOne(paused, jobIds);
		const resumed = answers[1].items!;
		expect(resumed.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		expect(resumed.map((item) => item.json.status ?? item.json.error)).toEqual([
			'SUCCESS',
			'Prompt (prompt) must be text, but it is null',
			'SUCCESS',
		]);
	});

	it('Wait Mode takes no expression: one that would differ per item is refused by name, before any request', async () => {
		const { error, errorDescription } = await pauseRun({
			credentials: env.credentials(),
			listenerBase: listener.base,
			items: [{ prompt: 'a fox', mode: 'none' }, { prompt: 'a hare', mode: 'callback' }],
			parameters: callbackParameters({ waitMode: '={{ $json.mode }}' }),
		});
		expect(error).toBe('Wait Mode (waitMode) is "{{ $json.mode }}", which is not allowed');
		expect(errorDescription).toBe('Use one of: poll, callback, none.');
		expect(env.emulator.requests).toHaveLength(0);
	});
});
