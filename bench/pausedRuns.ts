/**
 * Paused runs for the callback benches (callbackCost.ts, callbackPeak.ts), and the calls that make
 * n8n load one: a callback to our node for a job not of the run (our webhook runs, finds nothing to
 * do), the same call without n8n's token (n8n loads and parses the run, then answers 401: no node
 * runs), and a call n8n's own Wait node turns away (403), on a run of the same prompts paused by it.
 * The jobs of our runs never end (the emulator's stuck marker), so every run stays paused.
 */
import { parse } from 'flatted';

import type { startEmulator } from '../test/emulator/emulator';
import type { N8nInstance } from '../test/e2e/n8n';
import { postPrompts, sleep } from './volume';
import { fromWebhook, VOLUME_FLOWS } from './volumeWorkflows';
import { node, uuidFrom, workflow } from './workflows';

/** n8n's Wait node (resume on a webhook call) after the same Webhook and Split Out as ours: a node that keeps nothing of its own in the paused run. */
const WAIT_FLOW = { id: 'BenchWaitNodeRun', path: 'bench-wait-node' };

export function waitNodeWorkflow() {
	const body = fromWebhook(WAIT_FLOW, 'Wait');
	// Turns away a caller that looks like a bot (403), after n8n has loaded the run and built the workflow.
	body.nodes.push(node('Wait', 'n8n-nodes-base.wait', 1.1, { resume: 'webhook', httpMethod: 'POST', options: { ignoreBots: true } }, { webhookId: uuidFrom(`${WAIT_FLOW.id} wait`) }));
	return { ...workflow(WAIT_FLOW.id, 'bench callbacks: n8n Wait node', body), active: true };
}

type Emulator = Awaited<ReturnType<typeof startEmulator>>;

/** Where to send calls to a paused run, and what n8n answers them. */
export interface PausedRunCall {
	url: string;
	status: number;
	headers?: Record<string, string>;
}

export type CallKind = 'ours' | 'no node' | 'wait node';

export const CALL_KINDS: Array<{ kind: CallKind; label: string }> = [
	{ kind: 'ours', label: 'TT API node, a callback for a job not of the run (200)' },
	{ kind: 'no node', label: "the same paused run, a call without n8n's token (401: no node runs)" },
	{ kind: 'wait node', label: "n8n's Wait node paused on the same prompts, a call it turns away (403)" },
];

/**
 * Posts `prompts` to the workflow and returns the new execution's id once n8n has stored it paused.
 * It watches the execution list, which n8n serves without reading the run's data: the benches
 * measure what the calls cost, and a full read of the run every half second would add to it.
 */
async function pausedExecution(n8n: N8nInstance, workflowId: string, post: () => Promise<void>, timeoutMs = 180_000): Promise<string> {
	const known = new Set((await n8n.executions(workflowId)).map((execution) => execution.id));
	await post();
	for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await sleep(500)) {
		const execution = (await n8n.executions(workflowId)).find(({ id }) => !known.has(id));
		if (execution?.status === 'waiting') return execution.id;
		if (execution && !['running', 'new'].includes(execution.status)) throw new Error(`execution ${execution.id} ended (${execution.status}) instead of waiting`);
	}
	throw new Error(`no execution of workflow ${workflowId} was paused within ${timeoutMs / 1000} s`);
}

/** Pauses a run of `prompts` as `kind` needs it and returns how to call it. */
export async function pauseForCalls(n8n: N8nInstance, emulator: Emulator, kind: CallKind, prompts: string[]): Promise<PausedRunCall> {
	if (kind === 'wait node') {
		const id = await pausedExecution(n8n, WAIT_FLOW.id, async () => {
			const answer = await n8n.postToWebhook(WAIT_FLOW.path, { prompts });
			if (!answer.ok) throw new Error(`Wait node workflow: webhook answered HTTP ${answer.status}`);
		});
		// The resume URL is only in the run's data: one read, once the run is paused.
		const data = parse((await n8n.rest('GET', `/executions/${id}`)).json.data.data);
		const url = String(data.resultData.runData.Wait[0].metadata.resumeUrl);
		return { url, status: 403, headers: { 'user-agent': 'Googlebot/2.1 (+http://www.google.com/bot.html)' } };
	}
	const stuck = prompts.map((prompt) => `${prompt} ${emulator.options.stuckMarker}`);
	const id = await pausedExecution(n8n, VOLUME_FLOWS['ours callback'].id, async () => await postPrompts(n8n, 'ours callback', stuck));
	if (kind === 'no node') return { url: `${n8n.baseUrl}/webhook-waiting/${id}`, status: 401 };
	const submit = emulator.requestsTo('/openai/gpt/generations').find((request) => (request.body as { prompt?: string }).prompt === stuck[0])!;
	return { url: String((submit.body as { hookUrl: string }).hookUrl), status: 200 };
}

/** The `n`-th call: a TT API callback body, for a job no run has. */
export async function callPausedRun({ url, status, headers }: PausedRunCall, n: number): Promise<void> {
	const answer = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ jobId: `not-of-this-run-${n}`, status: 'SUCCESS', data: {} }) });
	if (answer.status !== status) throw new Error(`a call to ${new URL(url).pathname} answered HTTP ${answer.status}, not ${status}: ${await answer.text()}`);
}
