import { binaryBytes, runNode } from './harness';
import { startEmulator, type TtApiEmulator } from '../emulator/emulator';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47]);

describe('GPT image → generate (real engine, emulator)', () => {
	let emulator: TtApiEmulator;
	beforeAll(async () => {
		emulator = await startEmulator({ queueMs: 50, runMs: 150 });
	});
	afterAll(async () => await emulator.stop());
	beforeEach(() => emulator.reset());

	const credentials = () => ({ apiKey: 'test-key', baseUrl: emulator.url });

	it('polls until SUCCESS and emits the image as JSON and binary', async () => {
		const { items, error } = await runNode({
			credentials: credentials(),
			parameters: { resource: 'gptImage', operation: 'generate', prompt: 'a red fox', model: 'gpt-image-2', aspect_ratio: '16:9' },
		});
		expect(error).toBeUndefined();
		expect(items).toHaveLength(1);
		const [item] = items;
		expect(item.json).toMatchObject({ status: 'SUCCESS', prompt: 'a red fox', model: 'gpt-image-2' });
		expect(item.json.jobId).toMatch(/^[0-9a-f-]{36}$/);
		expect(item.json.imageUrl).toBe(`${emulator.url}/files/${item.json.jobId}.png`);
		expect(item.pairedItem).toEqual({ item: 0 });
		expect(item.binary?.data).toMatchObject({ mimeType: 'image/png', fileName: `${item.json.jobId}.png` });
		expect(binaryBytes(item).subarray(0, 4)).toEqual(PNG_SIGNATURE);

		const [submit] = emulator.requestsTo('/openai/gpt/generations');
		expect(submit.body).toEqual({ prompt: 'a red fox', model: 'gpt-image-2', aspect_ratio: '16:9' });
		expect(submit.keyKnown).toBe(true);
	});
});
