/**
 * Redis and PostgreSQL from Debian's packages, for n8n's queue mode: installed with apt-get when
 * missing, started on loopback in a scratch folder, stopped by the caller.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';

const log = (line: string) => console.log(`[services] ${line}`);

function run(command: string, args: string[], options: { asUser?: string } = {}): string {
	const asRoot = process.getuid?.() === 0;
	const [file, argv] = options.asUser && asRoot ? ['runuser', ['-u', options.asUser, '--', command, ...args]] : [command, args];
	const result = spawnSync(file, argv, { encoding: 'utf8' });
	if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
	return result.stdout;
}

let aptUpdated = false;
function aptInstall(pkg: string): void {
	log(`installing ${pkg} from Debian's packages (once per machine)…`);
	if (!aptUpdated) run('apt-get', ['update', '-qq']);
	aptUpdated = true;
	run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', pkg]);
}

function postgresBin(): string | undefined {
	const root = '/usr/lib/postgresql';
	if (!existsSync(root)) return undefined;
	const version = readdirSync(root).sort((a, b) => Number(b) - Number(a)).find((v) => existsSync(path.join(root, v, 'bin', 'postgres')));
	return version ? path.join(root, version, 'bin') : undefined;
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
	stop(): Promise<void>;
}

export async function startServices(folder: string, redisPort: number, postgresPort: number): Promise<Services> {
	if (spawnSync('which', ['redis-server']).status !== 0) aptInstall('redis-server');
	if (!postgresBin()) aptInstall('postgresql');
	const pgBin = postgresBin()!;

	const redis: ChildProcess = spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
	await waitFor(() => spawnSync('redis-cli', ['-p', String(redisPort), 'ping'], { encoding: 'utf8' }).stdout.trim() === 'PONG', 'redis-server');

	// PostgreSQL refuses to run as root: as root, the cluster belongs to Debian's postgres user.
	const data = path.join(folder, 'postgres');
	mkdirSync(data, { recursive: true });
	const owner = process.getuid?.() === 0 ? 'postgres' : undefined;
	if (owner) {
		const uid = Number(run('id', ['-u', owner]));
		const gid = Number(run('id', ['-g', owner]));
		chownSync(folder, uid, gid);
		chownSync(data, uid, gid);
	}
	run(path.join(pgBin, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'n8n', '--no-sync'], { asUser: owner });
	run(path.join(pgBin, 'pg_ctl'), ['-D', data, '-l', path.join(data, 'server.log'), '-w', '-o', `-p ${postgresPort} -c listen_addresses=127.0.0.1 -k ${data} -c fsync=off -c max_connections=200`, 'start'], { asUser: owner });
	run(path.join(pgBin, 'createdb'), ['-h', '127.0.0.1', '-p', String(postgresPort), '-U', 'n8n', 'n8n'], { asUser: owner });
	log(`redis on 127.0.0.1:${redisPort}, postgres on 127.0.0.1:${postgresPort}`);

	return {
		redisPort,
		postgresPort,
		async stop() {
			redis.kill('SIGTERM');
			try {
				run(path.join(pgBin, 'pg_ctl'), ['-D', data, '-m', 'immediate', 'stop'], { asUser: owner });
			} catch (error) {
				log(`postgres stop: ${(error as Error).message}`);
			}
		},
	};
}
