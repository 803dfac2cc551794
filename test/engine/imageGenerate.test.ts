import { binaryBytes, PNG_SIGNATURE, runNode, useEmulator } from './harness';
import { SECRET_KEY } from './imageFixtures';

const generate = (extra: Record<string, unknown> = {}) => ({ resource: 'image', operation: 'generate', prompt: 'a red fox', ...extra });

describe('Image (OpenAI-Compatible): generate (real engine, emulator)', () => {
	const env = useEmulator({ validKeys: ['test-key', SECRET_KEY], dalleMs: 10 });
	const credentials = () => env.credentials(SECRET_KEY);
	const sent = () => env.emulator.requestsTo('/v1/images/generations');

	it('n = 3 gives 3 items per input item, each paired with it, the image decoded from b64_json', async () => {
		const { items, error } = await runNode({
			credentials: credentials(),
			items: [{ idea: 'fox' }, { idea: 'owl' }],
			parameters: generate({ prompt: '={{ "a " + $json.idea }}', options: { n: 3 } }),
		});
		expect(error).toBeUndefined();
		expect(items.map((item) => item.pairedItem)).toEqual([0, 0, 0, 1, 1, 1].map((item) => ({ item })));
		expect(items.map((item) => [item.json.prompt, item.json.index])).toEqual([
			['a fox', 0], ['a fox', 1], ['a fox', 2], ['a owl', 0], ['a owl', 1], ['a owl', 2],
		]);
		for (const item of items) {
			expect(item.json).toMatchObject({ model: 'gpt-image-1', created: expect.any(Number), usage: expect.objectContaining({ total_tokens: expect.any(Number) }) });
			expect(item.json.revisedPrompt).toBeUndefined();
			expect(item.binary?.data.mimeType).toBe('image/png');
			expect(item.binary?.data.fileName).toMatch(/\.png$/);
			expect(binaryBytes(item).subarray(0, 8)).toEqual(PNG_SIGNATURE);
		}
		// Sent as documented, with both auth headers; options not set are left to TT API's defaults.
		expect(sent().map((request) => request.body)).toEqual(
			expect.arrayContaining([expect.objectContaining({ format: 'json', prompt: 'a fox', model: 'gpt-image-1', n: 3 })]),
		);
		expect(Object.keys(sent()[0].body as object).sort()).toEqual(['format', 'images', 'mask', 'model', 'n', 'prompt']);
		expect(sent().every((request) => request.keySent && request.bearerSent && request.keyKnown)).toBe(true);
	});

	it('sends the GPT options in TT API spelling; MIME type and extension follow Output Format', async () => {
		for (const [outputFormat, mimeType, extension] of [['jpeg', 'image/jpeg', 'jpg'], ['webp', 'image/webp', 'webp']]) {
			env.emulator.reset();
			const options = { outputFormat, outputCompression: 80, background: 'opaque', moderation: 'low', quality: 'high', size: '1536x1024', binaryPropertyName: 'picture' };
			const { items, error } = await runNode({ credentials: credentials(), parameters: generate({ model: 'gpt-image-2', options }) });
			expect(error).toBeUndefined();
			expect(sent()[0].body).toMatchObject({ model: 'gpt-image-2', output_format: outputFormat, output_compression: 80, background: 'opaque', moderation: 'low', quality: 'high', size: '1536x1024' });
			expect(items[0].binary?.picture.mimeType).toBe(mimeType);
			expect(items[0].binary?.picture.fileName).toMatch(new RegExp(`\\.${extension}$`));
		}
	});

	it('DALL·E 3: a URL answer is downloaded, with the revised prompt and the URL', async () => {
		const { items, error } = await runNode({ credentials: credentials(), parameters: generate({ model: 'dall-e-3', options: { size: '1792x1024', quality: 'hd' } }) });
		expect(error).toBeUndefined();
		expect(items).toHaveLength(1);
		expect(items[0].json).toMatchObject({ model: 'dall-e-3', revisedPrompt: 'A detailed rendering of: a red fox', imageUrl: expect.stringMatching(/\/files\//) });
		expect(binaryBytes(items[0]).subarray(0, 8)).toEqual(PNG_SIGNATURE);
		expect(sent()[0].body).toMatchObject({ model: 'dall-e-3', n: 1, size: '1792x1024', quality: 'hd' });
	});

	it.each([
		['n > 1 for DALL·E 3', { model: 'dall-e-3', options: { n: 2 } }, 'Number of Images (n) is 2, but DALL·E 3 makes one image per call'],
		['n = 11', { options: { n: 11 } }, 'Number of Images (n) is 11, outside the allowed range'],
		['n = 0', { options: { n: 0 } }, 'Number of Images (n) is 0, outside the allowed range'],
		['a transparent JPEG', { options: { background: 'transparent', outputFormat: 'jpeg' } }, 'Background (background) is transparent, but the output format is jpeg, which has no transparency'],
		["a size DALL·E 2 lacks", { model: 'dall-e-2', options: { size: '1024x1792' } }, 'Size (size) is "1024x1792", which is not allowed'],
		["a quality DALL·E 3 lacks", { model: 'dall-e-3', options: { quality: 'high' } }, 'Quality (quality) is "high", which is not allowed'],
		["a prompt over DALL·E 2's 1000 characters", { model: 'dall-e-2', prompt: 'x'.repeat(1001) }, 'Prompt (prompt) is 1001 characters long; at most 1000 are allowed'],
	])('refuses %s before any request, naming the field', async (_name, extra, message) => {
		const { error } = await runNode({ credentials: credentials(), items: [{}, {}], parameters: generate(extra) });
		expect(error).toBe(message);
		expect(sent()).toHaveLength(0);
	});

	it('a 504 (TT API proxy timeout) recommends https://api.ttapi.org, is not repeated, never shows the key', async () => {
		env.emulator.addFault({ route: 'v1', status: 504 });
		const { run, error, errorDescription } = await runNode({ credentials: credentials(), parameters: generate() });
		expect(error).toBe('TT API timed out (HTTP 504) before it could generate the image: use the Base URL https://api.ttapi.org for slow synchronous calls');
		expect(errorDescription).toContain('may still have been generated and charged');
		expect(sent()).toHaveLength(1);
		expect(JSON.stringify(run)).not.toContain(SECRET_KEY);
	});

	it("a refusal passes on TT API's OpenAI-shaped message; the key is in no error", async () => {
		const { run, error } = await runNode({ credentials: credentials(), parameters: generate({ prompt: 'a forbidden-word fox' }) });
		expect(error).toBe('TT API refused the request: Your request was rejected by the safety system: forbidden-word');
		expect(JSON.stringify(run)).not.toContain(SECRET_KEY);
	});

	it('Continue On Fail keeps the other items: one refused by TT API, two with their images', async () => {
		const { items, error } = await runNode({
			credentials: credentials(),
			continueOnFail: true,
			items: [{ p: 'a fox' }, { p: 'a forbidden-word' }, { p: 'an owl' }],
			parameters: generate({ prompt: '={{ $json.p }}', options: { n: 2 } }),
		});
		expect(error).toBeUndefined();
		expect(items.map((item) => [item.pairedItem, item.json.prompt ?? item.json.error])).toEqual([
			[{ item: 0 }, 'a fox'],
			[{ item: 0 }, 'a fox'],
			[{ item: 1 }, 'TT API refused the request: Your request was rejected by the safety system: forbidden-word'],
			[{ item: 2 }, 'an owl'],
			[{ item: 2 }, 'an owl'],
		]);
	});
});
