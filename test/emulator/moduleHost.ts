/** The emulator's side of route modules (./modules.ts): faults, key check, logging, then the module. */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

import { OpenAiImagesEmulator } from './openaiImages';
import { parseBody, type RouteHost, type RouteModule } from './modules';
import { makePng } from './png';
import type { LoggedRequest } from './types';

export abstract class EmulatorModules extends OpenAiImagesEmulator {
	/** A route module's call: faults and the key check as for every route, then the module's answer. */
	protected async handleModule(
		module: RouteModule,
		call: { req: IncomingMessage; res: ServerResponse; url: URL; raw: Buffer; keyText?: string; keyKnown: boolean; logged: LoggedRequest },
	): Promise<void> {
		const { res, url } = call;
		const route = module.routeOf(url.pathname)!;
		const fault = this.firstFetchFaultOf(route, url) ?? this.takeFault(route);
		if (fault && !fault.afterHandling && (await this.applyFault(fault, res))) return;
		if (!call.keyKnown) return this.send(res, 401, { status: 'FAILED', message: 'Wrong TT-API-KEY or email is not activated.', data: null });
		const body = await parseBody(call.req.headers['content-type'], call.raw);
		if (!body) return this.send(res, 400, { status: 'FAILED', message: 'Request body is not valid JSON or form data', data: null });
		call.logged.body = body.fields;
		if (body.files.length > 0) call.logged.files = body.files;
		const host: RouteHost = {
			url: this.url,
			options: this.options,
			createJob: (family, params, present) => this.createJob(family, params, present),
			findJob: (jobId) => this.findJob(jobId),
			jobAnswer: (job) => this.jobAnswer(job),
			newImageUrl: () => {
				const imageId = randomUUID();
				this.images.set(imageId, { png: makePng(this.images.size + 1, this.options.imageBytes), createdAt: Date.now() });
				return `${this.url}/files/${imageId}.png`;
			},
		};
		const params = { ...Object.fromEntries(url.searchParams), ...body.fields };
		const broke = this.options.brokeKeys.includes(call.keyText!);
		const answer = await module.handle(host, { method: call.req.method ?? 'GET', path: url.pathname, params, files: body.files, broke });
		if (fault?.afterHandling && (await this.applyFault(fault, res))) return;
		return this.send(res, answer.code, answer.body);
	}
}
