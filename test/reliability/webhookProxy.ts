/**
 * A small load balancer in front of n8n's webhook processes, as a deployment with several of them
 * has. Everything goes to the first process, except the calls to a waiting execution
 * (`/webhook-waiting/<id>/…`, TT API's callbacks): in `alternate` mode the calls to one execution go
 * to the processes in turn; in `byExecution` mode all calls to one execution go to one process, as
 * a load balancer that hashes that path segment does (README: several webhook processes). Here the
 * executions take the processes in turn, so that a few runs surely use them all.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type Routing = 'first' | 'alternate' | 'byExecution';

export class WebhookProxy {
	routing: Routing = 'first';

	/** Which process (its index) each `/webhook-waiting/` call went to, per execution id. */
	readonly waitingCalls = new Map<string, number[]>();

	url = '';

	private server?: http.Server;

	constructor(private readonly targets: string[]) {}

	async start(port: number): Promise<this> {
		this.server = http.createServer((req, res) => {
			const target = new URL(req.url ?? '/', this.pick(req.url ?? '/'));
			const forward = http.request(target, { method: req.method, headers: req.headers }, (answer) => {
				res.writeHead(answer.statusCode ?? 502, answer.headers);
				answer.pipe(res);
			});
			forward.on('error', (error) => {
				if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
				res.end(`proxy: ${error.message}`);
			});
			req.pipe(forward);
		});
		await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
		this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
		return this;
	}

	async stop(): Promise<void> {
		this.server?.closeAllConnections();
		await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
	}

	private pick(url: string): string {
		const [, waiting, executionId] = url.split('?')[0].split('/');
		if (waiting !== 'webhook-waiting' || !executionId) return this.targets[0];
		const calls = this.waitingCalls.get(executionId) ?? [];
		const index =
			this.routing === 'alternate'
				? calls.length % this.targets.length
				: this.routing === 'byExecution'
					? (calls[0] ?? this.waitingCalls.size % this.targets.length)
					: 0;
		this.waitingCalls.set(executionId, [...calls, index]);
		return this.targets[index];
	}
}
