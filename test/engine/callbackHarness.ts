/**
 * Callback mode on the real engine, in-process: the node pauses its execution, TT API's callbacks
 * land on a loopback listener, and the test delivers them to the node's webhook() through
 * n8n-core's WebhookContext with the paused run's data, as n8n's waiting-webhook handler does.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import { mock } from 'jest-mock-extended';
import {
	type ICredentialDataDecryptedObject,
	type INodeExecutionData,
	type IRun,
	type IWorkflowExecuteAdditionalData,
} from 'n8n-workflow';

import { RESUME_CALLER } from '../../nodes/TtApi/transport/resumeUrl';
import { actionNode, credentialTypesOf, loadPackage, NODE_TYPE, nodeTypesOf, runNode, TestCredentialsHelper, workflowOf, type RunOptions, type RunResult } from './harness';

/** Loads the package now: inside jest.isolateModulesAsync this gives a second, separate copy. */
export const loadPackageCopy = loadPackage;

export interface ReceivedCallback {
	url: string;
	body: unknown;
}

/**
 * How the listener answers the node's own calls to the resume URL (callback/earlyCallbacks.ts), as
 * n8n would: by default as if no run waited there (404), so the node checks nothing further.
 */
export type NodeCallAnswer = (call: ReceivedCallback) => { status: number; message: string } | Promise<{ status: number; message: string }>;

/** Collects the callbacks TT API sends to the paused execution's resume URL, and apart from them the node's own calls there. */
export async function startCallbackListener() {
	const received: ReceivedCallback[] = [];
	const fromNode: ReceivedCallback[] = [];
	let answerNode: NodeCallAnswer = () => ({ status: 404, message: 'The requested webhook is not registered' });
	const server = http.createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (chunk: Buffer) => chunks.push(chunk));
		req.on('end', () => {
			const call = { url: req.url ?? '/', body: JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null') };
			if (req.headers['user-agent'] !== RESUME_CALLER) {
				received.push(call);
				res.writeHead(200).end();
				return;
			}
			fromNode.push(call);
			void Promise.resolve(answerNode(call)).then(({ status, message }) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ code: status, message })));
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhook-waiting`;
	return {
		base,
		received,
		fromNode,
		answerNodeWith(answer: NodeCallAnswer) {
			answerNode = answer;
		},
		async waitFor(count: number, timeoutMs = 20_000) {
			const deadline = Date.now() + timeoutMs;
			while (received.length < count) {
				if (Date.now() > deadline) throw new Error(`${received.length} of ${count} callbacks arrived`);
				await new Promise((resolve) => setTimeout(resolve, 20));
			}
			return received.slice(0, count);
		},
		stop: async () => await new Promise<void>((resolve) => server.close(() => resolve())),
	};
}

export interface PausedRun extends RunResult {
	executionId: string;
	credentials: ICredentialDataDecryptedObject;
	parameters: RunOptions['parameters'];
}

let executionCount = 0;

/** Runs the node in callback mode until it pauses; its callbacks go to `listenerBase`. */
export async function pauseRun(options: RunOptions & { listenerBase: string }): Promise<PausedRun> {
	const executionId = `engine-callback-${++executionCount}`;
	const credentials = options.credentials ?? { apiKey: 'test-key', baseUrl: 'http://127.0.0.1:1' };
	const result = await runNode({
		...options,
		credentials,
		additionalData: { executionId, webhookWaitingBaseUrl: options.listenerBase, ...(options.additionalData ?? {}) },
	});
	return { ...result, executionId, credentials, parameters: options.parameters };
}

export interface WebhookAnswer {
	status?: number;
	/** The items the execution resumes with, or undefined when this call does not resume it. */
	items?: INodeExecutionData[];
}

/** Delivers one HTTP call to the paused node's webhook(), with the run data n8n stored at the pause. */
export async function deliverToPausedRun(
	paused: PausedRun,
	callback: ReceivedCallback,
	run: IRun = paused.run,
): Promise<WebhookAnswer> {
	const loader = await loadPackage();
	const { WebhookContext } = await import('n8n-core');
	const node = actionNode(paused.parameters);
	const workflow = workflowOf(loader, node);
	const credentialTypes = credentialTypesOf(loader);
	const answer: WebhookAnswer = {};
	const res = {
		status(code: number) {
			answer.status = code;
			return res;
		},
		json: () => res,
		end: () => res,
		send: () => res,
	};
	const url = new URL(callback.url, 'http://localhost');
	const text = Buffer.from(JSON.stringify(callback.body));
	const req = {
		method: 'POST',
		url: callback.url,
		originalUrl: callback.url,
		body: callback.body,
		rawBody: text,
		query: Object.fromEntries(url.searchParams),
		headers: { 'content-type': 'application/json', 'content-length': String(text.length) },
		params: {},
	};
	const additionalData = mock<IWorkflowExecuteAdditionalData>();
	Object.assign(additionalData, {
		httpRequest: req,
		httpResponse: res,
		executionId: paused.executionId,
		credentialsHelper: new TestCredentialsHelper(credentialTypes, { ttApiApi: paused.credentials }),
	});
	const webhookData = {
		httpMethod: 'POST' as const,
		node: node.name,
		path: node.id,
		webhookDescription: { name: 'default', httpMethod: 'POST', path: node.id, responseMode: 'onReceived', restartWebhook: true },
		workflowId: workflow.id,
		workflowExecuteAdditionalData: additionalData,
	};
	const context = new WebhookContext(workflow, node, additionalData, 'webhook', webhookData as never, [], run.data);
	const nodeType = nodeTypesOf(loader).getByNameAndVersion(NODE_TYPE);
	const result = await nodeType.webhook!.call(context);
	answer.items = result.workflowData?.[0];
	return answer;
}
