import { createHash, timingSafeEqual } from 'crypto';
import type { IDataObject, INodeType, IWebhookFunctions } from 'n8n-workflow';

/** A TT API job callback is a few kilobytes; anything far larger is not one. */
const MAX_CALLBACK_BYTES = 256 * 1024;

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/** Compares in constant time: hashing first makes the lengths equal too. */
export function secretMatches(given: unknown, expected: string): boolean {
	if (typeof given !== 'string' || expected === '') return false;
	return timingSafeEqual(digest(given), digest(expected));
}

export function reply(ctx: IWebhookFunctions, status: number, body: IDataObject): void {
	ctx.getResponseObject().status(status).json(body);
}

/** The callback body, parsed from the raw bytes when n8n could not parse it as JSON. */
export function readCallbackBody(ctx: IWebhookFunctions): { body?: IDataObject; tooLarge?: boolean } {
	const req = ctx.getRequestObject() as unknown as { rawBody?: Buffer; headers: Record<string, unknown> };
	const declared = Number(req.headers['content-length'] ?? 0);
	if (declared > MAX_CALLBACK_BYTES || (req.rawBody?.length ?? 0) > MAX_CALLBACK_BYTES) return { tooLarge: true };
	const parsed = ctx.getBodyData();
	if (parsed && typeof parsed === 'object' && Object.keys(parsed).length > 0) return { body: parsed };
	if (!req.rawBody?.length) return {};
	try {
		const value: unknown = JSON.parse(req.rawBody.toString('utf8'));
		return typeof value === 'object' && value !== null && !Array.isArray(value) ? { body: value as IDataObject } : {};
	} catch {
		return {};
	}
}

/**
 * Webhook lifecycle for URLs that TT API receives with each job: there is nothing to register,
 * check or remove anywhere, so every step succeeds.
 */
export const NOTHING_TO_REGISTER: NonNullable<INodeType['webhookMethods']> = {
	default: {
		async checkExists() {
			return true;
		},
		async create() {
			return true;
		},
		async delete() {
			return true;
		},
	},
};
