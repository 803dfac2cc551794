/** The emulator options the callback end-to-end tests lean on: held callbacks and a first-fetch fault. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import { startEmulator, type TtApiEmulator } from './emulator';

const KEY = 'test-key';
const sleep = async (ms: number) => await new Promise((resolve) => setTimeout(resolve, ms));

describe('TT API emulator', () => {
	let emulator: TtApiEmulator;
	let hooks: http.Server;
	let hookUrl = '';
	const received: string[] = [];

	beforeAll(async () => {
		hooks = http.createServer((req, res) => {
			let body = '';
			req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
			req.on('end', () => {
				received.push((JSON.parse(body) as { jobId: string }).jobId);
				res.end('{}');
			});
		});
		await new Promise<void>((resolve) => hooks.listen(0, '127.0.0.1', resolve));
		hookUrl = `http://127.0.0.1:${(hooks.address() as AddressInfo).port}/hook`;
		emulator = await startEmulator({ validKeys: [KEY], queueMs: 0, runMs: 50, holdCallbacks: true, firstFetchFault: { status: 429, retryAfter: '1' } });
	});

	afterAll(async () => {
		await emulator.stop();
		await new Promise((resolve) => hooks.close(resolve));
	});

	const submit = async (prompt: string) => {
		const answer = await fetch(`${emulator.url}/openai/gpt/generations`, {
			method: 'POST',
			headers: { 'content-type': 'application/json', 'TT-API-KEY': KEY },
			body: JSON.stringify({ prompt, hookUrl }),
		});
		return ((await answer.json()) as { data: { job_id: string } }).data.job_id;
	};
	const fetchJob = async (jobId: string) => await fetch(`${emulator.url}/openai/gpt/fetch?jobId=${jobId}`, { headers: { 'TT-API-KEY': KEY } });

	it('holds the callbacks of ended jobs until released, then sends the chosen ones together', async () => {
		const jobIds = [await submit('one'), await submit('two'), await submit('three')];
		while (emulator.heldCallbacks.length < 3) await sleep(20);
		expect(received).toEqual([]);

		const first = await emulator.releaseCallbacks((held) => held.jobId !== jobIds[2]);
		expect(first.map((attempt) => [attempt.jobId, attempt.status])).toEqual([[jobIds[0], 200], [jobIds[1], 200]]);
		expect(emulator.heldCallbacks.map((held) => held.jobId)).toEqual([jobIds[2]]);
		await emulator.releaseCallbacks();
		expect(received.sort()).toEqual([...jobIds].sort());
		expect(emulator.heldCallbacks).toEqual([]);
	});

	it('answers the first fetch of each job with the first-fetch fault, later ones normally', async () => {
		const jobId = await submit('four');
		const firstAnswer = await fetchJob(jobId);
		expect([firstAnswer.status, firstAnswer.headers.get('retry-after')]).toEqual([429, '1']);
		const secondAnswer = await fetchJob(jobId);
		expect(secondAnswer.status).toBe(200);
		expect(((await secondAnswer.json()) as { jobId: string }).jobId).toBe(jobId);
	});
});
