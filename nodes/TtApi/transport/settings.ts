import type { ICredentialDataDecryptedObject, IExecuteFunctions, IWebhookFunctions } from 'n8n-workflow';

import { baseUrlProblem, normalizeBaseUrl } from './network';

export const CREDENTIAL_TYPE = 'ttApiApi';
export const REQUEST_TIMEOUT_RANGE = [1, 600] as const;
const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;

export type HttpContext = IExecuteFunctions | IWebhookFunctions;

export interface BaseUrl {
	baseUrl: string;
	/** Shown in network errors; empty when the URL cannot be parsed. */
	host: string;
	/** Why the Base URL cannot be used, in a sentence saying what to fix. */
	problem?: string;
}

const credentialReads = new WeakMap<object, Promise<ICredentialDataDecryptedObject>>();

/**
 * The TT API credential, read once per node context. Outside a running execution (a callback's
 * webhook) n8n makes a new expression isolate for every read, tens of milliseconds that delay the
 * next submit of a queued run.
 */
export async function credentialsOf(ctx: HttpContext): Promise<ICredentialDataDecryptedObject> {
	let read = credentialReads.get(ctx);
	if (read === undefined) {
		read = ctx.getCredentials(CREDENTIAL_TYPE);
		credentialReads.set(ctx, read);
	}
	return await read;
}

const baseUrls = new WeakMap<object, BaseUrl>();

/** The credential's Base URL, checked once per execution before any request is sent. */
export async function baseUrlOf(ctx: HttpContext): Promise<BaseUrl> {
	let known = baseUrls.get(ctx);
	if (known === undefined) {
		const credentials = await credentialsOf(ctx);
		const baseUrl = normalizeBaseUrl(credentials.baseUrl);
		let problem = baseUrlProblem(baseUrl);
		// A key pasted into the wrong field must not be echoed in an error.
		const key = typeof credentials.apiKey === 'string' ? credentials.apiKey : '';
		if (problem && key.length >= 4) problem = problem.split(key).join('***');
		known = { baseUrl, host: problem ? '' : new URL(baseUrl).host, problem };
		baseUrls.set(ctx, known);
	}
	return known;
}

/**
 * For a context that sends to the same Base URL as an earlier one (a later callback of a run,
 * callback/token.ts), so that the credential is not read again for it.
 */
export function reuseBaseUrl(ctx: HttpContext, known: BaseUrl): void {
	baseUrls.set(ctx, known);
}

/** The key, for the one header n8n's credential cannot add (Authorization on /v1); never logged. */
export async function apiKeyOf(ctx: HttpContext): Promise<string> {
	const credentials = await credentialsOf(ctx);
	return typeof credentials.apiKey === 'string' ? credentials.apiKey : '';
}

export async function getBaseUrl(ctx: HttpContext): Promise<string> {
	return (await baseUrlOf(ctx)).baseUrl;
}

const requestTimeouts = new WeakMap<object, number | null>();

/**
 * How long one HTTP call may hang before it counts as a network failure (retried for reads,
 * reported for submits): the node's "Request Timeout" option when set, else the call's default.
 * The option is validated with the other options, before any request.
 */
export function requestTimeoutMs(ctx: HttpContext, defaultMs = DEFAULT_REQUEST_TIMEOUT_MS): number {
	let chosenMs = requestTimeouts.get(ctx);
	if (chosenMs === undefined) {
		const seconds = 'getInputData' in ctx ? ctx.getNodeParameter('options.requestTimeout', 0, null) : null;
		const [min, max] = REQUEST_TIMEOUT_RANGE;
		chosenMs = typeof seconds === 'number' ? 1000 * Math.min(max, Math.max(min, seconds)) : null;
		requestTimeouts.set(ctx, chosenMs);
	}
	return chosenMs ?? defaultMs;
}
