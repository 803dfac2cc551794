/**
 * The README's load-balancer example for several webhook processes, run in a real nginx (Debian's
 * nginx-light, installed when missing, as redis-server is): every call to one waiting execution
 * (TT API's callbacks to `/webhook-waiting/<execution ID>/…`) reaches one process, other webhook
 * calls spread over all of them, and a process that goes away moves only its own executions.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { freePortBlock } from '../e2e/ports';
import { ensureDebianPackage } from './services';

jest.setTimeout(5 * 60_000);

/** The README's nginx block: the one that routes `/webhook-waiting/`. */
function readmeNginxBlock(): string {
	const readme = readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
	const block = [...readme.matchAll(/```nginx\n([\s\S]*?)```/g)].map((match) => match[1]).find((text) => text.includes('webhook-waiting'));
	if (!block) throw new Error('README.md has no nginx block for /webhook-waiting/');
	return block;
}

/** A webhook process stand-in: answers with its name. */
async function backend(name: string) {
	const server = http.createServer((req, res) => {
		req.resume();
		req.on('end', () => res.end(name));
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	return { name, server, address: `127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe("the README's nginx example for several webhook processes (real nginx)", () => {
	let nginx: ChildProcess | undefined;
	let folder = '';
	let base = '';
	let backends: Array<Awaited<ReturnType<typeof backend>>> = [];

	beforeAll(async () => {
		ensureDebianPackage('nginx', 'nginx-light');
		backends = [await backend('first'), await backend('second')];
		const block = readmeNginxBlock();
		// The example's two webhook processes become the two stand-ins.
		const servers = [...block.matchAll(/^(\s*)server \S+;.*$/gm)];
		expect(servers).toHaveLength(2);
		let config = block;
		servers.forEach((match, index) => (config = config.replace(match[0], `${match[1]}server ${backends[index].address};`)));
		const port = await freePortBlock();
		folder = mkdtempSync(path.join(tmpdir(), 'ttapi-nginx-'));
		for (const temp of ['body', 'proxy']) mkdirSync(path.join(folder, temp));
		writeFileSync(
			path.join(folder, 'nginx.conf'),
			[
				'worker_processes 1;',
				`pid ${folder}/nginx.pid;`,
				'events {}',
				'http {',
				'    access_log off;',
				`    client_body_temp_path ${folder}/body;`,
				`    proxy_temp_path ${folder}/proxy;`,
				config,
				`    server { listen 127.0.0.1:${port}; location / { proxy_pass http://n8n_webhooks; } }`,
				'}',
			].join('\n'),
		);
		nginx = spawn('nginx', ['-p', folder, '-c', 'nginx.conf', '-e', `${folder}/error.log`, '-g', 'daemon off;'], { stdio: 'inherit' });
		base = `http://127.0.0.1:${port}`;
		for (let tries = 0; ; tries++) {
			try {
				await fetch(`${base}/healthz`);
				break;
			} catch (error) {
				if (tries > 100) throw error;
				await new Promise((resolve) => setTimeout(resolve, 100));
			}
		}
	});

	afterAll(async () => {
		nginx?.kill();
		for (const b of backends) b.server.close();
		if (folder) rmSync(folder, { recursive: true, force: true });
	});

	const call = async (url: string) => await (await fetch(`${base}${url}`, { method: 'POST', body: '{"jobId":"x","status":"SUCCESS"}' })).text();
	const executions = Array.from({ length: 12 }, (_, n) => String(4300 + n));
	// The forms TT API calls: a queued job's hookUrl (path suffix, position), a head's (the resume URL itself).
	const callbackUrls = (execution: string, n: number) => [`/webhook-waiting/${execution}/ttapi?ttapiToken=t&position=${n}&previous=j${n}`, `/webhook-waiting/${execution}?ttapiToken=t`];

	it('sends every call to one waiting execution to one process, the executions to both, other webhook calls to both', async () => {
		const reached = new Map<string, Set<string>>();
		for (let n = 0; n < 5; n++) {
			for (const execution of executions) {
				for (const url of callbackUrls(execution, n)) reached.set(execution, (reached.get(execution) ?? new Set()).add(await call(url)));
			}
		}
		expect([...reached.values()].map((names) => names.size)).toEqual(executions.map(() => 1));
		expect(new Set([...reached.values()].flatMap((names) => [...names])).size).toBe(2);

		const webhookCalls = await Promise.all(Array.from({ length: 40 }, async () => await call('/webhook/nightly-content')));
		expect(new Set(webhookCalls).size).toBe(2);
	});

	it('a process that goes away moves only its own executions', async () => {
		const before = new Map<string, string>();
		for (const execution of executions) before.set(execution, await call(callbackUrls(execution, 0)[0]));
		const [gone, left] = backends;
		await new Promise<void>((resolve) => gone.server.close(() => resolve()));
		gone.server.closeAllConnections();
		for (const execution of executions) {
			const after = await call(callbackUrls(execution, 1)[0]);
			// The executions the stopped process had now reach the other; the other's stay where they were.
			expect(after).toBe(before.get(execution) === gone.name ? left.name : before.get(execution));
		}
		expect(new Set(before.values()).size).toBe(2);
	});
});
