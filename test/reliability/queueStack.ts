/**
 * n8n 2.x in queue mode, started once per test file: Redis, PostgreSQL 17, one main, workers and
 * webhook processes (the packed package installed in their shared user folder), with a proxy in
 * front of the webhook processes as a load balancer would be. Production webhooks, resume URLs
 * and TT API's callbacks all go through the proxy.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { startEmulator, type EmulatorOptions, type TtApiEmulator } from '../emulator/emulator';
import { N8nInstance, packPackage } from '../e2e/n8n';
import { freePortBlock } from '../e2e/ports';
import { startServices, type Services } from './services';
import { WebhookProxy } from './webhookProxy';

export interface QueueStackOptions {
	apiKey: string;
	triggerSecret: string;
	emulator: EmulatorOptions;
	workers: number;
	webhooks: number;
	/** The workflows to import and activate, given the public base URL of the webhooks. */
	workflows: (webhookBase: string) => Array<{ id: string }>;
}

export interface QueueStack {
	emulator: TtApiEmulator;
	services: Services;
	proxy: WebhookProxy;
	main: N8nInstance;
	workers: N8nInstance[];
	webhooks: N8nInstance[];
	all: N8nInstance[];
	/** What a process logged: its debug log file, then its console output. */
	logOf(process: N8nInstance): string;
	stop(): Promise<void>;
}

export async function startQueueStack(options: QueueStackOptions): Promise<QueueStack> {
	const work = mkdtempSync(path.join(tmpdir(), 'ttapi-queue-'));
	const userFolder = path.join(work, 'user');
	const services = await startServices(await freePortBlock(), await freePortBlock());
	const emulator = await startEmulator({ validKeys: [options.apiKey], ...options.emulator });
	const ports = async (count: number) => Promise.all(Array.from({ length: count }, () => freePortBlock()));
	const [mainPort, proxyPort] = await ports(2);
	const [webhookPorts, workerPorts] = [await ports(options.webhooks), await ports(options.workers)];
	const proxy = await new WebhookProxy(webhookPorts.map((port) => `http://127.0.0.1:${port}`)).start(proxyPort);
	const queueEnv = {
		EXECUTIONS_MODE: 'queue',
		QUEUE_BULL_REDIS_HOST: '127.0.0.1',
		QUEUE_BULL_REDIS_PORT: String(services.redisPort),
		DB_TYPE: 'postgresdb',
		DB_POSTGRESDB_HOST: '127.0.0.1',
		DB_POSTGRESDB_PORT: String(services.postgresPort),
		DB_POSTGRESDB_DATABASE: 'n8n',
		DB_POSTGRESDB_USER: 'n8n',
		DB_POSTGRESDB_PASSWORD: '',
		// n8n answers 503 "Database is not ready" from one database ping slower than 5 s: on a busy
		// 2-core machine a ping waits behind the executions' queries for a pooled connection.
		DB_POSTGRESDB_POOL_SIZE: '10',
		DB_PING_TIMEOUT_MS: '30000',
		WEBHOOK_URL: `${proxy.url}/`,
	};
	const make = (role: 'main' | 'worker' | 'webhook', port: number) =>
		new N8nInstance({ line: '2.x', role, userFolder, port, logFile: path.join(work, `n8n-${role}-${port}.log`), extraEnv: queueEnv });
	const main = make('main', mainPort);
	const webhooks = webhookPorts.map((port) => make('webhook', port));
	const workers = workerPorts.map((port) => make('worker', port));
	const all = [main, ...webhooks, ...workers];
	const stack: QueueStack = {
		emulator,
		services,
		proxy,
		main,
		workers,
		webhooks,
		all,
		logOf: (process) => [process.env.N8N_LOG_FILE_LOCATION, process.options.logFile].map((file) => (existsSync(file) ? readFileSync(file, 'utf8') : '')).join('\n'),
		async stop() {
			for (const process of [...all].reverse()) await process.stop();
			await proxy.stop();
			await emulator.stop();
			await services.stop();
			// KEEP_WORK=1 keeps the processes' logs, to read after a failure.
			if (process.env.KEEP_WORK) console.log(`[soak] logs kept in ${work}`);
			else rmSync(work, { recursive: true, force: true });
		},
	};
	try {
		main.installPackage(packPackage(path.join(work, 'pack')));
		await main.importDemo({ apiKey: options.apiKey, baseUrl: emulator.url, triggerSecret: options.triggerSecret });
		const workflows = options.workflows(proxy.url);
		await main.importWorkflows(workflows);
		for (const id of [...workflows.map((workflow) => workflow.id), 'TtApiDemoTrigger']) await main.activate(id);
		for (const process of all) await process.start({ timeoutMs: 240_000 });
		await main.login();
	} catch (error) {
		await stack.stop();
		throw error;
	}
	return stack;
}
