import { createServer } from 'node:net';

export interface WantedPort {
	port: number;
	/** What would listen there, as the user should read it. */
	what: string;
	/** The environment variable that moves it. */
	variable: 'N8N_PORT' | 'TTAPI_EMULATOR_PORT';
}

/** Whether this machine lets us listen on the loopback port n8n and the emulator bind to. */
export const isPortFree = async (port: number) =>
	await new Promise<boolean>((resolve) => {
		const server = createServer();
		server.once('error', () => resolve(false));
		server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
	});

/**
 * Refuses to start beside whatever already holds a port: an earlier `npm start`, or the user's own
 * n8n on 5678. Without this, n8n would fail to listen while the old server kept answering, and the
 * banner would call that server ours.
 */
export async function assertPortsFree(wanted: WantedPort[]): Promise<void> {
	const taken: WantedPort[] = [];
	for (const entry of wanted) if (!(await isPortFree(entry.port))) taken.push(entry);
	if (taken.length === 0) return;
	const lines = taken.map((entry) => `port ${entry.port} (${entry.what}) is already in use`);
	const variables = [...new Set(taken.map((entry) => entry.variable))];
	const example = variables.map((variable) => (variable === 'N8N_PORT' ? 'N8N_PORT=5700' : 'TTAPI_EMULATOR_PORT=8790')).join(' ');
	throw new Error(
		`${lines.join('; ')}. Is another n8n, or an earlier \`npm start\`, still running? ` +
			`Stop it, or choose free ports: ${example} npm start (n8n also takes N8N_PORT + 1 and N8N_PORT + 2).`,
	);
}
