/**
 * What one call to a paused run costs n8n's heap, by the size of the run: a real n8n 2.x pauses
 * runs of 10 and of 1,000 prompts, and each takes 300 calls one after another (bench/pausedRuns.ts):
 * callbacks to our node for a job the run does not know, calls n8n turns away before any node runs
 * (no token), and calls n8n's own Wait node turns away. n8n loads and parses the paused execution for
 * each. V8's GC profiler, preloaded into n8n, reports what the collections freed meanwhile (the heap
 * allocated per call) and what young collections promoted to the old generation: garbage only a
 * major collection frees, which V8 lets pile up, and which drives n8n's peak RSS in a long
 * callback-mode run.
 *
 *   npx tsx bench/callbackCost.ts          (about 2 minutes)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { startEmulator } from '../test/emulator/emulator';
import { callPausedRun, CALL_KINDS, pauseForCalls, waitNodeWorkflow } from './pausedRuns';
import { signalProfiler, startWithVolumeWorkflows, volumeN8n } from './volume';

const KEY = 'bench-callback-cost-key';
const CALLS = 300;

interface GcEvent {
	beforeGC: { heapStatistics: { usedHeapSize: number }; heapSpaceStatistics: Array<{ spaceName: string; spaceUsedSize: number }> };
	afterGC: GcEvent['beforeGC'];
}
const OLD_SPACES = ['old_space', 'large_object_space', 'code_space'];
const usedIn = (side: GcEvent['beforeGC'], spaces: string[]) => side.heapSpaceStatistics.filter((space) => spaces.includes(space.spaceName)).reduce((sum, space) => sum + space.spaceUsedSize, 0);
// A young collection moves what survived it into the old generation, where only a major collection frees it.
const promotedTo = (events: GcEvent[], spaces: string[]) => events.reduce((sum, event) => sum + Math.max(0, usedIn(event.afterGC, spaces) - usedIn(event.beforeGC, spaces)), 0);

async function main() {
	const work = mkdtempSync(path.join(tmpdir(), 'ttapi-callback-cost-'));
	const emulator = await startEmulator({ validKeys: [KEY], maxQueue: 10, imageBytes: 1024 });
	const n8n = await volumeN8n(work, { N8N_LOG_LEVEL: 'info', NODE_OPTIONS: `--require ${path.resolve(__dirname, 'gcProfiler.cjs')}`, GC_OUT: path.join(work, 'gc') });
	const gcProfile = path.join(work, 'gc');
	const mb = (bytes: number) => (bytes / CALLS / 1048576).toFixed(2);
	try {
		await startWithVolumeWorkflows(n8n, work, emulator.url, KEY, [waitNodeWorkflow()]);
		for (const count of [10, 1000]) {
			console.log(`paused run of ${count} prompts, ${CALLS} calls one after another:`);
			for (const { kind, label } of CALL_KINDS) {
				const call = await pauseForCalls(n8n, emulator, kind, Array.from({ length: count }, (_, n) => `callback cost ${kind} x${count} #${n}`));
				// The GC profiler starts again on every signal: what it saw so far is n8n's, not the calls'.
				await signalProfiler(n8n, gcProfile);
				const started = Date.now();
				for (let n = 0; n < CALLS; n++) await callPausedRun(call, n);
				const ms = Date.now() - started;
				const events = (await signalProfiler<{ statistics: GcEvent[] }>(n8n, gcProfile))!.statistics;
				const freed = events.reduce((sum, event) => sum + event.beforeGC.heapStatistics.usedHeapSize - event.afterGC.heapStatistics.usedHeapSize, 0);
				// Large objects (over 128 KB, such as the paused execution's stored text) are promoted by the first young collection they live through.
				console.log(
					`  ${label}: ${(ms / CALLS).toFixed(0)} ms a call; heap allocated ${mb(freed)} MB a call, ${mb(promotedTo(events, OLD_SPACES))} MB of it promoted to the old generation, ${mb(promotedTo(events, ['large_object_space']))} MB of that as large objects (${events.length} collections)`,
				);
			}
		}
	} finally {
		await n8n.stop();
		await emulator.stop();
		rmSync(work, { recursive: true, force: true });
	}
}

main().catch((error) => {
	console.error(error);
	process.exit(1);
});
