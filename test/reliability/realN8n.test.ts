/**
 * The reliability checks that need a real n8n 2.x (the packed package installed as users get it):
 * faults in a batch, a callback that never comes, a flood of abusive and good callbacks at the
 * trigger, and a search for the secrets in everything n8n wrote.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { oursWorkflow } from '../../bench/workflows';
import { startEmulator, TtApiEmulator, type Fault } from '../emulator/emulator';
import { N8nInstance, packPackage, TRIGGER_WEBHOOK_ID } from '../e2e/n8n';
import { freePortBlock } from '../e2e/ports';
import { count, findSecrets } from './figures';

const API_KEY = 'reliability-key-2c9e71f04b';
const TRIGGER_SECRET = 'reliability-trigger-secret-81d3a6';
const FLOOD_GOOD = 100;
const FLOOD_TOTAL = 1000;

jest.setTimeout(15 * 60 * 1000);

describe('real n8n 2.x under faults and abuse', () => {
	const work = mkdtempSync(path.join(tmpdir(), 'ttapi-reliability-'));
	const userFolder = path.join(work, 'user');
	let emulator: TtApiEmulator;
	let n8n: N8nInstance;

	beforeAll(async () => {
		emulator = await startEmulator({ validKeys: [API_KEY], queueMs: 200, runMs: 800 });
		n8n = new N8nInstance({ line: '2.x', userFolder, port: await freePortBlock(), logFile: path.join(work, 'n8n.log') });
		n8n.installPackage(packPackage(path.join(work, 'pack')));
		await n8n.importDemo({ apiKey: API_KEY, baseUrl: emulator.url, triggerSecret: TRIGGER_SECRET });
		const prompts = Array.from({ length: 10 }, (_, n) => `a fox, take ${n + 1}${n === 3 ? ' [fail]' : ''}${n === 6 ? ' [stuck]' : ''}`);
		await n8n.importWorkflows([
			oursWorkflow('RelFaultBatch001', prompts.length, 'poll', true, { prompts, continueOnFail: true, options: { timeout: 15, concurrency: 3, requestTimeout: 2 } }),
			oursWorkflow('RelSilentCallbk1', 2, 'callback', false, { prompts: ['a fox that calls back', 'a fox that never ends [stuck]'], continueOnFail: true, options: { timeout: 10 } }),
		]);
		await n8n.activate('TtApiDemoTrigger');
		await n8n.start({ timeoutMs: 180_000 });
		await n8n.login();
	});

	afterAll(async () => {
		await n8n?.stop();
		await emulator?.stop();
		rmSync(work, { recursive: true, force: true });
	});

	it('a batch of 10 under injected faults: every item comes out once, failures carry their jobId, nothing submitted twice', async () => {
		const faults: Fault[] = [
			{ route: 'submit', status: 429, retryAfter: '0', times: 3 },
			{ route: 'submit', status: 502, afterHandling: true },
			{ route: 'fetch', status: 503, times: 3 },
			{ route: 'fetch', reset: true, times: 2 },
			{ route: 'fetch', hang: true },
			{ route: 'fetch', rawBody: '{"status":"SUC' },
			{ route: 'image', status: 500 },
			{ route: 'image', status: 403 },
		];
		// The [fail] and [stuck] prompts are two faults more.
		const injected = TtApiEmulator.timesOf(faults) + 2;
		for (const fault of faults) emulator.addFault({ ...fault });
		const since = Date.now();
		const run = await n8n.execute('RelFaultBatch001');
		count('faults injected', injected);
		count('jobs in', 10);

		expect(run.status).toBe('success');
		const items = run.data.resultData.runData['TT API'][0].data.main[0] as Array<{ json: any; pairedItem: { item: number } }>;
		expect(items.map((item) => item.pairedItem.item).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
		const errors = items.filter((item) => item.json.error);
		count('errors out', errors.length);
		count('results out', items.length - errors.length);
		const byItem = new Map(items.map((item) => [item.pairedItem.item, item.json]));
		expect(byItem.get(3)).toMatchObject({ error: expect.stringMatching(/failed: prompt violation/), jobId: expect.any(String) });
		expect(byItem.get(6)).toMatchObject({ error: expect.stringMatching(/did not finish within 15 s/), jobId: expect.any(String) });
		// The 502 after the job started: reported, never resubmitted; one expired image: reported with its job.
		expect(errors.filter((item) => /may not have accepted the job: TT API answered HTTP 502/.test(item.json.error))).toHaveLength(1);
		expect(errors.filter((item) => /image URL has expired/.test(item.json.error) && item.json.jobId)).toHaveLength(1);
		expect(errors).toHaveLength(4);
		for (const item of items.filter((entry) => !entry.json.error)) expect(item.json.status).toBe('SUCCESS');

		const jobIds = items.map((item) => item.json.jobId).filter(Boolean);
		const duplicates = jobIds.length - new Set(jobIds).size;
		count('duplicates', duplicates);
		expect(duplicates).toBe(0);
		expect(emulator.jobTimes().filter((job) => job.submittedAt >= since)).toHaveLength(10);
		count('faults survived', injected);
	});

	it('callback mode: a callback that never arrives ends the wait at the timeout, every item naming its job', async () => {
		const paused = await n8n.execute('RelSilentCallbk1');
		expect(paused.status).toBe('waiting');
		count('faults injected');
		count('jobs in', 2);
		const [latest] = await n8n.executions('RelSilentCallbk1');
		// n8n's wait tracker looks for due executions once a minute.
		const { status, data } = await n8n.finishedRun(latest.id);
		expect(status).toBe('success');
		const items = data.resultData.runData['TT API'].at(-1).data.main[0];
		// n8n resumes a timed-out wait without running the node: every item names its job.
		expect(items.map((item: any) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
		for (const item of items) {
			expect(item.json.error).toMatch(/^TT API job [0-9a-f-]{36} had not been reported finished when the 10 s timeout ran out$/);
			expect(item.json.errorDescription).toContain(item.json.jobId);
		}
		const submitted = paused.data.resultData.runData['TT API'][0].data.main[0].map((item: any) => item.json.jobId);
		expect(items.map((item: any) => item.json.jobId)).toEqual(submitted);
		count('errors out', 2);
		count('faults survived');
	});

	it(`a flood of ${FLOOD_TOTAL} callbacks: no execution for a bad one, one per good one, n8n keeps answering`, async () => {
		// The demo trigger is version 2: the secret every call is checked against comes from its credential.
		const [trigger] = (await n8n.rest('GET', '/workflows/TtApiDemoTrigger')).json.data.nodes;
		expect(trigger).toMatchObject({ typeVersion: 2, parameters: { events: 'all' }, credentials: { ttApiTriggerApi: { id: expect.any(String) } } });
		const url = `${n8n.baseUrl}/webhook/${TRIGGER_WEBHOOK_ID}/callback`;
		const good = (n: number) => JSON.stringify({ status: 'FAILED', message: 'flood', jobId: `flood-${n}`, data: { prompt: `flood ${n}`, imageUrl: null } });
		const deep = '['.repeat(50_000) + ']'.repeat(50_000);
		const abusive: Array<() => RequestInit & { query: string }> = [
			() => ({ query: '?token=guess', method: 'POST', body: good(0) }),
			() => ({ query: '', method: 'POST', body: good(0) }),
			() => ({ query: `?token=${TRIGGER_SECRET}x`, method: 'POST', body: good(0) }),
			() => ({ query: `?token=${TRIGGER_SECRET}`, method: 'POST', body: 'this is not json' }),
			() => ({ query: `?token=${TRIGGER_SECRET}`, method: 'POST', body: deep }),
			() => ({ query: `?token=${TRIGGER_SECRET}`, method: 'POST', body: JSON.stringify({ status: 'SUCCESS', data: { filler: 'x'.repeat(600_000) } }) }),
			() => ({ query: `?token=${TRIGGER_SECRET}`, method: 'POST', body: JSON.stringify({ hello: 'world' }) }),
			() => ({ query: `?token=${TRIGGER_SECRET}`, method: 'GET' }),
			() => ({ query: `?token=${TRIGGER_SECRET}`, method: 'PUT', body: good(1) }),
		];
		const calls: Array<{ good: boolean; init: RequestInit & { query: string } }> = [];
		for (let n = 0; n < FLOOD_TOTAL; n++) {
			// Every tenth call is a new good callback; every good one is also replayed once later.
			if (n % 10 === 0 && calls.filter((call) => call.good).length < FLOOD_GOOD) calls.push({ good: true, init: { query: `?token=${TRIGGER_SECRET}`, method: 'POST', body: good(n + 1000) } });
			else if (n % 10 === 5) calls.push({ good: false, init: { query: `?token=${TRIGGER_SECRET}`, method: 'POST', body: good(n - 5 + 1000) } });
			else calls.push({ good: false, init: abusive[n % abusive.length]() });
		}
		const before = (await n8n.executions('TtApiDemoTrigger')).length;

		const statuses: number[] = [];
		let next = 0;
		let healthChecks = 0;
		const worker = async () => {
			while (next < calls.length) {
				const { init } = calls[next++];
				const { query, ...request } = init;
				const answer = await fetch(url + query, { ...request, headers: { 'content-type': 'application/json' }, signal: AbortSignal.timeout(30_000) });
				await answer.arrayBuffer();
				statuses.push(answer.status);
				if (statuses.length % 100 === 0) {
					expect((await fetch(`${n8n.baseUrl}/healthz`)).status).toBe(200);
					healthChecks++;
				}
			}
		};
		await Promise.all(Array.from({ length: 16 }, worker));
		expect(healthChecks).toBeGreaterThan(0);

		const goodCount = calls.filter((call) => call.good).length;
		expect(goodCount).toBe(FLOOD_GOOD);
		const badCount = calls.length - goodCount;
		count('abusive calls', badCount);
		// Replays are acknowledged with 200 and start nothing; every other bad call gets a 4xx.
		const refused = statuses.filter((status) => status >= 400 && status < 500).length;
		const replays = calls.filter((call) => !call.good && call.init.method === 'POST' && call.init.query === `?token=${TRIGGER_SECRET}` && String(call.init.body).includes('"flood"')).length;
		expect(refused + replays + goodCount).toBe(FLOOD_TOTAL);
		expect(statuses.every((status) => status < 500)).toBe(true);

		let executions = before;
		for (let waited = 0; waited < 120_000; waited += 1000) {
			executions = (await n8n.executions('TtApiDemoTrigger')).length;
			if (executions - before >= goodCount) break;
			await new Promise((resolve) => setTimeout(resolve, 1000));
		}
		await new Promise((resolve) => setTimeout(resolve, 3000));
		executions = (await n8n.executions('TtApiDemoTrigger')).length;
		count('executions started by bad calls', executions - before - goodCount);
		expect(executions - before).toBe(goodCount);
		count('abusive calls refused', badCount);
		expect((await fetch(`${n8n.baseUrl}/healthz`)).status).toBe(200);
	});

	it("the API key and the trigger's secret appear in no workflow, run data, output item, or n8n log (debug level)", async () => {
		const texts: string[] = [];
		for (const file of ['n8n.log', 'user/n8n-debug.log']) texts.push(readFileSync(path.join(work, file), 'utf8'));
		expect(texts[1].length).toBeGreaterThan(0);
		// The stored trigger workflow, as the editor loads it and as an export or a template would carry it.
		texts.push((await n8n.rest('GET', '/workflows/TtApiDemoTrigger')).text);
		expect(texts.at(-1)).toContain('ttApiTriggerApi');
		// Every stored run's data (items, errors, resume URLs) and the workflow snapshot kept with it.
		const ids = (await n8n.executions()).map((execution) => execution.id);
		expect(ids.length).toBeGreaterThan(0);
		for (const id of ids) {
			const { data, workflowData } = (await n8n.rest('GET', `/executions/${id}`)).json.data;
			texts.push(data, JSON.stringify(workflowData));
		}
		// Binary files n8n wrote.
		const storage = path.join(userFolder, '.n8n', 'storage');
		const walk = (dir: string): string[] => readdirSync(dir).flatMap((name) => {
			const file = path.join(dir, name);
			return statSync(file).isDirectory() ? walk(file) : [file];
		});
		for (const file of walk(storage)) if (!file.endsWith('.png')) texts.push(readFileSync(file, 'latin1'));
		expect(findSecrets([API_KEY, TRIGGER_SECRET], ...texts)).toBe(0);
	});
});
