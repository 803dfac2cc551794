/**
 * What one callback to a paused run costs n8n's heap, by the size of the run: a real n8n 2.x with
 * the volume bench's callback workflow pauses a run of 10 and one of 1,000 prompts whose jobs never
 * end, then takes 300 callbacks for a job the run does not know (n8n loads and parses the paused
 * execution for each; the node reads its state and answers). V8's GC profiler, preloaded into n8n,
 * reports what the collections freed meanwhile (the heap allocated per callback) and what young
 * collections promoted to the old generation: garbage only a major collection frees, which V8 lets
 * pile up, and which drives n8n's peak RSS in a long callback-mode run.
 *
 *   npx tsx bench/callbackCost.ts          (about 3 minutes)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { startEmulator } from '../test/emulator/emulator';
import { postPrompts, signalProfiler, sleep, startWithVolumeWorkflows, volumeN8n } from './volume';
import { VOLUME_FLOWS } from './volumeWorkflows';

const KEY = 'bench-callback-cost-key';
const CALLBACKS = 300;

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
	try {
		await startWithVolumeWorkflows(n8n, work, emulator.url, KEY);
		const { id } = VOLUME_FLOWS['ours callback'];
		const gcProfile = path.join(work, 'gc');
		for (const count of [10, 1000]) {
			const prompts = Array.from({ length: count }, (_, n) => `callback cost x${count} #${n} ${emulator.options.stuckMarker}`);
			await postPrompts(n8n, 'ours callback', prompts);
			while ((await n8n.executions(id)).filter((execution) => execution.status === 'waiting').length < (count === 10 ? 1 : 2)) await sleep(500);
			const submit = emulator.requestsTo('/openai/gpt/generations').find((request) => (request.body as { prompt?: string }).prompt === prompts[0])!;
			const hookUrl = String((submit.body as { hookUrl: string }).hookUrl);
			// The GC profiler starts again on every signal: what it saw so far is n8n's, not the callbacks'.
			await signalProfiler(n8n, gcProfile);
			const started = Date.now();
			for (let n = 0; n < CALLBACKS; n++) {
				const answer = await fetch(hookUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jobId: `not-of-this-run-${n}`, status: 'SUCCESS', data: {} }) });
				if (answer.status !== 200) throw new Error(`callback answered HTTP ${answer.status}: ${await answer.text()}`);
			}
			const ms = Date.now() - started;
			const events = (await signalProfiler<{ statistics: GcEvent[] }>(n8n, gcProfile))!.statistics;
			const freed = events.reduce((sum, event) => sum + event.beforeGC.heapStatistics.usedHeapSize - event.afterGC.heapStatistics.usedHeapSize, 0);
			const mb = (bytes: number) => (bytes / CALLBACKS / 1048576).toFixed(2);
			// Large objects (over 128 KB, such as the paused execution's stored text) are promoted by the first young collection they live through.
			console.log(
				`paused run of ${count} prompts: ${CALLBACKS} callbacks, ${(ms / CALLBACKS).toFixed(0)} ms each; heap allocated ${mb(freed)} MB per callback, ${mb(promotedTo(events, OLD_SPACES))} MB of it promoted to the old generation, ${mb(promotedTo(events, ['large_object_space']))} MB of that as large objects (${events.length} collections)`,
			);
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
