/** The Flux and Nano Banana routes accept every form TT API's pages document, and refuse bad input. */
import { makePng } from './png';
import { startEmulator, type TtApiEmulator } from './emulator';

const KEY = 'test-key';
const json = (body: unknown) => ({ method: 'POST', headers: { 'content-type': 'application/json', 'TT-API-KEY': KEY }, body: JSON.stringify(body) });

describe('TT API emulator: Flux and Nano Banana', () => {
	let emulator: TtApiEmulator;
	beforeAll(async () => (emulator = await startEmulator({ validKeys: [KEY], queueMs: 0, runMs: 10, dalleMs: 0 })));
	afterAll(async () => await emulator.stop());

	const call = async (path: string, init: RequestInit = { headers: { 'TT-API-KEY': KEY } }) => {
		const response = await fetch(`${emulator.url}${path}`, init);
		return { code: response.status, body: (await response.json()) as any };
	};
	const submitFlux = async () => (await call('/flux/generate', json({ prompt: 'a fox', mode: 'flux-2-max' }))).body.data.job_id as string;

	it('fetches a Flux job by GET query, POST JSON, POST multipart and POST urlencoded alike', async () => {
		const jobId = await submitFlux();
		await new Promise((resolve) => setTimeout(resolve, 30));
		const form = new FormData();
		form.append('jobId', jobId);
		const answers = [
			await call(`/flux/fetch?jobId=${jobId}`),
			await call('/flux/fetch', json({ jobId })),
			await call('/flux/fetch', { method: 'POST', headers: { 'TT-API-KEY': KEY }, body: form }),
			await call('/flux/fetch', { method: 'POST', headers: { 'TT-API-KEY': KEY }, body: new URLSearchParams({ jobId }) }),
		];
		for (const answer of answers) {
			expect(answer).toMatchObject({ code: 200, body: { status: 'SUCCESS', message: '', jobId, data: { jobId, mode: 'flux-2-max', quota: '1' } } });
		}
		expect((await call('/flux/fetch?jobId=nope')).body).toMatchObject({ status: 'FAILED', message: 'job not found' });
	});

	it('answers a Flux submit with job_id or, as older pages show, jobId', async () => {
		expect((await call('/flux/generate', json({ prompt: 'a', mode: 'flux1-dev' }))).body.data).toHaveProperty('job_id');
		emulator.options.fluxJobIdField = 'jobId';
		expect((await call('/flux/generate', json({ prompt: 'a', model: 'flux1-dev' }))).body.data).toHaveProperty('jobId');
		emulator.options.fluxJobIdField = 'job_id';
	});

	it('takes Flux edits as multipart with one or more image files, and refuses a file that is not an image', async () => {
		const form = (...files: Buffer[]) => {
			const body = new FormData();
			body.append('prompt', 'make it blue');
			body.append('mode', 'flux-kontext-pro');
			for (const [index, bytes] of files.entries()) body.append('image', new Blob([bytes], { type: 'image/png' }), `in${index}.png`);
			return { method: 'POST', headers: { 'TT-API-KEY': KEY }, body };
		};
		expect((await call('/flux/edits', form(makePng(1), makePng(2)))).code).toBe(200);
		expect(emulator.requests.at(-1)!.files!.map((file) => [file.field, file.fileName, file.bytes.length])).toEqual([
			['image', 'in0.png', makePng(1).length],
			['image', 'in1.png', makePng(2).length],
		]);
		expect((await call('/flux/edits', form())).body.message).toBe('image is required: upload one or more image files');
		expect((await call('/flux/edits', form(Buffer.from('text')))).body.message).toBe('image in0.png is not a PNG, JPEG or WEBP image');
	});

	it('Nano Banana: takes `model` or the older `mode`, URL and base64 references, and answers with a numeric quota', async () => {
		const dataUri = `data:image/png;base64,${makePng(3).toString('base64')}`;
		const answer = await call('/gemini/image/generate', json({ prompt: 'cat', mode: 'gemini-3-pro-image-preview', refer_images: ['https://example.com/a.png', dataUri], image_size: '2K' }));
		expect(answer).toMatchObject({ code: 200, body: { status: 'SUCCESS', data: { prompt: 'cat', quota: 2 } } });
		const image = await fetch(answer.body.data.image_url);
		expect(image.headers.get('content-type')).toBe('image/png');

		const bad = async (body: object) => (await call('/gemini/image/generate', json({ prompt: 'cat', model: 'gemini-2.5-flash-image', ...body }))).body.message;
		expect(await bad({ model: 'gemini-1' })).toMatch(/^model must be one of/);
		expect(await bad({ image_size: '2k' })).toBe('image_size must be 1K, 2K or 4K (uppercase K)');
		expect(await bad({ refer_images: ['data:image/png;base64,aGVsbG8='] })).toBe('refer_images[0] is neither an image URL nor a base64 image');
	});
});
