/**
 * The failure contract (README, "When a job fails"): a FAILED job, a SUCCESS without an image URL and
 * an image that cannot be downloaded come out the same way whether the node polls, is resumed by a
 * callback, or Gets the job: an error naming the job, or with Continue On Fail an error item with
 * its jobId. Callback mode always gives the error item, because n8n resumes past the node.
 */
import type { IDataObject } from 'n8n-workflow';

import type { Fault } from '../emulator/emulator';
import { deliverToPausedRun, pauseRun, startCallbackListener } from './callbackHarness';
import { runNode, useEmulator } from './harness';

const FAIL = '[fail]';
const HELD = '[held]';
const generate = (prompt: string, extra: IDataObject = {}) => ({
	resource: 'gptImage',
	operation: 'generate',
	model: 'gpt-image-2',
	prompt,
	...extra,
});

interface Case {
	name: string;
	prompt: string;
	/** Faults that apply once the job has ended. */
	faults: Fault[];
	error: RegExp;
	/** The callback body TT API would send for this case. */
	callbackBody?: (body: IDataObject) => IDataObject;
}

const cases: Case[] = [
	{ name: 'a FAILED job', prompt: `${FAIL} a fox`, faults: [], error: /^TT API job \S+ failed: / },
	{
		name: 'SUCCESS without an image URL',
		prompt: 'a fox',
		faults: [{ route: 'fetch', rawBody: '{"status":"SUCCESS","message":"success","data":{}}', afterHandling: true, times: 50 }],
		error: /^TT API reports job \S+ as SUCCESS but sent no image URL/,
		callbackBody: (body) => ({ ...body, data: {} }),
	},
	{ name: 'an image that cannot be downloaded', prompt: 'a fox', faults: [{ route: 'image', status: 403, times: 50 }], error: /expired \(HTTP 403\)/ },
];

describe('one failure contract for polling, callbacks and Get (real engine, emulator)', () => {
	const env = useEmulator({ failMarker: FAIL, stuckMarker: HELD });
	let listener: Awaited<ReturnType<typeof startCallbackListener>>;
	beforeAll(async () => (listener = await startCallbackListener()));
	afterAll(async () => await listener.stop());
	beforeEach(() => listener.received.splice(0));

	describe.each(cases)('$name', ({ prompt, faults, error, callbackBody }) => {
		const addFaults = () => faults.forEach((fault) => env.emulator.addFault({ ...fault }));

		it('polling: stops the node with an error naming the job; with Continue On Fail an error item with its jobId', async () => {
			addFaults();
			const stopped = await runNode({ credentials: env.credentials(), parameters: generate(prompt) });
			expect(stopped.error).toMatch(error);
			const [jobId] = env.emulator.jobTimes().map((job) => job.jobId).slice(-1);
			expect(`${stopped.error} ${stopped.errorDescription}`).toContain(jobId);

			env.emulator.reset();
			addFaults();
			const kept = await runNode({ credentials: env.credentials(), parameters: generate(prompt), continueOnFail: true });
			expect(kept.items).toHaveLength(1);
			expect(String(kept.items[0].json.error)).toMatch(error);
			expect(kept.items[0].json.jobId).toEqual(expect.any(String));
			expect(kept.items[0].binary).toBeUndefined();
		});

		it('Get: the same error for the same job', async () => {
			const submitted = await runNode({ credentials: env.credentials(), parameters: generate(prompt.replace(FAIL, `${FAIL}${HELD}`), { waitMode: 'none' }) });
			const jobId = String(submitted.items[0].json.jobId);
			env.emulator.finishJob(jobId, prompt.includes(FAIL));
			addFaults();
			const stopped = await runNode({ credentials: env.credentials(), parameters: { resource: 'gptImage', operation: 'get', jobId } });
			expect(stopped.error).toMatch(error);

			addFaults();
			const kept = await runNode({ credentials: env.credentials(), parameters: { resource: 'gptImage', operation: 'get', jobId }, continueOnFail: true });
			expect(String(kept.items[0].json.error)).toMatch(error);
			expect(kept.items[0].json.jobId).toBe(jobId);
		});

		it('callback: the resume gives the error item with its jobId, beside the other items', async () => {
			const paused = await pauseRun({
				credentials: env.credentials(),
				listenerBase: listener.base,
				items: [{ prompt: `${HELD} ${prompt}` }, { prompt: `${HELD} a good one` }],
				parameters: generate('={{ $json.prompt }}', { waitMode: 'callback' }),
			});
			const jobIds = paused.items.map((item) => String(item.json.jobId));
			env.emulator.finishJob(jobIds[0], prompt.includes(FAIL));
			env.emulator.finishJob(jobIds[1]);
			const callbacks = await listener.waitFor(2);
			// The callback body carries the job's end; only the download can still fail.
			faults.filter((fault) => fault.route === 'image').forEach((fault) => env.emulator.addFault({ ...fault }));
			const answers = [];
			for (const callback of callbacks) {
				const own = (callback.body as IDataObject).jobId === jobIds[0];
				const body = own && callbackBody ? callbackBody(callback.body as IDataObject) : callback.body;
				answers.push(await deliverToPausedRun(paused, { ...callback, body }));
			}
			const items = answers.find((answer) => answer.items)!.items!;
			expect(items.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
			expect(String(items[0].json.error)).toMatch(error);
			expect(items[0].json.jobId).toBe(jobIds[0]);
		});
	});
});

describe('errors that say what was paid for (real engine, emulator)', () => {
	const env = useEmulator({ failMarker: FAIL, bannedWords: ['forbidden'] });

	it('without Continue On Fail, the error lists every other job of the run with its ID and last status', async () => {
		const { error, errorDescription } = await runNode({
			credentials: env.credentials(),
			items: [{ prompt: 'a fox' }, { prompt: `${FAIL} a hare` }, { prompt: 'an owl' }],
			parameters: generate('={{ $json.prompt }}'),
		});
		expect(error).toMatch(/^TT API job \S+ failed/);
		const jobs = env.emulator.jobTimes();
		const good = jobs.filter((job) => !job.prompt.includes(FAIL)).map((job) => job.jobId);
		expect(good).toHaveLength(2);
		for (const jobId of good) expect(errorDescription).toContain(`${jobId} (SUCCESS)`);
		expect(errorDescription).toContain('Get operation');
	});

	it('callback mode: a refused submit stops the node before the pause, naming the jobs already submitted', async () => {
		const since = Date.now();
		const { run, error, errorDescription } = await runNode({
			credentials: env.credentials(),
			items: [{ prompt: 'a fox' }, { prompt: 'a forbidden hare' }, { prompt: 'an owl' }],
			parameters: generate('={{ $json.prompt }}', { waitMode: 'callback' }),
			additionalData: { executionId: 'engine-refused', webhookWaitingBaseUrl: 'http://127.0.0.1:9/webhook-waiting' },
		});
		expect(run.status).not.toBe('waiting');
		expect(error).toMatch(/^TT API refused/);
		const submitted = env.emulator.jobTimes().filter((job) => job.submittedAt >= since).map((job) => job.jobId);
		expect(submitted).toHaveLength(2);
		for (const jobId of submitted) expect(errorDescription).toContain(`${jobId} (submitted)`);
		expect(errorDescription).toContain('Get operation');
	});

	it('Get of a job ID TT API does not know fails as not found, naming the ID; with Continue On Fail an error item', async () => {
		const jobId = '00000000-0000-4000-8000-000000000000';
		const stopped = await runNode({ credentials: env.credentials(), parameters: { resource: 'gptImage', operation: 'get', jobId } });
		expect(stopped.error).toBe(`TT API has no job with ID ${jobId}`);
		expect(stopped.errorDescription).toContain('Job ID (jobId)');
		const kept = await runNode({ credentials: env.credentials(), parameters: { resource: 'gptImage', operation: 'get', jobId }, continueOnFail: true });
		expect(kept.items).toEqual([{ json: expect.objectContaining({ error: `TT API has no job with ID ${jobId}`, jobId }), pairedItem: { item: 0 } }]);
	});
});
