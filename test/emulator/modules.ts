/**
 * Route modules: a model family's routes in a file of their own, registered in ./emulator.ts with
 * one line. The emulator checks the key, applies faults and logs the call; the module validates
 * and answers, with the emulator's jobs, callbacks and image store through RouteHost.
 */
import type { Job } from './jobs';
import type { LoggedRequest, ReceivedFile, ResolvedOptions, Route } from './types';

export interface RouteHost {
	url: string;
	options: ResolvedOptions;
	createJob(family: string, params: Record<string, unknown>, present?: Job['present']): Job;
	findJob(jobId: string): Job | undefined;
	jobAnswer(job: Job): Record<string, unknown>;
	/** Makes an image in the emulator's store and gives its URL (for synchronous models). */
	newImageUrl(): string;
}

export interface RouteCall {
	method: string;
	path: string;
	/** Query parameters, then the fields of the JSON, urlencoded or multipart body. */
	params: Record<string, unknown>;
	/** Files of a multipart body, in the order they came. */
	files: ReceivedFile[];
	/** The key is valid but has no quota left. */
	broke: boolean;
}

export interface RouteAnswer {
	code: number;
	body: unknown;
}

export interface RouteModule {
	/** The fault route of a path this module serves; undefined for the paths it does not serve. */
	routeOf(path: string): Route | undefined;
	handle(host: RouteHost, call: RouteCall): Promise<RouteAnswer> | RouteAnswer;
}

export const failed = (code: number, message: string): RouteAnswer => ({ code, body: { status: 'FAILED', message, data: null } });

/** A JSON, urlencoded or multipart body as fields and files; undefined when it cannot be read. */
export async function parseBody(contentType: string | undefined, raw: Buffer): Promise<{ fields: Record<string, unknown>; files: ReceivedFile[] } | undefined> {
	if (raw.length === 0) return { fields: {}, files: [] };
	const type = (contentType ?? '').toLowerCase();
	if (type.startsWith('multipart/form-data') || type.startsWith('application/x-www-form-urlencoded')) {
		try {
			// Node's own fetch Response parses form data: no parser of our own to get wrong.
			const form = await new Response(new Uint8Array(raw), { headers: { 'content-type': contentType! } }).formData();
			const fields: Record<string, unknown> = {};
			const files: ReceivedFile[] = [];
			for (const [field, value] of form.entries()) {
				if (typeof value === 'string') fields[field] = value;
				else files.push({ field, fileName: value.name, mimeType: value.type, bytes: Buffer.from(await value.arrayBuffer()) });
			}
			return { fields, files };
		} catch {
			return undefined;
		}
	}
	try {
		const json: unknown = JSON.parse(raw.toString('utf8'));
		return typeof json === 'object' && json !== null && !Array.isArray(json) ? { fields: json as Record<string, unknown>, files: [] } : undefined;
	} catch {
		return undefined;
	}
}

/** The image formats TT API's image endpoints take, by their first bytes. */
export function imageTypeOf(bytes: Buffer): 'png' | 'jpeg' | 'webp' | undefined {
	if (bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'png';
	if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
	if (bytes.subarray(0, 4).toString('latin1') === 'RIFF' && bytes.subarray(8, 12).toString('latin1') === 'WEBP') return 'webp';
	return undefined;
}

export const isHttpUrl = (value: unknown): value is string => typeof value === 'string' && /^https?:\/\/\S+$/.test(value);

/** The prompt check every model shares: present, and without the emulator's banned words. */
export function promptProblem(options: ResolvedOptions, prompt: unknown): string | undefined {
	if (typeof prompt !== 'string' || prompt.trim() === '') return 'prompt is required';
	const banned = options.bannedWords.find((word) => prompt.toLowerCase().includes(word));
	return banned ? `The prompt contains banned words: ${banned}` : undefined;
}
