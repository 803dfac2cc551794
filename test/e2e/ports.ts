import { createServer, type AddressInfo } from 'node:net';

const isFree = async (port: number) =>
	await new Promise<boolean>((resolve) => {
		const server = createServer();
		server.once('error', () => resolve(false));
		server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
	});

/**
 * A free loopback port whose two successors are free too: n8n's server takes the first, its task
 * broker the second, and CLI commands run beside the server take the third for theirs.
 */
export async function freePortBlock(): Promise<number> {
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
