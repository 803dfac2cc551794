/**
 * The volume section of `npm run bench`: many prompts through one account whose queue holds 10
 * jobs (the emulator answers 499 beyond it), 3 s jobs, 1 MB images downloaded to binary, in a real
 * n8n 2.x with binary data in filesystem mode. Every method runs 10 prompts, then the full count,
 * in the n8n server process, whose peak RSS (VmHWM, reset before each run) is compared. n8n's JS
 * heap (its /metrics) is sampled too, and read again 30 s after each run: peak RSS counts garbage V8
 * has not collected yet, the heap after an idle 30 s counts what n8n keeps. Every run starts after
 * 30 s idle, so the 10-prompt run and the full one start alike. Callback mode runs twice: in an n8n
 * as it starts by default, and in one whose heap V8 limits (NODE_OPTIONS), as a container with
 * little memory does, which shows how much of its peak is garbage V8 collects only when it must.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { startEmulator } from '../test/emulator/emulator';
import { N8nInstance, packPackage } from '../test/e2e/n8n';
import { freePortBlock } from '../test/e2e/ports';
import { tally, type Tally } from './volumeTally';
import { VOLUME_FLOWS, VOLUME_METHODS, volumeWorkflows, type VolumeMethod } from './volumeWorkflows';

const KEY = 'bench-volume-key';
const MAX_QUEUE = 10;
const JOB_MS = 3000;
const IMAGE_BYTES = 1024 * 1024;
const SMALL = 10;
/** Idle time before each run and before reading the heap after it. */
export const IDLE_MS = 30_000;
/**
 * Heap limits for our modes' second rows: 384 MB is about 170 MB above the heap n8n uses idle with the
 * volume workflows. Node sizes its heap from the machine's memory (4,288 MB on a 24 GiB machine, about
 * half the memory on a small one), so BENCH_VOLUME_HEAP_MB="1024,2048" shows roughly what n8n does by
 * default on a machine of 2 and of 4 GiB.
 */
const HEAP_LIMITS_MB = (process.env.BENCH_VOLUME_HEAP_MB ?? '384').split(',').map((limit) => Number(limit.trim()));

export const sleep = async (ms: number) => await new Promise((resolve) => setTimeout(resolve, ms));

/** A row of the table: a method's workflow, run by an n8n process of its own, with these NODE_OPTIONS. */
interface VolumeRun {
	label: string;
	method: VolumeMethod;
	nodeOptions?: string;
}
const VOLUME_RUNS: VolumeRun[] = VOLUME_METHODS.flatMap((method) => [
	{ label: method, method },
	// Our modes again in an n8n whose heap V8 limits: their peak follows when V8 collects, not what the run keeps.
	...(method.startsWith('ours ') ? HEAP_LIMITS_MB.map((limit) => ({ label: `${method} (n8n heap limited to ${limit} MB)`, method, nodeOptions: `--max-old-space-size=${limit}` })) : []),
]);

export interface VolumeRow extends Tally {
	/** The row's label (VolumeRun). */
	method: string;
	prompts: number;
	wallMs: number;
	idealMs: number;
	/** RSS when the run started (the high-water mark just reset) and its peak during the run. */
	startRssBytes: number;
	peakRssBytes: number;
	/** Peak RSS over the same method's run of 10 prompts. */
	growthBytes?: number;
	/** n8n's JS heap in use (its /metrics): the highest sample during the run, and 30 s after it, once V8 has collected an idle process's garbage. */
	heapPeakBytes?: number;
	heapAfterBytes?: number;
	/** Where the time beyond the ideal went (timeSpent). */
	spent?: TimeSpent;
	/** Why the run has no figures: n8n died or did not answer, with the end of its log. */
	failure?: string;
}

/** n8n's JS heap in use, from its Prometheus metrics (N8N_METRICS). */
async function heapUsedOf(baseUrl: string): Promise<number | undefined> {
	try {
		const text = await (await fetch(`${baseUrl}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
		const value = /^n8n_nodejs_heap_size_used_bytes (\d+(?:\.\d+)?)/m.exec(text)?.[1];
		return value === undefined ? undefined : Number(value);
	} catch {
		return undefined;
	}
}

/** The heap's highest sample, every 2 s, until stopped. */
function heapPeakFrom(baseUrl: string): { stop: () => number | undefined } {
	let peak: number | undefined;
	const sample = async () => {
		const used = await heapUsedOf(baseUrl);
		if (used !== undefined) peak = Math.max(peak ?? 0, used);
	};
	const timer = setInterval(() => void sample(), 2000);
	return {
		stop: () => {
			clearInterval(timer);
			return peak;
		},
	};
}

/** The process's RSS high-water mark and its RSS now, in bytes. */
function rssOf(pid: number): { hwm: number; rss: number } {
	const status = readFileSync(`/proc/${pid}/status`, 'utf8');
	const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0) * 1024;
	return { hwm: kb('VmHWM'), rss: kb('VmRSS') };
}

/**
 * Samples the process's peak RSS from now on: the kernel's high-water mark, reset first. And when
 * it peaked, to 100 ms: the time of the highest RSS sampled (a spike shorter than that may go unseen).
 */
export function peakRssFrom(pid: number): { start: number; peak: () => number; peakAt: () => number } {
	// "5" resets VmHWM to the current RSS (Linux 4.0+); without it, an earlier run's peak would hide this one's.
	writeFileSync(`/proc/${pid}/clear_refs`, '5');
	const start = rssOf(pid).hwm;
	let peak = start;
	let highest = { rss: 0, at: Date.now() };
	const timer = setInterval(() => {
		const { hwm, rss } = rssOf(pid);
		peak = Math.max(peak, hwm);
		if (rss > highest.rss) highest = { rss, at: Date.now() };
	}, 100);
	return {
		start,
		peak: () => {
			clearInterval(timer);
			return Math.max(peak, rssOf(pid).hwm);
		},
		peakAt: () => highest.at,
	};
}

/** A real n8n 2.x for the volume workflows, not started yet, so that the caller's `finally` can stop it whatever happens. */
export const volumeN8n = async (work: string, extraEnv: Record<string, string>) =>
	new N8nInstance({ line: '2.x', userFolder: path.join(work, 'volume-user'), port: await freePortBlock(), logFile: path.join(work, 'volume-n8n.log'), extraEnv });

/** Installs the packed package, imports and activates the volume workflows (on the emulator at `emulatorUrl`) and `extraWorkflows`, starts n8n and logs in. */
export async function startWithVolumeWorkflows(n8n: N8nInstance, work: string, emulatorUrl: string, apiKey: string, extraWorkflows: ReturnType<typeof volumeWorkflows> = []): Promise<void> {
	n8n.installPackage(packPackage(path.join(work, 'volume-pack')));
	await n8n.importDemo({ apiKey, baseUrl: emulatorUrl, triggerSecret: 'bench' });
	const workflows = [...volumeWorkflows(emulatorUrl, apiKey), ...extraWorkflows];
	await n8n.importWorkflows(workflows);
	for (const workflow of workflows) await n8n.activate(workflow.id);
	await n8n.start({ timeoutMs: 180_000 });
	await n8n.login();
}

/** Where a run's time beyond the ideal went, from the emulator's job times (epoch ms, like n8n's run data). */
interface TimeSpent {
	/** From the webhook's start to the first submit TT API accepted. */
	headMs: number;
	/** A queue place left free: from a job's end to the submit that filled its place (the k-th end and the (k + 10)-th submit). Median, p95, and their sum over the places (the sum / 10 adds to the wall time). */
	refillMedianMs: number;
	refillP95Ms: number;
	refillSumMs: number;
	/** From the last job's end to the end of the run (downloads, resume). */
	tailMs: number;
	/** When n8n's RSS peaked, from the webhook's start (peakRssFrom). */
	peakRssAtMs?: number;
}

function timeSpent(jobs: Array<{ submittedAt: number; endsAt: number }>, startedAt: number, endedAt: number): TimeSpent | undefined {
	if (jobs.length <= MAX_QUEUE) return undefined;
	const submits = jobs.map((job) => job.submittedAt).sort((a, b) => a - b);
	const ends = jobs.map((job) => job.endsAt).sort((a, b) => a - b);
	const refills = ends.slice(0, -MAX_QUEUE).map((end, k) => Math.max(0, submits[k + MAX_QUEUE] - end));
	const sorted = [...refills].sort((a, b) => a - b);
	return {
		headMs: submits[0] - startedAt,
		refillMedianMs: sorted[Math.floor(sorted.length / 2)],
		refillP95Ms: sorted[Math.floor(sorted.length * 0.95)],
		refillSumMs: refills.reduce((sum, gap) => sum + gap, 0),
		tailMs: endedAt - ends.at(-1)!,
	};
}

/** Posts prompts to a volume workflow's webhook. */
export async function postPrompts(n8n: N8nInstance, method: VolumeMethod, prompts: string[]): Promise<void> {
	const answer = await n8n.postToWebhook(VOLUME_FLOWS[method].path, { prompts });
	if (!answer.ok) throw new Error(`${method}: webhook answered HTTP ${answer.status}: ${await answer.text()}`);
}

/**
 * Signals the profiler preloaded into n8n (bench/heapSampler.cjs, bench/gcProfiler.cjs) and, when
 * `profilePrefix` is given, waits for the profile it writes to `<profilePrefix>.<time>` and returns it parsed.
 */
export async function signalProfiler<Profile>(n8n: N8nInstance, profilePrefix?: string): Promise<Profile | undefined> {
	if (!profilePrefix) {
		process.kill(n8n.server!.pid!, 'SIGUSR2');
		// Starting a profiler writes nothing to wait for.
		await sleep(2000);
		return undefined;
	}
	const directory = path.dirname(profilePrefix);
	const name = path.basename(profilePrefix);
	const profiles = () => readdirSync(directory).filter((file) => file.startsWith(`${name}.`));
	const before = new Set(profiles());
	process.kill(n8n.server!.pid!, 'SIGUSR2');
	for (const deadline = Date.now() + 60_000; Date.now() < deadline; await sleep(200)) {
		const file = profiles().find((candidate) => !before.has(candidate));
		if (!file) continue;
		try {
			return JSON.parse(readFileSync(path.join(directory, file), 'utf8')) as Profile;
		} catch {
			// Still being written.
		}
	}
	throw new Error(`n8n wrote no profile to ${profilePrefix}.* within 60 s of SIGUSR2`);
}

export async function runVolume(work: string, prompts: number, log: (line: string) => void): Promise<VolumeRow[]> {
	const emulator = await startEmulator({ validKeys: [KEY], maxQueue: MAX_QUEUE, enforceMaxQueue: true, queueMs: 1000, runMs: JOB_MS - 1000, imageBytes: IMAGE_BYTES });
	// As self-hosted production runs: binary data on disk, not in the execution's memory. The
	// metrics endpoint shows the JS heap, which tells garbage not yet collected from memory kept.
	const n8n = await volumeN8n(work, { N8N_DEFAULT_BINARY_DATA_MODE: 'filesystem', N8N_LOG_LEVEL: 'info', N8N_METRICS: 'true' });
	const rows: VolumeRow[] = [];
	try {
		await startWithVolumeWorkflows(n8n, work, emulator.url, KEY);
		let pid = n8n.server!.pid!;

		// A busy 2-core machine sometimes resets one REST call; the run goes on regardless.
		const patiently = async <T>(call: () => Promise<T>): Promise<T> => {
			for (let attempt = 1; ; attempt++) {
				try {
					return await call();
				} catch (error) {
					if (attempt >= 5 || n8n.server?.exitCode !== null) throw error;
					await sleep(2000);
				}
			}
		};

		const run = async ({ label, method }: VolumeRun, count: number): Promise<VolumeRow> => {
			const { id } = VOLUME_FLOWS[method];
			const list = Array.from({ length: count }, (_, n) => `volume ${label} x${count} #${n + 1}`);
			// Every run starts from an idle n8n, as a nightly run does: V8 has collected the garbage of
			// n8n's start or of the run before (a run started right after another inherits its heap limits).
			await sleep(IDLE_MS);
			const before = new Set((await n8n.executions(id)).map((execution) => execution.id));
			const since = Date.now();
			const rss = peakRssFrom(pid);
			const heap = heapPeakFrom(n8n.baseUrl);
			try {
				await postPrompts(n8n, method, list);
				const executionId = await patiently(() => n8n.newExecutionId(id, before));
				// Checked every 10 s: a check every 500 ms made n8n allocate more than the run itself did.
				const { data } = await patiently(() => n8n.finishedRun(executionId, 3 * 60 * 60_000, 10_000));
				const peakRssBytes = rss.peak();
				const runData = data.resultData.runData;
				const tasks = Object.values(runData).flat() as Array<{ startTime: number; executionTime: number }>;
				const startedAt = runData.Webhook[0].startTime;
				const wallMs = Math.max(...tasks.map((task) => task.startTime + task.executionTime)) - startedAt;
				const inRun = new Set(list);
				const jobs = emulator.jobTimes().filter((job) => job.submittedAt >= since && inRun.has(job.prompt));
				// No faults here: a submit that started no job was refused with 499.
				const submits = emulator.requestsTo('/openai/gpt/generations').filter((request) => request.at >= since && inRun.has((request.body as { prompt?: string })?.prompt ?? '')).length;
				const counts = tally(method, list, runData, jobs, emulator.requestsTo('/openai/gpt/fetch'), submits - jobs.length);
				if (data.resultData.error) log(`${label} x${count}: the execution failed: ${data.resultData.error.message}`);
				const heapPeakBytes = heap.stop();
				// An idle V8 collects its garbage within seconds (its memory reducer); what is left is what n8n keeps.
				await sleep(IDLE_MS);
				const heapAfterBytes = await heapUsedOf(n8n.baseUrl);
				const spent = timeSpent(jobs, startedAt, startedAt + wallMs);
				if (spent) spent.peakRssAtMs = rss.peakAt() - startedAt;
				return { method: label, prompts: count, wallMs, idealMs: (count / MAX_QUEUE) * JOB_MS, startRssBytes: rss.start, peakRssBytes, heapPeakBytes, heapAfterBytes, spent, ...counts };
			} finally {
				rss.peak();
				heap.stop();
			}
		};

		// BENCH_VOLUME_METHODS="template loop,ours poll" runs only these rows.
		const chosen = process.env.BENCH_VOLUME_METHODS?.split(',').map((name) => name.trim());
		for (const [index, volumeRun] of VOLUME_RUNS.filter(({ label }) => !chosen || chosen.includes(label)).entries()) {
			const { label, nodeOptions } = volumeRun;
			// Each row in an n8n process of its own: the memory V8 took for one row's large run stays
			// with the process and would raise the next row's 10-prompt baseline.
			if (index > 0 || nodeOptions) {
				await n8n.stop();
				const env = n8n.options.extraEnv!;
				if (nodeOptions) env.NODE_OPTIONS = nodeOptions;
				else delete env.NODE_OPTIONS;
				await n8n.start({ timeoutMs: 180_000 });
				await n8n.login();
				pid = n8n.server!.pid!;
			}
			try {
				log(`volume: ${label}, ${SMALL} prompts`);
				const small = await run(volumeRun, SMALL);
				log(`volume: ${label}, ${prompts} prompts (ideal ${((prompts / MAX_QUEUE) * JOB_MS) / 1000} s)`);
				const full = await run(volumeRun, prompts);
				full.growthBytes = full.peakRssBytes - small.peakRssBytes;
				rows.push(small, full);
				log(`volume: ${label} x${prompts}: ${JSON.stringify(full)}`);
			} catch (error) {
				// A row that brings n8n down is a figure too; the next row starts a fresh n8n anyway.
				const server = n8n.server!;
				const died = server.exitCode !== null || server.signalCode !== null ? `n8n exited (${server.exitCode ?? server.signalCode})` : 'n8n still running';
				const failure = `${(error as Error).message}; ${died}`;
				log(`volume: ${label} failed: ${failure}\n${n8n.logText().split('\n').slice(-40).join('\n')}`);
				rows.push({ method: label, prompts, failure } as VolumeRow);
			}
		}
	} finally {
		await n8n.stop();
		await emulator.stop();
	}
	return rows;
}

export const mb = (bytes: number) => `${(bytes / 1048576).toFixed(0)} MB`;

/** The section's table: one line per method at the full count, ratios first. */
export function volumeTable(rows: VolumeRow[], prompts: number): string[] {
	const lines = [
		`\nVolume: ${prompts} prompts, account queue ${MAX_QUEUE} (499 beyond it), ${JOB_MS / 1000} s jobs, ${IMAGE_BYTES / 1048576} MB images downloaded to binary (filesystem mode); ideal ${((prompts / MAX_QUEUE) * JOB_MS) / 1000} s\n`,
		'| method | wall / ideal | results | errors (of them 499) | lost | duplicates | jobs submitted twice | 499s seen / absorbed | fetches per job | peak RSS growth over 10 prompts (run\'s own rise: 10 → all) | JS heap peak / 30 s after (10 → all) |',
		'|---|---|---|---|---|---|---|---|---|---|---|',
	];
	for (const row of rows.filter((entry) => entry.prompts === prompts)) {
		if (row.failure) {
			lines.push(`| ${row.method} | failed: ${row.failure} |`);
			continue;
		}
		const small = rows.find((entry) => entry.method === row.method && entry.prompts !== prompts);
		const rise = (entry?: VolumeRow) => (entry ? mb(entry.peakRssBytes - entry.startRssBytes) : '—');
		const heapOf = (entry?: VolumeRow) => (entry?.heapPeakBytes === undefined ? '—' : `${mb(entry.heapPeakBytes)} / ${entry.heapAfterBytes === undefined ? '—' : mb(entry.heapAfterBytes)}`);
		lines.push(
			`| ${row.method} | ${(row.wallMs / row.idealMs).toFixed(2)}× (${(row.wallMs / 1000).toFixed(0)} s) | ${row.results} | ${row.errors} (${row.errors499}) | ${row.lost} | ${row.duplicates} | ${row.submittedTwice} | ${row.refusals} / ${row.refusals - row.errors499} | ${row.fetchesPerJob.toFixed(2)} | ${row.growthBytes === undefined ? '—' : `${row.growthBytes >= 0 ? '+' : ''}${mb(row.growthBytes)}`} (${rise(small)} → ${rise(row)}) | ${heapOf(small)} → ${heapOf(row)} |`,
		);
	}
	lines.push('', `Where the time beyond the ideal went (a queue place left free: from a job's end to the submit that filled it; ${MAX_QUEUE} places, so their sum / ${MAX_QUEUE} adds to the wall time):`, '');
	lines.push('| method | beyond the ideal | before the first submit | places left free: median / p95 per job, sum / 10 | after the last job ended | n8n\'s RSS peaked at (the last job ended at, the run ended at) |', '|---|---|---|---|---|---|');
	const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
	for (const row of rows.filter((entry) => entry.prompts === prompts && entry.spent)) {
		const { headMs, refillMedianMs, refillP95Ms, refillSumMs, tailMs, peakRssAtMs } = row.spent!;
		// Whether the peak came while jobs ran (callbacks, polls), with the downloads and the resume, or after the run (n8n answering the bench's read).
		const peakAt = peakRssAtMs === undefined ? '—' : `${s(peakRssAtMs)} (${s(row.wallMs - tailMs)}, ${s(row.wallMs)})`;
		lines.push(`| ${row.method} | ${s(row.wallMs - row.idealMs)} | ${s(headMs)} | ${refillMedianMs} / ${refillP95Ms} ms, ${s(refillSumMs / MAX_QUEUE)} | ${s(tailMs)} | ${peakAt} |`);
	}
	return lines;
}
