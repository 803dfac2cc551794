/**
 * What n8n's peak RSS does when a paused run of 1,000 prompts takes 1,000 calls at the pace of the
 * volume bench's callbacks (10 jobs of 3 s: one every 300 ms), against a run of 10 taking 10: for
 * calls to our node, calls n8n turns away before any node runs, and calls n8n's own Wait node turns
 * away (bench/pausedRuns.ts). The figure is the volume bench's "peak RSS growth over 10 prompts", for
 * the calls alone: no job ends, nothing is submitted or downloaded. Each kind runs in an n8n process
 * of its own, every run after 30 s idle, as the volume bench runs its rows.
 *
 *   npx tsx bench/callbackPeak.ts                                  (about 20 minutes)
 *   BENCH_CALLBACK_KINDS="ours,wait node" npx tsx bench/callbackPeak.ts   (only these)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { startEmulator } from '../test/emulator/emulator';
import { callPausedRun, CALL_KINDS, pauseForCalls, waitNodeWorkflow } from './pausedRuns';
import { IDLE_MS, mb, peakRssFrom, sleep, startWithVolumeWorkflows, volumeN8n } from './volume';

const KEY = 'bench-callback-peak-key';
const CALL_EVERY_MS = 300;
const SMALL = 10;
const LARGE = 1000;

async function main() {
	const chosen = process.env.BENCH_CALLBACK_KINDS?.split(',').map((kind) => kind.trim());
	const kinds = CALL_KINDS.filter(({ kind }) => !chosen || chosen.includes(kind));
	const work = mkdtempSync(path.join(tmpdir(), 'ttapi-callback-peak-'));
	const emulator = await startEmulator({ validKeys: [KEY], maxQueue: 10, imageBytes: 1024 });
	const n8n = await volumeN8n(work, { N8N_LOG_LEVEL: 'info' });
	const rows: string[] = [];
	try {
		await startWithVolumeWorkflows(n8n, work, emulator.url, KEY, [waitNodeWorkflow()]);
		for (const [index, { kind, label }] of kinds.entries()) {
			// A process of its own: the memory V8 took for one kind's large run would raise the next kind's baseline.
			if (index > 0) {
				await n8n.stop();
				await n8n.start({ timeoutMs: 180_000 });
				await n8n.login();
			}
			const peaks: number[] = [];
			for (const count of [SMALL, LARGE]) {
				await sleep(IDLE_MS);
				const rss = peakRssFrom(n8n.server!.pid!);
				const call = await pauseForCalls(n8n, emulator, kind, Array.from({ length: count }, (_, n) => `callback peak ${kind} x${count} #${n}`));
				const started = Date.now();
				for (let n = 0; n < count; n++) {
					await sleep(started + n * CALL_EVERY_MS - Date.now());
					await callPausedRun(call, n);
				}
				peaks.push(rss.peak());
				console.log(`${label}, ${count} prompts: peak RSS ${mb(peaks.at(-1)!)} (${mb(rss.start)} at the start)`);
			}
			rows.push(`| ${label} | ${mb(peaks[0])} | ${mb(peaks[1])} | **+${mb(peaks[1] - peaks[0])}** |`);
		}
	} finally {
		await n8n.stop();
		await emulator.stop();
		rmSync(work, { recursive: true, force: true });
	}
	console.log(`\n| calls, one every ${CALL_EVERY_MS} ms | peak RSS, ${SMALL} calls to a run of ${SMALL} | ${LARGE} calls to a run of ${LARGE} | growth |\n|---|---|---|---|`);
	for (const row of rows) console.log(row);
}

main().catch((error) => {
	console.error(error);
	process.exit(1);
});
