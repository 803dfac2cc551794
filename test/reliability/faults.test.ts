/**
 * Every fault the emulator can inject, on the real n8n engine: three items go in, Continue On Fail
 * is on, and each item must come out once, as a result or as a clear error (with its jobId once
 * TT API has one); no job is submitted twice; the key appears nowhere in the execution.
 */
import type { IDataObject } from 'n8n-workflow';

import { TtApiEmulator, type Fault } from '../emulator/emulator';
import { binaryBytes, PNG_SIGNATURE, runNode, useEmulator } from '../engine/harness';
import { count, findSecrets } from './figures';

const KEY = 'tt-reliability-key-7f3a9c51';

interface FaultCase {
	name: string;
	faults: Fault[];
	resource?: 'gptImage' | 'gpt4oImage' | 'dalle3';
	/** The prompt of the first item; the other two are ordinary. */
	firstPrompt?: string;
	options?: IDataObject;
	/** How many of the three items end as errors, and what those errors say. */
	errors: number;
	error?: RegExp;
	errorDescription?: RegExp;
	/** Whether the error items carry the jobId TT API gave (false: the job never got one). */
	errorHasJobId?: boolean;
}

const quick = (status: number, times = 1): Fault[] => [{ route: 'submit', status, times }];

const cases: FaultCase[] = [
	// Submits: repeated only when TT API certainly did not start the job.
	{ name: 'submit: 429 storm with Retry-After', faults: [{ route: 'submit', status: 429, retryAfter: '0', times: 3 }], errors: 0 },
	{ name: 'submit: 429 without Retry-After', faults: quick(429, 2), errors: 0 },
	{ name: 'submit: 499', faults: quick(499, 2), errors: 0 },
	{ name: 'submit: 429 past the retry budget', faults: [{ route: 'submit', status: 429, retryAfter: '0', times: 5 }], options: { concurrency: 1 }, errors: 1, error: /rate limit|429/i, errorHasJobId: false },
	{ name: 'submit: 500', faults: quick(500), errors: 1, error: /^TT API may not have accepted the job: TT API answered HTTP 500$/, errorHasJobId: false },
	{ name: 'submit: 502 after the job started', faults: [{ route: 'submit', status: 502, afterHandling: true }], errors: 1, error: /HTTP 502/, errorHasJobId: false },
	{ name: 'submit: 503', faults: quick(503), errors: 1, error: /HTTP 503/, errorHasJobId: false },
	{ name: 'submit: connection reset before handling', faults: [{ route: 'submit', reset: true }], errors: 1, error: /connection reset/, errorHasJobId: false },
	{ name: 'submit: connection reset after the job started', faults: [{ route: 'submit', reset: true, afterHandling: true }], errors: 1, error: /connection reset/, errorHasJobId: false },
	{ name: 'submit: hangs past the request timeout', faults: [{ route: 'submit', hang: true }], options: { requestTimeout: 1 }, errors: 1, error: /no answer in time/, errorHasJobId: false },
	{ name: 'submit: truncated JSON after the job started', faults: [{ route: 'submit', rawBody: '{"status":"SUCCESS","data":{"job_', afterHandling: true }], errors: 1, error: /answer could not be read while trying to submit/, errorHasJobId: false },
	{ name: 'submit: answer without a job id', faults: [{ route: 'submit', rawBody: '{"status":"SUCCESS","message":"success","data":{}}', afterHandling: true }], errors: 1, error: /sent no job ID/, errorHasJobId: false },
	// Fetches are reads: retried with backoff until the retry budget runs out.
	{ name: 'fetch: 429 storm with Retry-After', faults: [{ route: 'fetch', status: 429, retryAfter: '0', times: 4 }], errors: 0 },
	{ name: 'fetch: 429 without Retry-After', faults: [{ route: 'fetch', status: 429, times: 2 }], errors: 0 },
	{ name: 'fetch: 499', faults: [{ route: 'fetch', status: 499, times: 2 }], errors: 0 },
	{ name: 'fetch: 500, 502, 503', faults: [{ route: 'fetch', status: 500 }, { route: 'fetch', status: 502 }, { route: 'fetch', status: 503 }], errors: 0 },
	{ name: 'fetch: connection resets', faults: [{ route: 'fetch', reset: true, times: 2 }], errors: 0 },
	{ name: 'fetch: hangs past the request timeout', faults: [{ route: 'fetch', hang: true }], options: { requestTimeout: 1 }, errors: 0 },
	{ name: 'fetch: malformed and truncated JSON', faults: [{ route: 'fetch', rawBody: 'not json at all' }, { route: 'fetch', rawBody: '{"status":"SUCCESS","jobId":"' }], errors: 0 },
	{ name: 'fetch: answer without a status', faults: [{ route: 'fetch', rawBody: '{"message":"ok","data":null}', afterHandling: true, times: 2 }], errors: 0 },
	{ name: 'fetch: SUCCESS without an image URL', faults: [{ route: 'fetch', rawBody: '{"status":"SUCCESS","message":"success","data":{}}', afterHandling: true, times: 3 }], errors: 3, error: /as SUCCESS but sent no image URL/, errorHasJobId: true },
	{ name: 'fetch: 503 past the retry budget, fetched again at the next poll', faults: [{ route: 'fetch', status: 503, retryAfter: '0', times: 5 }], options: { concurrency: 1 }, errors: 0 },
	{ name: 'fetch: failing until the timeout', faults: [{ route: 'fetch', status: 502, retryAfter: '0', times: 500 }], options: { timeout: 10 }, errors: 3, error: /^TT API job [0-9a-f-]{36} did not finish within 10 s$/, errorDescription: /The last check failed: TT API failed with HTTP 502 while trying to fetch the job/, errorHasJobId: true },
	// Jobs that do not end well.
	{ name: 'job stuck ON_QUEUE past the timeout', faults: [], firstPrompt: 'a fox [stuck]', options: { timeout: 10 }, errors: 1, error: /did not finish within 10 s/, errorHasJobId: true },
	{ name: 'job FAILED', faults: [], firstPrompt: 'a fox [fail]', errors: 1, error: /failed: prompt violation/, errorHasJobId: true },
	// Image downloads.
	{ name: 'image: URL expired (403)', faults: [{ route: 'image', status: 403 }], errors: 1, error: /image URL has expired \(HTTP 403\)/, errorHasJobId: true },
	{ name: 'image: URL gone (404)', faults: [{ route: 'image', status: 404 }], errors: 1, error: /image URL has expired \(HTTP 404\)/, errorHasJobId: true },
	{ name: 'image: 500 and a reset, then served', faults: [{ route: 'image', status: 500 }, { route: 'image', reset: true }], errors: 0 },
	// GPT-4o image and DALL·E 3 go through the same transport.
	{ name: 'GPT-4o image: fetch 502 and a submit 429', resource: 'gpt4oImage', faults: [{ route: 'fetch', status: 502 }, { route: 'submit', status: 429, retryAfter: '0' }], errors: 0 },
	{ name: 'DALL·E 3: 429 then served', resource: 'dalle3', faults: [{ route: 'dalle', status: 429, retryAfter: '0' }], errors: 0 },
	{ name: 'DALL·E 3: 500 is not repeated', resource: 'dalle3', faults: [{ route: 'dalle', status: 500 }], errors: 1, error: /HTTP 500/, errorHasJobId: false },
	{ name: 'DALL·E 3: image URL expired', resource: 'dalle3', faults: [{ route: 'image', status: 403 }], errors: 1, error: /expired/ },
];

const submitPath = { gptImage: '/openai/gpt/generations', gpt4oImage: '/openai/4o-image/generations', dalle3: '/openai/v1/images/generations' };

describe('faults: every item ends as a result or a clear error, nothing is charged twice (real engine, emulator)', () => {
	const env = useEmulator({ validKeys: [KEY], queueMs: 20, runMs: 60 });

	it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
		const resource = c.resource ?? 'gptImage';
		for (const fault of c.faults) env.emulator.addFault(fault);
		const configured = TtApiEmulator.timesOf(c.faults);
		const since = Date.now();
		const prompts = [c.firstPrompt ?? 'a fox at dawn', 'a fox at noon', 'a fox at dusk'];

		const { run, items, error } = await runNode({
			credentials: { apiKey: KEY, baseUrl: env.emulator.url },
			continueOnFail: true,
			items: prompts.map((p) => ({ p })),
			parameters: { resource, operation: 'generate', prompt: '={{ $json.p }}', options: c.options ?? {} },
		});
		const unused = TtApiEmulator.timesOf(env.emulator.faults);
		const injected = configured - unused + (c.firstPrompt ? 1 : 0);
		count('faults injected', injected);
		count('jobs in', prompts.length);

		expect(error).toBeUndefined();
		// Every input item comes out exactly once.
		expect(items.map((item) => (item.pairedItem as { item: number }).item).sort()).toEqual([0, 1, 2]);
		const failed = items.filter((item) => item.json.error !== undefined);
		const succeeded = items.filter((item) => item.json.error === undefined);
		count('errors out', failed.length);
		count('results out', succeeded.length);
		expect(failed).toHaveLength(c.errors);
		for (const item of failed) {
			expect(item.json.error).toMatch(c.error!);
			expect(item.json.errorDescription).toMatch(c.errorDescription ?? /./);
			if (c.errorHasJobId === true) expect(item.json.jobId).toMatch(/^[0-9a-f-]{36}$/);
			if (c.errorHasJobId === false) expect(item.json.jobId).toBeUndefined();
		}
		for (const item of succeeded) {
			expect(item.json.imageUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/files\//);
			expect(binaryBytes(item).subarray(0, 8)).toEqual(PNG_SIGNATURE);
		}

		// Nothing charged twice: at most one job per item, and no job emitted twice.
		const jobsStarted = resource === 'dalle3' ? 0 : env.emulator.jobTimes().filter((job) => job.submittedAt >= since).length;
		if (resource !== 'dalle3') expect(jobsStarted).toBeLessThanOrEqual(prompts.length);
		const jobIds = items.map((item) => item.json.jobId).filter((id) => id !== undefined);
		const duplicates = jobIds.length - new Set(jobIds).size;
		count('duplicates', duplicates);
		expect(duplicates).toBe(0);
		// A submit is sent again only after an answer that proves the job did not start.
		const provablyUnstarted = TtApiEmulator.timesOf(
			c.faults.filter((fault) => (fault.route === 'submit' || fault.route === 'dalle') && !fault.afterHandling && (fault.status === 429 || fault.status === 499)),
		);
		expect(env.emulator.requestsTo(submitPath[resource]).length).toBeLessThanOrEqual(prompts.length + provablyUnstarted);

		expect(findSecrets([KEY], JSON.stringify(run))).toBe(0);
		count('faults survived', injected);
	});
});
