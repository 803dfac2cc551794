/**
 * What callbackOnce.test.ts runs: a webhook workflow whose TT API node pauses until TT API calls
 * back, followed by an HTTP Request that reports to a counting server each time it runs.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export const PROMPTS_PER_RUN = 5;
export const WORKFLOW_ID = 'CallbackOnceHook';
export const WEBHOOK_PATH = 'callback-once';

/** One run of the step after the TT API node, as the counting server received it. */
export interface CountedCall {
	executionId: string;
	prompts: string[];
	images: number;
}

/** Counts the calls of the workflow's last step, per execution. */
export async function startCounter() {
	const calls: CountedCall[] = [];
	const server = http.createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (chunk: Buffer) => chunks.push(chunk));
		req.on('end', () => {
			calls.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as CountedCall);
			res.writeHead(200, { 'content-type': 'application/json' });
			res.end('{"counted":true}');
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	return {
		url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/count`,
		calls,
		callsOf: (executionId: string) => calls.filter((call) => call.executionId === executionId),
		stop: async () => await new Promise<void>((resolve) => server.close(() => resolve())),
	};
}

const node = (id: number, name: string, type: string, typeVersion: number, parameters: object, extra: object = {}) => ({
	id: `0c0a11ba-0000-4000-8000-${String(id).padStart(12, '0')}`,
	name,
	type,
	typeVersion,
	position: [id * 220, 0],
	parameters,
	...extra,
});
const link = (to: string) => ({ main: [[{ node: to, type: 'main', index: 0 }]] });

/** The prompts a run started with `tag` submits, in input order. */
export const promptsOf = (tag: string) => Array.from({ length: PROMPTS_PER_RUN }, (_, n) => `${tag} image ${n + 1}`);

/** Webhook `{ tag }` → Code (5 prompts) → TT API (GPT image, callback mode) → HTTP Request to the counter, once per run. */
export function callbackOnceWorkflow(counterUrl: string) {
	const report = '={{ JSON.stringify({ executionId: $execution.id, prompts: $input.all().map(item => item.json.prompt), images: $input.all().filter(item => item.binary && item.binary.data).length }) }}';
	return {
		id: WORKFLOW_ID,
		name: 'e2e: callback mode resumes once',
		active: true,
		settings: { executionOrder: 'v1' },
		pinData: {},
		nodes: [
			node(1, 'Webhook', 'n8n-nodes-base.webhook', 2, { httpMethod: 'POST', path: WEBHOOK_PATH, responseMode: 'onReceived', options: {} }, { webhookId: '0c0a11ba-5eb0-4a00-8000-00000000c0de' }),
			node(2, 'Prompts', 'n8n-nodes-base.code', 2, {
				jsCode: `const tag = $input.first().json.body.tag;\nreturn Array.from({ length: ${PROMPTS_PER_RUN} }, (_, n) => ({ json: { prompt: tag + ' image ' + (n + 1) } }));`,
			}),
			node(3, 'TT API', 'n8n-nodes-ttapi.ttApi', 1, {
				resource: 'gptImage',
				operation: 'generate',
				model: 'gpt-image-2',
				aspect_ratio: '1:1',
				prompt: '={{ $json.prompt }}',
				referImages: [],
				waitMode: 'callback',
				options: { timeout: 300 },
			}, { credentials: { ttApiApi: { id: 'TtApiDemoCred001', name: 'TT API account' } } }),
			// Once per run of the node, whatever the number of items: each call is one run of the step.
			node(4, 'Count', 'n8n-nodes-base.httpRequest', 4.2, {
				method: 'POST',
				url: counterUrl,
				sendBody: true,
				specifyBody: 'json',
				jsonBody: report,
				options: {},
			}, { executeOnce: true }),
		],
		connections: { Webhook: link('Prompts'), Prompts: link('TT API'), 'TT API': link('Count') },
	};
}

/** The paused execution a callback URL resumes: `/webhook-waiting/<executionId>/<nodeId>`. */
export const executionOfHook = (hookUrl: string) => new URL(hookUrl).pathname.split('/')[2];

/** "2×20, 0×5": how many jobs were fetched how many times. */
export function fetchHistogram(jobIds: string[], fetchedJobIds: string[]): string {
	const perJob = new Map(jobIds.map((jobId) => [jobId, 0]));
	for (const jobId of fetchedJobIds) if (perJob.has(jobId)) perJob.set(jobId, perJob.get(jobId)! + 1);
	const jobsPerCount = new Map<number, number>();
	for (const fetches of perJob.values()) jobsPerCount.set(fetches, (jobsPerCount.get(fetches) ?? 0) + 1);
	return [...jobsPerCount].sort(([a], [b]) => b - a).map(([fetches, jobs]) => `${fetches} fetches × ${jobs} jobs`).join(', ');
}
