/**
 * Workflows for the Image (OpenAI-Compatible) resource in a real n8n: PNG files read from disk into
 * binary (Read/Write Files from Disk), grouped into items by a Code node, edited by our node.
 * Shared by the e2e test and the benchmark.
 */
const CRED = { ttApiApi: { id: 'TtApiDemoCred001', name: 'TT API account' } };

let nextId = 0;
const node = (name: string, type: string, typeVersion: number, parameters: object, extra: object = {}) => ({
	id: `00000000-0000-4000-9000-${String(++nextId).padStart(12, '0')}`,
	name,
	type,
	typeVersion,
	position: [nextId * 220, 0],
	parameters,
	...extra,
});
const link = (to: string) => ({ main: [[{ node: to, type: 'main', index: 0 }]] });

/** A workflow of nodes run in a row, Start first. */
function chain(id: string, name: string, nodes: Array<ReturnType<typeof node>>) {
	const all = [node('Start', 'n8n-nodes-base.manualTrigger', 1, {}), ...nodes];
	const connections = Object.fromEntries(all.slice(0, -1).map((from, at) => [from.name, link(all[at + 1].name)]));
	return { id, name, active: false, settings: { executionOrder: 'v1' }, pinData: {}, nodes: all, connections };
}

/**
 * Start → Read/Write Files from Disk (`glob`) → a Code node making one item per group of files:
 * each file `<item>-<field>.png` becomes binary field `<field>` of item `<item>`.
 */
export function readFilesNodes(glob: string) {
	const jsCode = [
		'const items = new Map();',
		'for (const file of $input.all()) {',
		"  const [, item, field] = /^(.+)-(\\w+)\\.png$/.exec(file.json.fileName);",
		'  if (!items.has(item)) items.set(item, { json: { item }, binary: {} });',
		'  items.get(item).binary[field] = file.binary.data;',
		'}',
		'return [...items.keys()].sort().map((item) => items.get(item));',
	].join('\n');
	return [
		node('Read PNG files', 'n8n-nodes-base.readWriteFile', 1, { operation: 'read', fileSelector: glob, options: { dataPropertyName: 'data' } }),
		node('One item per image set', 'n8n-nodes-base.code', 2, { jsCode }),
	];
}

export interface EditVariant {
	inputBinaryFields?: string;
	options?: Record<string, unknown>;
	/** The TT API node left out: the same run without the edit (the benchmark's baseline). */
	withoutEdit?: boolean;
}

export const EDIT_NODE = 'Edit image';

export function editWorkflow(id: string, glob: string, prompt: string, variant: EditVariant = {}) {
	const edit = node(EDIT_NODE, 'n8n-nodes-ttapi.ttApi', 1, {
		resource: 'image',
		operation: 'edit',
		model: 'gpt-image-1',
		prompt,
		inputBinaryFields: variant.inputBinaryFields ?? 'data',
		imageUrls: '',
		options: variant.options ?? {},
	}, { credentials: CRED });
	return chain(id, `images: ${prompt}`, [...readFilesNodes(glob), ...(variant.withoutEdit ? [] : [edit])]);
}

export function accountWorkflow(id: string) {
	return chain(id, 'images: account', [node('Account', 'n8n-nodes-ttapi.ttApi', 1, { resource: 'account', operation: 'get' }, { credentials: CRED })]);
}

export const GENERATE_NODE = 'Generate image';

/** Start → a Code node with one item per prompt → Image (OpenAI-Compatible) generate, with Retry On Fail on. */
export function generateWithRetryWorkflow(id: string, prompts: string[]) {
	const jsCode = `return ${JSON.stringify(prompts)}.map((prompt) => ({ json: { prompt } }));`;
	const generate = node(
		GENERATE_NODE,
		'n8n-nodes-ttapi.ttApi',
		1,
		{ resource: 'image', operation: 'generate', model: 'gpt-image-1', prompt: '={{ $json.prompt }}', options: {} },
		{ credentials: CRED, retryOnFail: true, maxTries: 2, waitBetweenTries: 100 },
	);
	return chain(id, 'images: generate, Retry On Fail', [node('One item per prompt', 'n8n-nodes-base.code', 2, { jsCode }), generate]);
}
