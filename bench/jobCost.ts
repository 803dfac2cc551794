/**
 * What one job of a run costs n8n's heap, and who allocates it: a real n8n 2.x runs the volume
 * bench's workflows (emulator at max_queue 10, 3 s jobs, 1 MB images downloaded to binary) with 300
 * prompts, in poll mode and in callback mode. V8's sampling heap profiler, preloaded into n8n,
 * counts every allocation, collected or not. The bench leaves n8n alone until the emulator has served
 * every image, then reads the execution once. Poll mode runs a second time with the execution checked
 * every 500 ms from the start, as the volume bench did until the checks turned out to cost n8n more
 * than the run.
 *
 *   npx tsx bench/jobCost.ts          (about 6 minutes)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { startEmulator } from '../test/emulator/emulator';
import { postPrompts, signalProfiler, sleep, startWithVolumeWorkflows, volumeN8n } from './volume';
import { VOLUME_FLOWS } from './volumeWorkflows';

const KEY = 'bench-job-cost-key';
const PROMPTS = 300;

interface ProfileNode {
	callFrame: { functionName: string; url: string };
	selfSize: number;
	children: ProfileNode[];
}

/** Who allocated, by the first of these found anywhere on the allocation's stack. */
const ALLOCATORS: Array<[string, RegExp]> = [
	["n8n reading and parsing the stored execution", /^(parseExecutionData|parseFlatted) /],
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
	const work = mkdtempSync(path.join(tmpdir(), 'ttapi-job-cost-'));
	const emulator = await startEmulator({ validKeys: [KEY], maxQueue: 10, enforceMaxQueue: true, queueMs: 1000, runMs: 2000, imageBytes: 1024 * 1024 });
	const n8n = await volumeN8n(work, {
		N8N_DEFAULT_BINARY_DATA_MODE: 'filesystem',
		N8N_LOG_LEVEL: 'info',
		NODE_OPTIONS: `--require ${path.resolve(__dirname, 'heapSampler.cjs')}`,
		HEAP_OUT: path.join(work, 'heap'),
	});
	try {
		await startWithVolumeWorkflows(n8n, work, emulator.url, KEY);
		const run = async (method: 'ours poll' | 'ours callback', label: string, count: number, checkFromStart = false): Promise<Map<string, number> | undefined> => {
			const { id } = VOLUME_FLOWS[method];
			const prompts = Array.from({ length: count }, (_, n) => `job cost ${label} #${n}`);
			const before = new Set((await n8n.executions(id)).map((execution) => execution.id));
			const downloadsBefore = emulator.requestsTo('/files/').length;
			const measured = count === PROMPTS;
			if (measured) await signalProfiler(n8n);
			await postPrompts(n8n, method, prompts);
			if (!checkFromStart) while (emulator.requestsTo('/files/').length - downloadsBefore < count) await sleep(500);
			const { data } = await n8n.finishedRun(await n8n.newExecutionId(id, before), 30 * 60_000, 500);
			const tasks = data.resultData.runData['TT API'] as Array<{ data?: { main?: Array<Array<{ binary?: unknown }>> } }>;
			const results = tasks.flatMap((task) => task.data?.main?.[0] ?? []).filter((item) => item.binary).length;
			if (results !== count) throw new Error(`${label}: ${results} of ${count} items came out with an image`);
			if (!measured) return undefined;
			return allocationsBy((await signalProfiler<{ head: ProfileNode }>(n8n, path.join(work, 'heap')))!.head);
		};

		await run('ours poll', 'poll warm-up', 10);
		await run('ours callback', 'callback warm-up', 10);
		const runs: Array<[string, Map<string, number>]> = [
			['poll', (await run('ours poll', 'poll', PROMPTS))!],
			['callback', (await run('ours callback', 'callback', PROMPTS))!],
			['poll, checked every 500 ms', (await run('ours poll', 'poll checked', PROMPTS, true))!],
		];
		const perJob = (bytes: number) => (bytes / PROMPTS / 1048576).toFixed(2);
		const sum = (bytes: Map<string, number>) => [...bytes.values()].reduce((total, value) => total + value, 0);
		const [poll, callback, checked] = runs.map(([, bytes]) => bytes);
		console.log(`JS heap allocated in n8n per job, runs of ${PROMPTS} prompts (MB):`);
		console.log(`| allocated by | ${runs.map(([label]) => label).join(' | ')} |`);
		console.log(`|---|${runs.map(() => '---|').join('')}`);
		for (const name of poll.keys()) console.log(`| ${name} | ${runs.map(([, bytes]) => perJob(bytes.get(name)!)).join(' | ')} |`);
		console.log(`| **all** | ${runs.map(([, bytes]) => `**${perJob(sum(bytes))}**`).join(' | ')} |`);
		console.log(`callback / poll: ${(sum(callback) / sum(poll)).toFixed(2)}×; poll checked every 500 ms / left alone: ${(sum(checked) / sum(poll)).toFixed(2)}×`);
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
