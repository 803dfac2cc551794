/**
 * `npm start` (scripts/stack.ts): it refuses ports that something else holds instead of calling that
 * server its own n8n, and on a real n8n 2.x it imports the demo only where it is missing, so a
 * user's edits survive a restart.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { submitEditImageForm } from '../../scripts/editImageForm';
import { pickTile, submitPrompt } from '../../scripts/midjourneyForm';
import { startStack, type Stack } from '../../scripts/stack';
import { digest } from '../emulator/openaiImagesRequest';
import { makePng } from '../emulator/png';
import type { RestAnswer } from './n8n';
import { freePortBlock } from './ports';
import { isPortFree } from '../../scripts/portCheck';

jest.setTimeout(15 * 60 * 1000);

const quiet = () => {};

/** The `data` of an n8n REST answer; else an error with what n8n answered. */
function dataOf(answer: RestAnswer): any {
	if (answer.json?.data === undefined) throw new Error(`n8n answered HTTP ${answer.status}: ${answer.text.slice(0, 300)}`);
	return answer.json.data;
}

/** A server answering 200 to everything, as another n8n on the port would to a health check. */
async function foreignServer(port: number): Promise<{ server: Server; requests: string[] }> {
	const requests: string[] = [];
	const server = createServer((request, response) => {
		requests.push(`${request.method} ${request.url}`);
		response.writeHead(200, { 'content-type': 'application/json' }).end('{"data":{}}');
	});
	await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
	return { server, requests };
}

describe('npm start refuses ports already taken', () => {
	const home = mkdtempSync(path.join(tmpdir(), 'ttapi-start-ports-'));
	afterAll(() => rmSync(home, { recursive: true, force: true }));

	it("names n8n's port and N8N_PORT, and never talks to the server already there", async () => {
		const port = await freePortBlock();
		const emulatorPort = await freePortBlock();
		const foreign = await foreignServer(port);
		try {
			const started = startStack({ port, emulatorPort, home, log: quiet });
			await expect(started).rejects.toThrow(`port ${port} (n8n) is already in use`);
			await expect(started).rejects.toThrow(/N8N_PORT=\d+ .*npm start/);
			expect(foreign.requests).toEqual([]);
			// Nothing of ours was left running.
			expect(await isPortFree(emulatorPort)).toBe(true);
		} finally {
			foreign.server.close();
		}
	});

	it("names the emulator's port and TTAPI_EMULATOR_PORT", async () => {
		const port = await freePortBlock();
		const emulatorPort = await freePortBlock();
		const foreign = await foreignServer(emulatorPort);
		try {
			const started = startStack({ port, emulatorPort, home, log: quiet });
			await expect(started).rejects.toThrow(`port ${emulatorPort} (the TT API emulator) is already in use`);
			await expect(started).rejects.toThrow(/TTAPI_EMULATOR_PORT=\d+ npm start/);
		} finally {
			foreign.server.close();
		}
	});
});

describe('npm start on a real n8n 2.x, started twice on one home', () => {
	const home = mkdtempSync(path.join(tmpdir(), 'ttapi-start-twice-'));
	let ports: { port: number; emulatorPort: number };
	let first: Stack | undefined;
	let second: Stack | undefined;

	beforeAll(async () => {
		ports = { port: await freePortBlock(), emulatorPort: await freePortBlock() };
		first = await startStack({ ...ports, home, log: quiet });
	});

	afterAll(async () => {
		await first?.stop();
		await second?.stop();
		rmSync(home, { recursive: true, force: true });
	});

	it('the first start imports the credential and every demo workflow', () => {
		expect(first!.demo).toMatchObject({ kept: [], credential: 'imported' });
		expect(first!.demo.imported).toHaveLength(10);
	});

	it('the Midjourney demo: a prompt typed in its form shows the grid, and the tile picked comes back upscaled', async () => {
		const { n8n, emulator } = first!;
		const page = await submitPrompt(n8n.baseUrl, 'A paper-cut lighthouse at dusk --ar 3:2');
		expect(page.tiles).toEqual(['1 (top left)', '2 (top right)', '3 (bottom left)', '4 (bottom right)']);
		// The browser loads the grid from the page's <img>.
		const grid = await fetch(page.gridUrl);
		expect(grid.headers.get('content-type')).toBe('image/png');

		const upscaled = await pickTile(page, '3 (bottom left)');
		const run = await n8n.finishedRun(page.executionId);
		expect([run.status, run.data.resultData.error?.message]).toEqual(['success', undefined]);
		const [imagined] = run.data.resultData.runData.Imagine[0].data.main[0];
		expect(imagined.json).toMatchObject({ status: 'SUCCESS', action: 'imagine', prompt: 'A paper-cut lighthouse at dusk --ar 3:2', imageUrl: page.gridUrl });
		expect(emulator!.requestsTo('/midjourney/v1/action').map((request) => request.body)).toEqual([{ jobId: imagined.json.jobId, action: 'upsample3' }]);
		const [tile] = run.data.resultData.runData['Upscale the tile'][0].data.main[0];
		expect(tile.json).toMatchObject({ status: 'SUCCESS', action: 'upsample3' });
		// What the completion page hands back is the upscale TT API made, byte for byte.
		expect(upscaled.mimeType).toBe('image/png');
		expect(upscaled.bytes.equals(Buffer.from(await (await fetch(tile.json.imageUrl)).arrayBuffer()))).toBe(true);
		expect(upscaled.bytes.equals(Buffer.from(await grid.arrayBuffer()))).toBe(false);
	});

	it('"Nightly content" run once: 50 prompts in callback mode, 50 PNG files in its folder', async () => {
		const n8n = first!.n8n;
		// As the editor's "Execute workflow" does: n8n's CLI runs only workflows with a manual trigger.
		const started = dataOf(await n8n.rest('POST', '/workflows/TtApiDemoNightly/run', { triggerToStartFrom: { name: 'Every night at 02:00' } }));
		const { status, data } = await n8n.finishedRun(started.executionId, 600_000);
		expect(data.resultData.error?.message).toBeUndefined();
		expect(status).toBe('success');
		const written = data.resultData.runData['Write the images to a folder'][0].data.main[0].map((item: any) => item.json.fileName);
		const files = readdirSync(n8n.nightlyFolder).filter((file) => file.endsWith('.png')).sort();
		expect(files).toHaveLength(50);
		expect(written.map((file: string) => path.basename(file)).sort()).toEqual(files);
		for (const file of files) expect(readFileSync(path.join(n8n.nightlyFolder, file)).subarray(1, 4).toString()).toBe('PNG');
	});

	it('the "edit an image you upload" demo: a PNG sent through its form comes back edited, as a download', async () => {
		const photo = makePng(5);
		const edited = await submitEditImageForm(first!.n8n.baseUrl, photo, 'Make it a snowy winter scene');
		expect(edited).toMatchObject({ mimeType: 'image/png', fileName: expect.stringMatching(/^ttapi-\d+-1\.png$/) });
		expect(edited.bytes.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
		expect(edited.bytes.equals(photo)).toBe(false);
		const [request] = first!.emulator!.requestsTo('/v1/images/edits');
		expect(request.body).toMatchObject({ format: 'json', model: 'gpt-image-1', prompt: 'Make it a snowy winter scene', images: [{ via: 'dataUri', type: 'png', bytes: photo.length, sha256: digest(photo) }] });
		expect((await first!.n8n.finishedRun(edited.executionId)).status).toBe('success');
	});

	it('a second start while the first runs is refused, naming the port', async () => {
		await expect(startStack({ ...ports, home, log: quiet })).rejects.toThrow(`port ${ports.port} (n8n) is already in use`);
	});

	it("a restart keeps the user's edits to a demo workflow and the credential, and brings back a deleted demo", async () => {
		const n8n = first!.n8n;
		const saved = dataOf(await n8n.rest('GET', '/workflows/TtApiDemoGpt4oPo'));
		const nodes = saved.nodes.map((node: any) => (node.type.endsWith('.ttApi') ? { ...node, parameters: { ...node.parameters, prompt: 'My own prompt' } } : node));
		const edit = await n8n.rest('PATCH', '/workflows/TtApiDemoGpt4oPo', { name: 'My GPT-4o workflow', nodes, connections: saved.connections, versionId: saved.versionId });
		expect(edit.status).toBe(200);
		// n8n 2.x deletes only archived workflows.
		expect((await n8n.rest('POST', '/workflows/TtApiDemoDalle3W/archive')).status).toBe(200);
		expect((await n8n.rest('DELETE', '/workflows/TtApiDemoDalle3W')).status).toBe(200);
		const credential = await n8n.rest('PATCH', '/credentials/TtApiDemoCred001', { name: 'My TT API key', type: 'ttApiApi', data: { apiKey: 'my-own-key', baseUrl: 'https://api.ttapi.io' } });
		expect(credential.status).toBe(200);
		await first!.stop();
		first = undefined;

		second = await startStack({ ...ports, home, log: quiet });
		expect(second.demo.imported).toEqual(['TT API demo: DALL·E 3']);
		expect(second.demo.kept).toHaveLength(9);
		expect(second.demo).toMatchObject({ credential: 'kept', credentialElsewhere: 'https://api.ttapi.io' });

		const kept = dataOf(await second.n8n.rest('GET', '/workflows/TtApiDemoGpt4oPo'));
		expect(kept.name).toBe('My GPT-4o workflow');
		expect(JSON.stringify(kept.nodes)).toContain('My own prompt');
		expect(dataOf(await second.n8n.rest('GET', '/workflows/TtApiDemoDalle3W')).name).toBe('TT API demo: DALL·E 3');
		expect(dataOf(await second.n8n.rest('GET', '/credentials/TtApiDemoCred001')).name).toBe('My TT API key');
	});
});
