import { createHash } from 'node:crypto';

/** The workflows the benchmark runs: ours, the community template loop, and one item at a time. */
const CRED = { ttApiApi: { id: 'TtApiDemoCred001', name: 'TT API account' } };
const MANUAL = 'Start';

let nextId = 0;
export const node = (name: string, type: string, typeVersion: number, parameters: object, extra: object = {}) => ({
	id: `00000000-0000-4000-8000-${String(++nextId).padStart(12, '0')}`,
	name,
	type,
	typeVersion,
	position: [nextId * 200, 0],
	parameters,
	...extra,
});
export const link = (to: string, index = 0) => ({ main: [[{ node: to, type: 'main', index }]] });

/** Start → (Set + Split Out for n prompts) → …first node of the rest */
function withPrompts(count: number, first: string, prompts = Array.from({ length: count }, (_, n) => `bench image ${n + 1}`)) {
	return {
		nodes: [
			node(MANUAL, 'n8n-nodes-base.manualTrigger', 1, {}),
			node('Prompts', 'n8n-nodes-base.set', 3.4, { mode: 'raw', jsonOutput: JSON.stringify({ prompts }), options: {} }),
			node('One item per prompt', 'n8n-nodes-base.splitOut', 1, { fieldToSplitOut: 'prompts', options: {} }),
		],
		connections: { [MANUAL]: link('Prompts'), Prompts: link('One item per prompt'), 'One item per prompt': link(first) } as Record<string, object>,
	};
}

export const workflow = (id: string, name: string, body: { nodes: object[]; connections: object }) => ({
	id,
	name,
	active: false,
	settings: { executionOrder: 'v1' },
	pinData: {},
	...body,
});

export interface OursVariant {
	prompts?: string[];
	options?: object;
	continueOnFail?: boolean;
}

type WaitMode = 'poll' | 'callback' | 'none';

export const uuidFrom = (text: string) => createHash('sha256').update(text).digest('hex').replace(/^(.{8})(.{4}).(.{3}).(.{3})(.{12}).*$/, '$1-$2-4$3-8$4-$5');

export const ttApiNode = (waitMode: WaitMode, download: boolean, variant: OursVariant) =>
	node('TT API', 'n8n-nodes-ttapi.ttApi', 1, {
		resource: 'gptImage',
		operation: 'generate',
		model: 'gpt-image-2',
		aspect_ratio: '1:1',
		prompt: '={{ $json.prompts }}',
		referImages: [],
		waitMode,
		options: { download, concurrency: 20, timeout: 600, ...variant.options },
	}, { credentials: CRED, ...(variant.continueOnFail ? { onError: 'continueRegularOutput' } : {}) });

export function oursWorkflow(id: string, count: number, waitMode: 'poll' | 'callback', download: boolean, variant: OursVariant = {}) {
	const base = withPrompts(count, 'TT API', variant.prompts);
	base.nodes.push(ttApiNode(waitMode, download, variant));
	return workflow(id, `bench: ours ${waitMode} x${count}`, base);
}

/** Ours without download, then n8n's own HTTP Request node downloading each image to binary: the baseline for memory. */
export function httpRequestDownloadWorkflow(id: string, count: number) {
	const base = oursWorkflow(id, count, 'poll', false);
	base.nodes.push(
		node('Download', 'n8n-nodes-base.httpRequest', 4.2, {
			method: 'GET',
			url: '={{ $json.imageUrl }}',
			options: { response: { response: { responseFormat: 'file', outputPropertyName: 'data' } } },
		}),
	);
	Object.assign(base.connections, { 'TT API': link('Download') });
	return { ...base, name: `bench: ours poll x${count}, then HTTP Request downloads` };
}

/** A production webhook taking `{ "prompts": [...] }` → one item per prompt → TT API: how queue mode runs work. */
export function webhookWorkflow(id: string, webhookPath: string, waitMode: WaitMode, variant: OursVariant = {}) {
	const nodes = [
		node('Webhook', 'n8n-nodes-base.webhook', 2, { httpMethod: 'POST', path: webhookPath, responseMode: 'onReceived', options: {} }, { webhookId: uuidFrom(id) }),
		node('One item per prompt', 'n8n-nodes-base.splitOut', 1, { fieldToSplitOut: 'body.prompts', options: { destinationFieldName: 'prompts' } }),
		ttApiNode(waitMode, false, variant),
	];
	const connections = { Webhook: link('One item per prompt'), 'One item per prompt': link('TT API') };
	return { ...workflow(id, `webhook: ${waitMode}`, { nodes, connections }), active: true };
}

/** The loop n8n's public templates use: submit, Wait 5 s, fetch, IF done, else back to Wait. */
export function pollingLoop(apiUrl: string, apiKey: string, after: { onDone: string }) {
	const headers = { parameters: [{ name: 'TT-API-KEY', value: apiKey }] };
	return {
		nodes: [
			node('Submit', 'n8n-nodes-base.httpRequest', 4.2, {
				method: 'POST',
				url: `${apiUrl}/openai/gpt/generations`,
				sendHeaders: true,
				headerParameters: headers,
				sendBody: true,
				specifyBody: 'json',
				jsonBody: '={{ JSON.stringify({ prompt: $json.prompts, model: "gpt-image-2", aspect_ratio: "1:1" }) }}',
				options: {},
			}),
			node('Wait 5 s', 'n8n-nodes-base.wait', 1.1, { amount: 5, unit: 'seconds' }, { webhookId: '11111111-2222-4333-8444-555555555555' }),
			node('Fetch', 'n8n-nodes-base.httpRequest', 4.2, {
				method: 'GET',
				url: `${apiUrl}/openai/gpt/fetch`,
				sendQuery: true,
				queryParameters: { parameters: [{ name: 'jobId', value: '={{ $json.jobId ?? $json.data.job_id }}' }] },
				sendHeaders: true,
				headerParameters: headers,
				options: {},
			}),
			node('Done?', 'n8n-nodes-base.if', 2.2, {
				conditions: {
					options: { caseSensitive: true, leftValue: '', typeValidation: 'loose', version: 2 },
					conditions: [{ id: 'c1', leftValue: '={{ $json.status }}', rightValue: 'SUCCESS', operator: { type: 'string', operation: 'equals' } }],
					combinator: 'and',
				},
				options: {},
			}),
		],
		connections: {
			Submit: link('Wait 5 s'),
			'Wait 5 s': link('Fetch'),
			Fetch: link('Done?'),
			'Done?': { main: [[{ node: after.onDone, type: 'main', index: 0 }], [{ node: 'Wait 5 s', type: 'main', index: 0 }]] },
		},
	};
}

export function templateWorkflow(id: string, count: number, apiUrl: string, apiKey: string) {
	const base = withPrompts(count, 'Submit');
	const loop = pollingLoop(apiUrl, apiKey, { onDone: 'Done' });
	base.nodes.push(...loop.nodes, node('Done', 'n8n-nodes-base.noOp', 1, {}));
	Object.assign(base.connections, loop.connections);
	return workflow(id, `bench: template loop x${count}`, base);
}

/** The same loop inside Loop Over Items with batch size 1: one job at a time. */
export function oneAtATimeWorkflow(id: string, count: number, apiUrl: string, apiKey: string) {
	const base = withPrompts(count, 'Loop Over Items');
	const loop = pollingLoop(apiUrl, apiKey, { onDone: 'Loop Over Items' });
	base.nodes.push(node('Loop Over Items', 'n8n-nodes-base.splitInBatches', 3, { batchSize: 1, options: {} }), ...loop.nodes, node('Done', 'n8n-nodes-base.noOp', 1, {}));
	Object.assign(base.connections, loop.connections, {
		'Loop Over Items': { main: [[{ node: 'Done', type: 'main', index: 0 }], [{ node: 'Submit', type: 'main', index: 0 }]] },
	});
	return workflow(id, `bench: one at a time x${count}`, base);
}

/** The node setting a user turns on: Settings → Retry On Fail, 3 tries, on the TT API node. */
export function withRetryOnFail<T extends { nodes: object[] }>(workflow: T): T {
	for (const node of workflow.nodes as Array<Record<string, unknown>>) if (node.name === 'TT API') Object.assign(node, { retryOnFail: true, maxTries: 3, waitBetweenTries: 100 });
	return workflow;
}
