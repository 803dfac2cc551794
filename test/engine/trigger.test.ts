import { binaryBytes, PNG_SIGNATURE, useEmulator } from './harness';
import { callTrigger, TRIGGER_SECRET } from './triggerHarness';

const TOKEN = { token: TRIGGER_SECRET };

describe('TT API Trigger v2 webhook (n8n WebhookContext, emulator)', () => {
	const env = useEmulator();

	/** A real finished job from the emulator, in the exact shape TT API POSTs to hookUrl. */
	async function finishedJob(fail = false) {
		const response = await fetch(`${env.emulator.url}/openai/gpt/generations`, {
			method: 'POST',
			headers: { 'TT-API-KEY': 'test-key', 'content-type': 'application/json' },
			body: JSON.stringify({ prompt: fail ? 'x [fail]' : 'a cat on a roof' }),
		});
		const { data } = (await response.json()) as { data: { job_id: string } };
		env.emulator.finishJob(data.job_id, fail);
		const job = await fetch(`${env.emulator.url}/openai/gpt/fetch?jobId=${data.job_id}`, { headers: { 'TT-API-KEY': 'test-key' } });
		return (await job.json()) as Record<string, unknown> & { jobId: string };
	}

	it('a valid success callback starts one execution with the job and its image', async () => {
		const job = await finishedJob();
		const answer = await callTrigger({ query: TOKEN, body: job });
		expect(answer.status).toBe(200);
		expect(answer.items).toHaveLength(1);
		const [item] = answer.items!;
		expect(item.json).toMatchObject({ jobId: job.jobId, status: 'SUCCESS', message: 'success', prompt: 'a cat on a roof', model: 'gpt-image-2' });
		expect(item.json.imageUrl).toBe(`${env.emulator.url}/files/${job.jobId}.png`);
		expect(binaryBytes(item).subarray(0, 8)).toEqual(PNG_SIGNATURE);
	});

	it('a valid failure callback starts an execution with the failure message', async () => {
		const job = await finishedJob(true);
		const answer = await callTrigger({ query: TOKEN, body: job });
		expect(answer.status).toBe(200);
		expect(answer.items?.[0].json).toMatchObject({ jobId: job.jobId, status: 'FAILED', imageUrl: null });
		expect(answer.items?.[0].json.message).toMatch(/prompt violation/);
		expect(answer.items?.[0].binary).toBeUndefined();
	});

	it.each([
		['succeeded', 'FAILED', false],
		['succeeded', 'SUCCESS', true],
		['failed', 'SUCCESS', false],
		['failed', 'FAILED', true],
		['all', 'FAILED', true],
	])('events=%s and a %s callback: starts=%s, answers 200 either way', async (events, status, starts) => {
		const job = await finishedJob(status === 'FAILED');
		const answer = await callTrigger({ query: TOKEN, body: job, parameters: { events } });
		expect(answer.status).toBe(200);
		expect(answer.items !== undefined).toBe(starts);
	});

	it.each([
		['no token', {}],
		['a wrong token', { token: 's3cret-token-valuE' }],
		['a longer token', { token: 's3cret-token-value-and-more' }],
	])('%s gets 401 and starts nothing', async (_name, query) => {
		const job = await finishedJob();
		const answer = await callTrigger({ query, body: job });
		expect(answer).toEqual({ status: 401, body: { message: 'Unauthorized' }, items: undefined });
	});

	it.each([
		['a credential with an empty secret', { secret: '' }],
		['no credential chosen', null],
	])('a node with %s refuses every call and starts nothing', async (_name, credential) => {
		const job = await finishedJob();
		for (const query of [{ token: '' }, TOKEN]) {
			expect(await callTrigger({ query, body: job, credential })).toEqual({ status: 401, body: { message: 'Unauthorized' }, items: undefined });
		}
	});

	it('takes the secret from its credential, never from a Secret parameter left in the node', async () => {
		const job = await finishedJob();
		const parameters = { secret: 'left-over-parameter-secret', options: { download: false } };
		const byParameter = await callTrigger({ query: { token: 'left-over-parameter-secret' }, body: job, parameters });
		expect(byParameter).toEqual({ status: 401, body: { message: 'Unauthorized' }, items: undefined });
		const byCredential = await callTrigger({ query: TOKEN, body: job, parameters });
		expect(byCredential.items).toHaveLength(1);
	});

	it.each([
		['not JSON', { rawBody: Buffer.from('status=SUCCESS&jobId=1') }],
		['JSON that is not an object', { rawBody: Buffer.from('[1,2,3]') }],
		['no jobId', { body: { status: 'SUCCESS', data: {} } }],
		['no status', { body: { jobId: 'abc', data: {} } }],
	])('%s gets 400 and starts nothing', async (_name, request) => {
		const answer = await callTrigger({ query: TOKEN, ...request });
		expect(answer.status).toBe(400);
		expect(answer.items).toBeUndefined();
	});

	it('an oversized body gets 413 and starts nothing', async () => {
		const answer = await callTrigger({ query: TOKEN, rawBody: Buffer.alloc(300 * 1024, 0x20) });
		expect(answer.status).toBe(413);
		expect(answer.items).toBeUndefined();
	});

	it('the same jobId and status twice starts one execution', async () => {
		const job = await finishedJob();
		const staticData = {};
		const first = await callTrigger({ query: TOKEN, body: job, staticData, parameters: { options: { download: false } } });
		const second = await callTrigger({ query: TOKEN, body: job, staticData, parameters: { options: { download: false } } });
		expect(first.items).toHaveLength(1);
		expect(second.status).toBe(200);
		expect(second.body).toEqual({ received: true, started: false });
		expect(second.items).toBeUndefined();
	});

	it('a replay arriving while the first call runs (each with its own copy of the static data) starts nothing', async () => {
		const job = await finishedJob();
		const call = () => callTrigger({ query: TOKEN, body: job, staticData: {}, workflowId: 'one-active-workflow', parameters: { options: { download: false } } });
		const answers = await Promise.all([call(), call()]);
		expect(answers.filter((answer) => answer.items).map((answer) => answer.items)).toHaveLength(1);
		expect(answers.map((answer) => answer.status)).toEqual([200, 200]);
	});

	it('download off keeps only the URL; a custom binary field is honoured', async () => {
		const job = await finishedJob();
		const off = await callTrigger({ query: TOKEN, body: job, parameters: { options: { download: false } } });
		expect(off.items?.[0].binary).toBeUndefined();
		expect(off.items?.[0].json.imageUrl).toBeTruthy();
		const custom = await callTrigger({ query: TOKEN, body: job, parameters: { options: { binaryPropertyName: 'img' } } });
		expect(binaryBytes(custom.items![0], 'img').subarray(0, 8)).toEqual(PNG_SIGNATURE);
	});

	it('an image that cannot be downloaded still starts the execution, saying why', async () => {
		const job = await finishedJob();
		const data = { ...(job.data as Record<string, unknown>), imageUrl: `${env.emulator.url}/files/missing.png` };
		const answer = await callTrigger({ query: TOKEN, body: { ...job, data } });
		expect(answer.items?.[0].json.downloadError).toMatch(/expired \(HTTP 404\)/);
	});
});

describe('emulator callbacks reach a real HTTP listener', () => {
	const env = useEmulator({ queueMs: 20, runMs: 80 });

	it('POSTs the finished job, in the fetch shape, to the hookUrl given at submit', async () => {
		const http = await import('node:http');
		const received: Array<{ url?: string; body: unknown }> = [];
		const listener = http.createServer((req, res) => {
			const chunks: Buffer[] = [];
			req.on('data', (chunk: Buffer) => chunks.push(chunk));
			req.on('end', () => {
				received.push({ url: req.url, body: JSON.parse(Buffer.concat(chunks).toString()) });
				res.end('ok');
			});
		});
		await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
		const { port } = listener.address() as import('node:net').AddressInfo;
		try {
			const hookUrl = `http://127.0.0.1:${port}/webhook/abc/callback?token=t0k`;
			const submit = await fetch(`${env.emulator.url}/openai/4o-image/generations`, {
				method: 'POST',
				headers: { 'TT-API-KEY': 'test-key', 'content-type': 'application/json' },
				body: JSON.stringify({ prompt: 'hooked', hookUrl }),
			});
			const { data } = (await submit.json()) as { data: { jobId: string } };
			for (let waited = 0; received.length === 0 && waited < 5000; waited += 50) {
				await new Promise((resolve) => setTimeout(resolve, 50));
			}
			expect(received).toHaveLength(1);
			expect(received[0].url).toBe('/webhook/abc/callback?token=t0k');
			expect(received[0].body).toMatchObject({ status: 'SUCCESS', jobId: data.jobId, data: { prompt: 'hooked', hookUrl } });
		} finally {
			listener.close();
		}
	});
});
