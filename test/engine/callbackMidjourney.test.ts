/**
 * A batch of Midjourney jobs in callback mode on the real engine: the run pauses, the emulator's
 * Midjourney callbacks are delivered to the node's webhook(), the last one resumes the run with
 * every job as Imagine gives it (grid, tiles, numbers), in input order.
 */
import type { IDataObject } from 'n8n-workflow';

import { deliverToPausedRun, pauseRun, startCallbackListener, type WebhookAnswer } from './callbackHarness';
import { binaryBytes, PNG_SIGNATURE, useEmulator } from './harness';

const HELD = '[held]';
const prompts = (count: number) => Array.from({ length: count }, (_, n) => ({ prompt: `${HELD} grid ${n} --ar 3:2` }));

describe('Midjourney in callback mode (real engine, emulator, callbacks delivered by the test)', () => {
	const env = useEmulator({ stuckMarker: HELD });
	let listener: Awaited<ReturnType<typeof startCallbackListener>>;
	beforeAll(async () => (listener = await startCallbackListener()));
	afterAll(async () => await listener.stop());
	beforeEach(() => listener.received.splice(0));

	const pause = async (count: number, options: IDataObject = {}) => {
		const paused = await pauseRun({
			credentials: env.credentials(),
			listenerBase: listener.base,
			items: prompts(count),
			parameters: { resource: 'midjourney', operation: 'imagine', prompt: '={{ $json.prompt }}', mode: 'relax', waitMode: 'callback', options },
		});
		expect(paused.error).toBeUndefined();
		expect(paused.run.status).toBe('waiting');
		return paused;
	};

	it('a batch of three waits together and resumes once, on the last callback, every grid in input order', async () => {
		const before = Date.now();
		const paused = await pause(3);
		// No Wait Timeout set: the pause outlasts TT API's longest job limit (1200 s) plus its queue, 1500 s in all.
		const waitTill = new Date(paused.run.data.waitTill!).getTime();
		expect(waitTill - before).toBeGreaterThanOrEqual(1500_000);
		expect(waitTill - Date.now()).toBeLessThanOrEqual(1500_000);
		const submits = env.emulator.requestsTo('/midjourney/v1/imagine');
		expect(submits.map((request) => (request.body as IDataObject).mode)).toEqual(['relax', 'relax', 'relax']);
		expect(submits.every((request) => String((request.body as IDataObject).hookUrl).startsWith(listener.base))).toBe(true);

		const answers: WebhookAnswer[] = [];
		for (const [index, item] of paused.items.entries()) {
			env.emulator.finishJob(String(item.json.jobId));
			const [callback] = (await listener.waitFor(index + 1)).slice(index);
			answers.push(await deliverToPausedRun(paused, callback));
		}
		expect(answers.map((answer) => [answer.status, answer.items !== undefined])).toEqual([[200, false], [200, false], [200, true]]);
		const items = answers[2].items!;
		expect(items.map((item) => item.json.prompt)).toEqual(prompts(3).map((item) => item.prompt));
		expect(items.map((item) => item.pairedItem)).toEqual([0, 1, 2].map((item) => ({ item })));
		for (const item of items) {
			expect(item.json).toMatchObject({ status: 'SUCCESS', action: 'imagine', progress: 100, quota: 2 });
			expect(item.json.images).toHaveLength(4);
			expect(binaryBytes(item).subarray(0, 8)).toEqual(PNG_SIGNATURE);
		}
		// The first two callbacks each found the next job still running, by one fetch; the last fetched nothing.
		expect(env.emulator.requestsTo('/midjourney/v1/fetch').map((request) => request.query.jobId)).toEqual(
			paused.items.slice(1).map((item) => item.json.jobId),
		);
	});

	it('with Split Grid Into Tiles, a resumed batch of two gives eight tile items, four paired with each input item', async () => {
		const paused = await pause(2, { splitTiles: true });
		for (const item of paused.items) env.emulator.finishJob(String(item.json.jobId));
		const callbacks = await listener.waitFor(2);
		// The first callback finds the other job ended (one fetch) and resumes the run.
		const { items } = await deliverToPausedRun(paused, callbacks[0]);
		expect(items?.map((item) => [item.pairedItem, item.json.tile])).toEqual([
			...[1, 2, 3, 4].map((tile) => [{ item: 0 }, tile]),
			...[1, 2, 3, 4].map((tile) => [{ item: 1 }, tile]),
		]);
	});

	it('a FAILED Midjourney job of the batch becomes an error item naming it and the reason', async () => {
		const paused = await pause(2);
		const [first, second] = paused.items.map((item) => String(item.json.jobId));
		env.emulator.finishJob(first, true);
		env.emulator.finishJob(second);
		const callbacks = await listener.waitFor(2);
		const answers = [await deliverToPausedRun(paused, callbacks[0]), await deliverToPausedRun(paused, callbacks[1])];
		const items = answers.find((answer) => answer.items)!.items!;
		expect(items[0].json).toMatchObject({ jobId: first, error: expect.stringMatching(new RegExp(`^TT API job ${first} failed: \\[Banned prompt detected\\]`)) });
		expect(items[1].json).toMatchObject({ jobId: second, status: 'SUCCESS', action: 'imagine' });
	});
});
