/** `npm run emulator`: TT API on loopback for offline workflows. Settings come from the environment. */
import { startEmulator } from './emulator';

const number = (name: string, fallback: number) => (process.env[name] ? Number(process.env[name]) : fallback);

async function main() {
	const emulator = await startEmulator({
		port: number('TTAPI_EMULATOR_PORT', 8787),
		validKeys: (process.env.TTAPI_EMULATOR_KEYS ?? 'test-key').split(','),
		queueMs: number('TTAPI_EMULATOR_QUEUE_MS', 1000),
		runMs: number('TTAPI_EMULATOR_RUN_MS', 4000),
		dalleMs: number('TTAPI_EMULATOR_DALLE_MS', 1500),
		v1EditMs: number('TTAPI_EMULATOR_V1_EDIT_MS', 1500),
		imageTtlMs: number('TTAPI_EMULATOR_IMAGE_TTL_MS', 60 * 60 * 1000),
		maxQueue: number('TTAPI_EMULATOR_MAX_QUEUE', 10),
		log: (line) => console.log(line),
	});
	console.log(`TT API emulator listening on ${emulator.url} (API key: ${emulator.options.validKeys.join(', ')}; no quota: ${emulator.options.brokeKeys.join(', ')})`);
	const stop = () => void emulator.stop().then(() => process.exit(0));
	process.on('SIGINT', stop);
	process.on('SIGTERM', stop);
}

void main();
