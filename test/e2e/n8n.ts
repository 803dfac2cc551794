// Runs a real n8n with this package installed the way users get it (the packed tarball in
// $N8N_USER_FOLDER/.n8n/nodes). Shared by `npm start` and the end-to-end tests. Starting and
// stopping the process is in ./n8nProcess.ts; this file adds the package install, the REST session,
// imports and runs.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { parse } from 'flatted';

import { N8nProcess } from './n8nProcess';

export type { N8nOptions } from './n8nProcess';

const root = path.resolve(__dirname, '../..');
export const DEMO_DIR = path.join(root, 'demo', 'workflows');
export const CREDENTIAL_ID = 'TtApiDemoCred001';
export const TRIGGER_CREDENTIAL_ID = 'TtApiDemoTrgSec1';
export const TRIGGER_WEBHOOK_ID = '6f1c2a8e-3b4d-4e5f-9a0b-1c2d3e4f5a6b';
export const OWNER = { email: 'demo@ttapi.local', password: 'TtApiDemo-2026!', firstName: 'Demo', lastName: 'User' };

/**
 * Builds and packs the package; returns the tarball's path. Under jest it packs the dist/ that
 * `npm test` built: rebuilding would empty dist/ under the suites running beside this one.
 */
export function packPackage(destination: string): string {
	mkdirSync(destination, { recursive: true });
	if (process.env.JEST_WORKER_ID === undefined) {
		const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
		if (build.status !== 0) throw new Error('npm run build failed');
	} else if (!existsSync(path.join(root, 'dist', 'nodes', 'TtApi', 'TtApi.node.js'))) {
		throw new Error('dist/ is missing: run the suites through npm test or npm run test:e2e, which build first');
	}
	const pack = spawnSync('npm', ['pack', '--silent', '--pack-destination', destination], { cwd: root, encoding: 'utf8' });
	if (pack.status !== 0) throw new Error(`npm pack failed: ${pack.stderr}`);
	return path.join(destination, pack.stdout.trim().split('\n').pop()!);
}

export interface RestAnswer {
	status: number;
	json: any;
	text: string;
}

export class N8nInstance extends N8nProcess {
	cookie?: string;

	/** Where the nightly-content demo writes its images. */
	get nightlyFolder(): string {
		return path.join(this.options.userFolder, '.n8n-files', 'nightly-content');
	}

	/** Installs the tarball into the user folder, as Settings → Community Nodes would. */
	installPackage(tarball: string): void {
		const nodesDir = path.join(this.options.userFolder, '.n8n', 'nodes');
		mkdirSync(nodesDir, { recursive: true });
		writeFileSync(path.join(nodesDir, 'package.json'), '{ "name": "installed-nodes", "private": true }\n');
		const result = spawnSync('npm', ['install', '--omit=dev', '--legacy-peer-deps', '--no-audit', '--no-fund', '--loglevel=error', tarball], {
			cwd: nodesDir,
			env: { ...process.env, PATH: this.env.PATH },
			encoding: 'utf8',
		});
		if (result.status !== 0) throw new Error(`installing the package into n8n failed: ${result.stderr}`);
	}

	/** Imports workflow JSON objects with n8n's CLI. */
	async importWorkflows(workflows: object[]): Promise<void> {
		const dir = mkdtempSync(path.join(this.options.userFolder, 'workflows-'));
		workflows.forEach((workflow, index) => writeFileSync(path.join(dir, `${index}.json`), JSON.stringify(workflow)));
		const result = await this.cli(['import:workflow', '--separate', `--input=${dir}`]);
		if (result.code !== 0) throw new Error(`n8n import:workflow failed:\n${result.stdout}\n${result.stderr}`);
	}

	/**
	 * Imports the TT API credential, the trigger's secret credential and the demo workflows
	 * (placeholders filled in); `skip` leaves out what is already saved, so `npm start` keeps a
	 * user's edits.
	 */
	async importDemo(
		{ apiKey, baseUrl, triggerSecret }: { apiKey: string; baseUrl: string; triggerSecret: string },
		skip: { credential?: boolean; workflowIds?: ReadonlySet<string> } = {},
	) {
		const work = mkdtempSync(path.join(this.options.userFolder, 'import-'));
		mkdirSync(path.join(work, 'workflows'), { recursive: true });
		const credential = [
			{ id: CREDENTIAL_ID, name: 'TT API account', type: 'ttApiApi', data: { apiKey, baseUrl } },
			{ id: TRIGGER_CREDENTIAL_ID, name: 'TT Callback Secret account', type: 'ttApiTriggerApi', data: { secret: triggerSecret } },
		];
		writeFileSync(path.join(work, 'credentials.json'), JSON.stringify(credential));
		const hookUrl = `${this.baseUrl}/webhook/${TRIGGER_WEBHOOK_ID}/callback?token=${encodeURIComponent(triggerSecret)}`;
		// n8n 2.x lets nodes write files only under ~/.n8n-files (N8N_RESTRICT_FILE_ACCESS_TO), and its
		// Write File node does not create folders.
		mkdirSync(this.nightlyFolder, { recursive: true });
		let workflows = 0;
		for (const file of readdirSync(DEMO_DIR)) {
			const text = readFileSync(path.join(DEMO_DIR, file), 'utf8').replaceAll('__HOOK_URL__', hookUrl).replaceAll('__NIGHTLY_DIR__', this.nightlyFolder);
			if (skip.workflowIds?.has(JSON.parse(text).id)) continue;
			writeFileSync(path.join(work, 'workflows', file), text);
			workflows += 1;
		}
		for (const args of [
			...(skip.credential ? [] : [['import:credentials', `--input=${path.join(work, 'credentials.json')}`]]),
			...(workflows ? [['import:workflow', '--separate', `--input=${path.join(work, 'workflows')}`]] : []),
		]) {
			const result = await this.cli(args);
			if (result.code !== 0) throw new Error(`n8n ${args[0]} failed:\n${result.stdout}\n${result.stderr}`);
		}
		// The credential file holds the API key in clear.
		rmSync(work, { recursive: true, force: true });
		return { hookUrl };
	}

	/** `n8n execute --rawOutput`: runs a saved workflow and returns the finished run n8n stored. */
	async execute(workflowId: string, { onSpawn = (_pid: number) => {}, timeoutMs = 180_000, env = {} as Record<string, string> } = {}): Promise<any> {
		// --rawOutput goes through n8n's logger at info level, so it is read from the console.
		const result = await this.cli(['execute', `--id=${workflowId}`, '--rawOutput'], {
			env: { N8N_LOG_OUTPUT: 'console', N8N_LOG_LEVEL: 'info', ...env },
			onSpawn,
			timeoutMs,
		});
		const start = result.stdout.indexOf('{\n  "data"');
		const end = result.stdout.lastIndexOf('}');
		if (start < 0 || end < start) {
			throw new Error(`n8n execute ${workflowId} printed no run (exit ${result.code}):\n${result.stdout.slice(-3000)}\n${result.stderr.slice(-3000)}`);
		}
		return JSON.parse(result.stdout.slice(start, end + 1));
	}

	/** Makes a saved workflow active, with the command this n8n line has for it. */
	async activate(workflowId: string): Promise<void> {
		const args =
			this.options.line === '2.x'
				? ['publish:workflow', `--id=${workflowId}`]
				: ['update:workflow', `--id=${workflowId}`, '--active=true'];
		const result = await this.cli(args);
		if (result.code !== 0) throw new Error(`n8n ${args[0]} failed:\n${result.stdout}\n${result.stderr}`);
	}

	/** The bytes of a binary property in a stored run: a file in n8n's binary data folder, or inline. */
	binaryBytes(binary: { id?: string; data: string }): Buffer {
		if (binary.id) {
			const [, fileId] = binary.id.split(':');
			// n8n 2.x keeps binary data under .n8n/storage, 1.x under .n8n/binaryData.
			const candidates = ['storage', 'binaryData'].map((folder) => path.join(this.options.userFolder, '.n8n', folder, fileId));
			const file = candidates.find((candidate) => existsSync(candidate));
			if (!file) throw new Error(`binary data ${binary.id} not found in ${candidates.join(' or ')}`);
			return readFileSync(file);
		}
		return Buffer.from(binary.data, 'base64');
	}

	/**
	 * POSTs JSON to an active workflow's production webhook. n8n registers those a moment after its REST
	 * API answers, and a 404 starts nothing, so a 404 is tried again for up to 60 s. Returns n8n's last answer.
	 */
	async postToWebhook(webhookPath: string, body: unknown): Promise<Response> {
		for (const deadline = Date.now() + 60_000; ; await new Promise((resolve) => setTimeout(resolve, 500))) {
			const answer = await fetch(`${this.baseUrl}/webhook/${webhookPath}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
			if (answer.status !== 404 || Date.now() > deadline) return answer;
		}
	}

	/**
	 * The id of the first execution of `workflowId` not in `known`, once n8n lists it: n8n lists a run a
	 * webhook started a moment after it has answered the webhook.
	 */
	async newExecutionId(workflowId: string, known: Set<string>, timeoutMs = 60_000): Promise<string> {
		for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 500))) {
			const executionId = (await this.executions(workflowId)).find((execution) => !known.has(execution.id))?.id;
			if (executionId) return executionId;
		}
		throw new Error(`n8n listed no new execution of workflow ${workflowId} within ${timeoutMs / 1000} s`);
	}

	/** The stored executions, newest first, of one workflow or of all; n8n pages them by 100. */
	async executions(workflowId?: string): Promise<Array<{ id: string; status: string; workflowId: string }>> {
		const filter = workflowId ? `&filter=${encodeURIComponent(JSON.stringify({ workflowId }))}` : '';
		const all: Array<{ id: string; status: string; workflowId: string }> = [];
		// n8n 2.x pages with an opaque cursor, 1.x with the last id of the previous page.
		for (let next = ''; ; ) {
			const page = await this.rest('GET', `/executions?limit=100${filter}${next}`);
			if (!page.json?.data?.results) throw new Error(`listing executions: HTTP ${page.status} ${page.text.slice(0, 300)}`);
			const { results, nextCursor } = page.json.data as { results: Array<{ id: string; status: string; workflowId: string }>; nextCursor?: string | null };
			all.push(...results);
			if (nextCursor === null || results.length < 100) return all;
			next = nextCursor ? `&cursor=${encodeURIComponent(nextCursor)}` : `&lastId=${results.at(-1)!.id}`;
		}
	}

	/**
	 * Waits until an execution has ended; returns its status and parsed run data. Each check costs n8n
	 * a read and parse of the execution: a benchmark of n8n's memory checks seldom (`pollMs`).
	 */
	async finishedRun(executionId: string, timeoutMs = 180_000, pollMs = 500): Promise<{ status: string; data: any }> {
		for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; ) {
			const execution = (await this.rest('GET', `/executions/${executionId}`)).json?.data;
			if (execution && !['waiting', 'running', 'new'].includes(execution.status)) return { status: execution.status, data: parse(execution.data) };
			await new Promise((resolve) => setTimeout(resolve, pollMs));
		}
		throw new Error(`execution ${executionId} did not end within ${timeoutMs / 1000} s`);
	}

	/**
	 * Calls n8n's internal REST API with the owner's session. A session n8n does not accept (401) is
	 * renewed, up to three times, a little later each time. (The 401s CI saw on n8n 1.x came from a
	 * "login" answered by its starting-up page; start() and login() now wait past it.)
	 */
	async rest(method: string, urlPath: string, body?: unknown): Promise<RestAnswer> {
		let answer = await this.restOnce(method, urlPath, body);
		if (urlPath === '/login' || urlPath === '/owner/setup') return answer;
		for (let renewal = 1; answer.status === 401 && renewal <= 3; renewal++) {
			this.cookie = undefined;
			await new Promise((resolve) => setTimeout(resolve, 1000 * renewal));
			await this.login();
			answer = await this.restOnce(method, urlPath, body);
		}
		return answer;
	}

	private async restOnce(method: string, urlPath: string, body?: unknown): Promise<RestAnswer> {
		const response = await fetch(`${this.baseUrl}/rest${urlPath}`, {
			method,
			headers: { 'content-type': 'application/json', 'browser-id': 'ttapi-e2e', ...(this.cookie ? { cookie: this.cookie } : {}) },
			body: body === undefined ? undefined : JSON.stringify(body),
		});
		const text = await response.text();
		let json: any;
		try {
			json = JSON.parse(text);
		} catch {
			json = undefined;
		}
		const setCookie = response.headers.get('set-cookie');
		if (setCookie?.includes('n8n-auth=')) this.cookie = setCookie.split(';')[0];
		return { status: response.status, json, text };
	}

	/**
	 * Creates the owner on a fresh instance (or logs in) and keeps the session cookie. n8n answers
	 * some REST routes before it has registered the auth ones, so a 404 is retried for a while.
	 */
	async login({ timeoutMs = 60_000 } = {}): Promise<void> {
		const deadline = Date.now() + timeoutMs;
		for (;;) {
			this.cookie = undefined;
			await this.rest('POST', '/owner/setup', OWNER);
			const login = await this.rest('POST', '/login', { email: OWNER.email, emailOrLdapLoginId: OWNER.email, password: OWNER.password });
			// A session, not n8n 1.x's 200 "n8n is starting up" page, which sets no cookie.
			if (login.status === 200 && this.cookie) return;
			const notReady = login.status === 404 || (login.status === 200 && login.json === undefined);
			if (!notReady || Date.now() > deadline) {
				throw new Error(`n8n login failed: ${login.status} ${login.text.slice(0, 300)}`);
			}
			await new Promise((resolve) => setTimeout(resolve, 500));
		}
	}
}
