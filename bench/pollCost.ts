/**
 * What a poll-mode run costs n8n's heap per job, and who allocates it: a real n8n 2.x runs the
 * volume bench's poll workflow (emulator at max_queue 10, 3 s jobs, 1 MB images downloaded to
 * binary) twice with 300 prompts. V8's sampling heap profiler, preloaded into n8n, counts every
 * allocation, collected or not. In the first run the bench leaves n8n alone until the emulator has
 * served every image; in the second it checks the execution every 500 ms from the start, as the
 * volume bench did until the checks turned out to cost n8n more than the run.
 *
 *   npx tsx bench/pollCost.ts          (about 4 minutes)
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { startEmulator } from '../test/emulator/emulator';
import { startWithVolumeWorkflows, volumeN8n } from './volume';
import { VOLUME_FLOWS } from './volumeWorkflows';

const KEY = 'bench-poll-cost-key';
const PROMPTS = 300;
const sleep = async (ms: number) => await new Promise((resolve) => setTimeout(resolve, ms));

interface ProfileNode {
	callFrame: { functionName: string; url: string };
	selfSize: number;
	children: ProfileNode[];
}

/** Who allocated, by the first of these found anywhere on the allocation's stack. */
const ALLOCATORS: Array<[string, RegExp]> = [
	["n8n loading and applying the credential for each request", /^(getCredentials|_getCredentials|getDecrypted|authenticate) .*(credentials-helper|context)/],
	["n8n's HTTP client", /axios|follow-redirects|backend-network|node:_http|node:net/],
	["n8n's database", /typeorm|sqlite3/],
	["n8n reading the node's parameters", /^_?getNodeParameter /],
	["the node's own code", /n8n-nodes-ttapi/],
];
const OTHER = 'everything else (n8n, Node.js)';

function allocationsBy(profile: ProfileNode): Map<string, number> {
	const bytes = new Map<string, number>([...ALLOCATORS.map(([name]): [string, number] => [name, 0]), [OTHER, 0]]);
	const walk = (node: ProfileNode, stack: string[]) => {
		const frames = [...stack, `${node.callFrame.functionName} ${node.callFrame.url}`];
		if (node.selfSize > 0) {
			const name = ALLOCATORS.find(([, pattern]) => frames.some((frame) => pattern.test(frame)))?.[0] ?? OTHER;
			bytes.set(name, bytes.get(name)! + node.selfSize);
		}
		for (const child of node.children) walk(child, frames);
	};
	walk(profile, []);
	return bytes;
}

async function main() {
	const work = mkdtempSync(path.join(tmpdir(), 'ttapi-poll-cost-'));
	const emulator = await startEmulator({ validKeys: [KEY], maxQueue: 10, enforceMaxQueue: true, queueMs: 1000, runMs: 2000, imageBytes: 1024 * 1024 });
	const n8n = await volumeN8n(work, {
		N8N_DEFAULT_BINARY_DATA_MODE: 'filesystem',
		N8N_LOG_LEVEL: 'info',
		NODE_OPTIONS: `--require ${path.resolve(__dirname, 'heapSampler.cjs')}`,
		HEAP_OUT: path.join(work, 'heap'),
	});
	try {
		await startWithVolumeWorkflows(n8n, work, emulator.url, KEY);
		const { id, path: webhookPath } = VOLUME_FLOWS['ours poll'];
		const signal = async () => {
			process.kill(n8n.server!.pid!, 'SIGUSR2');
			await sleep(2000);
		};
		const run = async (label: string, count: number, checkFromStart: boolean): Promise<Map<string, number> | undefined> => {
			const prompts = Array.from({ length: count }, (_, n) => `poll cost ${label} #${n}`);
			const before = new Set((await n8n.executions(id)).map((execution) => execution.id));
			const downloadsBefore = emulator.requestsTo('/files/').length;
			const measured = count === PROMPTS;
			if (measured) await signal();
			for (let attempt = 0; ; attempt++) {
				const answer = await fetch(`${n8n.baseUrl}/webhook/${webhookPath}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ prompts }) });
				if (answer.ok) break;
				// The production webhook is registered a moment after n8n answers its first requests.
				if (attempt > 30) throw new Error(`webhook answered HTTP ${answer.status}`);
				await sleep(1000);
			}
			if (!checkFromStart) while (emulator.requestsTo('/files/').length - downloadsBefore < count) await sleep(500);
			let executionId: string | undefined;
			while (!(executionId = (await n8n.executions(id)).find((execution) => !before.has(execution.id))?.id)) await sleep(500);
			const { data } = await n8n.finishedRun(executionId, 30 * 60_000, 500);
			const results = (data.resultData.runData['TT API'][0].data.main[0] as Array<{ binary?: unknown }>).filter((item) => item.binary).length;
			if (results !== count) throw new Error(`${label}: ${results} of ${count} items came out with an image`);
			if (!measured) return undefined;
			await signal();
			const file = readdirSync(work).filter((name) => name.startsWith('heap.')).sort().at(-1)!;
			return allocationsBy((JSON.parse(readFileSync(path.join(work, file), 'utf8')) as { head: ProfileNode }).head);
		};

		await run('warm-up', 10, false);
		const quiet = (await run('quiet', PROMPTS, false))!;
		const checked = (await run('checked', PROMPTS, true))!;
		const perJob = (bytes: number) => (bytes / PROMPTS / 1048576).toFixed(2);
		const sum = (bytes: Map<string, number>) => [...bytes.values()].reduce((total, value) => total + value, 0);
		console.log(`poll mode, ${PROMPTS} prompts: JS heap allocated per job in n8n`);
		console.log(`  left alone until the run ended: ${perJob(sum(quiet))} MB`);
		console.log(`  execution checked every 500 ms: ${perJob(sum(checked))} MB (${(sum(checked) / sum(quiet)).toFixed(2)}×)`);
		console.log('of the run left alone, per job:');
		for (const [name, bytes] of quiet) console.log(`  ${perJob(bytes)} MB  ${name}`);
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
