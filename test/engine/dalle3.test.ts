import { binaryBytes, PNG_SIGNATURE, runNode, useEmulator } from './harness';

describe('DALL·E 3 (real engine, emulator)', () => {
	const env = useEmulator();

	it('generates synchronously: revised prompt, URL and the image as binary, one item per input', async () => {
		const { items, error } = await runNode({
			credentials: env.credentials(),
			items: [{ idea: 'cat' }, { idea: 'dog' }],
			parameters: { resource: 'dalle3', operation: 'generate', prompt: '={{ "a " + $json.idea }}', size: '1792x1024', quality: 'hd' },
		});
		expect(error).toBeUndefined();
		expect(items.map((item) => item.json.prompt)).toEqual(['a cat', 'a dog']);
		expect(items.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
		for (const item of items) {
			expect(item.json.revisedPrompt).toContain(item.json.prompt as string);
			expect(item.json.imageUrl).toMatch(new RegExp(`^${env.emulator.url}/files/`));
			expect(item.binary?.data.mimeType).toBe('image/png');
			expect(binaryBytes(item).subarray(0, 8)).toEqual(PNG_SIGNATURE);
		}
		const bodies = env.emulator.requestsTo('/openai/v1/images/generations').map((request) => request.body);
		expect(bodies).toEqual(
			expect.arrayContaining([
				{ prompt: 'a cat', size: '1792x1024', quality: 'hd', model: 'dall-e-3', n: 1 },
				{ prompt: 'a dog', size: '1792x1024', quality: 'hd', model: 'dall-e-3', n: 1 },
			]),
		);
	});

	it('keeps only the URL when download is off', async () => {
		const { items } = await runNode({
			credentials: env.credentials(),
			parameters: { resource: 'dalle3', operation: 'generate', prompt: 'a cat', size: '1024x1024', options: { download: false } },
		});
		expect(items[0].json.imageUrl).toBeTruthy();
		expect(items[0].binary).toBeUndefined();
	});
});
