/**
 * The volume benchmark's workflows, each started by a production webhook taking `{ "prompts": [...] }`,
 * so every run happens in the n8n server process whose memory is measured: ours in poll and
 * callback mode, and the template loop as users build it from core nodes, with every submit at once
 * and inside Loop Over Items in batches of the account's queue.
 */
import { link, node, pollingLoop, ttApiNode, uuidFrom, workflow } from './workflows';

export type VolumeMethod = 'ours callback' | 'ours poll' | 'template loop' | 'template loop in batches of 10';

export const VOLUME_METHODS: VolumeMethod[] = ['ours callback', 'ours poll', 'template loop', 'template loop in batches of 10'];

export const VOLUME_FLOWS: Record<VolumeMethod, { id: string; path: string }> = {
	'ours callback': { id: 'VolumeOursCallbk', path: 'volume-callback' },
	'ours poll': { id: 'VolumeOursPollxx', path: 'volume-poll' },
	'template loop': { id: 'VolumeTemplateAl', path: 'volume-template' },
	'template loop in batches of 10': { id: 'VolumeTemplateBt', path: 'volume-template-batches' },
};

/** Webhook (at `path`, taking `{ "prompts": [...] }`) → one item per prompt → `first`. */
export function fromWebhook({ id, path }: { id: string; path: string }, first: string) {
	return {
		nodes: [
			node('Webhook', 'n8n-nodes-base.webhook', 2, { httpMethod: 'POST', path, responseMode: 'onReceived', options: {} }, { webhookId: uuidFrom(id) }),
			node('One item per prompt', 'n8n-nodes-base.splitOut', 1, { fieldToSplitOut: 'body.prompts', options: { destinationFieldName: 'prompts' } }),
		],
		connections: { Webhook: link('One item per prompt'), 'One item per prompt': link(first) } as Record<string, object>,
	};
}

function ours(method: 'ours callback' | 'ours poll') {
	const base = fromWebhook(VOLUME_FLOWS[method], 'TT API');
	// Items that fail come out as items (Continue On Fail), so every prompt can be counted.
	const options = { download: true, timeout: 7200 };
	base.nodes.push(ttApiNode(method === 'ours poll' ? 'poll' : 'callback', true, { continueOnFail: true, options }));
	return base;
}

/**
 * The template loop, finished as a user would: a failed submit leaves by the error output (else one
 * 499 fails the whole run), a finished job's image is downloaded by an HTTP Request.
 */
function template(method: 'template loop' | 'template loop in batches of 10', apiUrl: string, apiKey: string) {
	const batches = method !== 'template loop';
	const base = fromWebhook(VOLUME_FLOWS[method], batches ? 'Loop Over Items' : 'Submit');
	const loop = pollingLoop(apiUrl, apiKey, { onDone: 'Download' });
	const submit = loop.nodes.find((entry) => entry.name === 'Submit')!;
	Object.assign(submit, { onError: 'continueErrorOutput' });
	base.nodes.push(
		...loop.nodes,
		node('Submit failed', 'n8n-nodes-base.noOp', 1, {}),
		node('Download', 'n8n-nodes-base.httpRequest', 4.2, {
			method: 'GET',
			url: '={{ $json.data.imageUrl }}',
			options: { response: { response: { responseFormat: 'file', outputPropertyName: 'data' } } },
		}),
	);
	Object.assign(base.connections, loop.connections, {
		Submit: { main: [[{ node: 'Wait 5 s', type: 'main', index: 0 }], [{ node: 'Submit failed', type: 'main', index: 0 }]] },
	});
	if (batches) {
		base.nodes.push(node('Loop Over Items', 'n8n-nodes-base.splitInBatches', 3, { batchSize: 10, options: {} }), node('All done', 'n8n-nodes-base.noOp', 1, {}));
		Object.assign(base.connections, {
			'Loop Over Items': { main: [[{ node: 'All done', type: 'main', index: 0 }], [{ node: 'Submit', type: 'main', index: 0 }]] },
			Download: link('Loop Over Items'),
			'Submit failed': link('Loop Over Items'),
		});
	}
	return base;
}

export function volumeWorkflows(apiUrl: string, apiKey: string) {
	return VOLUME_METHODS.map((method) => {
		const body = method.startsWith('ours') ? ours(method as 'ours poll') : template(method as 'template loop', apiUrl, apiKey);
		return { ...workflow(VOLUME_FLOWS[method].id, `bench volume: ${method}`, body), active: true };
	});
}
