import type { ICredentialsDecrypted, ICredentialTestFunctions, INodeCredentialTestResult } from 'n8n-workflow';

import { baseUrlFault, normalizeBaseUrl } from './network';

/**
 * The credential dialog's test: asks TT API for the account's info (documented, read-only, free)
 * and says what to fix when that fails. A declarative `test` can only map HTTP codes; for a network
 * failure n8n shows the raw code (ENOTFOUND, ERR_INVALID_URL), hence a function.
 */

const INFO_PATH = '/midjourney/v1/info';
const TIMEOUT_S = 15;
const CHECK_BASE_URL = 'Check the Base URL (TT API: https://api.ttapi.io or https://api.ttapi.org).';

type Verdict = { ok: boolean; message: string };
const fail = (message: string): Verdict => ({ ok: false, message });

/** A Base URL fetch can use, or what is wrong with it. */
function parseBaseUrl(text: string): URL | Verdict {
	switch (baseUrlFault(text)) {
		case 'spaces':
			return fail(`The Base URL "${text}" has spaces before or after it. Remove them.`);
		case 'noScheme':
			return fail(`The Base URL "${text}" does not start with https://. Write it in full, like https://api.ttapi.io.`);
		case 'invalid':
			return fail(`The Base URL "${text}" is not a valid URL. Write it like https://api.ttapi.io.`);
		case 'notHttp':
			return fail(`The Base URL must start with https:// (http:// only for a local emulator), not ${new URL(text).protocol}//.`);
		default:
			return new URL(text);
	}
}

const TLS_TRUST = /^(CERT_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_(GET_ISSUER_CERT|VERIFY_LEAF_SIGNATURE)|ERR_TLS_CERT_ALTNAME_INVALID|HOSTNAME_MISMATCH)/;

type Failure = { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown[] } | undefined;

/** The system error code behind a failed fetch (`fetch failed` wraps it, sometimes twice), else the innermost message. */
function reasonOf(error: unknown): { code?: string; detail?: string } {
	let detail: string | undefined;
	for (let current = error as Failure; current; current = current.cause as Failure) {
		if (typeof current.code === 'string') return { code: current.code };
		const first = current.errors?.[0] as Failure;
		if (typeof first?.code === 'string') return { code: first.code };
		if (typeof current.message === 'string') detail = current.message;
	}
	return { detail };
}

function networkFailure(error: unknown, url: URL): Verdict {
	const host = url.hostname;
	const port = url.port || (url.protocol === 'https:' ? '443' : '80');
	if ((error as Error)?.name === 'TimeoutError') {
		return fail(`No answer from ${host} within ${TIMEOUT_S} s. ${CHECK_BASE_URL} If this n8n reaches the internet through a proxy, see the package README.`);
	}
	const { code = '', detail } = reasonOf(error);
	if (code === 'ENOTFOUND') return fail(`The host "${host}" was not found. ${CHECK_BASE_URL}`);
	if (code === 'EAI_AGAIN') return fail(`The host "${host}" could not be looked up (DNS did not answer). ${CHECK_BASE_URL} Also check this n8n server's network.`);
	if (code === 'ECONNREFUSED') return fail(`${host} refused the connection on port ${port}. ${CHECK_BASE_URL} For a local emulator, check that it runs on that port.`);
	if (TLS_TRUST.test(code)) {
		return fail(`The TLS certificate of ${host} is not trusted (${code}). ${CHECK_BASE_URL} Behind a proxy that inspects HTTPS, give n8n its CA certificate with NODE_EXTRA_CA_CERTS.`);
	}
	if (code === 'EPROTO' || code.startsWith('ERR_SSL_')) {
		return fail(`${host} did not answer HTTPS on port ${port} (TLS handshake failed). If it is a plain-HTTP server such as a local emulator, start the Base URL with http://.`);
	}
	if (code === 'ETIMEDOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') return fail(`${host} did not accept the connection in time. ${CHECK_BASE_URL}`);
	if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return fail(`${host} closed the connection without answering. ${CHECK_BASE_URL}`);
	return fail(`Could not reach ${host} (${code || detail || 'network error'}). ${CHECK_BASE_URL}`);
}

function judgeAnswer(code: number, body: any, location: string | null, baseUrl: string): Verdict {
	const said = typeof body?.message === 'string' && body.message ? ` TT API said: "${body.message}"` : '';
	if (code >= 300 && code < 400) {
		const target = location?.replace(INFO_PATH, '') ?? 'another address';
		return fail(`The Base URL redirects to ${target}. Use that address as the Base URL.`);
	}
	if (code === 401) {
		return fail('The TT API key is wrong, or the account\'s email is not verified yet. Copy the key again from the TT API dashboard into API Key.');
	}
	if (code === 403) return fail(`The TT API account is blocked. Contact TT API support.${said}`);
	if (code === 404) return fail(`No TT API at ${baseUrl}: ${INFO_PATH} answered HTTP 404. ${CHECK_BASE_URL}`);
	if (code === 429) return fail('TT API is limiting requests right now (HTTP 429). Test again in a minute.');
	if (code >= 500) return fail(`TT API had a server error (HTTP ${code}), so the key could not be checked. Test again in a moment; status: https://status.ttapi.io.${said}`);
	if (code !== 200) return fail(`TT API refused the test with HTTP ${code}.${said}`);
	if (body?.status !== 'SUCCESS' || typeof body?.data !== 'object' || body.data === null) {
		return fail(`${baseUrl} answered, but not as TT API does. ${CHECK_BASE_URL}`);
	}
	const balance = Number(body.data.balance);
	return { ok: true, message: Number.isFinite(balance) ? `Connected to TT API. Balance: ${balance} quota.` : 'Connected to TT API.' };
}

async function check(apiKey: string, baseUrlText: string): Promise<Verdict> {
	if (!apiKey) return fail('Enter the TT API key (TT API dashboard → API key).');
	// A header cannot carry these; fetch would refuse with a message that repeats the value.
	if (/[^\x21-\x7e]/.test(apiKey)) {
		return fail('The API key contains spaces, line breaks or other characters a TT API key does not have. Copy it again from the TT API dashboard.');
	}
	const url = parseBaseUrl(baseUrlText);
	if (!(url instanceof URL)) return url;
	let response: Response;
	try {
		response = await fetch(`${baseUrlText}${INFO_PATH}`, {
			headers: { 'TT-API-KEY': apiKey, accept: 'application/json' },
			// A redirect would carry the key to another host; the user should point at it instead.
			redirect: 'manual',
			signal: AbortSignal.timeout(TIMEOUT_S * 1000),
		});
	} catch (error) {
		return networkFailure(error, url);
	}
	const text = await response.text().catch(() => '');
	let body: unknown;
	try {
		body = JSON.parse(text);
	} catch {
		body = undefined;
	}
	return judgeAnswer(response.status, body, response.headers.get('location'), baseUrlText);
}

/** `methods.credentialTest.ttApiApiTest` of the TT API node, named by its credential's `testedBy`. */
export async function ttApiApiTest(
	this: ICredentialTestFunctions,
	credential: ICredentialsDecrypted,
): Promise<INodeCredentialTestResult> {
	const apiKey = String(credential.data?.apiKey ?? '');
	// Read as the node reads it, so the test passes exactly when the node can connect.
	const baseUrl = normalizeBaseUrl(credential.data?.baseUrl);
	const verdict = await check(apiKey, baseUrl);
	// Nothing above echoes the key; this guards a key pasted into the Base URL field.
	const message = apiKey ? verdict.message.replaceAll(apiKey, '***') : verdict.message;
	return { status: verdict.ok ? 'OK' : 'Error', message };
}
