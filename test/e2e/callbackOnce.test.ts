/**
 * Callback mode resumes each paused run exactly once, in real n8n: a run's callbacks reach n8n
 * together, while the first one is still fetching the other jobs (each job's first fetch after the
 * node's check of its paused run gets 429),
 * and the step after the TT API node must run once per execution, with every image in input order.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { startEmulator, type CallbackAttempt, type TtApiEmulator } from '../emulator/emulator';
import {
	callbackOnceWorkflow,
	executionOfHook,
	fetchHistogram,
	PROMPTS_PER_RUN,
	startCounter,
	WEBHOOK_PATH,
	WORKFLOW_ID,
} from './callbackOnce';
import { versions, type Line } from './install';
import { N8nInstance, packPackage } from './n8n';
import { freePortBlock } from './ports';

const API_KEY = 'e2e-once-key-31c7d0';
const HELD = '[held]';
// n8n 2.x's own refusal of a second resume: the node must never depend on it.
const SECOND_RESUME = /already being resumed/g;

jest.setTimeout(10 * 60 * 1000);

/** For the report only: n8n logs "Execution added" when it starts or resumes an execution. */
const resumesIn = (log: string, executionId: string) =>
	log.split('\n').filter((line) => line.includes('"Execution added"') && line.includes(`"executionId":"${executionId}"`)).length - 1;
const tally = (values: string[]) =>
	[...new Set(values)].map((value) => `${values.filter((other) => other === value).length}×${value}`).join(', ');
const sleep = async (ms: number) => await new Promise((resolve) => setTimeout(resolve, ms));
const lines = (process.env.TTAPI_E2E_LINES?.split(',') as Line[] | undefined) ?? (Object.keys(versions.n8n) as Line[]);

describe.each(lines)('callback mode on real n8n %s: one resume per paused run', (line) => {
	const work = mkdtempSync(path.join(tmpdir(), `ttapi-once-${line}-`));
	let emulator: TtApiEmulator;
	let counter: Awaited<ReturnType<typeof startCounter>>;
	let n8n: N8nInstance;

	beforeAll(async () => {
		counter = await startCounter();
		emulator = await startEmulator({
			validKeys: [API_KEY],
			queueMs: 100,
			runMs: 300,
			// The callbacks wait for the test, which sends each run's together.
			holdCallbacks: true,
			// The jobs run until the test ends them: after n8n has stored each paused run and the node's check has seen its last job running.
			stuckMarker: HELD,
			// n8n 2.x on a busy 2-core machine takes more than 10 s to answer 100 callbacks at once.
			callbackTimeoutMs: 120_000,
		});
		n8n = new N8nInstance({ line, userFolder: path.join(work, 'user'), port: await freePortBlock(), logFile: path.join(work, 'n8n.log') });
		n8n.installPackage(packPackage(path.join(work, 'pack')));
		await n8n.importDemo({ apiKey: API_KEY, baseUrl: emulator.url, triggerSecret: 'e2e-once-trigger-secret' });
		await n8n.importWorkflows([callbackOnceWorkflow(counter.url)]);
		await n8n.activate(WORKFLOW_ID);
		await n8n.start();
		await n8n.login();
	});

	afterAll(async () => {
		await n8n?.stop();
		await emulator?.stop();
		await counter?.stop();
		if (process.env.TTAPI_E2E_KEEP) console.log(`n8n ${line} files kept in ${work}`);
		else rmSync(work, { recursive: true, force: true });
	});

	/**
	 * Starts `runs` executions and waits until each is paused and checked once n8n had stored it (a
	 * fetch of its last job), then ends every job, whose callbacks the emulator holds.
	 */
	async function pausedRuns(tag: string, runs: number): Promise<string[]> {
		emulator.options.firstFetchFault = undefined;
		for (let run = 1; run <= runs; run++) {
			expect((await n8n.postToWebhook(WEBHOOK_PATH, { tag: `${HELD} ${tag} ${run}` })).status).toBe(200);
		}
		const jobs = () => emulator.jobTimes().filter((job) => job.prompt.startsWith(`${HELD} ${tag} `));
		for (const deadline = Date.now() + 180_000; ; await sleep(500)) {
			const fetched = new Set(emulator.requestsTo('/openai/gpt/fetch').map((request) => request.query.jobId));
			// The check of a run without queued items fetches its last job.
			const checked = jobs().filter((job) => job.prompt.endsWith(` image ${PROMPTS_PER_RUN}`) && fetched.has(job.jobId)).length;
			const waiting = (await n8n.executions(WORKFLOW_ID)).filter((execution) => execution.status === 'waiting').length;
			if (jobs().length === runs * PROMPTS_PER_RUN && checked === runs && waiting >= runs) break;
			if (Date.now() > deadline) throw new Error(`${jobs().length} jobs, ${checked}/${runs} runs checked, ${waiting}/${runs} runs waiting`);
		}
		for (const job of jobs()) emulator.finishJob(job.jobId);
		// Keeps the first callback of a run busy for a second while the run's others arrive.
		emulator.options.firstFetchFault = { status: 429, retryAfter: '1' };
		for (const deadline = Date.now() + 60_000; ; await sleep(100)) {
			const ids = [...new Set(emulator.heldCallbacks.map((held) => executionOfHook(held.url)))];
			if (emulator.heldCallbacks.length === runs * PROMPTS_PER_RUN) return ids;
			if (Date.now() > deadline) throw new Error(`${emulator.heldCallbacks.length} callbacks held`);
		}
	}

	/** Waits until nothing reaches TT API or the counter for 5 s: a late second resume has then shown. */
	async function settle(): Promise<void> {
		for (let last = -1; ; await sleep(5000)) {
			const now = emulator.requests.length + counter.calls.length;
			if (now === last) return;
			last = now;
		}
	}

	/** Releases the held callbacks, waits for the runs to end, and checks each ran its last step once. */
	async function resumeOnce(executionIds: string[], release: () => Promise<CallbackAttempt[]>, label: string) {
		const started = Date.now();
		const jobIds = emulator.heldCallbacks.map((held) => held.jobId);
		const guardBefore = (n8n.logText().match(SECOND_RESUME) ?? []).length;
		const answers = (await release()).map((attempt) => String(attempt.status ?? attempt.error));

		const seen: Record<string, object> = {};
		const expected: Record<string, object> = {};
		for (const id of executionIds) {
			const { status, data } = await n8n.finishedRun(id);
			const runData = data.resultData.runData;
			const prompts: string[] = runData.Prompts[0].data.main[0].map((item: any) => item.json.prompt);
			const output: any[] = runData['TT API'].at(-1).data.main[0];
			seen[id] = {
				status,
				outputPrompts: output.map((item) => item.json.prompt),
				outputPairedItems: output.map((item) => item.pairedItem?.item),
				outputImages: output.filter((item) => item.binary?.data).length,
			};
			expected[id] = {
				status: 'success',
				outputPrompts: prompts,
				outputPairedItems: prompts.map((_, index) => index),
				outputImages: PROMPTS_PER_RUN,
				downstream: [{ prompts, images: PROMPTS_PER_RUN }],
			};
		}
		await settle();
		for (const id of executionIds) {
			Object.assign(seen[id], { downstream: counter.callsOf(id).map(({ prompts, images }) => ({ prompts, images })) });
		}

		const log = n8n.logText();
		const calls = executionIds.map((id) => counter.callsOf(id).length);
		const guardLines = (log.match(SECOND_RESUME) ?? []).length - guardBefore;
		const fetched = emulator.requestsTo('/openai/gpt/fetch').map((request) => request.query.jobId);
		console.log(
			`[callback-once] n8n ${n8n.install.version}, ${label}: ${executionIds.length} runs (execution ids ${executionIds.join(',')}), ` +
				`resumes per run ${executionIds.map((id) => resumesIn(log, id)).join(',')}, ` +
				`${calls.reduce((sum, n) => sum + n, 0)} downstream calls (per run ${calls.join(',')}), ` +
				`${guardLines} "already being resumed" log lines, callbacks answered ${tally(answers)}, ` +
				`fetches per job: ${fetchHistogram(jobIds, fetched)}, ${Math.round((Date.now() - started) / 1000)} s from release to quiet`,
		);
		expect(seen).toEqual(expected);
		expect(guardLines).toBe(0);
		expect(answers).toEqual(jobIds.map(() => '200'));
		// No extra executions either: one per webhook call.
		const all = await n8n.executions(WORKFLOW_ID);
		expect(all.filter((execution) => executionIds.includes(execution.id))).toHaveLength(executionIds.length);
	}

	it('10 runs, each run\'s 5 callbacks together: every execution ends once and its next step runs once', async () => {
		const ids = await pausedRuns('once', 10);
		const release = async () => {
			const attempts: CallbackAttempt[] = [];
			for (const id of ids) attempts.push(...(await emulator.releaseCallbacks((held) => executionOfHook(held.url) === id)));
			return attempts;
		};
		await resumeOnce(ids, release, '5 callbacks per run released together, run after run');
		expect(await n8n.executions(WORKFLOW_ID)).toHaveLength(10);
	});

	// Issue 10 asks for this on 2.x; on 1.x nothing in n8n refuses a second resume, so it runs there too.
	it('20 runs whose 100 callbacks all arrive at the same instant: 20 resumes, each once', async () => {
		const ids = await pausedRuns('burst', 20);
		await resumeOnce(ids, async () => await emulator.releaseCallbacks(), 'all 100 callbacks released at once');
	});
});
