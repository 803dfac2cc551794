import { makePng } from '../emulator/png';
import { binaryBytes, PNG_SIGNATURE, runNode, useEmulator } from './harness';
import { itemWith, jpeg, maskPng, png, received, SECRET_KEY, type TestFile } from './imageFixtures';

const edit = (extra: Record<string, unknown> = {}) => ({ resource: 'image', operation: 'edit', prompt: 'add a hat', ...extra });

describe('Image (OpenAI-Compatible): edit (real engine, emulator)', () => {
	const env = useEmulator({ validKeys: ['test-key', SECRET_KEY], dalleMs: 10 });
	const credentials = () => env.credentials(SECRET_KEY);
	const sent = () => env.emulator.requestsTo('/v1/images/edits');
	const photo = png(1);
	const mask = maskPng();

	it('JSON (default): binary images as data: URIs, URLs as they are, the mask as a data: URI; both auth headers', async () => {
		const { items, error } = await runNode({
			credentials: credentials(),
			inputItems: [itemWith({ data: photo, second: jpeg(), mask })],
			parameters: edit({ prompt: 'add a "top" hat 🎩', inputBinaryFields: 'data, second', imageUrls: 'https://example.com/a.png', options: { maskBinaryField: 'mask', inputFidelity: 'high', n: 2 } }),
		});
		expect(error).toBeUndefined();
		expect(sent()).toHaveLength(1);
		const [request] = sent();
		expect(request).toMatchObject({ keySent: true, bearerSent: true, keyKnown: true });
		expect(request.body).toEqual({
			format: 'json',
			prompt: 'add a "top" hat 🎩',
			model: 'gpt-image-1',
			n: 2,
			input_fidelity: 'high',
			images: [
				{ via: 'dataUri', ...received(photo) },
				{ via: 'dataUri', ...received(jpeg()) },
				{ via: 'url', url: 'https://example.com/a.png' },
			],
			mask: { via: 'dataUri', ...received(mask) },
		});
		expect(items.map((item) => [item.pairedItem, item.json.index, item.json.model, item.json.prompt])).toEqual([
			[{ item: 0 }, 0, 'gpt-image-1', 'add a "top" hat 🎩'],
			[{ item: 0 }, 1, 'gpt-image-1', 'add a "top" hat 🎩'],
		]);
		expect(binaryBytes(items[0]).subarray(0, 8)).toEqual(PNG_SIGNATURE);
	});

	it("multipart: OpenAI's image[] files with their names and a mask file", async () => {
		const { items, error } = await runNode({
			credentials: credentials(),
			inputItems: [itemWith({ data: photo, second: png(2), mask })],
			parameters: edit({ model: 'gpt-image-1.5', inputBinaryFields: 'data,second', options: { maskBinaryField: 'mask', uploadFormat: 'multipart', size: '1024x1024' } }),
		});
		expect(error).toBeUndefined();
		expect(items).toHaveLength(1);
		expect(sent()[0].body).toEqual({
			format: 'multipart',
			prompt: 'add a hat',
			model: 'gpt-image-1.5',
			n: 1,
			size: '1024x1024',
			images: [
				{ via: 'file', field: 'image[]', fileName: 'photo1.png', ...received(photo) },
				{ via: 'file', field: 'image[]', fileName: 'photo2.png', ...received(png(2)) },
			],
			mask: { via: 'file', field: 'mask', fileName: 'mask.png', ...received(mask) },
		});
		expect(sent()[0]).toMatchObject({ keySent: true, bearerSent: true });
	});

	it.each(['json', 'multipart'])('%s: a 3 MB image arrives byte for byte (base64 written in chunks)', async (uploadFormat) => {
		const large: TestFile = { bytes: makePng(7, 3 * 1024 * 1024 + 1), mimeType: 'image/png', fileName: 'large.png' };
		const { error } = await runNode({ credentials: credentials(), inputItems: [itemWith({ data: large })], parameters: edit({ options: { uploadFormat } }) });
		expect(error).toBeUndefined();
		expect((sent()[0].body as { images: unknown[] }).images).toEqual([expect.objectContaining(received(large))]);
	});

	it('n = 3 on three items: nine items, each paired with its input item, Concurrency 2', async () => {
		const { items, error } = await runNode({
			credentials: credentials(),
			inputItems: [1, 2, 3].map((seed) => itemWith({ data: png(seed) })),
			parameters: edit({ options: { n: 3, concurrency: 2 } }),
		});
		expect(error).toBeUndefined();
		expect(items.map((item) => item.pairedItem)).toEqual([0, 0, 0, 1, 1, 1, 2, 2, 2].map((item) => ({ item })));
		expect(sent().map((request) => (request.body as { images: Array<{ bytes: number }> }).images[0].bytes)).toEqual(
			expect.arrayContaining([1, 2, 3].map((seed) => png(seed).bytes.length)),
		);
	});

	it('Continue On Fail: an item without the binary field becomes an error item, the others keep their images', async () => {
		const { items, error } = await runNode({
			credentials: credentials(),
			continueOnFail: true,
			inputItems: [itemWith({ data: photo }), itemWith({ other: photo }), itemWith({ data: png(3) })],
			parameters: edit(),
		});
		expect(error).toBeUndefined();
		expect(items.map((item) => [item.pairedItem, item.json.error ?? item.json.index])).toEqual([
			[{ item: 0 }, 0],
			[{ item: 1 }, 'Input Binary Fields (inputBinaryFields) names the binary field "data", which item 2 does not have'],
			[{ item: 2 }, 0],
		]);
		expect(sent()).toHaveLength(2);
	});

	it('a 504 on an edit recommends https://api.ttapi.org and never shows the key', async () => {
		env.emulator.addFault({ route: 'v1', status: 504 });
		const { run, error } = await runNode({ credentials: credentials(), inputItems: [itemWith({ data: photo })], parameters: edit() });
		expect(error).toBe('TT API timed out (HTTP 504) before it could edit the image: use the Base URL https://api.ttapi.org for slow synchronous calls');
		expect(JSON.stringify(run)).not.toContain(SECRET_KEY);
	});
});
