/**
 * `npm run bench`: our node against the template loop (Wait + HTTP Request + IF) and against one
 * item at a time, side by side in one real n8n 2.x on the emulator with fixed job durations.
 * Then the volume section (./volume.ts): a thousand prompts through an account queue of 10.
 * Prints tables and writes bench/results.json. Ratios are the claims; absolute times vary.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { startEmulator, type TtApiEmulator } from '../test/emulator/emulator';
import { N8nInstance, packPackage } from '../test/e2e/n8n';
import { freePortBlock } from '../test/e2e/ports';
import { imagesSection, watchPeakRss } from './images';
import { midjourneySection } from './midjourney';
import { runVolume, volumeTable } from './volume';
import { httpRequestDownloadWorkflow, oneAtATimeWorkflow, oursWorkflow, templateWorkflow } from './workflows';

const JOB_MS = Number(process.env.BENCH_JOB_MS ?? 30_000);
const BATCH = Number(process.env.BENCH_BATCH ?? 20);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 5);
/** BENCH_MEMORY_TURNS=0 leaves the memory part out. */
const MEMORY_TURNS = Number(process.env.BENCH_MEMORY_TURNS ?? 5);
/** BENCH_ONLY=latency runs the latency, batch and memory parts; memory only the memory part; images, midjourney or volume only that section. */
const ONLY = process.env.BENCH_ONLY;
const VOLUME_PROMPTS = Number(process.env.BENCH_VOLUME_PROMPTS ?? 1000);
const IMAGE_BYTES = 8 * 1024 * 1024;
const KEY = 'bench-key';

type Method = 'ours poll' | 'ours callback' | 'template loop' | 'one at a time';
/** BENCH_LATENCY_METHODS="ours callback,ours poll" runs only those in the latency and batch parts. */
const LATENCY_METHODS = (process.env.BENCH_LATENCY_METHODS?.split(',').map((method) => method.trim()) ?? ['ours callback', 'ours poll', 'template loop', 'one at a time']) as Method[];

interface RunMeasure {
	latenciesMs: number[];
	wallMs: number;
	fetchesPerJob: number;
	jobs: number;
	jobMs: number;
}

const log = (line: string) => console.log(`[bench] ${line}`);
const percentile = (values: number[], p: number) => {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
};
const median = (values: number[]) => percentile(values, 50);

async function main() {
	if (ONLY === 'images') return void (await imagesSection(log));
	if (ONLY === 'midjourney') return void (await midjourneySection(log));
	const work = mkdtempSync(path.join(tmpdir(), 'ttapi-bench-'));
	try {
		const results: Record<string, unknown> = ONLY === 'volume' ? {} : await latencyAndMemory(work);
		if (ONLY === undefined || ONLY === 'volume') {
			const rows = await runVolume(work, VOLUME_PROMPTS, log);
			results.volume = { prompts: VOLUME_PROMPTS, rows };
			for (const line of volumeTable(rows, VOLUME_PROMPTS)) console.log(line);
		}
		if (ONLY === undefined) {
			writeFileSync(path.join(__dirname, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
			log('wrote bench/results.json');
		} else log(`figures: ${JSON.stringify(results)}`);
	} finally {
		// BENCH_KEEP_WORK=1 keeps n8n's logs and data.
		if (process.env.BENCH_KEEP_WORK) log(`kept ${work}`);
		else rmSync(work, { recursive: true, force: true });
	}
}

/** The latency, batch and memory sections, in one n8n; returns their figures. */
async function latencyAndMemory(work: string): Promise<Record<string, unknown>> {
	// The account's queue holds the whole batch, and refuses more with 499 as TT API does: this section
	// measures how each method waits for a batch; the volume section, a run larger than the queue.
	const emulator: TtApiEmulator = await startEmulator({ validKeys: [KEY], queueMs: 1000, runMs: JOB_MS - 1000, maxQueue: BATCH, enforceMaxQueue: true });
	const n8n = new N8nInstance({ line: '2.x', userFolder: path.join(work, 'user'), port: await freePortBlock(), logFile: path.join(work, 'n8n.log') });
	try {
		n8n.installPackage(packPackage(path.join(work, 'pack')));
		await n8n.importDemo({ apiKey: KEY, baseUrl: emulator.url, triggerSecret: 'bench' });
		const flows = {
			'ours poll': (count: number, download = false) => oursWorkflow(`BenchPoll${count}${download ? 'D' : 'N'}`.padEnd(16, 'x'), count, 'poll', download),
			'ours callback': (count: number) => oursWorkflow(`BenchCallback${count}`.padEnd(16, 'x'), count, 'callback', false),
			'template loop': (count: number) => templateWorkflow(`BenchTemplate${count}`.padEnd(16, 'x'), count, emulator.url, KEY),
			'one at a time': (count: number) => oneAtATimeWorkflow(`BenchOneByOne${count}`.padEnd(16, 'x'), count, emulator.url, KEY),
		};
		const all = [1, BATCH].flatMap((count) => [flows['ours poll'](count), flows['ours callback'](count), flows['template loop'](count), flows['one at a time'](count)]);
		const httpRequestDownload = httpRequestDownloadWorkflow('BenchHttpDownload'.padEnd(16, 'x'), BATCH);
		all.push(flows['ours poll'](BATCH, true), httpRequestDownload);
		await n8n.importWorkflows(all);
		await n8n.start({ timeoutMs: 180_000 });
		await n8n.login();

		/** Runs one workflow to the end; returns the finished run data. */
		const runToEnd = async (workflowId: string) => {
			const started = await n8n.execute(workflowId, { timeoutMs: 30 * 60_000 });
			if (started.status !== 'waiting') return started.data;
			const [latest] = await n8n.executions(workflowId);
			return (await n8n.finishedRun(latest.id, 30 * 60_000)).data;
		};

		/** When each job's result left the node that emits it, in epoch ms. */
		const emissions = (method: Method, data: any): Map<string, number> => {
			const emitted = new Map<string, number>();
			const nodeName = method.startsWith('ours') ? 'TT API' : 'Done?';
			for (const task of data.resultData.runData[nodeName] ?? []) {
				const end = task.startTime + task.executionTime;
				for (const item of task.data?.main?.[0] ?? []) {
					if (item.json?.jobId && item.json.status === 'SUCCESS') emitted.set(item.json.jobId, end);
				}
			}
			return emitted;
		};

		/** Runs one method on `count` prompts whose jobs each take `jobMs` on the emulator. */
		const measure = async (method: Method, count: number, jobMs: number): Promise<RunMeasure> => {
			const flow = flows[method](count);
			emulator.options.runMs = jobMs - emulator.options.queueMs;
			const since = Date.now();
			const data = await runToEnd(flow.id);
			const jobs = emulator.jobTimes().filter((job) => job.submittedAt >= since);
			const emitted = emissions(method, data);
			const latenciesMs = jobs.map((job) => (emitted.get(job.jobId) ?? NaN) - job.endsAt);
			if (latenciesMs.some(Number.isNaN)) throw new Error(`${method}: not every job was emitted`);
			const ids = new Set(jobs.map((job) => job.jobId));
			const fetches = emulator.requestsTo('/openai/gpt/fetch').filter((request) => ids.has(request.query.jobId)).length;
			const wallMs = Math.max(...emitted.values()) - Math.min(...jobs.map((job) => job.submittedAt));
			return { latenciesMs, wallMs, fetchesPerJob: fetches / jobs.length, jobs: jobs.length, jobMs };
		};

		const results: Record<string, unknown> = { jobMs: JOB_MS, batch: BATCH, repeats: REPEATS, n8n: n8n.install.version };
		const table: string[][] = [];

		// Real jobs end at any moment of a poller's cycle: single jobs are spread over one 5 s cycle of
		// the template loop, and the batch ends mid-cycle, so no method gains from a lucky alignment.
		const singleJobMs = (repeat: number) => JOB_MS + Math.round((repeat * 5000) / REPEATS);
		const batchJobMs = JOB_MS + 2500;
		const methods = ONLY === 'memory' ? [] : LATENCY_METHODS.filter((method) => method !== 'one at a time');
		for (const method of methods) {
			const latencies: number[] = [];
			const latencyShares: number[] = [];
			let fetches = 0;
			for (let repeat = 0; repeat < REPEATS; repeat++) {
				log(`${method}: single job ${repeat + 1}/${REPEATS}`);
				const single = await measure(method, 1, singleJobMs(repeat));
				latencies.push(...single.latenciesMs);
				latencyShares.push(...single.latenciesMs.map((latency) => (100 * latency) / single.jobMs));
				fetches += single.fetchesPerJob;
			}
			log(`${method}: batch of ${BATCH}`);
			const batch = await measure(method, BATCH, batchJobMs);
			const row = {
				latenciesMs: latencies,
				latencyMedianMs: median(latencies),
				latencyP95Ms: percentile(latencies, 95),
				latencyMedianPctOfJob: median(latencyShares),
				batchWallRatio: batch.wallMs / batch.jobMs,
				fetchesPerJobSingle: fetches / REPEATS,
				fetchesPerJobBatch: batch.fetchesPerJob,
				fetchesPer2sOfJobAge: batch.fetchesPerJob / (batch.jobMs / 2000),
			};
			results[method] = row;
			table.push([method, `${row.latencyMedianMs.toFixed(0)} ms (${row.latencyMedianPctOfJob.toFixed(1)}%)`, `${row.latencyP95Ms.toFixed(0)} ms`, `${row.batchWallRatio.toFixed(2)}×`, row.fetchesPerJobBatch.toFixed(1), row.fetchesPer2sOfJobAge.toFixed(2)]);
		}

		if (ONLY !== 'memory' && LATENCY_METHODS.includes('one at a time')) {
			log(`one at a time: batch of ${BATCH} (about ${Math.round((BATCH * (batchJobMs + 5000)) / 60000)} minutes)`);
			const oneByOne = await measure('one at a time', BATCH, batchJobMs);
			const ratio = oneByOne.wallMs / oneByOne.jobMs;
			results['one at a time'] = { batchWallRatio: ratio, fetchesPerJobBatch: oneByOne.fetchesPerJob };
			table.push(['one at a time', '—', '—', `${ratio.toFixed(2)}×`, oneByOne.fetchesPerJob.toFixed(1), (oneByOne.fetchesPerJob / (oneByOne.jobMs / 2000)).toFixed(2)]);
		}

		// Memory: the same batch without downloading 8 MB images, downloading them to binary, and
		// downloading them with n8n's own HTTP Request node after it, taking turns; the n8n process's
		// peak RSS (VmHWM, which the kernel keeps), median of the growths over the run without images.
		// A preload (memoryTrace.cjs) says how much of the process was ArrayBuffers when RSS peaked:
		// bytes of sockets and files outside the JS heap, alive or not yet collected.
		emulator.options.imageBytes = IMAGE_BYTES;
		emulator.options.runMs = 5000;
		const memoryOf = async (workflowId: string) => {
			let peakRss = () => 0;
			const traceFile = path.join(work, `memory-${workflowId}.json`);
			const env = { NODE_OPTIONS: `--require ${path.join(__dirname, 'memoryTrace.cjs')}`, MEMORY_TRACE_OUT: traceFile };
			const started = await n8n.execute(workflowId, {
				env,
				timeoutMs: 30 * 60_000,
				onSpawn: (pid) => (peakRss = watchPeakRss(pid)),
			});
			if (started.status !== 'success') throw new Error(`memory run ${workflowId} ended ${started.status}`);
			const atPeak = JSON.parse(readFileSync(traceFile, 'utf8')) as NodeJS.MemoryUsage;
			return { peakRss: peakRss(), arrayBuffersAtPeak: atPeak.arrayBuffers, heapUsedAtPeak: atPeak.heapUsed };
		};
		const memoryRuns = { idle: flows['ours poll'](BATCH, false).id, ours: flows['ours poll'](BATCH, true).id, httpRequest: httpRequestDownload.id };
		const turns: Array<Record<keyof typeof memoryRuns, Awaited<ReturnType<typeof memoryOf>>>> = [];
		for (let turn = 1; turn <= MEMORY_TURNS; turn++) {
			log(`memory ${turn}/${MEMORY_TURNS}: ${BATCH} images of 8 MB, not downloaded, downloaded to binary by the node, downloaded by HTTP Request`);
			turns.push({ idle: await memoryOf(memoryRuns.idle), ours: await memoryOf(memoryRuns.ours), httpRequest: await memoryOf(memoryRuns.httpRequest) });
		}
		const memoryRow = (run: keyof typeof memoryRuns) => {
			const growths = turns.map((turn) => turn[run].peakRss - turn.idle.peakRss);
			return { growths, growthMedian: median(growths), arrayBuffersAtPeakMedian: median(turns.map((turn) => turn[run].arrayBuffersAtPeak)) };
		};
		const memory = { ours: memoryRow('ours'), httpRequest: memoryRow('httpRequest'), idle: memoryRow('idle') };
		if (MEMORY_TURNS > 0) results.memory = { imageBytes: IMAGE_BYTES, images: BATCH, turns, ...memory };

		console.log(`\nTT API node vs. what users do today — n8n ${n8n.install.version}; single jobs of ${singleJobMs(0) / 1000}–${singleJobMs(REPEATS - 1) / 1000} s (${REPEATS} runs each), a batch of ${BATCH} jobs of ${batchJobMs / 1000} s\n`);
		console.log(`| method | latency added, median (% of job) | p95 | batch of ${BATCH}: wall / one job | fetches per job | fetches per 2 s of job age |`);
		console.log('|---|---|---|---|---|---|');
		for (const row of table) console.log(`| ${row.join(' | ')} |`);
		// A submit that started no job was refused with 499: this section injects no faults.
		const refusals = emulator.requestsTo('/openai/gpt/generations').length - emulator.jobTimes().length;
		results.queueRefusals = refusals;
		console.log(`\nSubmits refused with 499 by the account's queue of ${BATCH}: ${refusals}`);
		if (MEMORY_TURNS > 0) {
			const mb = (bytes: number) => `${bytes >= 0 ? '+' : ''}${(bytes / 1048576).toFixed(1)}`;
			console.log(`\nPeak RSS of the n8n process, ${BATCH} images × 8 MB, over the same run without downloads (median of ${MEMORY_TURNS} turns)\n`);
			console.log('| run | peak RSS growth, median | in images\' size | each turn | ArrayBuffers when RSS peaked, median |');
			console.log('|---|---|---|---|---|');
			const memoryLine = (label: string, row: ReturnType<typeof memoryRow>) =>
				`| ${label} | ${mb(row.growthMedian)} MB | ${(row.growthMedian / IMAGE_BYTES).toFixed(2)} | ${row.growths.map(mb).join(', ')} | ${(row.arrayBuffersAtPeakMedian / 1048576).toFixed(1)} MB |`;
			console.log(memoryLine('ours, downloaded to binary', memory.ours));
			console.log(memoryLine("n8n's HTTP Request node, file response", memory.httpRequest));
			console.log(`| no download | — | — | — | ${(memory.idle.arrayBuffersAtPeakMedian / 1048576).toFixed(1)} MB |`);
		}
		if (ONLY === undefined) {
			results.images = await imagesSection(log);
			results.midjourney = await midjourneySection(log);
		}
		return results;
	} finally {
		await n8n.stop();
		await emulator.stop();
	}
}

main().catch((error: Error) => {
	console.error(`[bench] failed: ${error.stack ?? error.message}`);
	process.exit(1);
});
