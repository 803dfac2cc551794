/** Flux on the real engine against the emulator: generate (poll and callback), get, bad input. */
import { deliverToPausedRun, pauseRun, startCallbackListener } from './callbackHarness';
import { binaryBytes, PNG_SIGNATURE, runNode, useEmulator } from './harness';

const generate = (extra: Record<string, unknown> = {}) => ({ resource: 'flux', operation: 'generate', prompt: 'a red fox', mode: 'flux-2-pro', ...extra });

describe('Flux generate and get (real engine, emulator)', () => {
	const env = useEmulator({ stuckMarker: '[held]' });

	it('polls until SUCCESS and emits the job as JSON and its image as binary; sends aspect_ratio by default', async () => {
		const { items, error } = await runNode({ credentials: env.credentials(), parameters: generate({ aspect_ratio: '16:9' }) });
		expect(error).toBeUndefined();
		expect(items).toHaveLength(1);
		const [item] = items;
		expect(item.json).toMatchObject({ status: 'SUCCESS', prompt: 'a red fox', mode: 'flux-2-pro', quota: '1' });
		expect(item.json.jobId).toMatch(/^[0-9a-f-]{36}$/);
		expect(item.json.imageUrl).toBe(`${env.emulator.url}/files/${item.json.jobId}.png`);
		expect(binaryBytes(item).subarray(0, 8)).toEqual(PNG_SIGNATURE);
		expect(env.emulator.requestsTo('/flux/generate').map((request) => request.body)).toEqual([{ prompt: 'a red fox', mode: 'flux-2-pro', aspect_ratio: '16:9' }]);
		const fetches = env.emulator.requestsTo('/flux/fetch');
		expect(fetches.length).toBeGreaterThanOrEqual(1);
		expect(fetches.every((fetch) => fetch.method === 'GET' && fetch.query.jobId === item.json.jobId)).toBe(true);
	});

	it('sends size instead of aspect_ratio when Image Shape is Size, and reads the older `jobId` submit answer', async () => {
		env.emulator.options.fluxJobIdField = 'jobId';
		try {
			const { items, error } = await runNode({ credentials: env.credentials(), parameters: generate({ mode: 'flux1-dev', shape: 'size', size: '1792x1024' }) });
			expect(error).toBeUndefined();
			expect(items[0].json).toMatchObject({ status: 'SUCCESS', size: '1792x1024' });
		} finally {
			env.emulator.options.fluxJobIdField = 'job_id';
		}
		expect(env.emulator.requestsTo('/flux/generate')[0].body).toEqual({ prompt: 'a red fox', mode: 'flux1-dev', size: '1792x1024' });
	});

	it('callback mode: pauses, then resumes on the Flux callback with the image, without fetching', async () => {
		const listener = await startCallbackListener();
		try {
			const paused = await pauseRun({ credentials: env.credentials(), listenerBase: listener.base, parameters: generate({ waitMode: 'callback' }) });
			expect(paused.error).toBeUndefined();
			expect(paused.run.status).toBe('waiting');
			const [submit] = env.emulator.requestsTo('/flux/generate');
			expect((submit.body as { hookUrl: string }).hookUrl.startsWith(`${listener.base}/${paused.executionId}/`)).toBe(true);
			const [callback] = await listener.waitFor(1);
			expect(callback.body).toMatchObject({ status: 'SUCCESS', jobId: paused.items[0].json.jobId, data: { mode: 'flux-2-pro', quota: '1' } });

			const answer = await deliverToPausedRun(paused, callback);
			expect(answer.status).toBe(200);
			expect(answer.items).toHaveLength(1);
			expect(answer.items![0].json).toMatchObject({ status: 'SUCCESS', jobId: paused.items[0].json.jobId, prompt: 'a red fox' });
			expect(binaryBytes(answer.items![0]).subarray(0, 8)).toEqual(PNG_SIGNATURE);
			expect(env.emulator.requestsTo('/flux/fetch')).toHaveLength(0);
		} finally {
			await listener.stop();
		}
	});

	it('get: a running job as it stands, a finished one with its image, an unknown ID named', async () => {
		const submitted = await runNode({ credentials: env.credentials(), parameters: generate({ prompt: '[held] later', waitMode: 'none' }) });
		const jobId = submitted.items[0].json.jobId as string;
		expect(submitted.items[0].json).toMatchObject({ status: 'PENDING_QUEUE', prompt: '[held] later', mode: 'flux-2-pro' });

		const running = await runNode({ credentials: env.credentials(), parameters: { resource: 'flux', operation: 'get', jobId } });
		expect(running.items[0].json).toMatchObject({ jobId, imageUrl: null });
		expect(['PENDING_QUEUE', 'ON_QUEUE']).toContain(running.items[0].json.status);
		expect(running.items[0].binary).toBeUndefined();

		env.emulator.finishJob(jobId);
		const done = await runNode({ credentials: env.credentials(), parameters: { resource: 'flux', operation: 'get', jobId, options: { binaryPropertyName: 'flux' } } });
		expect(done.items[0].json).toMatchObject({ jobId, status: 'SUCCESS', mode: 'flux-2-pro' });
		expect(binaryBytes(done.items[0], 'flux').subarray(0, 8)).toEqual(PNG_SIGNATURE);

		const unknown = await runNode({ credentials: env.credentials(), parameters: { resource: 'flux', operation: 'get', jobId: '00000000-0000-0000-0000-000000000000' } });
		expect(unknown.error).toBe('TT API has no job with ID 00000000-0000-0000-0000-000000000000');
	});

	it.each([
		['mode', { mode: 'flux-3' }, 'Mode (mode) is "flux-3", which is not allowed'],
		['aspect ratio', { aspect_ratio: '5:4' }, 'Aspect Ratio (aspect_ratio) is "5:4", which is not allowed'],
		['size', { shape: 'size', size: '512x512' }, 'Size (size) is "512x512", which is not allowed'],
		['image shape', { shape: 'both' }, 'Image Shape (shape) is "both", which is not allowed'],
		['prompt', { prompt: '  ' }, 'Prompt (prompt) is empty'],
	])('refuses a bad %s by name before any request', async (_field, extra, message) => {
		const { error } = await runNode({ credentials: env.credentials(), parameters: generate(extra) });
		expect(error).toBe(message);
		expect(env.emulator.requests).toHaveLength(0);
	});

	it('accepts flux1-schnell, which an older page lists, from an expression', async () => {
		const { error } = await runNode({ credentials: env.credentials(), parameters: generate({ mode: '={{ "flux1-schnell" }}', waitMode: 'none' }) });
		expect(error).toBeUndefined();
		expect(env.emulator.requestsTo('/flux/generate')[0].body).toMatchObject({ mode: 'flux1-schnell' });
	});
});
