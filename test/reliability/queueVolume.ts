/**
 * A thousand prompts through one account whose queue holds 10 jobs (TT API answers 499 beyond it),
 * with 10% faulty answers, on the queue-mode stack, and one worker killed (SIGKILL, as the OOM
 * killer does) while it runs some of them. What every prompt became, and what became of the runs
 * the killed worker held.
 */
import { webhookWorkflow } from '../../bench/workflows';
import type { Fault } from '../emulator/emulator';
import type { QueueStack } from './queueStack';
import type { Routing } from './webhookProxy';

const CALLS = 10;
const PROMPTS_PER_CALL = 100;
const FLOWS = {
	poll: { id: 'SoakVolumePollxx', path: 'soak-volume-poll' },
	callback: { id: 'SoakVolumeCallbk', path: 'soak-volume-callback' },
} as const;
type Mode = keyof typeof FLOWS;
/**
 * Half the runs wait by polling, half by callbacks. The proxy keeps each execution's callbacks on
 * one webhook process, as the README tells a load balancer to (`byExecution`), so runs spread over
 * both webhook processes. TTAPI_SOAK_ROUTING=alternate spreads one run's callbacks over both
 * instead: the setup the README advises against, where callback runs can end at their Wait Timeout.
 */
const ROUTING: Routing = (process.env.TTAPI_SOAK_ROUTING as Routing | undefined) ?? 'byExecution';
/**
 * Half the runs wait by callbacks unless TTAPI_SOAK_VOLUME_CALLBACK=0. The modes go poll, callback,
 * callback, poll, ...: n8n hands runs to the workers in turn, so each worker gets both. (Callback
 * runs were opt-in while some ended at their Wait Timeout: a job that ended before n8n had stored
 * its paused run lost its callback, see callback/earlyCallbacks.ts.)
 */
export const SOAK_CALLBACK = process.env.TTAPI_SOAK_VOLUME_CALLBACK !== '0';
const modeOfCall = (call: number): Mode => (SOAK_CALLBACK && Math.floor((call + 1) / 2) % 2 === 1 ? 'callback' : 'poll');

export const volumeSoakWorkflows = () =>
	(Object.keys(FLOWS) as Mode[]).map((mode) => webhookWorkflow(FLOWS[mode].id, FLOWS[mode].path, mode, { continueOnFail: true, options: { timeout: 600, download: true } }));

export interface VolumeSoakResult {
	prompts: string[];
	/** Per prompt, what the surviving runs emitted for it: 'result', or the error item's text and job ID. */
	outcomes: Map<string, Array<{ kind: 'result' } | { kind: 'error'; message: string; jobId?: string }>>;
	/** Prompts of the runs the killed worker held, and what n8n made of those runs. */
	killed: { worker: number; executions: Array<{ id: string; ending: string; startedAgain: boolean }>; prompts: string[] };
	/** Jobs TT API started, per prompt. */
	jobsPerPrompt: Map<string, string[]>;
	refusals: number;
	/** Faults drawn at random during this case, per kind. */
	faultsInjected: Record<string, number>;
	minutes: number;
	/** Prompts with a result, per wait mode. */
	resultsByMode: Record<string, number>;
	/** Per callback-mode run, the webhook processes (their indexes) its callbacks went to. */
	callbackProcesses: number[][];
}

const OPEN = ['new', 'running', 'waiting'];
const times = (text: string, line: string) => text.split(line).length - 1;
/** Whether a worker's log shows it running the execution now: started more often than finished. */
const holds = (log: string, executionId: string) => times(log, `Worker started execution ${executionId} `) > times(log, `Worker finished execution ${executionId} `);

export async function runVolumeSoak(stack: QueueStack, faults: { rate: number; faults: Fault[]; seed: number }): Promise<VolumeSoakResult> {
	const { main, emulator, proxy } = stack;
	const started = Date.now();
	// One-second jobs keep the case to a few minutes: 1,000 jobs through 10 slots is 100 s at best.
	Object.assign(emulator.options, { maxQueue: 10, enforceMaxQueue: true, queueMs: 300, runMs: 700, randomFaults: faults });
	proxy.routing = ROUTING;
	const faultsBefore = { ...emulator.randomFaultsInjected };
	const ids = new Set<string>(Object.values(FLOWS).map((flow) => flow.id));
	const before = new Set((await main.executions()).map((execution) => execution.id));
	const calls = Array.from({ length: CALLS }, (_, call) => {
		const mode = modeOfCall(call);
		return { mode, prompts: Array.from({ length: PROMPTS_PER_CALL }, (_, n) => `volume ${mode} ${call}.${n}`) };
	});
	const all = calls.flatMap((call) => call.prompts);
	for (const { mode, prompts } of calls) {
		const answer = await fetch(`${proxy.url}/webhook/${FLOWS[mode].path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ prompts }) });
		if (answer.status !== 200) throw new Error(`starting a ${mode} run: HTTP ${answer.status} ${await answer.text()}`);
	}
	const mine = async () => (await main.executions()).filter((execution) => ids.has(execution.workflowId) && !before.has(execution.id));
	const inCase = new Set(all);
	const jobsOfCase = () => emulator.jobTimes().filter((job) => inCase.has(job.prompt));

	// Mid-run: a quarter of the jobs started. Kill the worker running most of the case's runs.
	const deadline = Date.now() + 15 * 60_000;
	while (jobsOfCase().length < all.length / 4 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 500));
	const running = (await mine()).filter((execution) => execution.status === 'running');
	const perWorker = stack.workers.map((worker) => running.filter((execution) => holds(stack.logOf(worker), execution.id)).map((execution) => execution.id));
	const victim = perWorker[0].length >= perWorker[1].length ? 0 : 1;
	const worker = stack.workers[victim].server!;
	const exited = new Promise((resolve) => worker.once('exit', resolve));
	worker.kill('SIGKILL');
	await exited;
	stack.workers[victim].server = undefined;
	const survivorsLogAtKill = stack.workers.map((process) => stack.logOf(process).length);
	const startedAgain = (id: string) => stack.workers.some((process, index) => index !== victim && stack.logOf(process).slice(survivorsLogAtKill[index]).includes(`Worker started execution ${id} `));
	console.log(`[soak] volume: killed worker ${victim} at ${jobsOfCase().length} jobs, running executions per worker ${JSON.stringify(perWorker)}`);

	// n8n 2.x fails a stalled job instead of running it again (maxStalledCount 0): the process that
	// enqueued the run ends it with an error about too many attempts, and it is never rerun.
	let executions: Array<{ id: string; status: string; workflowId: string }> = [];
	for (;;) {
		executions = await mine();
		if (executions.length === CALLS && executions.every((execution) => !OPEN.includes(execution.status))) break;
		if (Date.now() > deadline) throw new Error(`volume: ${executions.filter((execution) => OPEN.includes(execution.status)).length} of ${executions.length}/${CALLS} runs still open`);
		await new Promise((resolve) => setTimeout(resolve, 2000));
	}

	const outcomes: VolumeSoakResult['outcomes'] = new Map();
	const killed: VolumeSoakResult['killed'] = { worker: victim, executions: [], prompts: [] };
	for (const execution of executions) {
		const { status, data } = await main.finishedRun(execution.id);
		const runData = data.resultData.runData;
		// A run whose worker died keeps no run data: its prompts are those of its webhook call (calls were
		// made one after the other, so the runs' ids follow their order).
		const call = calls[[...executions].sort((a, b) => Number(a.id) - Number(b.id)).indexOf(execution)];
		if (execution.workflowId !== FLOWS[call.mode].id) throw new Error(`run ${execution.id} is not the ${call.mode} run expected`);
		const prompts: string[] = runData['One item per prompt']?.[0].data.main[0].map((item: any) => item.json.prompts) ?? call.prompts;
		const output = runData['TT API']?.at(-1)?.data?.main?.[0];
		if (perWorker[victim].includes(execution.id)) {
			killed.executions.push({ id: execution.id, ending: `${status}: ${data.resultData.error?.message ?? ''}`, startedAgain: startedAgain(execution.id) });
			killed.prompts.push(...prompts);
			continue;
		}
		for (const item of output ?? []) {
			const prompt = prompts[item.pairedItem.item];
			const outcome = item.json.error ? { kind: 'error' as const, message: `${item.json.error} ${item.json.errorDescription ?? ''}`, jobId: item.json.jobId } : { kind: 'result' as const };
			if (!item.json.error && !(item.json.status === 'SUCCESS' && item.binary)) Object.assign(outcome, { kind: 'error', message: `ended ${item.json.status}` });
			outcomes.set(prompt, [...(outcomes.get(prompt) ?? []), outcome]);
		}
	}
	const faultsInjected = Object.fromEntries(Object.entries(emulator.randomFaultsInjected).map(([kind, n]) => [kind, n - (faultsBefore[kind] ?? 0)]));
	// A submit that started no job was refused: with 499, or with a 429 fault before TT API handled it.
	const submits = emulator.requestsTo('/openai/gpt/generations').filter((request) => inCase.has((request.body as { prompt?: string })?.prompt ?? '')).length;
	const refusals = submits - jobsOfCase().length - (faultsInjected['submit 429'] ?? 0);
	const jobsPerPrompt = new Map<string, string[]>();
	for (const job of jobsOfCase()) jobsPerPrompt.set(job.prompt, [...(jobsPerPrompt.get(job.prompt) ?? []), job.jobId]);
	const minutes = (Date.now() - started) / 60_000;
	const resultsByMode = Object.fromEntries((Object.keys(FLOWS) as Mode[]).map((mode) => [mode, [...outcomes].filter(([prompt, list]) => prompt.startsWith(`volume ${mode} `) && list.some((o) => o.kind === 'result')).length]));
	// Per callback-mode run: the webhook processes its callbacks reached.
	const callbackProcesses = executions.filter((execution) => execution.workflowId === FLOWS.callback.id).map((execution) => [...new Set(proxy.waitingCalls.get(execution.id) ?? [])]);
	// Each error's message with its job IDs and numbers blanked: one count per kind of error.
	const errorKinds: Record<string, number> = {};
	for (const outcome of [...outcomes.values()].flat()) {
		if (outcome.kind !== 'error') continue;
		const kind = outcome.message.replace(/\b[\w-]{20,}\b|\d+/g, '#').slice(0, 80);
		errorKinds[kind] = (errorKinds[kind] ?? 0) + 1;
	}
	console.log(`[soak] volume: errors by kind ${JSON.stringify(errorKinds)}`);
	// n8n's answers to the case's callbacks: a head (submitted before the pause, no position in its hookUrl) refused with 409 ended before n8n stored the paused run.
	const caseJobs = new Set(jobsOfCase().map((job) => job.jobId));
	const callbackAnswers: Record<string, number> = {};
	for (const attempt of emulator.callbacks.filter((attempt) => caseJobs.has(attempt.jobId))) {
		const kind = `${/[?&]ttapiPos=/.test(attempt.url) ? 'queued' : 'head'} ${attempt.status ?? attempt.error}`;
		callbackAnswers[kind] = (callbackAnswers[kind] ?? 0) + 1;
	}
	// What the webhooks took as called back when n8n had stored a paused run (callback/earlyCallbacks.ts).
	const takenAtStore = new Set([...stack.all.map((process) => stack.logOf(process)).join('\n').matchAll(/job (\S+) had ended when n8n stored the paused run/g)].map((match) => match[1])).size;
	console.log(`[soak] volume: callbacks answered ${JSON.stringify(callbackAnswers)}; jobs taken as called back when their run was stored: ${takenAtStore}`);
	console.log(`[soak] volume: ${all.length} prompts in ${minutes.toFixed(1)} min; ${[...outcomes.values()].flat().filter((o) => o.kind === 'result').length} results (${JSON.stringify(resultsByMode)}), ${[...outcomes.values()].flat().filter((o) => o.kind === 'error').length} errors; callbacks ${ROUTING}, webhook processes per callback run ${JSON.stringify(callbackProcesses)}; killed worker's runs ${JSON.stringify(killed.executions)} with ${killed.prompts.length} prompts; 499s ${refusals}; faults ${JSON.stringify(faultsInjected)}`);
	return { prompts: all, outcomes, killed, jobsPerPrompt, refusals, faultsInjected, minutes, resultsByMode, callbackProcesses };
}
