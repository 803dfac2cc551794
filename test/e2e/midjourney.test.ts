/**
 * Midjourney in real n8n (2.x and 1.x) with the packed package installed: Imagine (polling) → Action
 * upsample2 on the grid it made → the upscaled image in n8n's binary data store.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { startEmulator, type TtApiEmulator } from '../emulator/emulator';
import { versions, type Line } from './install';
import { CREDENTIAL_ID, N8nInstance, packPackage } from './n8n';
import { freePortBlock } from './ports';

const API_KEY = 'e2e-mj-key-5c2e81';
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const WORKFLOW_ID = 'TtApiMjImagineUp';

jest.setTimeout(15 * 60 * 1000);

const lines = (process.env.TTAPI_E2E_LINES?.split(',') as Line[] | undefined) ?? (Object.keys(versions.n8n) as Line[]);

const credentials = { ttApiApi: { id: CREDENTIAL_ID, name: 'TT API account' } };
const node = (id: number, name: string, type: string, parameters: object, extra: object = {}) => ({
	id: `00000000-0000-4000-8000-0000000000${String(id).padStart(2, '0')}`,
	name,
	type,
	typeVersion: 1,
	position: [id * 220, 0],
	parameters,
	...extra,
});

const imagineThenUpscale = {
	id: WORKFLOW_ID,
	name: 'Midjourney: imagine, then upscale tile 2',
	active: false,
	settings: { executionOrder: 'v1' },
	pinData: {},
	nodes: [
		node(1, 'Start', 'n8n-nodes-base.manualTrigger', {}),
		node(2, 'Imagine', 'n8n-nodes-ttapi.ttApi', { resource: 'midjourney', operation: 'imagine', prompt: 'A paper-cut lighthouse at dusk --ar 3:2', mode: 'fast', waitMode: 'poll', options: { download: false } }, { credentials }),
		node(3, 'Upscale tile 2', 'n8n-nodes-ttapi.ttApi', { resource: 'midjourney', operation: 'action', jobId: '={{ $json.jobId }}', action: 'upsample2', waitMode: 'poll', options: {} }, { credentials }),
	],
	connections: {
		Start: { main: [[{ node: 'Imagine', type: 'main', index: 0 }]] },
		Imagine: { main: [[{ node: 'Upscale tile 2', type: 'main', index: 0 }]] },
	},
};

describe.each(lines)('real n8n %s: Midjourney imagine → action upsample2 → binary', (line) => {
	const work = mkdtempSync(path.join(tmpdir(), `ttapi-e2e-mj-${line}-`));
	let emulator: TtApiEmulator;
	let n8n: N8nInstance;

	beforeAll(async () => {
		emulator = await startEmulator({ validKeys: [API_KEY], queueMs: 200, runMs: 800 });
		n8n = new N8nInstance({ line, userFolder: path.join(work, 'user'), port: await freePortBlock(), logFile: path.join(work, 'n8n.log') });
		n8n.installPackage(packPackage(path.join(work, 'pack')));
		await n8n.importDemo({ apiKey: API_KEY, baseUrl: emulator.url, triggerSecret: 'unused-here' });
		await n8n.importWorkflows([imagineThenUpscale]);
	});

	afterAll(async () => {
		await n8n?.stop();
		await emulator?.stop();
		rmSync(work, { recursive: true, force: true });
	});

	it('upscales tile 2 of the grid Imagine made and stores the image as binary', async () => {
		const run = await n8n.execute(WORKFLOW_ID);
		const error = run.data.resultData.error;
		expect([run.status, error?.message]).toEqual(['success', undefined]);
		const [grid] = run.data.resultData.runData.Imagine[0].data.main[0];
		expect(grid.json).toMatchObject({ status: 'SUCCESS', action: 'imagine', progress: 100, quota: 2 });
		expect(grid.json.images).toHaveLength(4);
		expect(grid.binary).toBeUndefined();

		const [upscaled] = run.data.resultData.runData['Upscale tile 2'][0].data.main[0];
		expect(upscaled.json).toMatchObject({ status: 'SUCCESS', action: 'upsample2', prompt: 'A paper-cut lighthouse at dusk --ar 3:2', images: [] });
		expect(upscaled.json.jobId).not.toBe(grid.json.jobId);
		expect(upscaled.binary.data.mimeType).toBe('image/png');
		expect(n8n.binaryBytes(upscaled.binary.data).subarray(0, 8)).toEqual(PNG_SIGNATURE);
		expect(emulator.requestsTo('/midjourney/v1/action').map((request) => request.body)).toEqual([{ jobId: grid.json.jobId, action: 'upsample2' }]);
	});
});
