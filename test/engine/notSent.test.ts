import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { NodeApiError, type INode } from 'n8n-workflow';

import { networkFailureOf } from '../../nodes/TtApi/transport/network';
import type { TtApiEmulator } from '../emulator/emulator';
import { runNode, useEmulator } from './harness';

// A request that never left n8n cannot have started a job: such failures say what to fix and
// never warn about charges (errors.test.ts has the failures after the request may have reached TT API).
const MAY_BE_CHARGED = /may (still )?have (started|been charged)/;
const generate = (extra: Record<string, unknown> = {}) => ({ resource: 'gptImage', operation: 'generate', prompt: 'a red fox', ...extra });

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
		[' https://api.ttapi.io', 'The Base URL " https://api.ttapi.io" has spaces before or after it: remove them'],
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

	it('Get (a read): the same cause, without a word about jobs or charges, and not retried', async () => {
		const connections = countConnections(env.emulator);
		const result = await runNode({
			credentials: { apiKey: 'test-key', baseUrl: env.emulator.url.replace('http://', 'https://') },
			parameters: { resource: 'gptImage', operation: 'get', jobId: 'job-1' },
		});
		connections.stop();
		expect(result.error).toMatch(/^Could not connect to TT API at 127\.0\.0\.1:\d+ to fetch the job: the TLS handshake failed \(job job-1\)$/);
		expect(result.errorDescription).toMatch(/^Nothing was sent to TT API\. Check the Base URL/);
		expect(result.errorDescription).toMatch(/Cause: .*wrong version number/);
		expect(connections.count).toBe(1);
	});

	it('https:// on a plain HTTP port: the TLS handshake fails before the request', async () => {
		const result = await submitWith(env.emulator.url.replace('http://', 'https://'));
		expect(result.error).toMatch(/^Could not connect to TT API at 127\.0\.0\.1:\d+ to submit the job: the TLS handshake failed$/);
		expectNothingCharged(result);
		expect(env.emulator.requests).toHaveLength(0);
	});
});

/** Counts TCP connections to the emulator, which sees no request when the TLS handshake fails. */
function countConnections(emulator: TtApiEmulator) {
	const server = (emulator as unknown as { server: Server }).server;
	const counter = { count: 0, stop: () => server.off('connection', onConnection) };
	const onConnection = () => counter.count++;
	server.on('connection', onConnection);
	return counter;
}

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

describe('which network failures can have reached TT API (n8n-workflow\'s error wrapping)', () => {
	const node = { name: 'TT API' } as INode;
	// What n8n's httpRequestWithAuthentication throws: the low-level error wrapped in a NodeApiError.
	const wrapped = (code: string, message: string) => new NodeApiError(node, Object.assign(new Error(message), code ? { code } : {}) as never);

	it.each([
		['ENOTFOUND', 'getaddrinfo ENOTFOUND api.ttapi.oi', true, 'read'],
		['EAI_AGAIN', 'getaddrinfo EAI_AGAIN api.ttapi.io', true, 'any'],
		['ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:443', true, 'any'],
		['EHOSTUNREACH', 'connect EHOSTUNREACH 10.0.0.1:443', true, 'any'],
		['ETIMEDOUT', 'connect ETIMEDOUT 10.0.0.1:443', true, 'any'],
		['ERR_INVALID_URL', 'Invalid URL', true, 'none'],
		['DEPTH_ZERO_SELF_SIGNED_CERT', 'self-signed certificate', true, 'none'],
		['SELF_SIGNED_CERT_IN_CHAIN', 'self-signed certificate in certificate chain', true, 'none'],
		['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'unable to verify the first certificate', true, 'none'],
		['CERT_HAS_EXPIRED', 'certificate has expired', true, 'none'],
		['ERR_TLS_CERT_ALTNAME_INVALID', "Hostname/IP does not match certificate's altnames", true, 'none'],
		['EPROTO', 'write EPROTO 0A00010B:SSL routines:ssl3_get_record:wrong version number', true, 'none'],
		['ETIMEDOUT', 'read ETIMEDOUT', false, 'read'],
		['ECONNRESET', 'socket hang up', false, 'read'],
		['ECONNABORTED', 'timeout of 60000ms exceeded', false, 'read'],
		['EPIPE', 'write EPIPE', false, 'read'],
		['EPROTO', 'read EPROTO decryption failed', false, 'read'],
		['ESOMETHINGNEW', 'something new', false, 'read'],
		['', 'The request was blocked because it resolves to a restricted IP address', true, 'none'],
	])('%s (%s): before sending %s, retried by %s', (code, message, beforeSend, retry) => {
		const failure = networkFailureOf(wrapped(code, message));
		expect(failure).toMatchObject({ beforeSend, retry });
		expect(failure.detail).toBeTruthy();
	});

	it('keeps the cause of an error n8n did not wrap, and of one it wrapped twice', () => {
		expect(networkFailureOf(Object.assign(new Error('getaddrinfo ENOTFOUND x'), { code: 'ENOTFOUND' }))).toMatchObject({ code: 'ENOTFOUND', beforeSend: true });
		const twice = new Error('outer', { cause: wrapped('DEPTH_ZERO_SELF_SIGNED_CERT', 'self-signed certificate') });
		expect(networkFailureOf(twice)).toMatchObject({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT', detail: 'self-signed certificate', tls: true });
	});
});

