import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { runNode, useEmulator } from './harness';

const generate = (extra: Record<string, unknown> = {}) => ({ resource: 'gptImage', operation: 'generate', prompt: 'a red fox', ...extra });

describe('errors a user can act on (real engine, emulator)', () => {
	const env = useEmulator();

	it('401: says the key is wrong, never shows the key', async () => {
		const result = await runNode({ credentials: env.credentials('sk-wrong-secret-key'), parameters: generate() });
		expect(result.error).toBe('The TT API key is wrong');
		expect(result.items).toEqual([]);
		expect(JSON.stringify(result.run)).not.toContain('sk-wrong-secret-key');
		expect(env.emulator.requestsTo('/openai/gpt/generations')).toHaveLength(1);
	});

	it('402: says the balance is insufficient', async () => {
		const result = await runNode({ credentials: env.credentials('broke-key'), parameters: generate() });
		expect(result.error).toBe('TT API balance insufficient');
		expect(result.errorDescription).toMatch(/top up/i);
		expect(JSON.stringify(result.run)).not.toContain('broke-key');
	});

	it("400: passes on TT API's own message and does not retry", async () => {
		const result = await runNode({ credentials: env.credentials(), parameters: generate({ prompt: 'a forbidden-word here' }) });
		expect(result.error).toBe('TT API refused the request: The prompt contains banned words: forbidden-word');
		expect(env.emulator.requestsTo('/openai/gpt/generations')).toHaveLength(1);
	});

	it('a FAILED job: its message and its jobId', async () => {
		const result = await runNode({ credentials: env.credentials(), parameters: generate({ prompt: 'a fox [fail]' }) });
		const [submitAnswerJob] = env.emulator.requestsTo('/openai/gpt/fetch').map((request) => request.query.jobId);
		expect(result.error).toBe(`TT API job ${submitAnswerJob} failed: prompt violation: the prompt was rejected by the safety system`);
	});

	it('a poll timeout names the jobId so the job can be fetched later', async () => {
		const slow = await import('../emulator/emulator').then(({ startEmulator }) => startEmulator({ queueMs: 60_000 }));
		try {
			const result = await runNode({
				credentials: { apiKey: 'test-key', baseUrl: slow.url },
				parameters: generate({ options: { timeout: 10, pollInterval: 3 } }),
			});
			const jobId = slow.requestsTo('/openai/gpt/fetch')[0].query.jobId;
			expect(result.error).toBe(`TT API job ${jobId} did not finish within 10 s`);
			expect(result.errorDescription).toContain(`Get operation and job ID ${jobId}`);
			// Age-adapted polling: every 2 s while young, so about 5 fetches in 10 s, not one per second.
			expect(slow.requestsTo('/openai/gpt/fetch').length).toBeLessThanOrEqual(6);
		} finally {
			await slow.stop();
		}
	});

	it('an expired image URL at download time is reported with the jobId', async () => {
		const expiring = await import('../emulator/emulator').then(({ startEmulator }) => startEmulator({ queueMs: 10, runMs: 50, imageTtlMs: -1 }));
		try {
			const result = await runNode({ credentials: { apiKey: 'test-key', baseUrl: expiring.url }, parameters: generate() });
			const jobId = expiring.requestsTo('/openai/gpt/fetch')[0].query.jobId;
			expect(result.error).toBe(`The image URL has expired (HTTP 403) (job ${jobId})`);
			expect(result.errorDescription).toMatch(/Get operation/);
		} finally {
			await expiring.stop();
		}
	});
});

// A request that never left n8n cannot have started a job: such failures say what to fix and
// never warn about charges; only a failure after the request may have reached TT API does.
const MAY_BE_CHARGED = /may (still )?have (started|been charged)/;

describe('failures before anything is sent (real engine)', () => {
	const env = useEmulator();
	const submitWith = async (baseUrl: string) =>
		await runNode({ credentials: { apiKey: 'test-key', baseUrl }, parameters: generate() });
	const expectNothingCharged = (result: { errorDescription?: string | null }) => {
		expect(result.errorDescription).toMatch(/^Nothing was sent to TT API, so no job was started and nothing was charged\. /);
		expect(result.errorDescription).not.toMatch(MAY_BE_CHARGED);
	};

	it.each([
		['api.ttapi.io', 'The Base URL "api.ttapi.io" has no scheme: use https://api.ttapi.io'],
		['localhost:5678', 'The Base URL "localhost:5678" has no scheme: use https://localhost:5678'],
		['https://api ttapi.io', 'The Base URL "https://api ttapi.io" is not a valid URL: use https://api.ttapi.io'],
		['ftp://api.ttapi.io', 'The Base URL "ftp://api.ttapi.io" must start with https:// (TT API\'s is https://api.ttapi.io)'],
	])('a Base URL %j: says how to fix it', async (baseUrl, message) => {
		const result = await submitWith(baseUrl);
		expect(result.error).toBe(message);
		expect(result.errorDescription).toBe('Fix the Base URL in the TT API credential. Nothing was sent to TT API, so no job was started and nothing was charged.');
	});

	it('an API key pasted into the Base URL is not echoed', async () => {
		const result = await runNode({ credentials: { apiKey: 'sk-pasted-secret', baseUrl: 'sk-pasted-secret' }, parameters: generate() });
		expect(result.error).toBe('The Base URL "***" has no scheme: use https://***');
		expect(JSON.stringify(result.run)).not.toContain('sk-pasted-secret');
	});

	it('host not found: names the host and the cause', async () => {
		const result = await submitWith('https://no-such-host.invalid');
		expect(result.error).toMatch(/^Could not reach TT API at no-such-host\.invalid to submit the job: (host not found|host name lookup failed)$/);
		expectNothingCharged(result);
		expect(result.errorDescription).toMatch(/Check the Base URL in the TT API credential/);
		expect(result.errorDescription).toMatch(/Cause: getaddrinfo (ENOTFOUND|EAI_AGAIN) no-such-host\.invalid\.$/);
	});

	it('connection refused: names the host and port', async () => {
		const result = await submitWith('http://127.0.0.1:9');
		expect(result.error).toBe('Could not reach TT API at 127.0.0.1:9 to submit the job: connection refused');
		expectNothingCharged(result);
		expect(result.errorDescription).toMatch(/Cause: connect ECONNREFUSED 127\.0\.0\.1:9\.$/);
	});

	it('a certificate n8n does not trust: names the cause, tries once, sends no request', async () => {
		const server = await selfSignedServer();
		try {
			const result = await submitWith(`https://localhost:${server.port}`);
			expect(result.error).toBe(`Could not connect to TT API at localhost:${server.port} to submit the job: the TLS certificate was not accepted`);
			expectNothingCharged(result);
			expect(result.errorDescription).toMatch(/NODE_EXTRA_CA_CERTS/);
			expect(result.errorDescription).toMatch(/Cause: self[- ]signed certificate \(DEPTH_ZERO_SELF_SIGNED_CERT\)\.$/);
			expect(server.connections).toBe(1);
			expect(server.requests).toBe(0);
		} finally {
			server.close();
		}
	});

	it('https:// on a plain HTTP port: the TLS handshake fails before the request', async () => {
		const result = await submitWith(env.emulator.url.replace('http://', 'https://'));
		expect(result.error).toMatch(/^Could not connect to TT API at 127\.0\.0\.1:\d+ to submit the job: the TLS handshake failed$/);
		expectNothingCharged(result);
		expect(env.emulator.requests).toHaveLength(0);
	});
});

/** An HTTPS server whose certificate nobody trusts, counting connections and HTTP requests. */
async function selfSignedServer() {
	const dir = mkdtempSync(path.join(tmpdir(), 'ttapi-tls-'));
	execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost', '-keyout', `${dir}/key.pem`, '-out', `${dir}/cert.pem`], { stdio: 'ignore' });
	const counts = { connections: 0, requests: 0 };
	const server = https.createServer({ key: readFileSync(`${dir}/key.pem`), cert: readFileSync(`${dir}/cert.pem`) }, (_req, res) => {
		counts.requests++;
		res.end('{}');
	});
	rmSync(dir, { recursive: true });
	server.on('connection', () => counts.connections++);
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	return Object.assign(counts, { port: (server.address() as AddressInfo).port, close: () => server.close() });
}

describe('retries (real engine, emulator)', () => {
	const env = useEmulator();

	it('retries a fetch on 429 honouring Retry-After, and on 503', async () => {
		env.emulator.addFault({ route: 'fetch', status: 429, retryAfter: '0', times: 2 });
		env.emulator.addFault({ route: 'fetch', status: 503, times: 1 });
		const result = await runNode({ credentials: env.credentials(), parameters: generate() });
		expect(result.error).toBeUndefined();
		expect(result.items[0].json.status).toBe('SUCCESS');
		expect(env.emulator.requestsTo('/openai/gpt/generations')).toHaveLength(1);
	});

	it('retries a submit on 429 and 499: TT API certainly did not start the job', async () => {
		env.emulator.addFault({ route: 'submit', status: 429, retryAfter: '0' });
		env.emulator.addFault({ route: 'submit', status: 499 });
		const result = await runNode({ credentials: env.credentials(), parameters: generate({ waitMode: 'none' }) });
		expect(result.error).toBeUndefined();
		expect(env.emulator.requestsTo('/openai/gpt/generations')).toHaveLength(3);
	});

	it('never repeats a submit after a 500: the job may have been charged', async () => {
		env.emulator.addFault({ route: 'submit', status: 500, times: 3 });
		const result = await runNode({ credentials: env.credentials(), parameters: generate() });
		expect(result.error).toBe('TT API may not have accepted the job: TT API answered HTTP 500');
		expect(result.errorDescription).toMatch(MAY_BE_CHARGED);
		expect(result.errorDescription).toMatch(/not submitted again/);
		expect(env.emulator.requestsTo('/openai/gpt/generations')).toHaveLength(1);
	});

	it('never repeats a submit whose connection was reset', async () => {
		env.emulator.addFault({ route: 'submit', reset: true, afterHandling: true });
		const result = await runNode({ credentials: env.credentials(), parameters: generate() });
		expect(result.error).toBe('TT API may not have accepted the job: the connection failed (connection reset)');
		expect(result.errorDescription).toMatch(MAY_BE_CHARGED);
		expect(result.errorDescription).toMatch(/Cause: socket hang up \(ECONNRESET\)\.$/);
		expect(env.emulator.requestsTo('/openai/gpt/generations')).toHaveLength(1);
	});

	it('never repeats a submit that got no answer within the Request Timeout', async () => {
		env.emulator.addFault({ route: 'submit', hang: true });
		const result = await runNode({ credentials: env.credentials(), parameters: generate({ options: { requestTimeout: 1 } }) });
		expect(result.error).toBe('TT API may not have accepted the job: the connection failed (no answer in time)');
		expect(result.errorDescription).toMatch(MAY_BE_CHARGED);
		expect(env.emulator.requestsTo('/openai/gpt/generations')).toHaveLength(1);
	});
});
