/**
 * Flux and Nano Banana in a real n8n 2.x with the packed package installed: a generate that polls,
 * and images read into n8n's binary store (Convert to File) sent as a Flux multipart upload and as
 * Nano Banana data: URIs. The emulator records what arrived.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { makePng } from '../emulator/png';
import { startEmulator, type TtApiEmulator } from '../emulator/emulator';
import type { Line } from './install';
import { CREDENTIAL_ID, N8nInstance, packPackage } from './n8n';
import { freePortBlock } from './ports';

const API_KEY = 'e2e-key-flux-banana-5e21';
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const REFERENCE = makePng(21);

jest.setTimeout(15 * 60 * 1000);

const lines = (process.env.TTAPI_E2E_LINES?.split(',') as Line[] | undefined) ?? ['2.x'];

/** Manual trigger → (a PNG read into the binary store as `ref`) → the TT API node. */
function workflow(id: string, parameters: object, withReference: boolean) {
	const node = (name: string, type: string, typeVersion: number, x: number, params: object, extra: object = {}) => ({
		id: `${id}-${x}`, name, type, typeVersion, position: [x, 0], parameters: params, ...extra,
	});
	const chain = [
		node('Start', 'n8n-nodes-base.manualTrigger', 1, 0, {}),
		...(withReference
			? [
					node('Reference', 'n8n-nodes-base.set', 3.4, 200, {
						mode: 'manual',
						assignments: { assignments: [{ id: 'b64', name: 'b64', value: REFERENCE.toString('base64'), type: 'string' }] },
						options: {},
					}),
					node('To File', 'n8n-nodes-base.convertToFile', 1.1, 400, {
						operation: 'toBinary',
						sourceProperty: 'b64',
						binaryPropertyName: 'ref',
						options: { fileName: 'reference.png', mimeType: 'image/png' },
					}),
				]
			: []),
		node('TT API', 'n8n-nodes-ttapi.ttApi', 1, 600, parameters, { credentials: { ttApiApi: { id: CREDENTIAL_ID, name: 'TT API account' } } }),
	];
	const connections = Object.fromEntries(chain.slice(0, -1).map((from, index) => [from.name, { main: [[{ node: chain[index + 1].name, type: 'main', index: 0 }]] }]));
	return { id, name: `e2e ${id}`, nodes: chain, connections, active: false, settings: { executionOrder: 'v1' }, pinData: {} };
}

describe.each(lines)('Flux and Nano Banana in real n8n %s', (line) => {
	const work = mkdtempSync(path.join(tmpdir(), `ttapi-e2e-flux-${line}-`));
	let emulator: TtApiEmulator;
	let n8n: N8nInstance;

	const outputOf = (run: any) => {
		const error = run.data.resultData.error;
		if (run.status !== 'success') throw new Error(`execution ${run.status}: ${error?.message} ${error?.description ?? ''}`);
		return run.data.resultData.runData['TT API'][0].data.main[0];
	};

	beforeAll(async () => {
		emulator = await startEmulator({ validKeys: [API_KEY], queueMs: 200, runMs: 800, dalleMs: 100 });
		n8n = new N8nInstance({ line, userFolder: path.join(work, 'user'), port: await freePortBlock(), logFile: path.join(work, 'n8n.log') });
		n8n.installPackage(packPackage(path.join(work, 'pack')));
		await n8n.importDemo({ apiKey: API_KEY, baseUrl: emulator.url, triggerSecret: 'e2e-flux-secret' });
		await n8n.importWorkflows([
			workflow('TtApiE2eFluxGen1', { resource: 'flux', operation: 'generate', prompt: 'A lighthouse made of glass', mode: 'flux-2-pro', shape: 'aspectRatio', aspect_ratio: '16:9', waitMode: 'poll', options: {} }, false),
			workflow('TtApiE2eFluxEdt1', { resource: 'flux', operation: 'edit', prompt: 'Paint it blue', mode: 'flux-kontext-pro', inputBinaryFields: 'ref', aspect_ratio: '1:1', waitMode: 'poll', options: {} }, true),
			workflow('TtApiE2eBanana01', { resource: 'nanoBanana', operation: 'generate', prompt: 'The same scene at night', model: 'gemini-3-pro-image-preview', inputBinaryFields: 'ref', referImages: ['https://example.com/style.jpg'], aspect_ratio: '4:3', image_size: '2K', options: {} }, true),
		]);
	});

	afterAll(async () => {
		await n8n?.stop();
		await emulator?.stop();
		if (process.env.TTAPI_E2E_KEEP) console.log(`n8n ${line} files kept in ${work}`);
		else rmSync(work, { recursive: true, force: true });
	});

	it('Flux generate polls until SUCCESS and stores the image in the binary data store', async () => {
		const [item] = outputOf(await n8n.execute('TtApiE2eFluxGen1'));
		expect(item.json).toMatchObject({ status: 'SUCCESS', mode: 'flux-2-pro', prompt: 'A lighthouse made of glass', quota: '1' });
		expect(n8n.binaryBytes(item.binary.data).subarray(0, 8)).toEqual(PNG_SIGNATURE);
		expect(emulator.requestsTo('/flux/generate').map((request) => request.body)).toEqual([{ prompt: 'A lighthouse made of glass', mode: 'flux-2-pro', aspect_ratio: '16:9' }]);
	});

	it("Flux edit uploads the binary store's image as a multipart `image` file", async () => {
		const [item] = outputOf(await n8n.execute('TtApiE2eFluxEdt1'));
		expect(item.json).toMatchObject({ status: 'SUCCESS', mode: 'flux-kontext-pro' });
		expect(n8n.binaryBytes(item.binary.data).subarray(0, 8)).toEqual(PNG_SIGNATURE);
		const [submit] = emulator.requestsTo('/flux/edits');
		expect(submit.body).toEqual({ prompt: 'Paint it blue', mode: 'flux-kontext-pro', aspect_ratio: '1:1' });
		expect(submit.files!.map((file) => [file.field, file.fileName, file.mimeType])).toEqual([['image', 'reference.png', 'image/png']]);
		expect(submit.files![0].bytes).toEqual(REFERENCE);
	});

	it('Nano Banana sends the binary reference as a data: URI and the URL after it, and returns the image', async () => {
		const [item] = outputOf(await n8n.execute('TtApiE2eBanana01'));
		expect(item.json).toMatchObject({ model: 'gemini-3-pro-image-preview', aspectRatio: '4:3', imageSize: '2K', referenceImages: 2, quota: 2 });
		expect(n8n.binaryBytes(item.binary.data).subarray(0, 8)).toEqual(PNG_SIGNATURE);
		const [submit] = emulator.requestsTo('/gemini/image/generate');
		expect(submit.body).toEqual({
			prompt: 'The same scene at night',
			model: 'gemini-3-pro-image-preview',
			aspect_ratio: '4:3',
			image_size: '2K',
			refer_images: [`data:image/png;base64,${REFERENCE.toString('base64')}`, 'https://example.com/style.jpg'],
		});
	});
});
