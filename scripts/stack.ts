/** The demo stack behind `npm start` and `npm run screenshots`: emulator (or real TT API) + real n8n. */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { startEmulator, type TtApiEmulator } from '../test/emulator/emulator';
import { N8nInstance, packPackage } from '../test/e2e/n8n';

export const root = path.resolve(__dirname, '..');
export const say = (line: string) => console.log(`[start] ${line}`);

export interface Stack {
	n8n: N8nInstance;
	emulator?: TtApiEmulator;
	credential: { apiKey: string; baseUrl: string };
	stop(): Promise<void>;
}

export async function startStack(options: { port: number; emulatorPort: number; realKey?: string }): Promise<Stack> {
	const home = path.join(root, '.cache', 'n8n-home');
	mkdirSync(home, { recursive: true });
	const n8n = new N8nInstance({ line: '2.x', userFolder: home, port: options.port, logFile: path.join(home, 'n8n.log') });

	let emulator: TtApiEmulator | undefined;
	let credential: Stack['credential'];
	if (options.realKey) {
		credential = { apiKey: options.realKey, baseUrl: process.env.TTAPI_BASE_URL ?? 'https://api.ttapi.io' };
		say(`using the real TT API at ${credential.baseUrl} (TTAPI_API_KEY is set)`);
	} else {
		emulator = await startEmulator({
			port: options.emulatorPort,
			queueMs: 1000,
			runMs: 4000,
			dalleMs: 1500,
			log: (line) => say(`emulator: ${line}`),
		});
		credential = { apiKey: emulator.options.validKeys[0], baseUrl: emulator.url };
		say(`TT API emulator on ${emulator.url}`);
	}
	const stop = async () => {
		await n8n.stop();
		await emulator?.stop();
	};
	try {
		say('building and packing the package…');
		n8n.installPackage(packPackage(mkdtempSync(path.join(tmpdir(), 'ttapi-start-'))));
		say('importing the TT API credential and the demo workflows…');
		await n8n.importDemo({ ...credential, triggerSecret: process.env.TTAPI_TRIGGER_SECRET ?? 'demo-trigger-secret' });
		await n8n.activate('TtApiDemoTrigger');
		say(`starting n8n ${n8n.install.version} (log: ${path.relative(root, n8n.options.logFile)})…`);
		await n8n.start();
		await n8n.login();
	} catch (error) {
		await stop();
		throw error;
	}
	return { n8n, emulator, credential, stop };
}
