/**
 * Delivers HTTP calls to the TT API Trigger's webhook() on the real engine, in-process, through
 * n8n-core's WebhookContext, as n8n's webhook server would for an active workflow.
 */
import { mock } from 'jest-mock-extended';
import {
	Workflow,
	type ICredentialDataDecryptedObject,
	type IDataObject,
	type INode,
	type INodeExecutionData,
	type IWorkflowExecuteAdditionalData,
} from 'n8n-workflow';

import { loadPackage, nodeTypesOf, TestCredentialsHelper, TRIGGER_TYPE } from './harness';

export interface CallbackRequest {
	parameters?: IDataObject;
	query?: Record<string, string>;
	/** Parsed JSON body, as n8n's body parser leaves it. */
	body?: unknown;
	/** Raw bytes, as n8n keeps them on the request. */
	rawBody?: Buffer;
	headers?: Record<string, string>;
	/** Workflow static data, shared between calls to model one active workflow. */
	staticData?: IDataObject;
	/** The same workflow with its own copy of the static data, as n8n gives concurrent calls. */
	workflowId?: string;
	/** 2 (the default) reads the secret from its credential; 1 from its Secret parameter. */
	typeVersion?: number;
	/** Version 2's credential data (`{ secret: TRIGGER_SECRET }` by default); null: no credential chosen. */
	credential?: ICredentialDataDecryptedObject | null;
}

/** The secret the test trigger expects, from its credential (v2) or its parameter (v1). */
export const TRIGGER_SECRET = 's3cret-token-value';

export interface CallbackAnswer {
	status?: number;
	body?: unknown;
	/** The items the trigger starts the workflow with, or undefined when it starts nothing. */
	items?: INodeExecutionData[];
}

// Calls that share static data model one active workflow; any other call is a workflow of its own.
const workflowIds = new WeakMap<object, string>();
let workflowCount = 0;
function workflowIdFor(staticData?: IDataObject): string {
	if (!staticData) return `trigger-test-${++workflowCount}`;
	if (!workflowIds.has(staticData)) workflowIds.set(staticData, `trigger-test-${++workflowCount}`);
	return workflowIds.get(staticData)!;
}

/** Delivers one HTTP call to the trigger's webhook() through n8n-core's real WebhookContext. */
export async function callTrigger(request: CallbackRequest): Promise<CallbackAnswer> {
	const loader = await loadPackage();
	const { WebhookContext } = await import('n8n-core');
	const typeVersion = request.typeVersion ?? 2;
	const node: INode = {
		id: 'trigger-node',
		name: 'TT API Trigger',
		type: TRIGGER_TYPE,
		typeVersion,
		position: [0, 0],
		webhookId: 'f2b1e0d4-1c7e-4c1b-9d5e-0a4f0b5c9e11',
		parameters: { ...(typeVersion < 2 ? { secret: TRIGGER_SECRET } : {}), ...(request.parameters ?? {}) } as INode['parameters'],
		...(typeVersion >= 2 && request.credential !== null ? { credentials: { ttApiTriggerApi: { id: '2', name: 'TT Callback Secret account' } } } : {}),
	};
	const workflow = new Workflow({
		id: request.workflowId ?? workflowIdFor(request.staticData),
		nodes: [node],
		connections: {},
		active: true,
		nodeTypes: nodeTypesOf(loader),
		staticData: request.staticData ?? {},
		settings: { executionOrder: 'v1' },
	});
	const answer: CallbackAnswer = {};
	const res = {
		status(code: number) {
			answer.status = code;
			return res;
		},
		json(body: unknown) {
			answer.body = body;
			return res;
		},
		end() {
			return res;
		},
		send(body: unknown) {
			answer.body = body;
			return res;
		},
	};
	const text = request.rawBody ?? (request.body === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(request.body)));
	const req = {
		method: 'POST',
		body: request.body ?? {},
		rawBody: text,
		query: request.query ?? {},
		headers: { 'content-type': 'application/json', 'content-length': String(text.length), ...(request.headers ?? {}) },
		params: {},
	};
	const additionalData = mock<IWorkflowExecuteAdditionalData>();
	Object.assign(additionalData, { httpRequest: req, httpResponse: res, currentNodeParameters: undefined });
	const credential = request.credential === undefined ? { secret: TRIGGER_SECRET } : request.credential;
	additionalData.credentialsHelper = new TestCredentialsHelper({}, credential ? { ttApiTriggerApi: credential } : {});
	const webhookData = {
		httpMethod: 'POST' as const,
		node: node.name,
		path: 'callback',
		webhookDescription: { name: 'default', httpMethod: 'POST', path: 'callback', responseMode: 'onReceived' },
		workflowId: workflow.id,
		workflowExecuteAdditionalData: additionalData,
	};
	const context = new WebhookContext(workflow, node, additionalData, 'webhook', webhookData as never, [], null);
	const nodeType = nodeTypesOf(loader).getByNameAndVersion(TRIGGER_TYPE);
	const result = await nodeType.webhook!.call(context);
	answer.items = result.workflowData?.[0];
	return answer;
}
