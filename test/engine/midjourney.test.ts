/** Midjourney on the real engine against the emulator: imagine, action, get, errors and spellings. */
import type { IDataObject } from 'n8n-workflow';

import { binaryBytes, PNG_SIGNATURE, runNode, useEmulator } from './harness';

const GRID = ['upsample1', 'upsample2', 'upsample3', 'upsample4', 'reroll', 'variation1', 'variation2', 'variation3', 'variation4'];

describe('Midjourney (real engine, emulator)', () => {
	const env = useEmulator();
	const run = async (parameters: IDataObject, extra: { items?: IDataObject[]; continueOnFail?: boolean } = {}) =>
		await runNode({ credentials: env.credentials(), parameters: { resource: 'midjourney', ...parameters }, ...extra });
	const imagine = async (prompt = 'a lighthouse --ar 16:9', extra: IDataObject = {}) => await run({ operation: 'imagine', prompt, ...extra });

	it('imagine waits for the grid: one item with grid, tiles, components, numeric progress and quota, grid as binary', async () => {
		const { items, error } = await imagine();
		expect(error).toBeUndefined();
		expect(items).toHaveLength(1);
		const [item] = items;
		const tiles = item.json.images as string[];
		expect(item.json).toMatchObject({ status: 'SUCCESS', action: 'imagine', prompt: 'a lighthouse --ar 16:9', progress: 100, quota: 2, components: GRID });
		expect(item.json.imageUrl).toBe(`${env.emulator.url}/files/${item.json.jobId}.png`);
		expect(tiles).toHaveLength(4);
		expect(item.pairedItem).toEqual({ item: 0 });
		expect(binaryBytes(item).subarray(0, 8)).toEqual(PNG_SIGNATURE);
		expect(env.emulator.requestsTo('/midjourney/v1/imagine').map((request) => request.body)).toEqual([{ prompt: 'a lighthouse --ar 16:9', mode: 'fast' }]);
		expect(env.emulator.requestsTo('/midjourney/v1/fetch').every((request) => request.query.jobId === item.json.jobId)).toBe(true);
	});

	it('a polled batch waits together: every grid in input order, a failed job an error item naming it', async () => {
		const prompts = ['one [ends in 0.3 s]', '[fail] two', 'three [ends in 0.6 s]'].map((prompt) => ({ prompt }));
		const { items, error } = await run({ operation: 'imagine', prompt: '={{ $json.prompt }}', options: { download: false } }, { items: prompts, continueOnFail: true });
		expect(error).toBeUndefined();
		expect(items.map((item) => [item.pairedItem, item.json.status ?? 'error'])).toEqual([[{ item: 0 }, 'SUCCESS'], [{ item: 1 }, 'error'], [{ item: 2 }, 'SUCCESS']]);
		expect(items[1].json.error).toBe(`TT API job ${items[1].json.jobId} failed: [Banned prompt detected] Sorry! Our AI moderator thinks this prompt is probably against our community standards.`);
		// All three were submitted before the first fetch: the jobs ran side by side, not one after another.
		const paths = env.emulator.requests.map((request) => request.path);
		expect(paths.filter((path) => path.endsWith('/imagine'))).toHaveLength(3);
		expect(paths.lastIndexOf('/midjourney/v1/imagine')).toBeLessThan(paths.indexOf('/midjourney/v1/fetch'));
	});

	it('Split Grid Into Tiles gives four items, one tile each as binary, all paired with the input item', async () => {
		const { items, error } = await imagine('tiles', { options: { splitTiles: true } });
		expect(error).toBeUndefined();
		expect(items.map((item) => item.json.tile)).toEqual([1, 2, 3, 4]);
		expect(items.map((item) => item.pairedItem)).toEqual([0, 0, 0, 0].map((index) => ({ item: index })));
		const grid = items[0].json.gridImageUrl;
		expect(items.map((item) => item.json.imageUrl)).toEqual(items[0].json.images);
		const bytes = items.map((item) => binaryBytes(item));
		for (const tile of bytes) expect(tile.subarray(0, 8)).toEqual(PNG_SIGNATURE);
		expect(new Set(bytes.map((tile) => tile.toString('base64'))).size).toBe(4);
		expect(items.map((item) => item.binary?.data.fileName)).toEqual((items[0].json.images as string[]).map((url) => url.split('/').pop()));
		expect(grid).toBe(`${env.emulator.url}/files/${items[0].json.jobId}.png`);
	});

	it('sends mode and the TT API Job Timeout within the mode\'s range; a relax timeout under 600 is refused before sending', async () => {
		const relax = await imagine('slow', { mode: 'relax', options: { jobTimeout: 900 }, waitMode: 'none' });
		expect(relax.error).toBeUndefined();
		expect(env.emulator.requestsTo('/midjourney/v1/imagine').map((request) => request.body)).toEqual([{ prompt: 'slow', mode: 'relax', timeout: 900 }]);
		const tooShort = await imagine('slow', { mode: 'relax', options: { jobTimeout: 300 } });
		expect(tooShort.error).toBe('TT API Job Timeout (jobTimeout) is 300, outside the allowed range');
		expect(tooShort.errorDescription).toBe('Enter a number from 600 to 1200.');
		expect(env.emulator.requestsTo('/midjourney/v1/imagine')).toHaveLength(1);
	});

	it('action upsample2 of a finished grid gives the upscaled image as binary, and sends jobId and action only', async () => {
		const parent = (await imagine('a fox')).items[0].json.jobId as string;
		env.emulator.reset();
		const { items, error } = await run({ operation: 'action', jobId: parent, action: 'upsample2' });
		expect(error).toBeUndefined();
		expect(items).toHaveLength(1);
		expect(items[0].json).toMatchObject({ status: 'SUCCESS', action: 'upsample2', images: [], prompt: 'a fox' });
		expect(items[0].json.jobId).not.toBe(parent);
		expect(binaryBytes(items[0]).subarray(0, 8)).toEqual(PNG_SIGNATURE);
		expect(env.emulator.requestsTo('/midjourney/v1/action').map((request) => request.body)).toEqual([{ jobId: parent, action: 'upsample2' }]);
	});

	it('an action the parent does not offer is refused before sending, naming the ones it offers', async () => {
		const parent = (await imagine('a hare')).items[0].json.jobId as string;
		const refused = await run({ operation: 'action', jobId: parent, action: 'zoom_out_2' });
		expect(refused.error).toBe(`Action (action) is "zoom_out_2", which job ${parent} does not offer`);
		expect(refused.errorDescription).toBe(`Job ${parent} offers: ${GRID.join(', ')}. Nothing was sent.`);
		const upscaled = (await run({ operation: 'action', jobId: parent, action: 'upsample1' })).items[0].json;
		// After an upscale, what its components list is accepted, given by expression.
		const next = await run({ operation: 'action', jobId: upscaled.jobId, action: '={{ "upscale" + "4" }}', waitMode: 'none' });
		expect(next.error).toBeUndefined();
		expect(env.emulator.requestsTo('/midjourney/v1/action').map((request) => (request.body as IDataObject).action)).toEqual(['upsample1', 'upscale4']);
	});

	it('an action on a job that is still running or unknown is refused before sending', async () => {
		const running = (await imagine('[ends in 5 s] later', { waitMode: 'none' })).items[0].json.jobId as string;
		const early = await run({ operation: 'action', jobId: running, action: 'upsample1' });
		expect(early.error).toMatch(new RegExp(`^Midjourney job ${running} is (PENDING_QUEUE|ON_QUEUE), not finished yet: no action can be taken on it$`));
		const unknown = await run({ operation: 'action', jobId: 'no-such-job', action: 'upsample1' });
		expect(unknown.error).toBe('TT API has no Midjourney job with ID no-such-job');
		expect(env.emulator.requestsTo('/midjourney/v1/action')).toHaveLength(0);
	});

	it('a FAILED job names its job ID, TT API\'s reason and what to do', async () => {
		const banned = await imagine('[fail] something');
		const jobId = env.emulator.jobTimes().at(-1)!.jobId;
		expect(banned.error).toBe(`TT API job ${jobId} failed: [Banned prompt detected] Sorry! Our AI moderator thinks this prompt is probably against our community standards.`);
		expect(banned.errorDescription).toMatch(/^TT API reports the job as FAILED\. Job ID: .+\. Midjourney's moderator refused the prompt: reword it\./);
		const timedOut = await imagine('[fail] job-timeout');
		expect(timedOut.error).toMatch(/failed: Job Timeout$/);
		expect(timedOut.errorDescription).toContain('raise that option (at most 1200 s)');
	});

	it('get shows a running job with numeric progress, a finished one as imagine does', async () => {
		const jobId = (await imagine('[stuck] get me', { waitMode: 'none' })).items[0].json.jobId as string;
		const running = await run({ operation: 'get', jobId });
		expect(running.items[0].json).toMatchObject({ jobId, imageUrl: null });
		expect(typeof running.items[0].json.progress).toBe('number');
		env.emulator.finishJob(jobId);
		const done = await run({ operation: 'get', jobId, options: { splitTiles: true } });
		expect(done.items.map((item) => [item.json.status, item.json.tile])).toEqual([1, 2, 3, 4].map((tile) => ['SUCCESS', tile]));
	});

	it('reads the older spellings the same way: jobId on submit, actions, "40%", numeric quota', async () => {
		env.emulator.options.midjourney = { jobIdField: 'jobId', actionKey: 'actions', progressSuffix: '%', quotaAsNumber: true };
		try {
			const { items, error } = await imagine('old docs');
			expect(error).toBeUndefined();
			expect(items[0].json).toMatchObject({ action: 'imagine', progress: 100, quota: 2, components: GRID });
			expect(items[0].json).not.toHaveProperty('actions');
		} finally {
			env.emulator.options.midjourney = undefined;
		}
	});
});
