import { createServer, type AddressInfo } from 'node:net';

const isFree = async (port: number) =>
	await new Promise<boolean>((resolve) => {
		const server = createServer();
		server.once('error', () => resolve(false));
		server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
	});

/**
 * Under jest each worker takes its ports from a range of its own, below Linux's ephemeral ports
 * (32768 and up, where servers listening on port 0 land): a port chosen now and bound minutes later,
 * as e2e.test.ts does, cannot be taken meanwhile by a suite running beside this one.
 */
const WORKER = Number(process.env.JEST_WORKER_ID ?? 0);
const RANGE = { from: 20000 + (WORKER - 1) * 3000, to: 20000 + WORKER * 3000 };
let nextInRange = RANGE.from + Math.floor(Math.random() * 1000) * 3;

async function freeBlockInRange(): Promise<number> {
	for (let tries = 0; tries < 1000; tries++) {
		const port = nextInRange;
		nextInRange = port + 3 >= RANGE.to ? RANGE.from : port + 3;
		if ((await isFree(port)) && (await isFree(port + 1)) && (await isFree(port + 2))) return port;
	}
	throw new Error(`no three free ports in a row between ${RANGE.from} and ${RANGE.to}`);
}

/**
 * A free loopback port whose two successors are free too: n8n's server takes the first, its task
 * broker the second, and CLI commands run beside the server take the third for theirs.
 */
export async function freePortBlock(): Promise<number> {
	if (WORKER) return await freeBlockInRange();
	for (;;) {
		const port = await new Promise<number>((resolve, reject) => {
			const server = createServer();
			server.once('error', reject);
			server.listen(0, '127.0.0.1', () => {
				const { port: found } = server.address() as AddressInfo;
				server.close(() => resolve(found));
			});
		});
		if (port < 65000 && (await isFree(port + 1)) && (await isFree(port + 2))) return port;
	}
}
