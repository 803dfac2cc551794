/**
 * `npm run bench`, images section (BENCH_ONLY=images): Image (OpenAI-Compatible) edit of items with
 * 4 input images of 4 MB each, read from disk into n8n's filesystem binary store, in a real n8n 2.x.
 * Memory: the n8n process's peak RSS with the edit minus the same run without it, against the bytes
 * in flight. Time: the edit node's time for 10 items against 1, the emulator's edit taking a fixed time.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { startEmulator } from '../test/emulator/emulator';
import { makePng } from '../test/emulator/png';
import { EDIT_NODE, editWorkflow } from '../test/e2e/imagesWorkflows';
import { N8nInstance, packPackage } from '../test/e2e/n8n';
import { freePortBlock } from '../test/e2e/ports';

const ITEMS = 10;
const FIELDS = ['a', 'b', 'c', 'd'];
const IMAGE_BYTES = 4 * 1024 * 1024;
const RESULT_BYTES = 1024 * 1024;
const CONCURRENCY = 5;
const EDIT_MS = Number(process.env.BENCH_EDIT_MS ?? 10_000);
const PAIRS = Number(process.env.BENCH_IMAGES_PAIRS ?? 3);
const KEY = 'bench-images-key';
const MB = 1024 * 1024;

export interface ImagesFigures {
	n8n: string;
	editMs: number;
	memory: { concurrency: number; inFlightBytes: number; pairs: Array<{ without: number; withEdit: number }>; growthBytesMedian: number; growthPerInFlight: number };
	time: Array<{ concurrency: number; oneMs: number; tenMs: number; ratio: number }>;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)];

/** Peak RSS of a process as the kernel keeps it (VmHWM), sampled until it exits. */
export function watchPeakRss(pid: number): () => number {
	let peak = 0;
	const timer = setInterval(() => {
		try {
			const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
			if (hwm) peak = Math.max(peak, Number(hwm[1]) * 1024);
		} catch {
			clearInterval(timer);
		}
	}, 20);
	return () => (clearInterval(timer), peak);
}

export async function runImages(work: string, log: (line: string) => void): Promise<ImagesFigures> {
	const inputs = path.join(work, 'image-inputs');
	mkdirSync(inputs, { recursive: true });
	log(`images: writing ${ITEMS * FIELDS.length} PNGs of ${IMAGE_BYTES / MB} MB`);
	for (let item = 1; item <= ITEMS; item++) {
		FIELDS.forEach((field, at) => writeFileSync(path.join(inputs, `${String(item).padStart(2, '0')}-${field}.png`), makePng(item * 10 + at, IMAGE_BYTES - 64)));
	}
	const requestBytes = FIELDS.length * IMAGE_BYTES;
	const emulator = await startEmulator({ validKeys: [KEY], v1EditMs: EDIT_MS, imageBytes: RESULT_BYTES });
	const n8n = new N8nInstance({
		line: '2.x',
		userFolder: path.join(work, 'images-user'),
		port: await freePortBlock(),
		logFile: path.join(work, 'images-n8n.log'),
		extraEnv: { N8N_DEFAULT_BINARY_DATA_MODE: 'filesystem', N8N_RESTRICT_FILE_ACCESS_TO: inputs, N8N_LOG_LEVEL: 'info' },
	});
	try {
		n8n.installPackage(packPackage(path.join(work, 'images-pack')));
		await n8n.importDemo({ apiKey: KEY, baseUrl: emulator.url, triggerSecret: 'bench' });
		const all = path.join(inputs, '*.png');
		const one = path.join(inputs, '01-*.png');
		const edit = (concurrency: number) => ({ inputBinaryFields: FIELDS.join(', '), options: { concurrency, requestTimeout: 600 } });
		const flows = {
			without: editWorkflow('BenchImgWithoutE', all, 'bench edit', { ...edit(CONCURRENCY), withoutEdit: true }),
			withEdit: editWorkflow('BenchImgWithEdit', all, 'bench edit', edit(CONCURRENCY)),
			one5: editWorkflow('BenchImgOneItem5', one, 'bench edit', edit(5)),
			one10: editWorkflow('BenchImgOneItemX', one, 'bench edit', edit(10)),
			ten10: editWorkflow('BenchImgTenItemX', all, 'bench edit', edit(10)),
		};
		await n8n.importWorkflows(Object.values(flows));

		/** Runs a workflow with `n8n execute`; its peak RSS and the edit node's time. */
		const run = async (flow: { id: string }) => {
			let stop = () => 0;
			const result = await n8n.execute(flow.id, { onSpawn: (pid) => (stop = watchPeakRss(pid)), timeoutMs: 30 * 60_000 });
			const peak = stop();
			if (result.status !== 'success') throw new Error(`${flow.id}: ${result.status} ${result.data?.resultData?.error?.message ?? ''}`);
			const task = result.data.resultData.runData[EDIT_NODE]?.[0];
			if (task && task.data.main[0].length !== (flow.id.includes('One') ? 1 : ITEMS)) throw new Error(`${flow.id}: ${task.data.main[0].length} results`);
			return { peak, editMs: task?.executionTime as number };
		};

		const pairs: Array<{ without: number; withEdit: number }> = [];
		for (let pair = 1; pair <= PAIRS; pair++) {
			log(`images memory ${pair}/${PAIRS}: ${ITEMS} items × ${FIELDS.length} images of ${IMAGE_BYTES / MB} MB, Concurrency ${CONCURRENCY}, without vs with the edit`);
			pairs.push({ without: (await run(flows.without)).peak, withEdit: (await run(flows.withEdit)).peak });
		}
		const inFlightBytes = CONCURRENCY * requestBytes + ITEMS * RESULT_BYTES;
		const growth = median(pairs.map((pair) => pair.withEdit - pair.without));

		const time: ImagesFigures['time'] = [];
		for (const [concurrency, oneFlow] of [[10, flows.one10], [CONCURRENCY, flows.one5]] as const) {
			log(`images time: 1 item vs ${ITEMS} items, Concurrency ${concurrency}, edits of ${EDIT_MS / 1000} s`);
			const oneMs = (await run(oneFlow)).editMs;
			const tenMs = (await run(concurrency === 10 ? flows.ten10 : flows.withEdit)).editMs;
			time.push({ concurrency, oneMs, tenMs, ratio: tenMs / oneMs });
		}
		return {
			n8n: n8n.install.version,
			editMs: EDIT_MS,
			memory: { concurrency: CONCURRENCY, inFlightBytes, pairs, growthBytesMedian: growth, growthPerInFlight: growth / inFlightBytes },
			time,
		};
	} finally {
		await n8n.stop();
		await emulator.stop();
	}
}

/** The whole section: runs it in its own folder, prints its table, returns its figures. */
export async function imagesSection(log: (line: string) => void): Promise<ImagesFigures> {
	const work = mkdtempSync(path.join(tmpdir(), 'ttapi-bench-images-'));
	try {
		const figures = await runImages(work, log);
		for (const line of imagesTable(figures)) console.log(line);
		return figures;
	} finally {
		rmSync(work, { recursive: true, force: true });
	}
}

export function imagesTable(figures: ImagesFigures): string[] {
	const { memory } = figures;
	return [
		`\nImage (OpenAI-Compatible) edit — n8n ${figures.n8n}, ${ITEMS} items × ${FIELDS.length} input images of ${IMAGE_BYTES / MB} MB (filesystem binary store), results of ${RESULT_BYTES / MB} MB, the emulator's edit ${figures.editMs / 1000} s\n`,
		'| claim | measured | limit |',
		'|---|---|---|',
		`| peak RSS growth / bytes in flight (Concurrency ${memory.concurrency}: ${(memory.inFlightBytes / MB).toFixed(0)} MB) | ${memory.growthPerInFlight.toFixed(2)}× (+${(memory.growthBytesMedian / MB).toFixed(0)} MB, median of ${memory.pairs.map((pair) => `+${((pair.withEdit - pair.without) / MB).toFixed(0)}`).join(', ')} MB) | < 2× |`,
		...figures.time.map(
			(row) => `| ${ITEMS} items / 1 item, Concurrency ${row.concurrency} | ${row.ratio.toFixed(2)}× (${(row.tenMs / 1000).toFixed(1)} s / ${(row.oneMs / 1000).toFixed(1)} s${row.concurrency >= ITEMS ? `; +${((row.tenMs - row.oneMs) / (ITEMS - 1) / 1000).toFixed(2)} s per extra item` : ''}) | ${row.concurrency >= ITEMS ? '< 1.5×' : `≥ ${Math.ceil(ITEMS / row.concurrency)}× by design: ${Math.ceil(ITEMS / row.concurrency)} waves`} |`,
		),
	];
}
