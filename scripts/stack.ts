/** The demo stack behind `npm start` and `npm run screenshots`: emulator (or real TT API) + real n8n. */
import { mkdirSync, mkdtempSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { startEmulator, type TtApiEmulator } from '../test/emulator/emulator';
import { N8nInstance, packPackage } from '../test/e2e/n8n';
import { importMissingDemo, type DemoState } from './demo';
import { assertPortsFree } from './portCheck';

export const root = path.resolve(__dirname, '..');
export const say = (line: string) => console.log(`[start] ${line}`);

export interface Stack {
	n8n: N8nInstance;
	emulator?: TtApiEmulator;
	credential: { apiKey: string; baseUrl: string };
	demo: DemoState;
	stop(): Promise<void>;
}

export interface StackOptions {
	port: number;
	emulatorPort: number;
	realKey?: string;
	/** n8n's user folder; the demo's own one under .cache unless a test gives another. */
	home?: string;
	log?: (line: string) => void;
}

export async function startStack(options: StackOptions): Promise<Stack> {
	const log = options.log ?? say;
	// Before anything else: a port someone else holds would make n8n fail, or worse, make a foreign
	// server look like ours.
	await assertPortsFree([
		{ port: options.port, what: 'n8n', variable: 'N8N_PORT' },
		{ port: options.port + 1, what: "n8n's task broker (N8N_PORT + 1)", variable: 'N8N_PORT' },
		{ port: options.port + 2, what: "the task broker of n8n's CLI commands (N8N_PORT + 2)", variable: 'N8N_PORT' },
		...(options.realKey ? [] : [{ port: options.emulatorPort, what: 'the TT API emulator', variable: 'TTAPI_EMULATOR_PORT' as const }]),
	]);
	// Real path: n8n compares a file's real path with ~/.n8n-files, which it does not resolve.
	const wanted = options.home ?? path.join(root, '.cache', 'n8n-home');
	mkdirSync(wanted, { recursive: true });
	const home = realpathSync(wanted);
	const n8n = new N8nInstance({ line: '2.x', userFolder: home, port: options.port, logFile: path.join(home, 'n8n.log') });

	let emulator: TtApiEmulator | undefined;
	let credential: Stack['credential'];
	if (options.realKey) {
		credential = { apiKey: options.realKey, baseUrl: process.env.TTAPI_BASE_URL ?? 'https://api.ttapi.io' };
		log(`using the real TT API at ${credential.baseUrl} (TTAPI_API_KEY is set)`);
	} else {
		emulator = await startEmulator({
			port: options.emulatorPort,
			queueMs: 1000,
			runMs: 4000,
			dalleMs: 1500,
			log: (line) => log(`emulator: ${line}`),
		});
		credential = { apiKey: emulator.options.validKeys[0], baseUrl: emulator.url };
		log(`TT API emulator on ${emulator.url}`);
	}
	const stop = async () => {
		await n8n.stop();
		await emulator?.stop();
	};
	let demo: DemoState;
	try {
		log('building and packing the package…');
		n8n.installPackage(packPackage(mkdtempSync(path.join(tmpdir(), 'ttapi-start-'))));
		log('looking for the TT API credential and the demo workflows…');
		demo = await importMissingDemo(n8n, { ...credential, triggerSecret: process.env.TTAPI_TRIGGER_SECRET ?? 'demo-trigger-secret' });
		log(`starting n8n ${n8n.install.version} (log: ${path.relative(root, n8n.options.logFile)})…`);
		await n8n.start();
		await n8n.login();
	} catch (error) {
		await stop();
		throw error;
	}
	return { n8n, emulator, credential, demo, stop };
}
