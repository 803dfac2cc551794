/**
 * Runs workflows on the real n8n engine in-process: the built package (dist/) is loaded by
 * n8n-core's PackageDirectoryLoader and executed by WorkflowExecute, with a small credentials
 * helper that applies the credential's own declarative authentication.
 * The trigger's webhook calls are in ./triggerHarness.ts.
 */
import path from 'node:path';

import { Logger } from '@n8n/backend-common';
import { Container } from '@n8n/di';
import { mock } from 'jest-mock-extended';
import { ExecutionLifecycleHooks, PackageDirectoryLoader, WorkflowExecute } from 'n8n-core';
import {
	createDeferredPromise,
	createRunExecutionData,
	ICredentialsHelper,
	Workflow,
	type ICredentialDataDecryptedObject,
	type ICredentials,
	type ICredentialType,
	type IDataObject,
	type IHttpRequestOptions,
	type INode,
	type INodeExecutionData,
	type INodeType,
	type INodeTypes,
	type IRun,
	type IRunExecutionData,
	type IVersionedNodeType,
	type IWorkflowExecuteAdditionalData,
} from 'n8n-workflow';

export const PACKAGE_DIR = path.resolve(__dirname, '../..');
export const NODE_TYPE = 'n8n-nodes-ttapi.ttApi';
export const TRIGGER_TYPE = 'n8n-nodes-ttapi.ttApiTrigger';

let loaderPromise: Promise<PackageDirectoryLoader> | undefined;

/** The package as n8n loads it: package.json's `n8n` section pointing into dist/. */
export async function loadPackage(): Promise<PackageDirectoryLoader> {
	loaderPromise ??= (async () => {
		const loader = new PackageDirectoryLoader(PACKAGE_DIR);
		await loader.loadAll();
		return loader;
	})();
	return await loaderPromise;
}

export function nodeTypesOf(loader: PackageDirectoryLoader): INodeTypes {
	const get = (type: string): INodeType | IVersionedNodeType => {
		const shortName = type.replace(`${loader.packageName}.`, '');
		const loaded = loader.nodeTypes[shortName];
		if (!loaded) throw new Error(`Unknown node type ${type}`);
		return loaded.type;
	};
	return {
		getByName: get,
		getByNameAndVersion: (type: string) => get(type) as INodeType,
		getKnownTypes: () => ({}),
	};
}

/** Resolves `={{$credentials.name}}` values, which is all the TT API credential's auth uses. */
function resolveCredentialExpression(value: unknown, credentials: ICredentialDataDecryptedObject) {
	if (typeof value !== 'string') return value;
	return value.replace(/^=\{\{\s*\$credentials\.(\w+)\s*\}\}$/, (_m, name: string) => String(credentials[name] ?? ''));
}

export class TestCredentialsHelper extends ICredentialsHelper {
	constructor(
		private readonly credentialTypes: Record<string, ICredentialType>,
		private readonly data: Record<string, ICredentialDataDecryptedObject>,
	) {
		super();
	}

	getParentTypes(): string[] {
		return [];
	}

	async authenticate(
		credentials: ICredentialDataDecryptedObject,
		typeName: string,
		requestOptions: IHttpRequestOptions,
	): Promise<IHttpRequestOptions> {
		const authenticate = this.credentialTypes[typeName]?.authenticate;
		if (!authenticate) return requestOptions;
		if (typeof authenticate === 'function') return await authenticate(credentials, requestOptions);
		const headers = { ...(requestOptions.headers ?? {}) } as IDataObject;
		for (const [name, value] of Object.entries(authenticate.properties.headers ?? {})) {
			headers[name] = resolveCredentialExpression(value, credentials) as string;
		}
		return { ...requestOptions, headers };
	}

	async preAuthentication() {
		return undefined;
	}

	async getCredentials(): Promise<ICredentials> {
		throw new Error('not used by these tests');
	}

	async getDecrypted(_additionalData: unknown, _nodeCredentials: unknown, type: string) {
		const data = this.data[type];
		if (!data) throw new Error(`No test credentials of type ${type}`);
		return data;
	}

	async updateCredentials() {}

	async updateCredentialsOauthTokenData() {}

	getCredentialsProperties() {
		return [];
	}
}

export interface RunOptions {
	parameters: IDataObject;
	/** Input items of the TT API node; one empty item by default. */
	items?: IDataObject[];
	/** Input items with binary data; replaces `items`. */
	inputItems?: INodeExecutionData[];
	credentials?: ICredentialDataDecryptedObject;
	continueOnFail?: boolean;
	/** Node settings, e.g. retryOnFail, maxTries and waitBetweenTries. */
	node?: Partial<INode>;
	/** Runs of the node in the one execution, as a loop gives (run index 0, 1, …). */
	runs?: number;
	/** Cancels the execution when this promise resolves: on an event the test waits for. */
	cancelWhen?: Promise<unknown>;
	/** What n8n's server would provide, e.g. the execution id and the resume URL's base. */
	additionalData?: Partial<IWorkflowExecuteAdditionalData>;
}

export interface RunResult {
	run: IRun;
	/** Items the TT API node emitted (output 0), or [] when it failed. */
	items: INodeExecutionData[];
	/** The node's error message when the execution failed. */
	error?: string;
	errorDescription?: string | null;
}

/** The TT API node as a one-node workflow holds it. */
export function actionNode(parameters: IDataObject, extra: Partial<INode> = {}): INode {
	return {
		id: 'ttapi-node',
		name: 'TT API',
		type: NODE_TYPE,
		typeVersion: 1,
		position: [0, 0],
		parameters: parameters as INode['parameters'],
		credentials: { ttApiApi: { id: '1', name: 'TT API account' } },
		...extra,
	};
}

export function workflowOf(loader: PackageDirectoryLoader, node: INode): Workflow {
	return new Workflow({
		id: 'engine-test',
		nodes: [node],
		connections: {},
		active: false,
		nodeTypes: nodeTypesOf(loader),
		settings: { executionOrder: 'v1' },
	});
}

export function credentialTypesOf(loader: PackageDirectoryLoader): Record<string, ICredentialType> {
	return Object.fromEntries(Object.entries(loader.credentialTypes).map(([name, loaded]) => [name, loaded.type]));
}

let runCount = 0;

export async function runNode(options: RunOptions): Promise<RunResult> {
	const loader = await loadPackage();
	const node = actionNode(options.parameters, { ...(options.continueOnFail ? { onError: 'continueRegularOutput' } : {}), ...options.node });
	const workflow = workflowOf(loader, node);
	const credentialTypes = credentialTypesOf(loader);
	const hooks = new ExecutionLifecycleHooks('manual', 'engine-execution', mock());
	const finished = createDeferredPromise<IRun>();
	hooks.addHandler('workflowExecuteAfter', (fullRunData) => finished.resolve(fullRunData));
	const additionalData = mock<IWorkflowExecuteAdditionalData>();
	additionalData.hooks = hooks;
	additionalData.currentNodeParameters = undefined;
	// n8n gives every execution an id; the mock would hand the node a function, which keys and logs would show.
	additionalData.executionId = `engine-run-${++runCount}`;
	Object.assign(additionalData, options.additionalData ?? {});
	additionalData.credentialsHelper = new TestCredentialsHelper(credentialTypes, {
		ttApiApi: options.credentials ?? { apiKey: 'test-key', baseUrl: 'http://127.0.0.1:1' },
	});

	const items = options.inputItems ?? (options.items ?? [{}]).map((json) => ({ json }));
	const runExecutionData: IRunExecutionData = createRunExecutionData({
		executionData: { nodeExecutionStack: Array.from({ length: options.runs ?? 1 }, () => ({ node, data: { main: [items] }, source: null })) },
	});

	const execution = new WorkflowExecute(additionalData, 'manual', runExecutionData).processRunExecutionData(workflow);
	void options.cancelWhen?.then(() => execution.cancel());
	await execution.catch(() => undefined);
	const run = await finished.promise;
	const taskData = run.data.resultData.runData['TT API']?.[0];
	const error = run.data.resultData.error ?? taskData?.error;
	return {
		run,
		items: taskData?.data?.main?.[0] ?? [],
		error: error?.message,
		errorDescription: (error as { description?: string | null } | undefined)?.description,
	};
}

/** The bytes of an item's binary property (stored inline in these tests). */
export function binaryBytes(item: INodeExecutionData, property = 'data'): Buffer {
	const binary = item.binary?.[property];
	if (!binary) throw new Error(`item has no binary property "${property}"`);
	return Buffer.from(binary.data, 'base64');
}

/** Starts an emulator for the test file and gives credentials pointing at it. */
export function useEmulator(options: import('../emulator/emulator').EmulatorOptions = {}) {
	const context = {
		emulator: undefined as unknown as import('../emulator/emulator').TtApiEmulator,
		credentials: (apiKey = 'test-key') => ({ apiKey, baseUrl: context.emulator.url }),
	};
	beforeAll(async () => {
		const { startEmulator } = await import('../emulator/emulator');
		context.emulator = await startEmulator({ queueMs: 30, runMs: 120, ...options });
	});
	afterAll(async () => await context.emulator.stop());
	beforeEach(() => context.emulator.reset());
	return context;
}

export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

type LoggerListener = (message: string, meta?: object) => void;

/**
 * Runs `work` with n8n's logger watched: each level in `listeners` gets every call the node makes.
 * n8n's logger turns the levels below its own into read-only no-ops, so a logger in front of it
 * sees them; nodes get the logger from the container on each use (both package copies of a test).
 */
export async function watchingLogger<T>(listeners: Partial<Record<'debug' | 'info' | 'warn', LoggerListener>>, work: () => Promise<T>): Promise<T> {
	const real = Container.get(Logger);
	const watching = Object.create(real, Object.fromEntries(Object.entries(listeners).map(([level, listener]) => [level, { value: listener }]))) as Logger;
	Container.set(Logger, watching);
	try {
		return await work();
	} finally {
		Container.set(Logger, real);
	}
}
