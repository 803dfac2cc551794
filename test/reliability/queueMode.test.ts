/**
 * The soak on n8n's own distributed engine: queue mode with Redis and PostgreSQL 17, one main, two
 * workers and two webhook processes behind a proxy (n8n 2.x, the packed package installed in their
 * shared user folder). 200 jobs in three wait modes, about 10% of TT API's answers faulty: every
 * prompt must end as exactly one result or as an error. Then callback-mode runs with TT API's
 * callbacks on one webhook process, and alternating between the two. Last, 1,000 prompts in poll
 * and callback runs through an account queue of 10 while a worker is killed (./queueVolume.ts).
 */
import { webhookWorkflow } from '../../bench/workflows';
import type { Fault } from '../emulator/emulator';
import { TRIGGER_WEBHOOK_ID } from '../e2e/n8n';
import { count, findSecrets } from './figures';
import { startQueueStack, type QueueStack } from './queueStack';
import { runVolumeSoak, SOAK_CALLBACK, volumeSoakWorkflows } from './queueVolume';
import { JOB_ENDS_S, runTimedCallbacks, secondResumesIn, TIMED_WORKFLOW_ID, timedCallbackWorkflow, TIMEOUT_S } from './timedCallbacks';

const API_KEY = 'soak-key-5e0b77c1a9';
const TRIGGER_SECRET = 'soak-trigger-secret-0c4f2d';
const PROMPTS_PER_CALL = 5;
const PLAN = { poll: 20, callback: 10, none: 10 } as const; // webhook calls per mode: 200 jobs
const FAULT_RATE = 0.1;
const FAULTS: Fault[] = [
	{ route: 'submit', status: 429, retryAfter: '0' },
	{ route: 'submit', status: 502, afterHandling: true },
	{ route: 'fetch', status: 503 },
	{ route: 'fetch', status: 429 },
	{ route: 'fetch', reset: true },
	{ route: 'fetch', rawBody: '{"status":"SUC' },
	{ route: 'image', status: 500 },
];

jest.setTimeout(20 * 60 * 1000);

type Mode = keyof typeof PLAN;
const WORKFLOW_IDS: Record<Mode, string> = { poll: 'SoakPollWebhook1', callback: 'SoakCallbackHook', none: 'SoakSubmitNoWait' };

describe('queue mode: one main, two workers, two webhook processes, Redis and PostgreSQL 17', () => {
	let stack: QueueStack;
	let webhookBase = '';

	beforeAll(async () => {
		stack = await startQueueStack({
			apiKey: API_KEY,
			triggerSecret: TRIGGER_SECRET,
			emulator: { queueMs: 500, runMs: 2500, randomFaults: { rate: FAULT_RATE, faults: FAULTS, seed: 20261125 } },
			workers: 2,
			webhooks: 2,
			workflows: (base) => {
				webhookBase = base;
				const hookUrl = `${base}/webhook/${TRIGGER_WEBHOOK_ID}/callback?token=${TRIGGER_SECRET}`;
				return [
					webhookWorkflow(WORKFLOW_IDS.poll, 'soak-poll', 'poll', { continueOnFail: true, options: { timeout: 300, download: true } }),
					webhookWorkflow(WORKFLOW_IDS.callback, 'soak-callback', 'callback', { continueOnFail: true, options: { timeout: 300, download: true } }),
					webhookWorkflow(WORKFLOW_IDS.none, 'soak-none', 'none', { continueOnFail: true, options: { hookUrl } }),
					timedCallbackWorkflow(),
					...volumeSoakWorkflows(),
				];
			},
		});
	});

	afterAll(async () => {
		await stack?.stop();
	});

	it('200 jobs in three wait modes with 10% faulty answers: every prompt ends once, as a result or an error', async () => {
		const { main, emulator } = stack;
		const prompts = new Map<string, Mode>();
		const calls: Array<{ mode: Mode; prompts: string[] }> = [];
		for (const mode of Object.keys(PLAN) as Mode[]) {
			for (let call = 0; call < PLAN[mode]; call++) {
				const batch = Array.from({ length: PROMPTS_PER_CALL }, (_, n) => `soak ${mode} ${call}.${n}`);
				batch.forEach((prompt) => prompts.set(prompt, mode));
				calls.push({ mode, prompts: batch });
			}
		}
		// Interleave the modes, a few calls at a time, as independent workflows would arrive.
		calls.sort((a, b) => a.prompts[0].split(' ')[2].localeCompare(b.prompts[0].split(' ')[2], undefined, { numeric: true }));
		for (let start = 0; start < calls.length; start += 4) {
			await Promise.all(calls.slice(start, start + 4).map(async ({ mode, prompts: batch }) => {
				const answer = await fetch(`${webhookBase}/webhook/soak-${mode}`, {
					method: 'POST',
					headers: { 'content-type': 'application/json' },
					body: JSON.stringify({ prompts: batch }),
				});
				expect(answer.status === 200 ? 200 : `HTTP ${answer.status}: ${await answer.text()}`).toBe(200);
			}));
		}
		count('jobs in', prompts.size);

		// Wait until every started execution has ended and every submitted-without-waiting job has
		// reached the trigger (or its submit failed).
		const outcomes = new Map<string, Array<'result' | 'error'>>();
		const record = (prompt: string, outcome: 'result' | 'error') => outcomes.set(prompt, [...(outcomes.get(prompt) ?? []), outcome]);
		const deadline = Date.now() + 10 * 60_000;
		// An ended execution does not change: read each one's run data once.
		const runDataOf = new Map<string, any>();
		for (;;) {
			const executions = (await main.executions()).filter((execution) => execution.workflowId !== TIMED_WORKFLOW_ID);
			const open = executions.filter((execution) => ['new', 'running', 'waiting'].includes(execution.status));
			const started = executions.filter((execution) => Object.values(WORKFLOW_IDS).includes(execution.workflowId)).length;
			if (open.length === 0 && started === calls.length) {
				outcomes.clear();
				const submittedJobs = new Map<string, string>();
				for (const execution of executions) {
					if (!runDataOf.has(execution.id)) runDataOf.set(execution.id, (await main.finishedRun(execution.id)).data.resultData.runData);
					const runData = runDataOf.get(execution.id);
					if (execution.workflowId === 'TtApiDemoTrigger') {
						const [item] = runData['TT API Trigger'][0].data.main[0];
						record(item.json.prompt, item.json.status === 'SUCCESS' ? 'result' : 'error');
						continue;
					}
					const inputs = runData['One item per prompt'][0].data.main[0].map((item: any) => item.json.prompts as string);
					for (const item of runData['TT API'].at(-1).data.main[0]) {
						const prompt = inputs[item.pairedItem.item];
						if (execution.workflowId === WORKFLOW_IDS.none && !item.json.error) submittedJobs.set(item.json.jobId, prompt);
						else record(prompt, item.json.error || item.json.status !== 'SUCCESS' ? 'error' : 'result');
					}
				}
				const waitingForTrigger = [...submittedJobs.values()].filter((prompt) => !outcomes.has(prompt));
				if (waitingForTrigger.length === 0) break;
				if (Date.now() > deadline) throw new Error(`no trigger execution for ${waitingForTrigger.join(', ')}`);
			} else if (Date.now() > deadline) {
				throw new Error(`${open.length} executions still open, ${started}/${calls.length} started`);
			}
			await new Promise((resolve) => setTimeout(resolve, 2000));
		}

		// A prompt counts once: as a result if any execution produced one, else as an error. A job
		// whose submit answer was lost (502 after TT API started it) can still reach the trigger.
		const results = [...outcomes.values()].filter((list) => list.includes('result')).length;
		const errors = outcomes.size - results;
		const duplicates = [...outcomes.values()].reduce((sum, list) => sum + Math.max(0, list.filter((outcome) => outcome === 'result').length - 1), 0);
		const injected = Object.values(emulator.randomFaultsInjected).reduce((sum, n) => sum + n, 0);
		console.log(`[soak] ${prompts.size} prompts: ${results} results, ${errors} errors, ${duplicates} duplicates; faults injected: ${JSON.stringify(emulator.randomFaultsInjected)}`);
		count('results out', results);
		count('errors out', errors);
		count('duplicates', duplicates);
		count('faults injected', injected);

		expect([...prompts.keys()].filter((prompt) => !outcomes.has(prompt))).toEqual([]);
		expect(duplicates).toBe(0);
		expect(injected).toBeGreaterThan(10);
		// Errors only where a fault made one certain: a submit that may have started (502 after handling).
		expect(errors).toBeLessThanOrEqual(emulator.randomFaultsInjected['submit 502 after handling'] ?? 0);
		// Nothing charged twice: one job per prompt at most.
		expect(emulator.jobTimes().length).toBeLessThanOrEqual(prompts.size);
		count('faults survived', injected);

		// The work ran on the workers, both of them; no process logged a secret.
		const finishedPerWorker = stack.workers.map((worker) => (stack.logOf(worker).match(/Worker finished execution/g) ?? []).length);
		console.log(`[soak] executions finished per worker: ${finishedPerWorker.join(', ')}; "already being resumed" per process: ${secondResumesIn(stack).join(', ')}`);
		expect(finishedPerWorker.every((finished) => finished > 0)).toBe(true);
		expect(findSecrets([API_KEY, TRIGGER_SECRET], ...stack.all.map(stack.logOf))).toBe(0);
		// On a PostgreSQL n8n supports: each process checks the version at start and warns if not.
		expect(stack.all.map(stack.logOf).join('\n').match(/Postgres \d+ is (not supported|outside the supported range)|Could not check database version/g)).toBeNull();
	});

	// Jobs submitted together end apart: TT API calls back for each as it ends. Wherever a callback
	// lands, the run resumes once, soon after its last job, with every image.
	describe.each([
		// One fetch per run once n8n has stored the paused run (callback/earlyCallbacks.ts), the rest as the callbacks need them.
		['one webhook process', 'first' as const, 1],
		['two webhook processes, callbacks alternating', 'alternate' as const, 2],
	])(`callback mode, three runs of jobs ending at ${JOB_ENDS_S.join(', ')} s, %s`, (label, routing, fetchesPerJob) => {
		it(`every run resumes once with every image, long before its ${TIMEOUT_S} s timeout; at most ${fetchesPerJob} fetches per job`, async () => {
			const { runs, jobs, fetches, secondResumes } = await runTimedCallbacks(stack, routing, label);
			count('jobs in', jobs);
			count('results out', runs.flatMap((run) => run.items).filter((item) => item.status === 'SUCCESS' && item.hasImage).length);
			for (const run of runs) {
				expect(run.status).toBe('success');
				expect(run.items.map((item) => [item.prompt, item.status ?? item.error, item.hasImage])).toEqual(run.prompts.map((prompt) => [prompt, 'SUCCESS', true]));
				expect(run.resumedAfterLastJobMs).toBeLessThan(20_000);
				// The proxy did spread each run's callbacks as this case says.
				expect(new Set(run.callbackProcesses).size).toBe(routing === 'alternate' ? 2 : 1);
			}
			// No callback tried to resume a run a second time (n8n refuses it and logs so).
			expect(secondResumes).toEqual(stack.all.map(() => 0));
			expect(fetches / jobs).toBeLessThanOrEqual(fetchesPerJob);
		});
	});

	// The account's queue holds 10 jobs and three runs of 20 share it: each run pauses with the places
	// it got, and its callbacks submit the rest. Jobs last 4 s, as TT API's last tens of seconds: longer
	// than the worker takes to store the paused run (a callback before that is refused by n8n).
	it('callback mode, one webhook process, three runs of 20 prompts through a queue of 10: every run resumes once with every image, nothing submitted twice', async () => {
		const { emulator } = stack;
		const before = { maxQueue: emulator.options.maxQueue, enforceMaxQueue: emulator.options.enforceMaxQueue };
		Object.assign(emulator.options, { maxQueue: 10, enforceMaxQueue: true });
		try {
			const label = 'queued callback';
			const promptsOf = (name: string, run: number) => Array.from({ length: 20 }, (_, n) => `${name} run ${run}.${n} [ends in 4 s]`);
			const { runs, jobs, secondResumes } = await runTimedCallbacks(stack, 'first', label, 3, promptsOf);
			count('jobs in', jobs);
			for (const run of runs) {
				expect(run.status).toBe('success');
				expect(run.items.map((item) => [item.prompt, item.status ?? item.error, item.hasImage])).toEqual(run.prompts.map((prompt) => [prompt, 'SUCCESS', true]));
				expect(run.resumedAfterLastJobMs).toBeLessThan(20_000);
			}
			const started = emulator.jobTimes().filter((job) => job.prompt.startsWith(`${label} run `));
			expect(started).toHaveLength(60);
			expect(new Set(started.map((job) => job.prompt)).size).toBe(60);
			expect(secondResumes).toEqual(stack.all.map(() => 0));
		} finally {
			Object.assign(emulator.options, before);
		}
	});

	// Last: it kills a worker.
	it('1,000 prompts through a queue of 10 with 10% faulty answers and a worker killed mid-run: every prompt ends once or with its crashed run, nothing is submitted twice, no 499 reaches an item', async () => {
		const run = await runVolumeSoak(stack, { rate: FAULT_RATE, faults: FAULTS, seed: 20261126 });
		const outcomes = [...run.outcomes.values()].flat();
		const errors = [...run.outcomes].flatMap(([prompt, list]) => list.flatMap((outcome) => (outcome.kind === 'error' ? [{ prompt, ...outcome }] : [])));
		count('jobs in', run.prompts.length);
		count('results out', outcomes.filter((outcome) => outcome.kind === 'result').length);
		count('errors out', errors.length);
		count('duplicates', outcomes.length - run.outcomes.size);
		count('faults injected', Object.values(run.faultsInjected).reduce((sum, n) => sum + n, 0));

		expect(run.prompts.filter((prompt) => !run.outcomes.has(prompt) && !run.killed.prompts.includes(prompt))).toEqual([]);
		expect(outcomes.length).toBe(run.outcomes.size);
		// The queue was full at times, and no 499 became an item's error.
		expect(run.refusals).toBeGreaterThan(0);
		expect(errors.filter((error) => /queue/i.test(error.message))).toEqual([]);
		// No item waited out its Wait Timeout: every callback-mode run completed by its callbacks.
		expect(errors.filter((error) => /timeout ran out|did not finish within/.test(error.message))).toEqual([]);
		// Both ways of waiting ran to results; each callback run's callbacks reached one webhook process
		// (none if its worker died before the pause), and the runs used both.
		expect(run.resultsByMode).toEqual({ poll: expect.any(Number), callback: expect.any(Number) });
		expect(run.resultsByMode.poll).toBeGreaterThan(0);
		if (SOAK_CALLBACK) expect(run.resultsByMode.callback).toBeGreaterThan(0);
		if (SOAK_CALLBACK && !process.env.TTAPI_SOAK_ROUTING) {
			expect(run.callbackProcesses.filter((processes) => processes.length > 1)).toEqual([]);
			if (run.callbackProcesses.filter((processes) => processes.length > 0).length > 1) expect(new Set(run.callbackProcesses.flat()).size).toBe(2);
		}
		// An error names the job TT API started for its prompt; only a submit whose answer was lost cannot.
		const unnamed = errors.filter((error) => run.jobsPerPrompt.has(error.prompt) && !run.jobsPerPrompt.get(error.prompt)!.includes(error.jobId ?? ''));
		expect(unnamed.length).toBeLessThanOrEqual(run.faultsInjected['submit 502 after handling'] ?? 0);
		// Nothing was submitted twice, not even the jobs of the runs the killed worker held.
		expect([...run.jobsPerPrompt].filter(([, jobs]) => jobs.length > 1)).toEqual([]);
		// The killed worker held runs; n8n ended each with its error about a stalled job and ran none again.
		expect(run.killed.executions.length).toBeGreaterThan(0);
		expect(run.killed.executions.map(({ ending, startedAgain }) => [ending, startedAgain])).toEqual(run.killed.executions.map(() => [expect.stringMatching(/^error: This execution failed to be processed too many times/), false]));
	}, 30 * 60_000);
});
