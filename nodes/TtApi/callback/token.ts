import { createHmac, randomBytes } from 'crypto';
import type { IExecuteFunctions, IWebhookFunctions } from 'n8n-workflow';

import { baseUrlOf, credentialsOf, reuseBaseUrl, type BaseUrl, type HttpContext } from '../transport/settings';

/** Query parameter of the resume URL that carries this run's callback token. */
export const TOKEN_PARAM = 'ttapiToken';

/** TT API does not sign callbacks: the URL carries a token only the key holder can compute. */
export async function runToken(ctx: HttpContext, executionId: string): Promise<string> {
	const credentials = await credentialsOf(ctx);
	return createHmac('sha256', String(credentials.apiKey))
		.update(`ttapi-callback:${executionId}:${ctx.getNode().id}`)
		.digest('hex');
}

/**
 * By execution and node: the token their callbacks carry and the Base URL their jobs are at, once
 * this process has accepted one of those callbacks. A queued run's every callback submits a job, and
 * in a webhook n8n builds a new expression isolate for each credential read, tens of milliseconds
 * before the next job starts. The jobs stay where the run began even if the credential changes.
 */
const acceptedRuns = new Map<string, { token: string; baseUrl: BaseUrl }>();
const ACCEPTED_RUNS_LIMIT = 1000;
const runKey = (ctx: IWebhookFunctions, executionId: string) => `${executionId}/${ctx.getNode().id}`;

/** The token this execution's callbacks to this node must carry. */
export async function expectedToken(ctx: IWebhookFunctions, executionId: string): Promise<string> {
	const accepted = acceptedRuns.get(runKey(ctx, executionId));
	if (!accepted) return await runToken(ctx, executionId);
	reuseBaseUrl(ctx, accepted.baseUrl);
	return accepted.token;
}

/** A callback carried the expected token: later ones of the run need not read the credential. */
export async function acceptToken(ctx: IWebhookFunctions, executionId: string, token: string): Promise<void> {
	const key = runKey(ctx, executionId);
	if (acceptedRuns.has(key)) return;
	const baseUrl = await baseUrlOf(ctx);
	if (acceptedRuns.size >= ACCEPTED_RUNS_LIMIT) acceptedRuns.delete(acceptedRuns.keys().next().value!);
	acceptedRuns.set(key, { token, baseUrl });
}

/** Query parameters of a queued run's hookUrl: the job's position in the submit order, and the job whose callback submitted it. */
const POSITION_PARAM = 'ttapiPos';
const PREVIOUS_PARAM = 'ttapiPrev';
/** Which n8n process submitted the job: a callback carrying another's tag shows that callbacks of the run cross processes. */
const SUBMITTER_PARAM = 'ttapiBy';
/** This process's tag, new at each start. */
export const PROCESS_TAG = randomBytes(6).toString('hex');

/** The position, previous job and submitting process a queued run's hookUrl (or a callback's query) carries. */
export function laneParams(query: Record<string, unknown> | string | undefined): { position?: number; previous?: string; submitter?: string } {
	let params: Record<string, unknown> = {};
	if (typeof query === 'string') {
		try {
			params = Object.fromEntries(new URL(query).searchParams);
		} catch {
			return {};
		}
	} else if (query) params = query;
	const position = Number(params[POSITION_PARAM]);
	const previous = params[PREVIOUS_PARAM];
	const submitter = params[SUBMITTER_PARAM];
	return {
		position: params[POSITION_PARAM] !== undefined && Number.isInteger(position) ? position : undefined,
		previous: typeof previous === 'string' && previous !== '' ? previous : undefined,
		submitter: typeof submitter === 'string' && submitter !== '' ? submitter : undefined,
	};
}

/** This node's resume URL without its token: n8n's resume URL + this node's id. */
export function resumeUrlOf(ctx: IExecuteFunctions): string {
	const url = new URL(String(ctx.evaluateExpression('{{ $execution.resumeUrl }}', 0)));
	url.pathname = `${url.pathname.replace(/\/+$/, '')}/${ctx.getNode().id}`;
	return url.toString();
}

/** The hookUrl that resumes the execution: its resume URL + the run token + this process's tag (+ a queued job's position). */
export function hookUrlOf(resumeUrl: string, token: string, lane?: { position: number; previous: string }): string {
	const url = new URL(resumeUrl);
	url.searchParams.set(TOKEN_PARAM, token);
	url.searchParams.set(SUBMITTER_PARAM, PROCESS_TAG);
	if (lane) {
		url.searchParams.set(POSITION_PARAM, String(lane.position));
		url.searchParams.set(PREVIOUS_PARAM, lane.previous);
	}
	return url.toString();
}

/** The waiting execution's id: the path segment before this node's id in the resume URL. */
export function executionIdOf(ctx: IWebhookFunctions): string {
	const req = ctx.getRequestObject() as unknown as { originalUrl?: string; url?: string };
	const segments = new URL(req.originalUrl ?? req.url ?? '/', 'http://localhost').pathname.split('/');
	const at = segments.lastIndexOf(ctx.getNode().id);
	return at > 0 ? decodeURIComponent(segments[at - 1]) : '';
}
