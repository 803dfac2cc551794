/**
 * TT API's OpenAI-compatible, synchronous image endpoints (TTAPI-MORE.md §3):
 * POST /v1/images/generations and /v1/images/edits. Either auth header (TT-API-KEY or Bearer),
 * either body form, OpenAI's answer unwrapped: b64_json for GPT image models, a URL for DALL·E
 * unless b64_json is asked for. Fault route: 'v1'.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

import { EmulatorJobs } from './jobs';
import { readImagesRequest, requestProblem, type ReceivedRequest } from './openaiImagesRequest';
import { makePng } from './png';

const MAX_BODY_BYTES = 512 * 1024 * 1024;
const KINDS = { '/v1/images/generations': 'generations', '/v1/images/edits': 'edits' } as const;

/** Bytes that start like a JPEG or WebP file: enough for a client to tell the format. */
function fakeImage(format: string, seed: number): Buffer {
	const body = Buffer.alloc(64, seed & 0xff);
	if (format === 'jpeg') return Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), body, Buffer.from([0xff, 0xd9])]);
	const riff = Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(4), Buffer.from('WEBPVP8 '), body]);
	riff.writeUInt32LE(riff.length - 8, 4);
	return riff;
}

/** What the request log keeps of a /v1 body: the fields, and of each image its kind, type and size. */
const summary = (request: ReceivedRequest) => ({ format: request.format, ...request.params, images: request.images, mask: request.mask });

export abstract class OpenAiImagesEmulator extends EmulatorJobs {
	private async readLargeBody(req: IncomingMessage): Promise<Buffer> {
		const chunks: Buffer[] = [];
		let size = 0;
		for await (const chunk of req) {
			size += (chunk as Buffer).length;
			if (size > MAX_BODY_BYTES) break;
			chunks.push(chunk as Buffer);
		}
		return Buffer.concat(chunks);
	}

	private imagesError(res: ServerResponse, code: number, message: string): void {
		// The error shape of /v1 is not documented by TT API; OpenAI's is used here.
		this.send(res, code, { error: { message, type: 'invalid_request_error', param: null, code: null } });
	}

	/** Handles the request when it is one of the /v1/images endpoints; false otherwise. */
	protected async handleOpenAiImages(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
		const kind = KINDS[url.pathname as keyof typeof KINDS];
		if (!kind) return false;
		const raw = await this.readLargeBody(req);
		const header = (name: string) => [req.headers[name]].flat()[0];
		const ttKey = header('tt-api-key');
		const bearer = /^Bearer\s+(.+)$/i.exec(header('authorization') ?? '')?.[1];
		const known = (key?: string) => !!key && [...this.options.validKeys, ...this.options.brokeKeys].includes(key);
		const key = known(ttKey) ? ttKey : bearer;
		const request = await readImagesRequest(raw, header('content-type') ?? '');
		this.requests.push({
			method: req.method ?? 'GET',
			path: url.pathname,
			query: Object.fromEntries(url.searchParams),
			body: typeof request === 'string' ? raw.subarray(0, 200).toString('utf8') : summary(request),
			keySent: !!ttKey,
			keyKnown: known(key),
			bearerSent: !!bearer,
			at: Date.now(),
		});
		const fault = this.takeFault('v1');
		if (fault && !fault.afterHandling && (await this.applyFault(fault, res))) return true;

		if (!known(key)) {
			this.send(res, 401, { status: 'FAILED', message: 'Wrong TT-API-KEY or email is not activated.', data: null });
			return true;
		}
		if (req.method !== 'POST') return (this.imagesError(res, 405, 'Method not allowed'), true);
		if (this.options.brokeKeys.includes(key!)) {
			this.send(res, 402, { status: 'FAILED', message: 'Insufficient balance, please recharge', data: null });
			return true;
		}
		if (typeof request === 'string') return (this.imagesError(res, 400, request), true);
		const prompt = request.params.prompt;
		const banned = typeof prompt === 'string' ? this.options.bannedWords.find((word) => prompt.toLowerCase().includes(word)) : undefined;
		const problem =
			typeof prompt !== 'string' || prompt.trim() === ''
				? 'prompt is required'
				: banned
					? `Your request was rejected by the safety system: ${banned}`
					: requestProblem(kind, request);
		if (problem) return (this.imagesError(res, 400, problem), true);

		const ms = (kind === 'edits' ? this.options.v1EditMs : this.options.v1GenerateMs) ?? this.options.dalleMs;
		await new Promise((resolve) => setTimeout(resolve, ms));
		const answer = this.imagesAnswer(request);
		if (fault?.afterHandling && (await this.applyFault(fault, res))) return true;
		this.send(res, 200, answer);
		return true;
	}

	private imagesAnswer({ params }: ReceivedRequest): Record<string, unknown> {
		const model = String(params.model ?? params.mode ?? 'dall-e-2');
		const gpt = model.startsWith('gpt-');
		const format = gpt ? String(params.output_format ?? 'png') : 'png';
		const asUrl = this.options.v1ImageAnswer === 'url' || (!gpt && params.response_format !== 'b64_json');
		const data = Array.from({ length: Number(params.n ?? 1) }, (_unused, index) => {
			const seed = this.images.size + index + 1;
			const bytes = format === 'png' ? makePng(seed, this.options.imageBytes) : fakeImage(format, seed);
			const entry: Record<string, unknown> = {};
			if (asUrl) {
				const imageId = randomUUID();
				this.images.set(imageId, { png: bytes, createdAt: Date.now() });
				entry.url = `${this.url}/files/${imageId}.png`;
			} else entry.b64_json = bytes.toString('base64');
			if (model === 'dall-e-3') entry.revised_prompt = `A detailed rendering of: ${String(params.prompt)}`;
			return entry;
		});
		const answer: Record<string, unknown> = { created: Math.floor(Date.now() / 1000), data };
		if (gpt) {
			const text = Math.ceil(String(params.prompt).length / 4);
			answer.usage = { input_tokens: text, input_tokens_details: { image_tokens: 0, text_tokens: text }, output_tokens: 4160 * data.length, total_tokens: text + 4160 * data.length };
		}
		return answer;
	}
}
