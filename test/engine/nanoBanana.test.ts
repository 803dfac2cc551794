/** Nano Banana on the real engine against the emulator: binary and URL references, shapes, bad input. */
import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import { makePng } from '../emulator/png';
import { binaryBytes, loadPackage, PNG_SIGNATURE, runNode, useEmulator } from './harness';

const parameters = (extra: IDataObject = {}) => ({ resource: 'nanoBanana', operation: 'generate', prompt: 'the cat, in space', ...extra });
const withImages = (binary: Record<string, Buffer | string>): INodeExecutionData => ({
	json: {},
	binary: Object.fromEntries(
		Object.entries(binary).map(([name, bytes]) => [name, { data: Buffer.from(bytes).toString('base64'), mimeType: typeof bytes === 'string' ? 'text/plain' : 'image/png', fileName: `${name}.png` }]),
	),
});
const bodies = (env: ReturnType<typeof useEmulator>) => env.emulator.requestsTo('/gemini/image/generate').map((request) => request.body as IDataObject);

describe('Nano Banana (real engine, emulator)', () => {
	const env = useEmulator();

	it('sends a binary reference as a data: URI and returns the image as binary', async () => {
		const reference = makePng(7);
		const { items, error } = await runNode({
			credentials: env.credentials(),
			inputItems: [withImages({ photo: reference })],
			parameters: parameters({ inputBinaryFields: 'photo' }),
		});
		expect(error).toBeUndefined();
		expect(bodies(env)).toEqual([{ prompt: 'the cat, in space', model: 'gemini-2.5-flash-image', refer_images: [`data:image/png;base64,${reference.toString('base64')}`] }]);
		expect(items).toHaveLength(1);
		expect(items[0].json).toMatchObject({ prompt: 'the cat, in space', model: 'gemini-2.5-flash-image', referenceImages: 1, quota: 2 });
		expect(items[0].json.imageUrl).toMatch(new RegExp(`^${env.emulator.url}/files/`));
		expect(items[0].pairedItem).toEqual({ item: 0 });
		expect(binaryBytes(items[0]).subarray(0, 8)).toEqual(PNG_SIGNATURE);
		// The input's own binary field is not the output's image.
		expect(binaryBytes(items[0])).not.toEqual(reference);
	});

	it('sends URL references after the binary ones, with the aspect ratio and size of a gemini-3 model', async () => {
		const { error } = await runNode({
			credentials: env.credentials(),
			inputItems: [withImages({ data: makePng(1) })],
			parameters: parameters({
				model: 'gemini-3.1-flash-image-preview',
				inputBinaryFields: 'data',
				referImages: ['https://example.com/a.jpg', 'https://example.com/b.png'],
				aspect_ratio: '8:1',
				image_size: '4K',
				options: { download: false },
			}),
		});
		expect(error).toBeUndefined();
		const [body] = bodies(env);
		expect(body).toMatchObject({ model: 'gemini-3.1-flash-image-preview', aspect_ratio: '8:1', image_size: '4K' });
		expect((body.refer_images as string[]).map((entry) => entry.slice(0, 22))).toEqual(['data:image/png;base64,', 'https://example.com/a.', 'https://example.com/b.']);
	});

	it('sends URL references alone, and no aspect ratio or size for a gemini-2.5 model', async () => {
		const { error } = await runNode({
			credentials: env.credentials(),
			parameters: parameters({ model: 'gemini-2.5-flash-image-preview', referImages: ['https://example.com/a.jpg'], aspect_ratio: '16:9', image_size: '2K' }),
		});
		expect(error).toBeUndefined();
		expect(bodies(env)).toEqual([{ prompt: 'the cat, in space', model: 'gemini-2.5-flash-image-preview', refer_images: ['https://example.com/a.jpg'] }]);
	});

	it.each([
		['model', {}, { model: 'gemini-1' }, 'Model (model) is "gemini-1", which is not allowed'],
		['aspect ratio of Nano Banana 2 on Pro', {}, { model: 'gemini-3-pro-image-preview', aspect_ratio: '1:8' }, 'Aspect Ratio (aspect_ratio) is "1:8", which only gemini-3.1-flash-image-preview takes'],
		['image size', {}, { model: 'gemini-3-pro-image-preview', image_size: '8K' }, 'Image Size (image_size) is "8K", which is not allowed'],
		['missing binary field', { data: makePng(1) }, { inputBinaryFields: 'photo' }, 'Input Binary Fields (inputBinaryFields) names the binary field "photo", which item 1 does not have'],
		['binary field that is not an image', { notes: 'plain text' }, { inputBinaryFields: 'notes' }, 'Input Binary Fields (inputBinaryFields) names "notes", which holds text/plain, not PNG, JPEG or WebP'],
		['reference URL', {}, { referImages: ['ftp://example.com/a.png'] }, 'Reference Images (referImages) entry 1 ("ftp://example.com/a.png") is not an http(s) URL'],
		['number of references', {}, { referImages: Array.from({ length: 15 }, (_, n) => `https://example.com/${n}.png`) }, 'Reference Images (referImages) has 15 entries; at most 14 are allowed'],
	])('refuses a bad %s by name, before any request', async (_case, binary, extra, message) => {
		const { items, error } = await runNode({ credentials: env.credentials(), inputItems: [withImages(binary)], parameters: parameters(extra) });
		expect(error).toBe(message);
		expect(items).toHaveLength(0);
		expect(env.emulator.requests).toHaveLength(0);
	});

	it('with Continue On Fail, a refused item becomes an error item and the others get their images', async () => {
		const { items, error } = await runNode({
			credentials: env.credentials(),
			continueOnFail: true,
			inputItems: [withImages({ data: makePng(1) }), withImages({}), withImages({ data: makePng(2) })],
			parameters: parameters({ inputBinaryFields: 'data', options: { download: false } }),
		});
		expect(error).toBeUndefined();
		expect(items.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		expect(items.map((item) => (item.json.error ? 'error' : item.json.model))).toEqual(['gemini-2.5-flash-image', 'error', 'gemini-2.5-flash-image']);
		expect(bodies(env)).toHaveLength(2);
	});

	it('a 504 recommends https://api.ttapi.org, says the image may be charged, and is not sent again', async () => {
		env.emulator.addFault({ route: 'gemini', status: 504 });
		const { error, errorDescription } = await runNode({ credentials: env.credentials(), parameters: parameters() });
		expect(error).toBe('TT API timed out (HTTP 504) before it could generate the image: use the Base URL https://api.ttapi.org for slow synchronous calls');
		expect(errorDescription).toContain('may still have been generated and charged');
		expect(bodies(env)).toHaveLength(1);
	});

	it('defaults Request Timeout to 180 s when added in the editor: the image comes back in the same call', async () => {
		const node = (await loadPackage()).nodeTypes.ttApi.type as import('n8n-workflow').INodeType;
		const options = node.description.properties.find((property) => property.name === 'options' && property.displayOptions?.show?.resource?.includes('nanoBanana'));
		const requestTimeout = (options?.options as import('n8n-workflow').INodeProperties[]).find((option) => option.name === 'requestTimeout');
		expect(requestTimeout?.default).toBe(180);
	});
});
