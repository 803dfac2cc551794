/**
 * Image (OpenAI-Compatible) and Account in a real n8n (2.x and 1.x), packed and installed as users
 * get it: PNG files read from disk into binary, edited with a mask in both upload formats, the
 * results checked in n8n's filesystem binary store, and what the emulator received.
 */
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { startEmulator, type TtApiEmulator } from '../emulator/emulator';
import { digest } from '../emulator/openaiImagesRequest';
import { makePng } from '../emulator/png';
import { versions, type Line } from './install';
import { accountWorkflow, EDIT_NODE, editWorkflow, GENERATE_NODE, generateWithRetryWorkflow } from './imagesWorkflows';
import { N8nInstance, packPackage } from './n8n';
import { freePortBlock } from './ports';

const API_KEY = 'e2e-images-key-5c2e81';
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const RETRY_PROMPTS = ['a lighthouse at dusk', 'a heron in the reeds'];

// Packed once for both lines, into a folder of this run's own: other worktrees pack the same file name.
let tarball: string | undefined;
const packOnce = () => (tarball ??= packPackage(mkdtempSync(path.join(tmpdir(), 'ttapi-e2e-images-pack-'))));

jest.setTimeout(15 * 60 * 1000);

const lines = (process.env.TTAPI_E2E_LINES?.split(',') as Line[] | undefined) ?? (Object.keys(versions.n8n) as Line[]);

/** Width, height and colour type from a PNG's IHDR chunk. */
const ihdr = (png: Buffer) => ({ width: png.readUInt32BE(16), height: png.readUInt32BE(20), colourType: png[25] });

describe.each(lines)('images in real n8n %s', (line) => {
	const work = realpathSync(mkdtempSync(path.join(tmpdir(), `ttapi-e2e-images-${line}-`)));
	const inputs = path.join(work, 'inputs');
	const photo = makePng(7);
	const mask = makePng(8, 0, true);
	let emulator: TtApiEmulator;
	let n8n: N8nInstance;

	const outputOf = (run: any, nodeName: string) => {
		const error = run.data.resultData.error;
		if (run.status !== 'success') throw new Error(`execution ${run.status}: ${error?.message} ${error?.description ?? ''}`);
		return run.data.resultData.runData[nodeName][0].data.main[0];
	};
	const editsWith = (prompt: string) => emulator.requestsTo('/v1/images/edits').filter((request) => (request.body as any).prompt === prompt);

	beforeAll(async () => {
		mkdirSync(inputs, { recursive: true });
		writeFileSync(path.join(inputs, 'photo-data.png'), photo);
		writeFileSync(path.join(inputs, 'photo-mask.png'), mask);
		emulator = await startEmulator({ validKeys: [API_KEY], dalleMs: 100, v1EditMs: 200 });
		n8n = new N8nInstance({
			line,
			userFolder: path.join(work, 'user'),
			port: await freePortBlock(),
			logFile: path.join(work, 'n8n.log'),
			// Binary data as files (the default differs between lines), and the inputs readable.
			extraEnv: { N8N_DEFAULT_BINARY_DATA_MODE: 'filesystem', N8N_RESTRICT_FILE_ACCESS_TO: inputs },
		});
		n8n.installPackage(packOnce());
		await n8n.importDemo({ apiKey: API_KEY, baseUrl: emulator.url, triggerSecret: 'e2e-images-secret' });
		const glob = path.join(inputs, 'photo-*.png');
		await n8n.importWorkflows([
			editWorkflow('TtApiE2eEditJson', glob, 'Put a red hat on the cat', { options: { maskBinaryField: 'mask', n: 2 } }),
			editWorkflow('TtApiE2eEditMult', glob, 'Make the sky stormy', { options: { maskBinaryField: 'mask', uploadFormat: 'multipart', outputFormat: 'webp' } }),
			accountWorkflow('TtApiE2eAccountG'),
			generateWithRetryWorkflow('TtApiE2eGenRetry', RETRY_PROMPTS),
		]);
	});

	afterAll(async () => {
		await n8n?.stop();
		await emulator?.stop();
		if (process.env.TTAPI_E2E_KEEP) console.log(`n8n ${line} files kept in ${work}`);
		else rmSync(work, { recursive: true, force: true });
	});

	it('edits a PNG read from disk with a mask (JSON upload): two PNG items in the filesystem binary store', async () => {
		const items = outputOf(await n8n.execute('TtApiE2eEditJson'), EDIT_NODE);
		expect(items).toHaveLength(2);
		for (const [index, item] of items.entries()) {
			expect(item.json).toMatchObject({ model: 'gpt-image-1', prompt: 'Put a red hat on the cat', index, usage: { total_tokens: expect.any(Number) } });
			expect(item.pairedItem).toMatchObject({ item: 0 });
			expect(item.binary.data).toMatchObject({ mimeType: 'image/png', fileExtension: 'png', id: expect.stringMatching(/^filesystem/) });
			const stored = n8n.binaryBytes(item.binary.data);
			expect(stored.subarray(0, 8)).toEqual(PNG_SIGNATURE);
			// The emulator's answer: a 64×64 RGB PNG.
			expect(ihdr(stored)).toEqual({ width: 64, height: 64, colourType: 2 });
		}
		const [request] = editsWith('Put a red hat on the cat');
		expect(request).toMatchObject({ method: 'POST', keySent: true, bearerSent: true, keyKnown: true });
		expect(request.body).toEqual({
			format: 'json',
			model: 'gpt-image-1',
			prompt: 'Put a red hat on the cat',
			n: 2,
			// Byte for byte what was read from disk.
			images: [{ via: 'dataUri', type: 'png', bytes: photo.length, sha256: digest(photo) }],
			mask: { via: 'dataUri', type: 'png', bytes: mask.length, sha256: digest(mask) },
		});
	});

	it('edits with the multipart upload: image[] and mask files, the WebP result stored as WebP', async () => {
		const [item] = outputOf(await n8n.execute('TtApiE2eEditMult'), EDIT_NODE);
		expect(item.binary.data).toMatchObject({ mimeType: 'image/webp', fileExtension: 'webp', id: expect.stringMatching(/^filesystem/) });
		const stored = n8n.binaryBytes(item.binary.data);
		expect([stored.toString('latin1', 0, 4), stored.toString('latin1', 8, 12)]).toEqual(['RIFF', 'WEBP']);
		const [request] = editsWith('Make the sky stormy');
		expect(request).toMatchObject({ keySent: true, bearerSent: true, keyKnown: true });
		expect(request.body).toMatchObject({
			format: 'multipart',
			model: 'gpt-image-1',
			output_format: 'webp',
			images: [{ via: 'file', field: 'image[]', type: 'png', bytes: photo.length, sha256: digest(photo), fileName: 'photo-data.png' }],
			mask: { via: 'file', field: 'mask', type: 'png', bytes: mask.length, sha256: digest(mask), fileName: 'photo-mask.png' },
		});
	});

	it('Retry On Fail after one refused item: the retry takes the image the first try was charged for, and sends only the refused one again', async () => {
		// The first request TT API receives is refused (402: certainly not charged); the other item's image is stored.
		emulator.addFault({ route: 'v1', status: 402 });
		const items = outputOf(await n8n.execute('TtApiE2eGenRetry'), GENERATE_NODE);
		expect(items.map((item: any) => [item.json.prompt, item.pairedItem])).toEqual(RETRY_PROMPTS.map((prompt, index) => [prompt, { item: index }]));
		for (const item of items) {
			expect(item.binary.data).toMatchObject({ mimeType: 'image/png', id: expect.stringMatching(/^filesystem/) });
			expect(n8n.binaryBytes(item.binary.data).subarray(0, 8)).toEqual(PNG_SIGNATURE);
		}
		// Two tries, three requests: each prompt generated (and paid for) once, plus the refused one.
		const sent = emulator.requestsTo('/v1/images/generations').map((request) => (request.body as any).prompt).filter((prompt) => RETRY_PROMPTS.includes(prompt));
		expect(sent).toHaveLength(3);
		expect(new Set(sent)).toEqual(new Set(RETRY_PROMPTS));
	});

	it("account/get returns the emulator's account fields as sent", async () => {
		const [item] = outputOf(await n8n.execute('TtApiE2eAccountG'), 'Account');
		expect(item.json).toEqual({
			email: 'emulator@ttapi.invalid',
			email_verified_at: '2024-01-02 03:04:05',
			balance: emulator.options.balance,
			freeze_balance: 0,
			max_queue: emulator.options.maxQueue,
			created_at: '2024-01-02 03:04:05',
		});
		expect(emulator.requestsTo('/midjourney/v1/info').at(-1)).toMatchObject({ method: 'GET', keySent: true, keyKnown: true });
	});

	it("never writes the API key into n8n's logs or stored runs", () => {
		expect(readFileSync(path.join(work, 'n8n.log'), 'utf8')).not.toContain(API_KEY);
		expect(n8n.logText()).not.toContain(API_KEY);
	});
});
