/**
 * A real n8n (2.x on Node 24, 1.x on this machine's Node) with the packed package installed as a
 * community package, the TT API emulator behind it, and assertions on what n8n stored.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { parse } from 'flatted';

import { link, node, ttApiNode, webhookWorkflow } from '../../bench/workflows';
import { startEmulator, type TtApiEmulator } from '../emulator/emulator';
import { versions, type Line } from './install';
import { N8nInstance, packPackage, TRIGGER_WEBHOOK_ID } from './n8n';
import { freePortBlock } from './ports';

const API_KEY = 'e2e-key-7f3a9c51d2';
const TRIGGER_SECRET = 'e2e-trigger-secret-4b8d';
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const EARLY_ID = 'TtApiEarlyCallbk';
const EARLY_PATH = 'early-callbacks';
const TWO_PAUSES_ID = 'TtApiTwoPauses01';
const TWO_PAUSES_PATH = 'two-pauses';
const LOOP_PAUSES_ID = 'TtApiLoopPauses1';
const LOOP_PAUSES_PATH = 'loop-pauses';

/** Webhook → one item per prompt → TT API in callback mode → a second TT API in callback mode, prompted by the first's result: one execution pauses twice. */
function twoPausesWorkflow() {
	const flow = webhookWorkflow(TWO_PAUSES_ID, TWO_PAUSES_PATH, 'callback', { options: { timeout: 600 } });
	const again = ttApiNode('callback', false, { options: { timeout: 600 } });
	Object.assign(again, { name: 'TT API again', parameters: { ...again.parameters, prompt: '={{ $json.prompt }}, once more' } });
	flow.nodes.push(again);
	Object.assign(flow.connections, { 'TT API': link('TT API again') });
	return flow;
}

/** Webhook → one item per prompt → Loop Over Items, one at a time → TT API in callback mode → back to the loop: the same node pauses one execution once per prompt. */
function loopPausesWorkflow() {
	const flow = webhookWorkflow(LOOP_PAUSES_ID, LOOP_PAUSES_PATH, 'callback', { options: { timeout: 600 } });
	flow.nodes.push(node('Loop Over Items', 'n8n-nodes-base.splitInBatches', 3, { batchSize: 1, options: {} }), node('All done', 'n8n-nodes-base.noOp', 1, {}));
	Object.assign(flow.connections, {
		'One item per prompt': link('Loop Over Items'),
		'Loop Over Items': { main: [[{ node: 'All done', type: 'main', index: 0 }], [{ node: 'TT API', type: 'main', index: 0 }]] },
		'TT API': link('Loop Over Items'),
	});
	return flow;
}

let tarball: string | undefined;
const packOnce = (dir: string) => (tarball ??= packPackage(dir));

jest.setTimeout(15 * 60 * 1000);

const lines = (process.env.TTAPI_E2E_LINES?.split(',') as Line[] | undefined) ?? (Object.keys(versions.n8n) as Line[]);

describe.each(lines)('real n8n %s', (line) => {
	const work = mkdtempSync(path.join(tmpdir(), `ttapi-e2e-${line}-`));
	let emulator: TtApiEmulator;
	let n8n: N8nInstance;

	const outputOf = (run: any, nodeName: string) => {
		const error = run.data.resultData.error;
		if (run.status !== 'success') throw new Error(`execution ${run.status}: ${error?.message} ${error?.description ?? ''}`);
		return run.data.resultData.runData[nodeName][0].data.main[0];
	};

	beforeAll(async () => {
		emulator = await startEmulator({ validKeys: [API_KEY], queueMs: 200, runMs: 800, dalleMs: 100 });
		n8n = new N8nInstance({ line, userFolder: path.join(work, 'user'), port: await freePortBlock(), logFile: path.join(work, 'n8n.log') });
		n8n.installPackage(packOnce(path.join(tmpdir(), 'ttapi-e2e-pack')));
		await n8n.importDemo({ apiKey: API_KEY, baseUrl: emulator.url, triggerSecret: TRIGGER_SECRET });
	});

	afterAll(async () => {
		await n8n?.stop();
		await emulator?.stop();
		if (process.env.TTAPI_E2E_KEEP) console.log(`n8n ${line} files kept in ${work}`);
		else rmSync(work, { recursive: true, force: true });
	});

	it('loads the package: n8n lists both nodes', async () => {
		const file = path.join(work, 'nodes.json');
		const result = await n8n.cli(['export:nodes', `--output=${file}`]);
		expect(result.code).toBe(0);
		const names = (JSON.parse(readFileSync(file, 'utf8')) as Array<{ name: string }>).map((node) => node.name);
		expect(names).toEqual(expect.arrayContaining(['n8n-nodes-ttapi.ttApi', 'n8n-nodes-ttapi.ttApiTrigger']));
	});

	it('runs the saved DALL·E 3 workflow: image URL, revised prompt, PNG in the binary data store', async () => {
		const run = await n8n.execute('TtApiDemoDalle3W');
		const [item] = outputOf(run, 'DALL·E 3');
		expect(item.json).toMatchObject({ size: '1024x1024', quality: 'standard' });
		expect(item.json.revisedPrompt).toContain('watercolor fox');
		expect(item.binary.data.mimeType).toBe('image/png');
		expect(n8n.binaryBytes(item.binary.data).subarray(0, 8)).toEqual(PNG_SIGNATURE);
	});

	it('runs the saved GPT-4o workflow, polling until SUCCESS', async () => {
		const run = await n8n.execute('TtApiDemoGpt4oPo');
		const [item] = outputOf(run, 'GPT-4o image');
		expect(item.json).toMatchObject({ status: 'SUCCESS', prompt: 'A paper-cut lighthouse at dusk' });
		expect(item.json.jobId).toMatch(/^[0-9a-f-]{36}$/);
		expect(n8n.binaryBytes(item.binary.data).subarray(0, 8)).toEqual(PNG_SIGNATURE);
	});

	it('runs the saved GPT image model workflow with its model and aspect ratio', async () => {
		const run = await n8n.execute('TtApiDemoGptImag');
		const [item] = outputOf(run, 'GPT image');
		expect(item.json).toMatchObject({ status: 'SUCCESS', model: 'gpt-image-2' });
		expect(n8n.binaryBytes(item.binary.data).subarray(0, 8)).toEqual(PNG_SIGNATURE);
		const submit = emulator.requestsTo('/openai/gpt/generations').find((request) => (request.body as any).prompt.includes('LEGO'));
		expect(submit?.body).toMatchObject({ model: 'gpt-image-2', aspect_ratio: '16:9' });
	});

	it('a FAILED job with Continue On Fail: an error item with the jobId, the execution succeeds', async () => {
		const run = await n8n.execute('TtApiDemoFailCon');
		const [item] = outputOf(run, 'GPT-4o image');
		expect(item.json.error).toMatch(/^TT API job [0-9a-f-]{36} failed: prompt violation/);
		expect(item.json.jobId).toMatch(/^[0-9a-f-]{36}$/);
	});

	describe('with the server running', () => {
		beforeAll(async () => {
			// One job in flight at a time, so the run hangs on the first job's callback.
			await n8n.importWorkflows([webhookWorkflow(EARLY_ID, EARLY_PATH, 'callback', { options: { download: true, maxJobsInFlight: 1, timeout: 600 } }), twoPausesWorkflow(), loopPausesWorkflow()]);
			await n8n.activate('TtApiDemoTrigger');
			await n8n.activate(EARLY_ID);
			await n8n.activate(TWO_PAUSES_ID);
			await n8n.activate(LOOP_PAUSES_ID);
			await n8n.start();
			await n8n.login();
		});

		const testCredential = async (apiKey: string, baseUrl = emulator.url) => {
			const answer = await n8n.rest('POST', '/credentials/test', {
				credentials: { id: 'TtApiDemoCred001', name: 'TT API account', type: 'ttApiApi', data: { apiKey, baseUrl } },
			});
			expect(answer.text).not.toContain(apiKey);
			return answer.json.data;
		};

		it('lists the TT API credential type', async () => {
			const response = await fetch(`${n8n.baseUrl}/types/credentials.json`, { headers: { cookie: n8n.cookie ?? '' } });
			const types = (await response.json()) as Array<{ name: string }>;
			expect(types.map((type) => type.name)).toContain('ttApiApi');
		});

		// The dialog shows the message under "Couldn't connect with these settings" → More details.
		const closedPort = () => freePortBlock();
		it.each([
			['a good key', async () => [API_KEY, emulator.url], 'OK', /^Connected to TT API\. Balance: 1000 quota\.$/],
			['a wrong key', async () => ['ttk-not-the-key-31d5', emulator.url], 'Error', /^The TT API key is wrong, or the account's email is not verified yet\./],
			['an unknown host', async () => [API_KEY, 'https://api.ttapi.invalid'], 'Error', /^The host "api\.ttapi\.invalid" (was not found|could not be looked up)\b.*Check the Base URL/],
			['a Base URL without https://', async () => [API_KEY, new URL(emulator.url).host], 'Error', /^The Base URL "127\.0\.0\.1:\d+" does not start with https:\/\/\. Write it in full, like https:\/\/api\.ttapi\.io\.$/],
			['a refused connection', async () => [API_KEY, `http://127.0.0.1:${await closedPort()}`], 'Error', /^127\.0\.0\.1 refused the connection on port \d+\. Check the Base URL/],
		] as const)('the credential test, %s: a message that says what to fix', async (_case, input, status, message) => {
			const [apiKey, baseUrl] = await input();
			expect(await testCredential(apiKey, baseUrl)).toEqual({ status, message: expect.stringMatching(message) });
		});

		it('the credential test asks for the account info', async () => {
			await testCredential(API_KEY);
			expect(emulator.requestsTo('/midjourney/v1/info').at(-1)).toMatchObject({ method: 'GET', keyKnown: true });
		});

		const triggerExecutions = async () => {
			const filter = encodeURIComponent(JSON.stringify({ workflowId: 'TtApiDemoTrigger' }));
			const answer = await n8n.rest('GET', `/executions?filter=${filter}`);
			return (answer.json.data.results ?? answer.json.data) as Array<{ id: string; status: string }>;
		};

		it("a job submitted with the trigger's production URL as hookUrl starts exactly one execution, with the image", async () => {
			const submit = await n8n.execute('TtApiDemoSubmitH');
			const [submitted] = outputOf(submit, 'Submit, do not wait');
			expect(submitted.json.status).toBe('PENDING_QUEUE');
			const jobId = submitted.json.jobId as string;

			let executions: Array<{ id: string; status: string }> = [];
			for (let waited = 0; waited < 30_000; waited += 500) {
				executions = await triggerExecutions();
				if (executions.length > 0 && executions.every((execution) => execution.status === 'success')) break;
				await new Promise((resolve) => setTimeout(resolve, 500));
			}
			const callbacks = emulator.callbacks.filter((callback) => callback.jobId === jobId);
			expect(callbacks).toHaveLength(1);
			expect(callbacks[0]).toMatchObject({ status: 200, url: `${n8n.baseUrl}/webhook/${TRIGGER_WEBHOOK_ID}/callback?token=${TRIGGER_SECRET}` });
			expect(executions).toHaveLength(1);

			const detail = await n8n.rest('GET', `/executions/${executions[0].id}`);
			const data = parse(detail.json.data.data);
			const [item] = data.resultData.runData['TT API Trigger'][0].data.main[0];
			expect(item.json).toMatchObject({ jobId, status: 'SUCCESS', prompt: 'A tiny robot watering a bonsai' });
			expect(n8n.binaryBytes(item.binary.data).subarray(0, 8)).toEqual(PNG_SIGNATURE);
		});

		it('callback mode: three items pause the execution, TT API\'s callbacks resume it once with every image', async () => {
			const paused = await n8n.execute('TtApiDemoCallbac');
			expect(paused.status).toBe('waiting');
			const listed = await n8n.rest('GET', `/executions?filter=${encodeURIComponent(JSON.stringify({ workflowId: 'TtApiDemoCallbac' }))}`);
			const executionId = String((listed.json.data.results ?? listed.json.data)[0].id);
			const pending = paused.data.resultData.runData['GPT image, resumed by TT API'][0].data.main[0];
			const jobIds = pending.map((item: any) => item.json.jobId as string);
			expect(jobIds).toHaveLength(3);

			let run: any;
			for (let waited = 0; waited < 30_000; waited += 500) {
				const answer = await n8n.rest('GET', `/executions/${executionId}`);
				run = answer.json?.data;
				if (run && run.status !== 'waiting' && run.status !== 'running' && run.status !== 'new') break;
				await new Promise((resolve) => setTimeout(resolve, 500));
			}
			expect(run.status).toBe('success');
			const data = parse(run.data);
			const items = data.resultData.runData['GPT image, resumed by TT API'].at(-1).data.main[0];
			expect(items.map((item: any) => item.json.prompt)).toEqual(['A fox in the snow', 'A whale in the sky', 'A cat on the moon']);
			expect(items.map((item: any) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
			for (const item of items) {
				expect(item.json.status).toBe('SUCCESS');
				expect(n8n.binaryBytes(item.binary.data).subarray(0, 8)).toEqual(PNG_SIGNATURE);
			}
			// Callbacks, not polling: at most two fetches per job (one when n8n has stored the paused run, to find a callback it refused before; one when a callback comes before an earlier job's).
			const fetches = emulator.requestsTo('/openai/gpt/fetch').filter((request) => jobIds.includes(request.query.jobId));
			expect(fetches.length).toBeLessThanOrEqual(2 * jobIds.length);
			expect(emulator.callbacks.filter((callback) => jobIds.includes(callback.jobId)).map((callback) => callback.status)).toEqual([200, 200, 200]);
		});

		/** Posts the prompts to an active workflow's production webhook; returns the execution it started, once ended. */
		const runFromWebhook = async (workflowId: string, webhookPath: string, prompts: string[]) => {
			const before = new Set((await n8n.executions(workflowId)).map((execution) => execution.id));
			expect((await n8n.postToWebhook(webhookPath, { prompts })).status).toBe(200);
			// A pause whose callbacks were never taken would wait out its 600 s Wait Timeout.
			return await n8n.finishedRun(await n8n.newExecutionId(workflowId, before), 120_000);
		};

		it('callback mode, a job that ends at once: n8n refuses its callback before it has stored the paused run, the node has the webhook check the job then, and the run completes', async () => {
			// The first job's callback comes before TT API has even answered its submit.
			const prompts = ['[callback first] an early fox', 'an early owl', 'an early heron'];
			const { queueMs, runMs } = emulator.options;
			Object.assign(emulator.options, { queueMs: 0, runMs: 0, callbackFirstMarker: '[callback first]' });
			try {
				// Without the node's delivery, the run would wait out its 600 s Wait Timeout.
				const { status, data } = await runFromWebhook(EARLY_ID, EARLY_PATH, prompts);
				expect(status).toBe('success');
				const items = data.resultData.runData['TT API'].at(-1).data.main[0];
				expect(items.map((item: any) => [item.json.prompt, item.json.status])).toEqual(prompts.map((prompt) => [prompt, 'SUCCESS']));
				for (const item of items) expect(n8n.binaryBytes(item.binary.data).subarray(0, 8)).toEqual(PNG_SIGNATURE);
				// TT API's own callback of the first job came while n8n was still running the execution, and was refused.
				const first = items[0].json.jobId as string;
				expect(emulator.callbacks.filter((callback) => callback.jobId === first).map((callback) => callback.status)).toEqual([409]);
			} finally {
				Object.assign(emulator.options, { queueMs, runMs, callbackFirstMarker: undefined });
			}
		});

		it('callback mode twice in one execution: the second TT API node pauses the run again and its callbacks resume it too', async () => {
			const prompts = ['a heron at dawn', 'a lighthouse in fog'];
			const { status, data } = await runFromWebhook(TWO_PAUSES_ID, TWO_PAUSES_PATH, prompts);
			expect(status).toBe('success');
			const first = data.resultData.runData['TT API'].at(-1).data.main[0];
			const second = data.resultData.runData['TT API again'].at(-1).data.main[0];
			expect(first.map((item: any) => [item.json.prompt, item.json.status])).toEqual(prompts.map((prompt) => [prompt, 'SUCCESS']));
			expect(second.map((item: any) => [item.json.prompt, item.json.status])).toEqual(prompts.map((prompt) => [`${prompt}, once more`, 'SUCCESS']));
			const secondJobs = second.map((item: any) => item.json.jobId as string);
			expect(emulator.callbacks.filter((callback) => secondJobs.includes(callback.jobId)).map((callback) => callback.status)).toEqual([200, 200]);
		});

		it('callback mode in a loop: the same TT API node pauses one execution once per prompt, and each pause resumes by its own callback', async () => {
			const prompts = ['a kite over dunes', 'a kettle on a stove', 'a kayak at dusk'];
			const { status, data } = await runFromWebhook(LOOP_PAUSES_ID, LOOP_PAUSES_PATH, prompts);
			expect(status).toBe('success');
			const resumed = data.resultData.runData['TT API'].map((run: any) => run.data.main[0]).filter((items: any[]) => items.some((item) => item.json.status !== 'PENDING_QUEUE'));
			expect(resumed.map((items: any[]) => items.map((item) => [item.json.prompt, item.json.status]))).toEqual(prompts.map((prompt) => [[prompt, 'SUCCESS']]));
			expect(data.resultData.runData['All done'][0].data.main[0]).toHaveLength(prompts.length);
		});

		it('a callback with a bad secret gets 401 and starts no execution', async () => {
			const before = (await triggerExecutions()).length;
			const answer = await fetch(`${n8n.baseUrl}/webhook/${TRIGGER_WEBHOOK_ID}/callback?token=guess`, {
				method: 'POST',
				headers: { 'content-type': 'application/json' },
				body: JSON.stringify({ status: 'SUCCESS', jobId: 'forged', data: {} }),
			});
			expect(answer.status).toBe(401);
			await new Promise((resolve) => setTimeout(resolve, 1000));
			expect((await triggerExecutions()).length).toBe(before);
		});

		it("never writes the API key into n8n's debug log or execution data", () => {
			const debugLog = readFileSync(path.join(work, 'user', 'n8n-debug.log'), 'utf8');
			expect(debugLog.length).toBeGreaterThan(0);
			expect(debugLog).not.toContain(API_KEY);
			expect(readFileSync(path.join(work, 'n8n.log'), 'utf8')).not.toContain(API_KEY);
		});
	});
});
