/** The emulator's /v1/images endpoints take every documented variant and check OpenAI's rules. */
import { makePng } from './png';
import { startEmulator, type TtApiEmulator } from './emulator';

const KEY = 'test-key';
const dataUri = (bytes: Buffer, type = 'image/png') => `data:${type};base64,${bytes.toString('base64')}`;

describe('TT API emulator: /v1/images', () => {
	let emulator: TtApiEmulator;
	beforeAll(async () => (emulator = await startEmulator({ dalleMs: 0 })));
	afterAll(async () => await emulator.stop());

	const post = async (path: string, body: RequestInit['body'], headers: Record<string, string>) => {
		const answer = await fetch(`${emulator.url}${path}`, { method: 'POST', headers, body });
		return { status: answer.status, body: (await answer.json()) as Record<string, unknown> };
	};
	const json = (path: string, body: object, auth: Record<string, string> = { 'TT-API-KEY': KEY }) =>
		post(path, JSON.stringify(body), { 'content-type': 'application/json', ...auth });

	it('takes TT-API-KEY or Bearer, and refuses neither with TT API\'s 401', async () => {
		const body = { prompt: 'a fox', model: 'gpt-image-1' };
		expect((await json('/v1/images/generations', body, { 'TT-API-KEY': KEY })).status).toBe(200);
		expect((await json('/v1/images/generations', body, { Authorization: `Bearer ${KEY}` })).status).toBe(200);
		expect(await json('/v1/images/generations', body, {})).toEqual({ status: 401, body: { status: 'FAILED', message: 'Wrong TT-API-KEY or email is not activated.', data: null } });
	});

	it('answers GPT image models with b64_json and usage, DALL·E with a URL', async () => {
		const gpt = await json('/v1/images/generations', { prompt: 'a fox', model: 'gpt-image-2', n: 2 });
		expect((gpt.body.data as Array<{ b64_json: string }>).map((image) => Buffer.from(image.b64_json, 'base64').subarray(1, 4).toString())).toEqual(['PNG', 'PNG']);
		expect(gpt.body.usage).toEqual(expect.objectContaining({ total_tokens: expect.any(Number) }));
		const dalle = await json('/v1/images/generations', { prompt: 'a fox', model: 'dall-e-3' });
		expect(dalle.body.data).toEqual([{ url: expect.stringMatching(/\/files\//), revised_prompt: 'A detailed rendering of: a fox' }]);
	});

	it('edits: JSON images (data: URIs, URLs, the older `image` list) and multipart `image`/`image[]` files', async () => {
		const photo = makePng(1);
		expect((await json('/v1/images/edits', { prompt: 'a hat', model: 'gpt-image-1', images: [{ image_url: dataUri(photo) }, { image_url: 'https://example.com/a.png' }] })).status).toBe(200);
		expect((await json('/v1/images/edits', { prompt: 'a hat', mode: 'dall-e-2', image: ['https://example.com/a.png'] })).status).toBe(200);
		for (const field of ['image', 'image[]']) {
			const form = new FormData();
			form.append('prompt', 'a hat');
			form.append('model', 'gpt-image-1');
			form.append(field, new Blob([photo], { type: 'image/png' }), 'photo.png');
			form.append('mask', new Blob([makePng(2, 0, true)], { type: 'image/png' }), 'mask.png');
			expect((await post('/v1/images/edits', form, { 'TT-API-KEY': KEY })).status).toBe(200);
		}
		expect(emulator.requestsTo('/v1/images/edits').at(-1)?.body).toMatchObject({ format: 'multipart', images: [{ via: 'file', field: 'image[]', type: 'png' }], mask: { type: 'png' } });
	});

	it.each([
		['17 images', { images: Array.from({ length: 17 }, () => ({ image_url: 'https://example.com/a.png' })) }, 'at most 16 images can be edited with gpt-image-1, got 17'],
		['a JPEG mask', { images: [{ image_url: 'https://example.com/a.png' }], mask: { image_url: dataUri(Buffer.from([0xff, 0xd8, 0xff, 0, 0]), 'image/jpeg') } }, 'mask must be png, not jpeg'],
		['a size gpt-image-1 lacks', { images: [{ image_url: 'https://example.com/a.png' }], size: '1792x1024' }, 'size must be one of auto, 1024x1024, 1536x1024, 1024x1536 for gpt-image-1'],
		['a transparent JPEG', { images: [{ image_url: 'https://example.com/a.png' }], background: 'transparent', output_format: 'jpeg' }, 'transparent background needs output_format png or webp'],
		['no image', {}, 'image is required'],
	])('refuses %s with 400', async (_name, extra, message) => {
		const answer = await json('/v1/images/edits', { prompt: 'a hat', model: 'gpt-image-1', ...extra });
		expect(answer).toEqual({ status: 400, body: { error: expect.objectContaining({ message }) } });
	});

	it('can answer 504 like TT API\'s proxy (fault route v1)', async () => {
		emulator.addFault({ route: 'v1', status: 504 });
		expect((await json('/v1/images/edits', { prompt: 'a hat' })).status).toBe(504);
		expect((await json('/v1/images/generations', { prompt: 'a fox', model: 'gpt-image-1' })).status).toBe(200);
	});
});
