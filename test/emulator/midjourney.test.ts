/** The emulator's Midjourney routes: the shapes and quirks the node's Midjourney resource must read. */
import { startEmulator, type TtApiEmulator } from './emulator';
import { GRID_COMPONENTS } from './midjourney';

const KEY = 'test-key';
const sleep = async (ms: number) => await new Promise((resolve) => setTimeout(resolve, ms));
const PNG = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

describe('TT API emulator: Midjourney', () => {
	let emulator: TtApiEmulator;
	beforeAll(async () => (emulator = await startEmulator({ validKeys: [KEY], queueMs: 40, runMs: 400 })));
	afterAll(async () => await emulator.stop());

	const call = async (path: string, body?: unknown) => {
		const response = await fetch(`${emulator.url}/midjourney/v1/${path}`, {
			method: body === undefined ? 'GET' : 'POST',
			headers: { 'content-type': 'application/json', 'TT-API-KEY': KEY },
			body: body === undefined ? undefined : JSON.stringify(body),
		});
		return { code: response.status, body: (await response.json()) as { status: string; message: string; data: Record<string, unknown> } };
	};
	const idOf = (answer: { data: Record<string, unknown> }) => String(answer.data.job_id ?? answer.data.jobId);
	const until = async (jobId: string, status: string) => {
		for (;;) {
			const { body } = await call(`fetch?jobId=${jobId}`);
			if (body.status === status) return body;
			await sleep(25);
		}
	};

	it('imagine: job_id on submit, progress climbing while ON_QUEUE, a grid and four tiles that serve PNGs', async () => {
		const submit = await call('imagine', { prompt: 'a cat --ar 1:1', mode: 'fast', timeout: '300' });
		expect(submit).toMatchObject({ code: 200, body: { status: 'SUCCESS' } });
		const jobId = String(submit.body.data.job_id);
		const seen: number[] = [];
		for (;;) {
			const { body } = await call(`fetch?jobId=${jobId}`);
			if (body.status === 'SUCCESS') break;
			if (body.status === 'ON_QUEUE') seen.push(Number(body.data.progress));
			await sleep(40);
		}
		expect(seen.length).toBeGreaterThan(2);
		expect(seen.at(-1)!).toBeGreaterThan(seen[0]);
		const done = await call('fetch', { jobId });
		expect(done.body.data).toMatchObject({ action: 'imagine', progress: '100', quota: '2', components: GRID_COMPONENTS, prompt: 'a cat --ar 1:1' });
		const urls = [done.body.data.cdnImage, ...(done.body.data.images as string[])];
		expect(urls).toHaveLength(5);
		for (const url of urls) {
			const image = await fetch(String(url));
			expect([image.status, image.headers.get('content-type')]).toEqual([200, 'image/png']);
		}
	});

	it("action: refuses what the parent's components do not list, upscales into a single image", async () => {
		const parent = idOf((await call('imagine', { prompt: 'a dog', mode: 'turbo' })).body);
		expect((await call('action', { jobId: parent, action: 'upsample2' })).body.message).toBe(`job ${parent} is not finished`);
		await until(parent, 'SUCCESS');
		expect((await call('action', { jobId: parent, action: 'zoom_out_2' })).body.message).toBe(`action must be one of ${GRID_COMPONENTS.join(', ')}`);
		const child = idOf((await call('action', { jobId: parent, action: 'upsample2' })).body);
		const done = await until(child, 'SUCCESS');
		expect(done.data).toMatchObject({ action: 'upsample2', images: [], prompt: 'a dog' });
		expect(done.data.components).toContain('upscale4');
	});

	it('blend takes 2–5 data URIs; describe answers four numbered prompts and no image', async () => {
		expect((await call('blend', { imgBase64Array: [PNG] })).code).toBe(400);
		expect((await call('blend', { imgBase64Array: [PNG, 'data:image/png;base64,bm90IGFuIGltYWdl'] })).code).toBe(400);
		const blend = idOf((await call('blend', { imgBase64Array: [PNG, PNG], dimensions: 'SQUARE' })).body);
		expect((await until(blend, 'SUCCESS')).data.images).toHaveLength(4);
		expect((await call('describe', {})).body.message).toBe('url or base64 is required');
		const describe = idOf((await call('describe', { base64: PNG })).body);
		const done = await until(describe, 'SUCCESS');
		expect(done.data).toMatchObject({ action: 'describe', cdnImage: null, images: [] });
		expect(String(done.data.prompt).split('\n\n')).toHaveLength(4);
	});

	it('switches to the older spellings: jobId, actions, "40%", numeric quota; fails with documented messages', async () => {
		emulator.options.midjourney = { jobIdField: 'jobId', actionKey: 'actions', progressSuffix: '%', quotaAsNumber: true };
		try {
			const submit = await call('imagine', { prompt: 'x [fail] job-timeout', mode: 'relax' });
			const jobId = String(submit.body.data.jobId);
			const failedJob = await until(jobId, 'FAILED');
			expect(failedJob).toMatchObject({ message: 'Job Timeout', data: { actions: 'imagine', progress: '0%' } });
			const fine = String((await call('imagine', { prompt: 'y', mode: 'relax' })).body.data.jobId);
			expect((await until(fine, 'SUCCESS')).data).toMatchObject({ actions: 'imagine', progress: '100%', quota: 2 });
			expect((await call('imagine', { prompt: 'z', mode: 'relax', timeout: 300 })).body.message).toBe('timeout must be from 600 to 1200 seconds');
		} finally {
			emulator.options.midjourney = undefined;
		}
	});
});
