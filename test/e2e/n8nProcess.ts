// One n8n process (main, worker or webhook) from an install in .cache/, with its environment, its
// logs and its CLI. ./n8n.ts builds on it: the package install, the REST session, imports and runs.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { ensureN8n, type Line, type N8nInstall } from './install';

export interface N8nOptions {
	line: Line;
	userFolder: string;
	port: number;
	logFile: string;
	extraEnv?: Record<string, string>;
	/** Queue mode's process kinds; `main` (the default) is the usual `n8n start`. */
	role?: 'main' | 'worker' | 'webhook';
}

export class N8nProcess {
	readonly install: N8nInstall;

	readonly baseUrl: string;

	server?: ChildProcess;

	constructor(readonly options: N8nOptions) {
		this.install = ensureN8n(options.line);
		this.baseUrl = `http://127.0.0.1:${options.port}`;
	}

	get env(): Record<string, string> {
		const { userFolder, port, extraEnv } = this.options;
		return {
			PATH: `${path.dirname(this.install.nodeBin)}:${process.env.PATH ?? ''}`,
			HOME: userFolder,
			N8N_USER_FOLDER: userFolder,
			N8N_PORT: String(port),
			N8N_LISTEN_ADDRESS: '127.0.0.1',
			N8N_HOST: '127.0.0.1',
			N8N_PROTOCOL: 'http',
			WEBHOOK_URL: `${this.baseUrl}/`,
			N8N_EDITOR_BASE_URL: `${this.baseUrl}/`,
			N8N_ENCRYPTION_KEY: 'ttapi-e2e-encryption-key-not-a-secret',
			N8N_SECURE_COOKIE: 'false',
			N8N_DIAGNOSTICS_ENABLED: 'false',
			N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
			N8N_TEMPLATES_ENABLED: 'false',
			N8N_PERSONALIZATION_ENABLED: 'false',
			N8N_HIRING_BANNER_ENABLED: 'false',
			N8N_COMMUNITY_PACKAGES_ENABLED: 'true',
			N8N_RUNNERS_ENABLED: 'false',
			N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'false',
			N8N_LOG_LEVEL: 'debug',
			N8N_LOG_OUTPUT: 'file',
			N8N_LOG_FILE_LOCATION: path.join(userFolder, `n8n-debug${this.options.role && this.options.role !== 'main' ? `-${this.options.role}-${port}` : ''}.log`),
			...(this.options.role === 'worker' ? { QUEUE_HEALTH_CHECK_ACTIVE: 'true', QUEUE_HEALTH_CHECK_PORT: String(port) } : {}),
			DB_SQLITE_POOL_SIZE: '2',
			// A second n8n (npm start beside the tests) must not fight over the task broker's port.
			N8N_RUNNERS_BROKER_PORT: String(port + 1),
			EXECUTIONS_DATA_SAVE_ON_SUCCESS: 'all',
			EXECUTIONS_DATA_SAVE_ON_ERROR: 'all',
			NO_COLOR: '1',
			// n8n 1.123's default "vm" expression engine needs isolated-vm 6, which needs Node >= 22;
			// on the Node 20 that 1.x runs on here, n8n's own legacy engine is the working choice.
			...(this.options.line === '1.x' ? { N8N_EXPRESSION_ENGINE: 'legacy' } : {}),
			...extraEnv,
		};
	}

	/**
	 * Runs an n8n CLI command to completion. Asynchronous on purpose: the emulator n8n talks to may
	 * live in this very process, and a blocking spawn would freeze it.
	 */
	async cli(
		args: string[],
		{ timeoutMs = 180_000, env = {} as Record<string, string>, onSpawn = (_pid: number) => {} } = {},
	) {
		// A CLI command brings its own task broker; keep it off the running server's port.
		const brokerPort = String(this.options.port + 2);
		const child = spawn(this.install.nodeBin, [this.install.bin, ...args], {
			env: { ...this.env, N8N_RUNNERS_BROKER_PORT: brokerPort, ...env },
			stdio: ['ignore', 'pipe', 'pipe'],
		});
		if (child.pid) onSpawn(child.pid);
		let stdout = '';
		let stderr = '';
		child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
		child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
		const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
		const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
		clearTimeout(timer);
		this.appendLog(`$ n8n ${args.join(' ')}\n${stdout}\n${stderr}\n`);
		return { code, stdout, stderr };
	}

	/** What this n8n has logged so far: its log file and its console output. */
	logText(): string {
		return [this.env.N8N_LOG_FILE_LOCATION, this.options.logFile]
			.filter((file) => existsSync(file))
			.map((file) => readFileSync(file, 'utf8'))
			.join('\n');
	}

	appendLog(text: string): void {
		writeFileSync(this.options.logFile, text, { flag: 'a' });
	}

	/** Starts `n8n start` and waits until it answers; on failure the error carries n8n's log. */
	async start({ timeoutMs = 120_000 } = {}) {
		const log = createWriteStream(this.options.logFile, { flags: 'a' });
		const role = this.options.role ?? 'main';
		this.server = spawn(this.install.nodeBin, [this.install.bin, role === 'main' ? 'start' : role], { env: this.env, stdio: ['ignore', 'pipe', 'pipe'] });
		this.server.stdout!.pipe(log);
		this.server.stderr!.pipe(log);
		let exited = false;
		this.server.on('exit', () => (exited = true));
		const deadline = Date.now() + timeoutMs;
		while (Date.now() < deadline && !exited) {
			try {
				// /healthz answers before the REST routes exist; /rest/settings only once they do. Until its
				// database is migrated, n8n 1.x answers every path 200 "n8n is starting up. Please wait".
				const health = await fetch(`${this.baseUrl}${role === 'main' ? '/rest/settings' : '/healthz'}`);
				if (health.ok && (role !== 'main' || (await health.text()).startsWith('{'))) return;
			} catch {}
			await new Promise((resolve) => setTimeout(resolve, 500));
		}
		await this.stop();
		const tail = readFileSync(this.options.logFile, 'utf8').split('\n').slice(-60).join('\n');
		throw new Error(`n8n ${this.install.version} did not start${exited ? ' (it exited)' : ''}. Its log:\n${tail}`);
	}

	async stop(): Promise<void> {
		const server = this.server;
		if (!server || server.exitCode !== null) return;
		const exited = new Promise((resolve) => server.once('exit', resolve));
		server.kill('SIGTERM');
		const timer = setTimeout(() => server.kill('SIGKILL'), 15_000);
		await exited;
		clearTimeout(timer);
	}
}
