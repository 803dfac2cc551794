/**
 * Callback-mode runs whose jobs end at known times (3, 6 and 9 s after submit), started through
 * a production webhook of the queue-mode stack; what each run came out with, when it resumed, and
 * what it cost in fetches.
 */
import { webhookWorkflow } from '../../bench/workflows';
import type { QueueStack } from './queueStack';
import type { Routing } from './webhookProxy';

export const TIMED_WORKFLOW_ID = 'SoakTimedCallbak';
const TIMED_PATH = 'soak-timed-callback';
export const JOB_ENDS_S = [3, 6, 9];
export const TIMEOUT_S = 120;

export const timedCallbackWorkflow = () =>
	webhookWorkflow(TIMED_WORKFLOW_ID, TIMED_PATH, 'callback', { continueOnFail: true, options: { timeout: TIMEOUT_S, download: true } });

export interface TimedRun {
	executionId: string;
	status: string;
	prompts: string[];
	items: Array<{ prompt: string; status?: string; error?: string; hasImage: boolean }>;
	/** From the end of the run's last job to the start of its resumed node run. */
	resumedAfterLastJobMs: number;
	/** Which webhook process (index) each of its callbacks reached. */
	callbackProcesses: number[];
}

export interface TimedRunsResult {
	runs: TimedRun[];
	jobs: number;
	fetches: number;
	/** Per process, how often n8n refused a second resume of a run meanwhile ("already being resumed"). */
	secondResumes: number[];
}

const ALREADY_RESUMING = /already being resumed/g;
export const secondResumesIn = (stack: QueueStack) => stack.all.map((process) => (stack.logOf(process).match(ALREADY_RESUMING) ?? []).length);

const ended = (status: string) => !['new', 'running', 'waiting'].includes(status);

/** Each run's prompts: by default one job ending at each of JOB_ENDS_S. */
type PromptsOf = (label: string, run: number) => string[];
const timedPrompts: PromptsOf = (label, run) => JOB_ENDS_S.map((seconds) => `${label} run ${run} [ends in ${seconds} s]`);

export async function runTimedCallbacks(stack: QueueStack, routing: Routing, label: string, runCount = 3, promptsOf: PromptsOf = timedPrompts): Promise<TimedRunsResult> {
	const { main, emulator, proxy } = stack;
	// These runs count fetches: none may come from a fault's retry.
	emulator.options.randomFaults = undefined;
	proxy.routing = routing;
	const secondResumesBefore = secondResumesIn(stack);
	const before = new Set((await main.executions(TIMED_WORKFLOW_ID)).map((execution) => execution.id));
	const calls = Array.from({ length: runCount }, (_, run) => promptsOf(label, run));
	await Promise.all(calls.map(async (prompts) => {
		const answer = await fetch(`${proxy.url}/webhook/${TIMED_PATH}`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ prompts }),
		});
		if (answer.status !== 200) throw new Error(`starting a run: HTTP ${answer.status} ${await answer.text()}`);
	}));

	// Past the Timeout, n8n's wait tracker (once a minute) ends a stalled run: wait for that too.
	const deadline = Date.now() + (TIMEOUT_S + 180) * 1000;
	let mine: Array<{ id: string; status: string }> = [];
	for (;;) {
		mine = (await main.executions(TIMED_WORKFLOW_ID)).filter((execution) => !before.has(execution.id));
		if (mine.length === runCount && mine.every((execution) => ended(execution.status))) break;
		if (Date.now() > deadline) throw new Error(`${label}: ${mine.filter((execution) => !ended(execution.status)).length} runs still open`);
		await new Promise((resolve) => setTimeout(resolve, 1000));
	}

	const jobEnds = new Map(emulator.jobTimes().map((job) => [job.jobId, job.endsAt]));
	// n8n keeps the resumed node run in place of the paused one: its items name their jobs.
	const jobIds: string[] = [];
	const runs: TimedRun[] = [];
	for (const execution of mine.reverse()) {
		const { status, data } = await main.finishedRun(execution.id);
		const runData = data.resultData.runData;
		const prompts = runData['One item per prompt'][0].data.main[0].map((item: any) => item.json.prompts as string);
		const last = runData['TT API'].at(-1);
		// Its jobs: those of the pause and, when the run had more items than places, those submitted after it.
		const submitted = last.data.main[0].map((item: any) => item.json.jobId as string).filter(Boolean);
		jobIds.push(...submitted);
		runs.push({
			executionId: execution.id,
			status,
			prompts,
			items: last.data.main[0].map((item: any) => ({
				prompt: prompts[item.pairedItem.item],
				status: item.json.status,
				error: item.json.error,
				hasImage: !!item.binary?.data,
			})),
			resumedAfterLastJobMs: last.startTime - Math.max(...submitted.map((jobId: string) => jobEnds.get(jobId) ?? Infinity)),
			callbackProcesses: proxy.waitingCalls.get(execution.id) ?? [],
		});
	}
	const fetches = emulator.requestsTo('/openai/gpt/fetch').filter((request) => jobIds.includes(request.query.jobId ?? request.query.job_id)).length;
	const secondResumes = secondResumesIn(stack).map((total, index) => total - secondResumesBefore[index]);
	const result = { runs, jobs: jobIds.length, fetches, secondResumes };
	console.log(`[soak] ${label}: fetches per job ${(fetches / jobIds.length).toFixed(2)} (${fetches}/${jobIds.length}); ${JSON.stringify({ ...result, runs: runs.map(({ items, prompts, ...rest }) => ({ ...rest, results: items.filter((item) => item.status === 'SUCCESS' && item.hasImage).length })) })}`);
	return result;
}
