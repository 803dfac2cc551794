/**
 * `npm start`: a real n8n with this package, on the TT API emulator (or the real TT API when
 * TTAPI_API_KEY is set), a ready credential and the demo workflows. Runs until Ctrl-C.
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { startEmulator, type TtApiEmulator } from '../test/emulator/emulator';
import { N8nInstance, OWNER, packPackage } from '../test/e2e/n8n';

const root = path.resolve(__dirname, '..');
const port = Number(process.env.N8N_PORT ?? 5678);
const emulatorPort = Number(process.env.TTAPI_EMULATOR_PORT ?? 8787);
const realKey = process.env.TTAPI_API_KEY;
const say = (line: string) => console.log(`[start] ${line}`);

async function main() {
	const home = path.join(root, '.cache', 'n8n-home');
	mkdirSync(home, { recursive: true });
	const n8n = new N8nInstance({ line: '2.x', userFolder: home, port, logFile: path.join(home, 'n8n.log') });

	let emulator: TtApiEmulator | undefined;
	let credential: { apiKey: string; baseUrl: string };
	if (realKey) {
		credential = { apiKey: realKey, baseUrl: process.env.TTAPI_BASE_URL ?? 'https://api.ttapi.io' };
		say(`using the real TT API at ${credential.baseUrl} (TTAPI_API_KEY is set)`);
	} else {
		emulator = await startEmulator({
			port: emulatorPort,
			queueMs: 1000,
			runMs: 4000,
			dalleMs: 1500,
			log: (line) => say(`emulator: ${line}`),
		});
		credential = { apiKey: emulator.options.validKeys[0], baseUrl: emulator.url };
		say(`TT API emulator on ${emulator.url}`);
	}

	let stopping = false;
	const stop = async () => {
		if (stopping) return;
		stopping = true;
		say('stopping n8n and the emulator…');
		await n8n.stop();
		await emulator?.stop();
		process.exit(0);
	};
	process.on('SIGINT', () => void stop());
	process.on('SIGTERM', () => void stop());

	say('building and packing the package…');
	n8n.installPackage(packPackage(mkdtempSync(path.join(tmpdir(), 'ttapi-start-'))));
	say('importing the TT API credential and the demo workflows…');
	await n8n.importDemo({ ...credential, triggerSecret: process.env.TTAPI_TRIGGER_SECRET ?? 'demo-trigger-secret' });
	await n8n.activate('TtApiDemoTrigger');
	say(`starting n8n ${n8n.install.version} (log: ${path.relative(root, n8n.options.logFile)})…`);
	await n8n.start();
	await n8n.login();

	console.log(`
  n8n is ready:   ${n8n.baseUrl}
  login:          ${OWNER.email}  /  ${OWNER.password}
  TT API:         ${credential.baseUrl}${emulator ? ' (emulator)' : ''}
  demo workflows: DALL·E 3, GPT-4o image (polling), GPT image model, submit with hookUrl + the
                  active "react to finished images" trigger workflow, a FAILED job with Continue On Fail

  Ctrl-C stops everything.
`);
	if (realKey) say('note: the real TT API cannot call back a loopback URL; the hookUrl demo needs a public n8n URL.');
}

main().catch((error: Error) => {
	console.error(`[start] failed: ${error.message}`);
	process.exit(1);
});
