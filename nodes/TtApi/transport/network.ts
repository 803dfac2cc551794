/**
 * Sorts a failed HTTP call by whether TT API can have received it. A call that failed before any
 * byte of the request was sent (bad URL, unknown host, refused connection, rejected certificate)
 * cannot have started a job, so it is never reported as possibly charged.
 */

export interface NetworkFailure {
	/** The low-level code (ENOTFOUND, DEPTH_ZERO_SELF_SIGNED_CERT, ...), when one is known. */
	code?: string;
	/** Node's own words for the failure (e.g. "self-signed certificate"), kept as its cause. */
	detail?: string;
	/** What went wrong, in words: n8n replaces a message holding a raw code with a vaguer one. */
	words: string;
	/** The request cannot have reached TT API. */
	beforeSend: boolean;
	/** Which calls may repeat it: any call, reads only, or none until a setting changes. */
	retry: 'any' | 'read' | 'none';
	/** The TLS handshake failed: a wrong port or scheme, or a certificate n8n does not trust. */
	tls?: boolean;
}

type Kind = Omit<NetworkFailure, 'code' | 'detail'>;

const connect = (words: string, retry: Kind['retry']): Kind => ({ words, beforeSend: true, retry });
const afterSend = (words: string): Kind => ({ words, beforeSend: false, retry: 'read' });
const BAD_URL: Kind = { words: 'invalid URL', beforeSend: true, retry: 'none' };

const KINDS: Record<string, Kind> = {
	ECONNREFUSED: connect('connection refused', 'any'),
	EAI_AGAIN: connect('host name lookup failed', 'any'),
	EHOSTUNREACH: connect('host unreachable', 'any'),
	ENETUNREACH: connect('network unreachable', 'any'),
	// Usually a mistyped host; reads still retry it, as a resolver can fail for a moment.
	ENOTFOUND: connect('host not found', 'read'),
	ERR_INVALID_URL: BAD_URL,
	ECONNRESET: afterSend('connection reset'),
	EPIPE: afterSend('connection broken'),
	ETIMEDOUT: afterSend('no answer in time'),
	ECONNABORTED: afterSend('no answer in time'),
	ERR_BAD_RESPONSE: afterSend('unreadable answer'),
	// n8n 2.x's SSRF protection refuses some hosts before connecting; it has no code of its own.
	SSRF_BLOCKED: { words: "n8n's SSRF protection blocked the request", beforeSend: true, retry: 'none' },
};

// OpenSSL's certificate verification codes as Node reports them, and Node's own TLS codes: the
// handshake fails before the request is written.
const TLS_CODE =
	/^(CERT_|CRL_|UNABLE_TO_|ERROR_IN_C|ERR_TLS_|ERR_SSL_)|^(DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|INVALID_CA|PATH_LENGTH_EXCEEDED|INVALID_PURPOSE|HOSTNAME_MISMATCH)$/;
const TLS: Kind = { words: 'the TLS certificate was not accepted', beforeSend: true, retry: 'none', tls: true };
const TLS_HANDSHAKE: Kind = { words: 'the TLS handshake failed', beforeSend: true, retry: 'none', tls: true };
const UNKNOWN = afterSend('network error');

interface ErrorLike {
	code?: unknown;
	httpCode?: unknown;
	message?: unknown;
	messages?: unknown;
	cause?: unknown;
}

const CODE_IN_TEXT = /\b(E[A-Z]{3,}(?:_[A-Z]+)*|ERR_[A-Z_]+|[A-Z]+(?:_[A-Z]+){2,})\b/g;

function isKnown(code: string): boolean {
	return code in KINDS || TLS_CODE.test(code) || code === 'EPROTO';
}

/** Node's words for the failure: n8n keeps the original message in `messages` when it rewrites it. */
function detailOf(error: ErrorLike): string | undefined {
	const texts = [...(Array.isArray(error.messages) ? error.messages : []), error.message];
	const text = texts.find((candidate): candidate is string => typeof candidate === 'string' && candidate.trim() !== '');
	if (!text) return undefined;
	// OpenSSL's text names a source file and offsets; its reason is the part users can search for.
	const ssl = /SSL routines:[^:]*:([^:]+)/.exec(text);
	return (ssl ? ssl[1] : text.split('\n')[0]).trim().slice(0, 200);
}

/** Looks through n8n's wrappers (NodeApiError keeps the low-level code in httpCode) for the code. */
function findCode(error: unknown): { code?: string; detail?: string } {
	let current = error as ErrorLike | undefined;
	let detail: string | undefined;
	for (let depth = 0; current && typeof current === 'object' && depth < 5; depth++) {
		detail ??= detailOf(current);
		for (const code of [current.code, current.httpCode]) {
			if (typeof code === 'string' && isKnown(code)) return { code, detail: detailOf(current) ?? detail };
		}
		for (const text of [detailOf(current) ?? '', String(current.message ?? '')]) {
			if (/socket hang up/i.test(text)) return { code: 'ECONNRESET', detail: text };
			if (/timeout of \d+ms exceeded/i.test(text)) return { code: 'ECONNABORTED', detail: text };
			if (/unsupported protocol/i.test(text)) return { code: 'ERR_INVALID_URL', detail: text };
			if (/^The request was blocked because/i.test(text)) return { code: 'SSRF_BLOCKED', detail: text };
			const named = [...text.matchAll(CODE_IN_TEXT)].map((match) => match[1]).find(isKnown);
			if (named) return { code: named, detail: text };
		}
		current = current.cause as ErrorLike | undefined;
	}
	return { detail };
}

export function networkFailureOf(error: unknown): NetworkFailure {
	const { code, detail } = findCode(error);
	let kind = (code && KINDS[code]) || UNKNOWN;
	if (code && TLS_CODE.test(code)) kind = TLS;
	// EPROTO is a TLS handshake failure when the server did not speak TLS at all (an http:// port).
	if (code === 'EPROTO') kind = /wrong version number|handshake/i.test(detail ?? '') ? TLS_HANDSHAKE : UNKNOWN;
	// A connect timeout comes before the request: Node names the syscall first.
	if (code === 'ETIMEDOUT' && /^connect\b/.test(detail ?? '')) kind = connect('no answer to the connection', 'any');
	return { ...kind, code, detail };
}

export const DEFAULT_BASE_URL = 'https://api.ttapi.io';

/** The credential's Base URL as every call uses it: the default when empty, no trailing slash. */
export const normalizeBaseUrl = (value: unknown): string => String(value || DEFAULT_BASE_URL).replace(/\/+$/, '');

type BaseUrlFault = 'spaces' | 'noScheme' | 'invalid' | 'notHttp';

/**
 * What keeps a Base URL from being used, checked before any request so the failure is not
 * mistaken for a network error. The node and the credential test share it, so the test passes
 * exactly when the node can connect; each words it for its own place.
 */
export function baseUrlFault(baseUrl: string): BaseUrlFault | undefined {
	if (baseUrl !== baseUrl.trim()) return 'spaces';
	if (!/^[a-z][a-z\d+.-]*:\/\//i.test(baseUrl)) return 'noScheme';
	let url: URL;
	try {
		url = new URL(baseUrl);
	} catch {
		return 'invalid';
	}
	return url.protocol === 'https:' || url.protocol === 'http:' ? undefined : 'notHttp';
}

/** What is wrong with a Base URL, in a sentence that says how to fix it. */
export function baseUrlProblem(baseUrl: string): string | undefined {
	const shown = `"${baseUrl.length > 80 ? `${baseUrl.slice(0, 80)}…` : baseUrl}"`;
	switch (baseUrlFault(baseUrl)) {
		case 'spaces':
			return `The Base URL ${shown} has spaces before or after it: remove them`;
		case 'noScheme': {
			const suggestion = /^[\w.-]+(:\d+)?(\/\S*)?$/.test(baseUrl) ? `https://${baseUrl}` : DEFAULT_BASE_URL;
			return `The Base URL ${shown} has no scheme: use ${suggestion}`;
		}
		case 'invalid':
			return `The Base URL ${shown} is not a valid URL: use ${DEFAULT_BASE_URL}`;
		case 'notHttp':
			return `The Base URL ${shown} must start with https:// (TT API's is ${DEFAULT_BASE_URL})`;
		default:
			return undefined;
	}
}
