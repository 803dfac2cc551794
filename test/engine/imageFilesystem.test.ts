/**
 * Images in n8n's filesystem binary mode (the default of n8n 2.x): the node reads them through
 * n8n's helpers (stream for the head, the store for the bytes and the size), never the item's
 * `data` field, which then holds only the mode's name.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { Container } from '@n8n/di';
import { BinaryDataConfig, BinaryDataService } from 'n8n-core';
import type { IBinaryData, INodeExecutionData } from 'n8n-workflow';

import { PNG_SIGNATURE, runNode, useEmulator } from './harness';
import { maskPng, png, SECRET_KEY, type TestFile } from './imageFixtures';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ttapi-binary-'));
process.env.N8N_USER_FOLDER = root;
const MB = 1024 * 1024;

async function stored(files: Record<string, TestFile>, options: { withoutBytes?: boolean } = {}): Promise<INodeExecutionData> {
	const service = Container.get(BinaryDataService);
	const binary: Record<string, IBinaryData> = {};
	for (const [name, file] of Object.entries(files)) {
		const location = { type: 'execution' as const, workflowId: 'wf', executionId: `input-${name}-${Math.random().toString(36).slice(2)}` };
		const data = await service.store(location, file.bytes, { data: '', mimeType: file.mimeType, fileName: file.fileName });
		// n8n 1.x records no `bytes`: the size then comes from the store's metadata.
		if (options.withoutBytes) delete data.bytes;
		binary[name] = data;
	}
	return { json: {}, binary };
}

describe('Image edit with filesystem-mode binary data (real engine, emulator)', () => {
	const env = useEmulator({ validKeys: [SECRET_KEY], dalleMs: 10 });

	beforeAll(async () => {
		const config = Container.get(BinaryDataConfig);
		config.mode = 'filesystem';
		config.localStoragePath = path.join(root, 'binaryData');
		await Container.get(BinaryDataService).init();
	});
	afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

	it('sends the stored image and mask, and stores the result in the same mode', async () => {
		const item = await stored({ data: png(1), mask: maskPng() });
		expect(item.binary?.data.data).toBe('filesystem-v2');
		const { items, error } = await runNode({
			credentials: env.credentials(SECRET_KEY),
			inputItems: [item],
			parameters: { resource: 'image', operation: 'edit', prompt: 'add a hat', options: { maskBinaryField: 'mask' } },
		});
		expect(error).toBeUndefined();
		expect(env.emulator.requestsTo('/v1/images/edits')[0].body).toMatchObject({
			images: [{ via: 'dataUri', type: 'png', bytes: png(1).bytes.length }],
			mask: { via: 'dataUri', type: 'png', bytes: maskPng().bytes.length },
		});
		const output = items[0].binary?.data;
		expect(output?.id).toMatch(/^filesystem/);
		const bytes = await Container.get(BinaryDataService).getAsBuffer(output!);
		expect(bytes.subarray(0, 8)).toEqual(PNG_SIGNATURE);
	});

	it.each([
		['with `bytes` (n8n 2.x)', false],
		['without `bytes` (n8n 1.x): the size from the store', true],
	])('refuses an image over the documented size before reading it, %s', async (_name, withoutBytes) => {
		const big: TestFile = { bytes: Buffer.concat([PNG_SIGNATURE, Buffer.alloc(4.2 * MB)]), mimeType: 'image/png', fileName: 'big.png' };
		const { error } = await runNode({
			credentials: env.credentials(SECRET_KEY),
			// A good item first: it must not be sent either.
			inputItems: [await stored({ data: png(1) }), await stored({ data: big }, { withoutBytes })],
			parameters: { resource: 'image', operation: 'edit', model: 'dall-e-2', prompt: 'add a hat' },
		});
		expect(error).toBe('Input Binary Fields (inputBinaryFields) names "data", which is 4.2 MB; at most 4 MB are allowed');
		expect(env.emulator.requestsTo('/v1/')).toHaveLength(0);
	});

	it('tells a stored file that is not an image by its first bytes, before any request', async () => {
		const fake: TestFile = { bytes: Buffer.from('GIF? no, just text'), mimeType: 'image/png', fileName: 'fake.png' };
		const { error } = await runNode({
			credentials: env.credentials(SECRET_KEY),
			inputItems: [await stored({ data: png(1) }), await stored({ data: fake })],
			parameters: { resource: 'image', operation: 'edit', prompt: 'add a hat' },
		});
		expect(error).toBe('Input Binary Fields (inputBinaryFields) names "data", which holds no image, not PNG, JPEG or WebP');
		expect(env.emulator.requestsTo('/v1/')).toHaveLength(0);
	});
});
