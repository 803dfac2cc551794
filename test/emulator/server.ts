/**
 * The emulator's HTTP side: the loopback server, the request log and the switchable faults. The
 * job lifecycle (./jobs.ts) and TT API's routes (./emulator.ts) build on it.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

import type { EmulatorOptions, Fault, LoggedRequest, ResolvedOptions, Route } from './types';

// Room for the images a Flux edit or a Nano Banana call uploads.
const MAX_BODY_BYTES = 64 * 1024 * 1024;

export abstract class EmulatorServer {
	readonly options: ResolvedOptions;

	/** How many faults were drawn at random, per route. */
	readonly randomFaultsInjected: Record<string, number> = {};

	private randomState = 1;

	readonly requests: LoggedRequest[] = [];

	faults: Fault[] = [];

	private readonly fetchedJobs = new Set<string>();

	private readonly sockets = new Set<Socket>();

	protected server?: http.Server;

	url = '';

	constructor(options: EmulatorOptions = {}) {
		this.options = {
			port: 0,
			host: '127.0.0.1',
			validKeys: ['test-key'],
			brokeKeys: ['broke-key'],
			balance: 1000,
			// TT's MJ docs say "The max job in progressing is 10"; its account example shows 5.
			maxQueue: 10,
			enforceMaxQueue: false,
			queueMs: 100,
			runMs: 400,
			dalleMs: 50,
			imageTtlMs: 60 * 60 * 1000,
			imageBytes: 0,
			gpt4oJobIdField: 'jobId',
			fluxJobIdField: 'job_id',
			callbackTimeoutMs: 10_000,
			bannedWords: ['forbidden-word'],
			failMarker: '[fail]',
			stuckMarker: '[stuck]',
			endsInPattern: /\[ends in (\d+(?:\.\d+)?) s\]/,
			...options,
		};
	}

	protected abstract handle(req: IncomingMessage, res: ServerResponse): Promise<void>;

	async start(): Promise<this> {
		this.randomState = this.options.randomFaults?.seed ?? 1;
		this.server = http.createServer((req, res) => {
			this.handle(req, res).catch((error: Error) => {
				this.options.log?.(`emulator error: ${error.message}`);
				if (!res.headersSent) this.send(res, 500, { status: 'FAILED', message: 'emulator error', data: null });
			});
		});
		this.server.on('connection', (socket) => {
			this.sockets.add(socket);
			socket.on('close', () => this.sockets.delete(socket));
		});
		await new Promise<void>((resolve, reject) => {
			this.server!.once('error', (error: NodeJS.ErrnoException) =>
				reject(new Error(`the TT API emulator cannot listen on ${this.options.host}:${this.options.port}: ${error.code ?? error.message}`)),
			);
			this.server!.listen(this.options.port, this.options.host, resolve);
		});
		const { port } = this.server.address() as AddressInfo;
		this.url = `http://${this.options.host}:${port}`;
		return this;
	}

	async stop(): Promise<void> {
		for (const socket of this.sockets) socket.destroy();
		await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
	}

	/** Forget requests and faults (jobs stay, as on the real service). */
	reset(): void {
		this.requests.length = 0;
		this.faults = [];
	}

	/** How many requests these faults apply to in all. */
	static timesOf(faults: readonly Fault[]): number {
		return faults.reduce((sum, fault) => sum + (fault.times ?? 1), 0);
	}

	addFault(fault: Fault): void {
		this.faults.push({ times: 1, ...fault });
	}

	requestsTo(pathPrefix: string): LoggedRequest[] {
		return this.requests.filter((request) => request.path.startsWith(pathPrefix));
	}

	/** A small seeded generator (mulberry32), so a soak run injects the same faults every time. */
	private random(): number {
		let t = (this.randomState += 0x6d2b79f5);
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	}

	private randomFault(route: Route): Fault | undefined {
		const random = this.options.randomFaults;
		if (!random || this.random() >= random.rate) return undefined;
		const candidates = random.faults.filter((fault) => fault.route === route || fault.route === 'any');
		if (candidates.length === 0) return undefined;
		const fault = candidates[Math.floor(this.random() * candidates.length)];
		const name = `${route} ${fault.status ?? (fault.reset ? 'reset' : fault.hang ? 'hang' : 'raw')}${fault.afterHandling ? ' after handling' : ''}`;
		this.randomFaultsInjected[name] = (this.randomFaultsInjected[name] ?? 0) + 1;
		return fault;
	}

	protected takeFault(route: Route | undefined): Fault | undefined {
		if (route === undefined) return undefined;
		const index = this.faults.findIndex((fault) => fault.route === 'any' || fault.route === route);
		if (index < 0) return this.randomFault(route);
		const fault = this.faults[index];
		fault.times = (fault.times ?? 1) - 1;
		if (fault.times <= 0) this.faults.splice(index, 1);
		return fault;
	}

	protected firstFetchFaultOf(route: Route | undefined, url: URL): Fault | undefined {
		const jobId = url.searchParams.get('jobId') ?? url.searchParams.get('job_id');
		if (route !== 'fetch' || !this.options.firstFetchFault || !jobId || this.fetchedJobs.has(jobId)) return undefined;
		this.fetchedJobs.add(jobId);
		return { ...this.options.firstFetchFault, route };
	}

	protected async applyFault(fault: Fault, res: ServerResponse): Promise<boolean> {
		if (fault.delayMs) await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
		if (fault.hang) return true;
		if (fault.reset) {
			res.socket?.destroy();
			return true;
		}
		if (fault.rawBody !== undefined) {
			res.writeHead(fault.status ?? 200, { 'content-type': 'application/json' });
			res.end(fault.rawBody);
			return true;
		}
		if (fault.status) {
			const headers: Record<string, string> = {};
			if (fault.retryAfter !== undefined) headers['retry-after'] = fault.retryAfter;
			this.send(res, fault.status, { status: 'FAILED', message: `emulated HTTP ${fault.status}`, data: null }, headers);
			return true;
		}
		return false;
	}

	protected send(res: ServerResponse, code: number, body: unknown, headers: Record<string, string> = {}): void {
		const text = JSON.stringify(body);
		res.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
		res.end(text);
	}

	protected async readBody(req: IncomingMessage): Promise<Buffer> {
		const chunks: Buffer[] = [];
		let size = 0;
		for await (const chunk of req) {
			size += (chunk as Buffer).length;
			if (size > MAX_BODY_BYTES) break;
			chunks.push(chunk as Buffer);
		}
		return Buffer.concat(chunks);
	}
}
