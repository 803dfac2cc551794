/**
 * Debian's Chromium for the browser tests and `npm run screenshots`: installed with apt-get when
 * missing (as root, as CI runs), or the one CHROMIUM_PATH names.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Flags for a closed network: without the background ones Chromium keeps trying Google's hosts. */
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-sync', '--disable-component-update'];

export function ensureChromium(say: (line: string) => void = (line) => process.stderr.write(`${line}\n`)): string {
	if (existsSync(CHROMIUM)) return CHROMIUM;
	if (process.env.CHROMIUM_PATH) throw new Error(`CHROMIUM_PATH names ${CHROMIUM}, which does not exist`);
	say("installing Debian's chromium (once)…");
	const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
	for (const args of [['update', '-qq'], ['install', '-y', '-qq', '--no-install-recommends', 'chromium']]) {
		const result = spawnSync('apt-get', args, { stdio: 'inherit', env });
		if (result.status !== 0) throw new Error(`apt-get ${args.join(' ')} failed; install chromium by hand or set CHROMIUM_PATH`);
	}
	return CHROMIUM;
}
