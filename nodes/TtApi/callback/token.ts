import { createHmac } from 'crypto';
import type { IExecuteFunctions, IWebhookFunctions } from 'n8n-workflow';

import { CREDENTIAL_TYPE, type HttpContext } from '../transport/request';

/** Query parameter of the resume URL that carries this run's callback token. */
export const TOKEN_PARAM = 'ttapiToken';

/** TT API does not sign callbacks: the URL carries a token only the key holder can compute. */
export async function runToken(ctx: HttpContext, executionId: string): Promise<string> {
	const credentials = await ctx.getCredentials(CREDENTIAL_TYPE);
	return createHmac('sha256', String(credentials.apiKey))
		.update(`ttapi-callback:${executionId}:${ctx.getNode().id}`)
		.digest('hex');
}

/** Query parameter of a queued run's hookUrl: the job's position in the run's submit order. */
export const POSITION_PARAM = 'ttapiPos';

/** This node's resume URL without its token: n8n's resume URL + this node's id. */
export function resumeUrlOf(ctx: IExecuteFunctions): string {
	const url = new URL(String(ctx.evaluateExpression('{{ $execution.resumeUrl }}', 0)));
	url.pathname = `${url.pathname.replace(/\/+$/, '')}/${ctx.getNode().id}`;
	return url.toString();
}

/** The hookUrl that resumes the execution: its resume URL + the run token (+ a queued job's position). */
export async function hookUrlOf(ctx: HttpContext, resumeUrl: string, executionId: string, position?: number): Promise<string> {
	const url = new URL(resumeUrl);
	url.searchParams.set(TOKEN_PARAM, await runToken(ctx, executionId));
	if (position !== undefined) url.searchParams.set(POSITION_PARAM, String(position));
	return url.toString();
}

export async function callbackUrl(ctx: IExecuteFunctions): Promise<string> {
	return await hookUrlOf(ctx, resumeUrlOf(ctx), ctx.getExecutionId());
}

/** The waiting execution's id: the path segment before this node's id in the resume URL. */
export function executionIdOf(ctx: IWebhookFunctions): string {
	const req = ctx.getRequestObject() as unknown as { originalUrl?: string; url?: string };
	const segments = new URL(req.originalUrl ?? req.url ?? '/', 'http://localhost').pathname.split('/');
	const at = segments.lastIndexOf(ctx.getNode().id);
	return at > 0 ? decodeURIComponent(segments[at - 1]) : '';
}
