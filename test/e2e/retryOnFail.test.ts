/**
 * n8n's Retry On Fail in real n8n: the node fails after its jobs were submitted, n8n runs it again
 * in the same execution, and TT API sees one submit per item; every item comes out once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { oursWorkflow, webhookWorkflow, withRetryOnFail } from '../../bench/workflows';
import { startEmulator, type TtApiEmulator } from '../emulator/emulator';
import { versions, type Line } from './install';
import { N8nInstance, packPackage } from './n8n';
import { freePortBlock } from './ports';

jest.setTimeout(15 * 60 * 1000);

const API_KEY = 'e2e-retry-key-8d21';
const POLL_ID = 'TtApiRetryPoll01';
const HOOK_ID = 'TtApiRetryHook01';
const HOOK_PATH = 'retry-on-fail';
const FAILING_ID = 'TtApiRetryList01';
const FAILING_PATH = 'retry-from-list';
const PROMPTS = ['a fox', 'a fox', 'an owl', 'a heron'];
const SUBMIT = '/openai/gpt/generations';
const lines = (process.env.TTAPI_E2E_LINES?.split(',') as Line[] | undefined) ?? (Object.keys(versions.n8n) as Line[]);

const submittedPrompts = (emulator: TtApiEmulator) =>
	emulator.requestsTo(SUBMIT).map((request) => String((request.body as { prompt: string }).prompt)).sort();

describe.each(lines)('real n8n %s: Retry On Fail never submits a job twice', (line) => {
	const work = mkdtempSync(path.join(tmpdir(), `ttapi-retry-${line}-`));
	let emulator: TtApiEmulator;
	let n8n: N8nInstance;

	beforeAll(async () => {
		emulator = await startEmulator({ validKeys: [API_KEY], queueMs: 100, runMs: 300 });
		n8n = new N8nInstance({ line, userFolder: path.join(work, 'user'), port: await freePortBlock(), logFile: path.join(work, 'n8n.log') });
		n8n.installPackage(packPackage(path.join(work, 'pack')));
		await n8n.importDemo({ apiKey: API_KEY, baseUrl: emulator.url, triggerSecret: 'e2e-retry-trigger-secret' });
		await n8n.importWorkflows([
			withRetryOnFail(oursWorkflow(POLL_ID, PROMPTS.length, 'poll', true, { prompts: PROMPTS })),
			withRetryOnFail(webhookWorkflow(HOOK_ID, HOOK_PATH, 'callback')),
			// No Retry On Fail: the user retries the failed execution from the executions list.
			webhookWorkflow(FAILING_ID, FAILING_PATH, 'poll', { options: { download: true } }),
		]);
		await n8n.activate(HOOK_ID);
		await n8n.activate(FAILING_ID);
	});

	afterAll(async () => {
		await n8n?.stop();
		await emulator?.stop();
		if (process.env.TTAPI_E2E_KEEP) console.log(`n8n ${line} files kept in ${work}`);
		else rmSync(work, { recursive: true, force: true });
	});

	beforeEach(() => emulator.reset());

	let serverStarted = false;
	/** Starts n8n's server (the first test runs without it) and posts the prompts to a production webhook. */
	async function postPrompts(webhookPath: string): Promise<void> {
		if (!serverStarted) {
			await n8n.start();
			await n8n.login();
			serverStarted = true;
		}
		expect((await n8n.postToWebhook(webhookPath, { prompts: PROMPTS })).status).toBe(200);
	}

	/** The ended execution of `workflowId` that is not among `known`. */
	async function newExecution(workflowId: string, known: Set<string> = new Set()) {
		const executionId = await n8n.newExecutionId(workflowId, known);
		return { executionId, ...(await n8n.finishedRun(executionId)) };
	}

	it('poll mode: a download fails after every job was submitted; the retry waits for the same jobs', async () => {
		emulator.addFault({ route: 'image', status: 404 });
		const run = await n8n.execute(POLL_ID);

		const output: any[] = run.data.resultData.runData['TT API'].at(-1).data.main[0];
		const downloads = emulator.requestsTo('/files/').length;
		console.log(`[retry] n8n ${n8n.install.version} poll: ${emulator.requestsTo(SUBMIT).length} submits for ${PROMPTS.length} items, ${downloads} downloads, ${output.length} items out`);
		expect(run.data.resultData.error).toBeUndefined();
		expect(submittedPrompts(emulator)).toEqual([...PROMPTS].sort());
		expect(output.map((item) => item.json.prompt)).toEqual(PROMPTS);
		expect(output.map((item) => item.pairedItem.item)).toEqual([0, 1, 2, 3]);
		expect(new Set(output.map((item) => item.json.jobId)).size).toBe(PROMPTS.length);
		expect(output.every((item) => item.binary?.data)).toBe(true);
		// The failed try downloaded some images; the retry downloaded all of them again.
		expect(downloads).toBeGreaterThan(PROMPTS.length);
	});

	it('callback mode: a refused submit fails the first try; the retry pauses with the jobs already submitted', async () => {
		// 402 "quota insufficient": TT API started nothing for that item, so it is the one sent again.
		emulator.addFault({ route: 'submit', status: 402 });
		await postPrompts(HOOK_PATH);
		const { status, data } = await newExecution(HOOK_ID);

		const output: any[] = data.resultData.runData['TT API'].at(-1).data.main[0];
		const submits = emulator.requestsTo(SUBMIT).length;
		console.log(`[retry] n8n ${n8n.install.version} callback: ${submits} submits (1 refused) for ${PROMPTS.length} items, ${output.length} items out, status ${status}`);
		expect(status).toBe('success');
		expect(submits).toBe(PROMPTS.length + 1);
		expect(output.map((item) => item.json.prompt)).toEqual(PROMPTS);
		expect(output.map((item) => item.json.status)).toEqual(PROMPTS.map(() => 'SUCCESS'));
		expect(new Set(output.map((item) => item.json.jobId)).size).toBe(PROMPTS.length);
	});

	it('the executions list\'s Retry of a failed execution waits for the jobs that execution submitted', async () => {
		emulator.addFault({ route: 'image', status: 404 });
		await postPrompts(FAILING_PATH);
		const failed = await newExecution(FAILING_ID);
		expect(failed.status).toBe('error');
		expect(emulator.requestsTo(SUBMIT)).toHaveLength(PROMPTS.length);

		// n8n keeps the failed execution's data, the node's context with it, and runs the failed node again.
		const retry = await n8n.rest('POST', `/executions/${failed.executionId}/retry`, { loadWorkflow: false });
		expect(retry.status).toBe(200);
		const retried = await newExecution(FAILING_ID, new Set([failed.executionId]));

		const output: any[] = retried.data.resultData.runData['TT API'].at(-1).data.main[0];
		console.log(`[retry] n8n ${n8n.install.version} executions-list Retry: ${emulator.requestsTo(SUBMIT).length} submits for ${PROMPTS.length} items over both executions, ${output.length} items out, status ${retried.status}`);
		expect(retried.status).toBe('success');
		expect(emulator.requestsTo(SUBMIT)).toHaveLength(PROMPTS.length);
		expect(output.map((item) => item.json.prompt)).toEqual(PROMPTS);
		expect(output.every((item) => item.binary?.data)).toBe(true);
	});
});
