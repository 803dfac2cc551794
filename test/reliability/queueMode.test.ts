/**
 * The soak on n8n's own distributed engine: queue mode with Redis and PostgreSQL from Debian's
 * packages, one main, two workers and a webhook processor (n8n 2.x, the packed package installed
 * in their shared user folder). 200 jobs in three wait modes, about 10% of TT API's answers faulty:
 * every prompt must end as exactly one result or as an error.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { webhookWorkflow } from '../../bench/workflows';
import { startEmulator, type Fault, type TtApiEmulator } from '../emulator/emulator';
import { N8nInstance, packPackage, TRIGGER_WEBHOOK_ID } from '../e2e/n8n';
import { freePortBlock } from '../e2e/ports';
import { count, findSecrets } from './figures';
import { startServices, type Services } from './services';

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

describe('queue mode: one main, two workers, a webhook processor, Redis and PostgreSQL', () => {
	const work = mkdtempSync(path.join(tmpdir(), 'ttapi-queue-'));
	const userFolder = path.join(work, 'user');
	let services: Services | undefined;
	let emulator: TtApiEmulator;
	const processes: N8nInstance[] = [];
	let main: N8nInstance;
	let webhookBase = '';

	beforeAll(async () => {
		services = await startServices(mkdtempSync(path.join(tmpdir(), 'ttapi-pg-')), await freePortBlock(), await freePortBlock());
		emulator = await startEmulator({ validKeys: [API_KEY], queueMs: 500, runMs: 2500, randomFaults: { rate: FAULT_RATE, faults: FAULTS, seed: 20261125 } });
		const [mainPort, webhookPort, workerPort1, workerPort2] = [await freePortBlock(), await freePortBlock(), await freePortBlock(), await freePortBlock()];
		webhookBase = `http://127.0.0.1:${webhookPort}`;
		const queueEnv = {
			EXECUTIONS_MODE: 'queue',
			QUEUE_BULL_REDIS_HOST: '127.0.0.1',
			QUEUE_BULL_REDIS_PORT: String(services.redisPort),
			DB_TYPE: 'postgresdb',
			DB_POSTGRESDB_HOST: '127.0.0.1',
			DB_POSTGRESDB_PORT: String(services.postgresPort),
			DB_POSTGRESDB_DATABASE: 'n8n',
			DB_POSTGRESDB_USER: 'n8n',
			DB_POSTGRESDB_PASSWORD: '',
			// Production webhooks, TT API's callbacks and resume URLs all go to the webhook processor.
			WEBHOOK_URL: `${webhookBase}/`,
		};
		const make = (role: 'main' | 'worker' | 'webhook', port: number) =>
			new N8nInstance({ line: '2.x', role, userFolder, port, logFile: path.join(work, `n8n-${role}-${port}.log`), extraEnv: queueEnv });
		main = make('main', mainPort);
		processes.push(main, make('webhook', webhookPort), make('worker', workerPort1), make('worker', workerPort2));

		main.installPackage(packPackage(path.join(work, 'pack')));
		await main.importDemo({ apiKey: API_KEY, baseUrl: emulator.url, triggerSecret: TRIGGER_SECRET });
		const hookUrl = `${webhookBase}/webhook/${TRIGGER_WEBHOOK_ID}/callback?token=${TRIGGER_SECRET}`;
		await main.importWorkflows([
			webhookWorkflow(WORKFLOW_IDS.poll, 'soak-poll', 'poll', { continueOnFail: true, options: { timeout: 300, download: true } }),
			webhookWorkflow(WORKFLOW_IDS.callback, 'soak-callback', 'callback', { continueOnFail: true, options: { timeout: 300, download: true } }),
			webhookWorkflow(WORKFLOW_IDS.none, 'soak-none', 'none', { continueOnFail: true, options: { hookUrl } }),
		]);
		for (const id of [...Object.values(WORKFLOW_IDS), 'TtApiDemoTrigger']) await main.activate(id);
		for (const process of processes) await process.start({ timeoutMs: 240_000 });
		await main.login();
	});

	afterAll(async () => {
		for (const process of processes.reverse()) await process.stop();
		await emulator?.stop();
		await services?.stop();
		rmSync(work, { recursive: true, force: true });
	});

	it('200 jobs in three wait modes with 10% faulty answers: every prompt ends once, as a result or an error', async () => {
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
				expect(answer.status).toBe(200);
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
			const executions = await main.executions();
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
		const logs = processes.map((process) => readFileSync(process.env.N8N_LOG_FILE_LOCATION, 'utf8'));
		const finishedPerWorker = processes
			.map((process, index) => (process.options.role === 'worker' ? (logs[index].match(/Worker finished execution/g) ?? []).length : undefined))
			.filter((finished) => finished !== undefined);
		console.log(`[soak] executions finished per worker: ${finishedPerWorker.join(', ')}`);
		expect(finishedPerWorker).toHaveLength(2);
		expect(finishedPerWorker.every((finished) => finished > 0)).toBe(true);
		expect(findSecrets([API_KEY, TRIGGER_SECRET], ...logs)).toBe(0);
	});
});
