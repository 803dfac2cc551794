/**
 * `npm run bench`, Midjourney section (BENCH_ONLY=midjourney): a batch of 20 Midjourney imagines in
 * callback mode in a real n8n 2.x, beside the same batch of GPT image jobs, in turns, in one n8n on
 * the emulator with equal fixed job durations. Added latency: from the moment the batch's last job
 * ends at the emulator to the end of the node that emits the results (n8n's own task timing), the
 * measure of the README's latency row. Fetches per job: fetch requests for the batch's jobs.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { startEmulator, type TtApiEmulator } from '../test/emulator/emulator';
import type { LoggedRequest } from '../test/emulator/types';
import { N8nInstance, packPackage } from '../test/e2e/n8n';
import { freePortBlock } from '../test/e2e/ports';
import { oursWorkflow } from './workflows';

const BATCH = Number(process.env.BENCH_BATCH ?? 20);
const JOB_MS = Number(process.env.BENCH_MJ_JOB_MS ?? 15_000);
const REPEATS = Number(process.env.BENCH_MJ_REPEATS ?? 5);
const KEY = 'bench-mj-key';
const NODE = 'TT API';

type Model = 'GPT image' | 'Midjourney imagine';

interface BatchMeasure {
	/** From the last job's end at the emulator to the end of the node task that emitted it. */
	lastJobLatencyMs: number;
	fetchesPerJob: number;
	/** From the first submit to the last emission, over one job's duration. */
	wallRatio: number;
}

export interface ModelFigures {
	latencyMedianMs: number;
	latencyP95Ms: number;
	fetchesPerJob: number;
	batchWallRatio: number;
	batches: BatchMeasure[];
}

export interface MidjourneyFigures {
	n8n: string;
	batch: number;
	jobMs: number;
	repeats: number;
	rows: Record<Model, ModelFigures>;
}

const FETCH_PATH: Record<Model, string> = { 'GPT image': '/openai/gpt/fetch', 'Midjourney imagine': '/midjourney/v1/fetch' };

const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.ceil((p / 100) * values.length) - 1)];

/** The bench's GPT image callback workflow with its node turned into Midjourney Imagine. */
function midjourneyWorkflow(id: string, count: number) {
	const flow = oursWorkflow(id, count, 'callback', false);
	const node = flow.nodes.find((candidate) => (candidate as { name: string }).name === NODE) as { parameters: object };
	node.parameters = { resource: 'midjourney', operation: 'imagine', prompt: '={{ $json.prompts }}', mode: 'fast', waitMode: 'callback', options: { download: false, concurrency: 20 } };
	return { ...flow, name: `bench: Midjourney imagine callback x${count}` };
}

const jobIdOf = (request: LoggedRequest) => request.query.jobId ?? (request.body as { jobId?: string } | undefined)?.jobId;

export async function midjourneySection(log: (line: string) => void): Promise<MidjourneyFigures> {
	const work = mkdtempSync(path.join(tmpdir(), 'ttapi-bench-mj-'));
	const emulator: TtApiEmulator = await startEmulator({ validKeys: [KEY], queueMs: 1000, runMs: JOB_MS - 1000 });
	const n8n = new N8nInstance({ line: '2.x', userFolder: path.join(work, 'user'), port: await freePortBlock(), logFile: path.join(work, 'n8n.log') });
	try {
		n8n.installPackage(packPackage(path.join(work, 'pack')));
		await n8n.importDemo({ apiKey: KEY, baseUrl: emulator.url, triggerSecret: 'bench' });
		const flows: Record<Model, { id: string }> = {
			'GPT image': oursWorkflow('BenchMjGptCallbk', BATCH, 'callback', false),
			'Midjourney imagine': midjourneyWorkflow('BenchMjImagineCb', BATCH),
		};
		await n8n.importWorkflows(Object.values(flows));
		await n8n.start({ timeoutMs: 180_000 });
		await n8n.login();

		const measure = async (model: Model): Promise<BatchMeasure> => {
			const since = Date.now();
			const started = await n8n.execute(flows[model].id, { timeoutMs: 10 * 60_000 });
			const [latest] = await n8n.executions(flows[model].id);
			const { status, data } = started.status === 'waiting' ? await n8n.finishedRun(latest.id, 10 * 60_000) : started;
			if (status !== 'success') throw new Error(`${model}: the batch ended ${status}: ${data.resultData.error?.message}`);
			const emitted = new Map<string, number>();
			for (const task of data.resultData.runData[NODE] ?? []) {
				for (const item of task.data?.main?.[0] ?? []) if (item.json?.status === 'SUCCESS') emitted.set(item.json.jobId, task.startTime + task.executionTime);
			}
			const jobs = emulator.jobTimes().filter((job) => job.submittedAt >= since);
			if (jobs.length !== BATCH || jobs.some((job) => !emitted.has(job.jobId))) throw new Error(`${model}: ${emitted.size} of ${jobs.length} jobs emitted`);
			const ids = new Set(jobs.map((job) => job.jobId));
			const fetches = emulator.requestsTo(FETCH_PATH[model]).filter((request) => ids.has(jobIdOf(request) ?? '')).length;
			const lastEnd = Math.max(...jobs.map((job) => job.endsAt));
			const lastEmission = Math.max(...emitted.values());
			return { lastJobLatencyMs: lastEmission - lastEnd, fetchesPerJob: fetches / jobs.length, wallRatio: (lastEmission - Math.min(...jobs.map((job) => job.submittedAt))) / JOB_MS };
		};

		const batches: Record<Model, BatchMeasure[]> = { 'GPT image': [], 'Midjourney imagine': [] };
		// In turns, so a slower moment of the machine falls on both models alike.
		for (let repeat = 1; repeat <= REPEATS; repeat++) {
			for (const model of Object.keys(batches) as Model[]) {
				log(`midjourney: ${model}, batch of ${BATCH} in callback mode ${repeat}/${REPEATS}`);
				batches[model].push(await measure(model));
			}
		}
		const rowOf = (list: BatchMeasure[]): ModelFigures => ({
			latencyMedianMs: percentile(list.map((batch) => batch.lastJobLatencyMs), 50),
			latencyP95Ms: percentile(list.map((batch) => batch.lastJobLatencyMs), 95),
			fetchesPerJob: list.reduce((sum, batch) => sum + batch.fetchesPerJob, 0) / list.length,
			batchWallRatio: percentile(list.map((batch) => batch.wallRatio), 50),
			batches: list,
		});
		const figures: MidjourneyFigures = { n8n: n8n.install.version, batch: BATCH, jobMs: JOB_MS, repeats: REPEATS, rows: { 'GPT image': rowOf(batches['GPT image']), 'Midjourney imagine': rowOf(batches['Midjourney imagine']) } };
		for (const line of midjourneyTable(figures)) console.log(line);
		return figures;
	} finally {
		await n8n.stop();
		await emulator.stop();
		rmSync(work, { recursive: true, force: true });
	}
}

/** The section's table, with the GPT image callback row of the last full run (bench/results.json) beside it. */
function midjourneyTable(figures: MidjourneyFigures): string[] {
	const saved = (() => {
		try {
			return (JSON.parse(readFileSync(path.join(__dirname, 'results.json'), 'utf8')) as Record<string, any>)['ours callback'];
		} catch {
			return undefined;
		}
	})();
	const row = (name: string, data: ModelFigures) =>
		`| ${name} | ${data.latencyMedianMs.toFixed(0)} ms | ${data.latencyP95Ms.toFixed(0)} ms | ${data.fetchesPerJob.toFixed(2)} | ${data.batchWallRatio.toFixed(2)}× |`;
	return [
		`\nMidjourney in callback mode — n8n ${figures.n8n}; ${figures.repeats} batches of ${figures.batch} jobs of ${figures.jobMs / 1000} s per model, in turns\n`,
		`| batch of ${figures.batch}, callback mode | added latency after the last job ends, median | p95 | fetches per job | wall / one job |`,
		'|---|---|---|---|---|',
		row('GPT image (gpt-image-2)', figures.rows['GPT image']),
		row('Midjourney imagine', figures.rows['Midjourney imagine']),
		...(saved
			? [`| GPT image, README row (single jobs; its batch for fetches) | ${Number(saved.latencyMedianMs).toFixed(0)} ms | ${Number(saved.latencyP95Ms).toFixed(0)} ms | ${Number(saved.fetchesPerJobBatch).toFixed(2)} | ${Number(saved.batchWallRatio).toFixed(2)}× |`]
			: []),
	];
}
