/** Input items holding images as n8n binary data (inline, as in a default-mode n8n), for the image tests. */
import { createHash } from 'node:crypto';

import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import { makePng } from '../emulator/png';

export interface TestFile {
	bytes: Buffer;
	mimeType: string;
	fileName: string;
}

export const png = (seed = 1, fileName = `photo${seed}.png`): TestFile => ({ bytes: makePng(seed), mimeType: 'image/png', fileName });
/** A 64x64 RGBA PNG, transparent in its left half. */
export const maskPng = (): TestFile => ({ bytes: makePng(9, 0, true), mimeType: 'image/png', fileName: 'mask.png' });
/** Starts like a JPEG: enough for the node's and the emulator's type checks. */
export const jpeg = (): TestFile => ({ bytes: Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(200, 7), Buffer.from([0xff, 0xd9])]), mimeType: 'image/jpeg', fileName: 'photo.jpg' });
export const text = (): TestFile => ({ bytes: Buffer.from('not an image'), mimeType: 'text/plain', fileName: 'notes.txt' });

export function itemWith(files: Record<string, TestFile>, json: IDataObject = {}): INodeExecutionData {
	const binary = Object.fromEntries(
		Object.entries(files).map(([name, file]) => [name, { data: file.bytes.toString('base64'), mimeType: file.mimeType, fileName: file.fileName }]),
	);
	return { json, binary };
}

export const SECRET_KEY = 'sk-image-tests-secret-4242';

/** How the emulator logs a received image: its type, size and digest. */
export const received = (file: TestFile, type = file.mimeType.replace('image/', '')) => ({
	type,
	bytes: file.bytes.length,
	sha256: createHash('sha256').update(file.bytes).digest('hex').slice(0, 16),
});
