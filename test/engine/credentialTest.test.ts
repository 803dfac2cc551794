/**
 * The credential dialog's "Test" on the built package: the test function found the way n8n's
 * CredentialsTester finds it (a credential without `test`, a node naming it in `testedBy`), called
 * with n8n-core's real CredentialTestContext, against the emulator and broken Base URLs.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { CredentialTestContext } from 'n8n-core';
import type { ICredentialTestFunction, INodeCredentialTestResult, INodeType } from 'n8n-workflow';

import { loadPackage, useEmulator } from './harness';

const GOOD_KEY = 'ttk-good-4c1d9e7a';
const EMPTY_KEY = 'ttk-empty-8b2f3a61';
const WRONG_KEY = 'ttk-wrong-0e5a7c2d';
const messages: string[] = [];

/** A loopback port nothing listens on (fetch itself refuses "bad ports" such as 1). */
async function closedPort(): Promise<number> {
	const server = net.createServer();
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	await new Promise((resolve) => server.close(resolve));
	return port;
}

/** The function n8n would run, looked up as n8n's CredentialsTester does. */
async function credentialTest(): Promise<ICredentialTestFunction> {
	const loader = await loadPackage();
	const credentialType = loader.credentialTypes.ttApiApi.type;
	// A credential's own `test` wins over the node's testedBy in n8n, so there must be none.
	expect(credentialType.test).toBeUndefined();
	const node = loader.nodeTypes.ttApi.type as INodeType;
	const testedBy = node.description.credentials?.find((entry) => entry.name === 'ttApiApi')?.testedBy;
	expect(typeof testedBy).toBe('string');
	const test = node.methods?.credentialTest?.[testedBy as string];
	expect(test).toBeInstanceOf(Function);
	return test!;
}

async function testWith(apiKey: string, baseUrl: string): Promise<INodeCredentialTestResult> {
	const test = await credentialTest();
	const result = await test.call(new CredentialTestContext(), { id: '1', name: 'TTAPI account', type: 'ttApiApi', data: { apiKey, baseUrl } });
	messages.push(result.message);
	return result;
}

describe('credential test (real n8n-core context, emulator)', () => {
	const env = useEmulator({ validKeys: [GOOD_KEY], brokeKeys: [EMPTY_KEY] });

	afterAll(() => {
		// The key never comes back in a message, whatever went wrong.
		for (const key of [GOOD_KEY, EMPTY_KEY, WRONG_KEY]) expect(messages.join('\n')).not.toContain(key);
	});

	it('a good key: OK, with the balance, from GET /midjourney/v1/info', async () => {
		expect(await testWith(GOOD_KEY, env.emulator.url)).toEqual({ status: 'OK', message: 'Connected to TT API. Balance: 1000 quota.' });
		expect(env.emulator.requests).toEqual([expect.objectContaining({ method: 'GET', path: '/midjourney/v1/info', keyKnown: true })]);
	});

	it('a good key on an account with no quota left still passes, showing balance 0', async () => {
		expect(await testWith(EMPTY_KEY, `${env.emulator.url}/`)).toEqual({ status: 'OK', message: 'Connected to TT API. Balance: 0 quota.' });
	});

	it('a wrong key: says so in the message itself', async () => {
		const result = await testWith(WRONG_KEY, env.emulator.url);
		expect(result.status).toBe('Error');
		expect(result.message).toMatch(/^The TT API key is wrong, or the account's email is not verified yet\. Copy the key again/);
	});

	it('an unknown host: names it and says to check the Base URL', async () => {
		const result = await testWith(GOOD_KEY, 'https://api.ttapi.invalid');
		expect(result.status).toBe('Error');
		// Without a DNS server (some sandboxes) the lookup fails as EAI_AGAIN instead of ENOTFOUND.
		expect(result.message).toMatch(/^The host "api\.ttapi\.invalid" (was not found|could not be looked up \(DNS did not answer\))\. Check the Base URL/);
	});

	it('a Base URL without https://: says to write it in full, sends nothing', async () => {
		const host = new URL(env.emulator.url).host;
		const result = await testWith(GOOD_KEY, host);
		expect(result).toEqual({ status: 'Error', message: `The Base URL "${host}" does not start with https://. Write it in full, like https://api.ttapi.io.` });
		expect(env.emulator.requests).toEqual([]);
	});

	it('an invalid URL or stray spaces: says so', async () => {
		expect((await testWith(GOOD_KEY, 'https://api ttapi.io')).message).toBe('The Base URL "https://api ttapi.io" is not a valid URL. Write it like https://api.ttapi.io.');
		expect((await testWith(GOOD_KEY, ' https://api.ttapi.io')).message).toBe('The Base URL " https://api.ttapi.io" has spaces before or after it. Remove them.');
		expect((await testWith(GOOD_KEY, 'ftp://api.ttapi.io')).message).toMatch(/^The Base URL must start with https:\/\//);
	});

	it('a refused connection: names host and port', async () => {
		const port = await closedPort();
		const result = await testWith(GOOD_KEY, `http://127.0.0.1:${port}`);
		expect(result.message).toBe(`127.0.0.1 refused the connection on port ${port}. Check the Base URL (TT API: https://api.ttapi.io or https://api.ttapi.org). For a local emulator, check that it runs on that port.`);
	});

	it('https:// to a plain-HTTP server: says to use http://', async () => {
		const result = await testWith(GOOD_KEY, env.emulator.url.replace('http://', 'https://'));
		expect(result.message).toMatch(/^127\.0\.0\.1 did not answer HTTPS on port \d+ \(TLS handshake failed\)\. If it is a plain-HTTP server such as a local emulator, start the Base URL with http:\/\/\.$/);
	});

	it('a Base URL that is not TT API (404) or a TT API server error: says which', async () => {
		expect((await testWith(GOOD_KEY, `${env.emulator.url}/v1`)).message).toMatch(/^No TT API at http:\/\/127\.0\.0\.1:\d+\/v1: \/midjourney\/v1\/info answered HTTP 404\. Check the Base URL/);
		env.emulator.addFault({ route: 'info', status: 503 });
		expect((await testWith(GOOD_KEY, env.emulator.url)).message).toMatch(/^TT API had a server error \(HTTP 503\), so the key could not be checked\./);
	});

	it('a Base URL that redirects: names the target instead of following it with the key', async () => {
		const server = http.createServer((_req, res) => res.writeHead(301, { location: 'https://api.ttapi.org/midjourney/v1/info' }).end());
		await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
		try {
			const { port } = server.address() as AddressInfo;
			expect((await testWith(GOOD_KEY, `http://127.0.0.1:${port}`)).message).toBe('The Base URL redirects to https://api.ttapi.org. Use that address as the Base URL.');
		} finally {
			await new Promise((resolve) => server.close(resolve));
		}
	});

	it('a key pasted into the Base URL is not repeated back', async () => {
		const result = await testWith(GOOD_KEY, `https://${GOOD_KEY}.invalid`);
		expect(result.message).toMatch(/^The host "\*\*\*\.invalid"/);
	});
});

describe('credential test against an HTTPS server with an untrusted certificate', () => {
	const dir = mkdtempSync(path.join(tmpdir(), 'ttapi-tls-'));
	let server: https.Server;

	beforeAll(async () => {
		const [key, cert] = ['key.pem', 'cert.pem'].map((file) => path.join(dir, file));
		execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1'], { stdio: 'ignore' });
		server = https.createServer({ key: readFileSync(key), cert: readFileSync(cert) }, (_req, res) => res.end('{}'));
		await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	});

	afterAll(async () => {
		await new Promise((resolve) => server.close(resolve));
		rmSync(dir, { recursive: true, force: true });
	});

	it('names the TLS problem and what to do about a proxy that inspects HTTPS', async () => {
		const { port } = server.address() as AddressInfo;
		const result = await testWith(GOOD_KEY, `https://127.0.0.1:${port}`);
		expect(result.status).toBe('Error');
		expect(result.message).toMatch(/^The TLS certificate of 127\.0\.0\.1 is not trusted \(DEPTH_ZERO_SELF_SIGNED_CERT\)\. Check the Base URL .* NODE_EXTRA_CA_CERTS\.$/);
	});
});
