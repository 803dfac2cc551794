/** Midjourney Blend and Describe on the real engine: images from the item's binary fields or URLs. */
import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import { makePng } from '../emulator/png';
import { binaryBytes, PNG_SIGNATURE, runNode, useEmulator } from './harness';

const png = (seed: number) => makePng(seed);
const binaryItem = (fields: Record<string, Buffer>): INodeExecutionData => ({
	json: {},
	binary: Object.fromEntries(Object.entries(fields).map(([name, bytes]) => [name, { data: bytes.toString('base64'), mimeType: 'image/png', fileName: `${name}.png` }])),
});
const dataUri = (bytes: Buffer) => `data:image/png;base64,${bytes.toString('base64')}`;

describe('Midjourney Blend and Describe (real engine, emulator)', () => {
	const env = useEmulator();
	const run = async (parameters: IDataObject, inputItems: INodeExecutionData[]) =>
		await runNode({ credentials: env.credentials(), parameters: { resource: 'midjourney', ...parameters }, inputItems });

	it('blend sends the binary images as data URIs and a URL as given, and waits for the grid', async () => {
		const { items: [hosted] } = await run({ operation: 'imagine', prompt: 'host an image' }, [{ json: {} }]);
		const url = String(hosted.json.imageUrl);
		env.emulator.reset();
		const { items, error } = await run(
			{ operation: 'blend', inputBinaryFields: 'a, b', imageUrls: url, dimensions: 'LANDSCAPE', mode: 'turbo' },
			[binaryItem({ a: png(1), b: png(2) })],
		);
		expect(error).toBeUndefined();
		expect(items).toHaveLength(1);
		expect(items[0].json).toMatchObject({ status: 'SUCCESS', action: 'blend', quota: 2 });
		expect(items[0].json.images).toHaveLength(4);
		expect(binaryBytes(items[0]).subarray(0, 8)).toEqual(PNG_SIGNATURE);
		expect(env.emulator.requestsTo('/midjourney/v1/blend').map((request) => request.body)).toEqual([
			{ imgBase64Array: [dataUri(png(1)), dataUri(png(2)), url], dimensions: 'LANDSCAPE', mode: 'turbo' },
		]);
	});

	it('blend with one image, or a binary field the item lacks, is refused before sending', async () => {
		const one = await run({ operation: 'blend', inputBinaryFields: 'a' }, [binaryItem({ a: png(1) })]);
		expect(one.error).toBe('Input Binary Fields (inputBinaryFields) gives 1 image(s); at least 2 are needed');
		const missing = await run({ operation: 'blend', inputBinaryFields: 'a, photo' }, [binaryItem({ a: png(1), b: png(2) })]);
		expect(missing.error).toBe('Input Binary Fields (inputBinaryFields) names the binary field "photo", which item 1 does not have');
		expect(missing.errorDescription).toBe("The item's binary fields are: a, b.");
		expect(env.emulator.requestsTo('/midjourney/v1/blend')).toHaveLength(0);
	});

	it('waitMode none leaves the images out of the submitted item: they can be megabytes', async () => {
		const { items } = await run({ operation: 'blend', inputBinaryFields: 'a, b', waitMode: 'none' }, [binaryItem({ a: png(1), b: png(2) })]);
		expect(items[0].json).toMatchObject({ status: 'PENDING_QUEUE', dimensions: 'SQUARE', mode: 'fast' });
		expect(items[0].json).not.toHaveProperty('imgBase64Array');
	});

	it('describe sends a binary image as base64 and outputs its four prompts as JSON, without binary', async () => {
		const { items, error } = await run({ operation: 'describe', inputBinaryFields: 'data' }, [binaryItem({ data: png(3) })]);
		expect(error).toBeUndefined();
		expect(env.emulator.requestsTo('/midjourney/v1/describe').map((request) => request.body)).toEqual([{ base64: dataUri(png(3)) }]);
		expect(items).toHaveLength(1);
		const prompts = items[0].json.prompts as string[];
		expect(prompts).toHaveLength(4);
		expect(prompts[0]).toBe('a red square on a white ground, flat design --ar 1:1');
		expect(items[0].json).toMatchObject({ status: 'SUCCESS', action: 'describe', imageUrl: null });
		expect(items[0].binary).toBeUndefined();
	});

	it('describe sends an image URL as url, and Get gives the same prompts', async () => {
		const { items } = await run({ operation: 'describe', inputBinaryFields: '', imageUrls: 'https://example.com/cat.png', options: { jobTimeout: 600 } }, [{ json: {} }]);
		expect(env.emulator.requestsTo('/midjourney/v1/describe').map((request) => request.body)).toEqual([{ url: 'https://example.com/cat.png', timeout: 600 }]);
		const viaGet = await run({ operation: 'get', jobId: items[0].json.jobId }, [{ json: {} }]);
		expect(viaGet.items[0].json.prompts).toEqual(items[0].json.prompts);
	});
});
