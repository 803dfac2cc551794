/**
 * Wait Timeout is a deadline: one job's fetch that never answers delays neither the other jobs'
 * checks nor the end of the node. Timings come from the emulator's request log.
 */
import { runNode, useEmulator } from './harness';

const TIMEOUT_S = 10;

describe('Wait Timeout is a deadline (real engine, emulator)', () => {
	const env = useEmulator({ queueMs: 100, runMs: 2500 });

	it('with one job fetch hanging, the other jobs are checked on their own schedule and the node ends at its timeout', async () => {
		env.emulator.addFault({ route: 'fetch', hang: true });
		const { items, error } = await runNode({
			credentials: env.credentials(),
			continueOnFail: true,
			items: [{ prompt: 'a fox' }, { prompt: 'a hare' }, { prompt: 'an owl' }],
			parameters: {
				resource: 'gptImage',
				operation: 'generate',
				model: 'gpt-image-2',
				prompt: '={{ $json.prompt }}',
				options: { timeout: TIMEOUT_S, requestTimeout: 60 },
			},
		});
		const endedAt = Date.now();
		expect(error).toBeUndefined();

		const fetches = env.emulator.requestsTo('/openai/gpt/fetch');
		const hung = fetches[0];
		const hungJob = hung.query.jobId;
		const others = fetches.filter((fetch) => fetch.query.jobId !== hungJob);
		// While the hung fetch was open, each other job was fetched again until it ended.
		const otherJobs = new Set(others.map((fetch) => fetch.query.jobId));
		expect(otherJobs.size).toBe(2);
		for (const jobId of otherJobs) {
			expect(others.filter((fetch) => fetch.query.jobId === jobId && fetch.at > hung.at).length).toBeGreaterThanOrEqual(1);
		}
		const byJob = new Map(items.map((item) => [item.json.jobId, item.json]));
		expect([...byJob.values()].filter((json) => json.status === 'SUCCESS')).toHaveLength(2);
		expect(byJob.get(hungJob)).toMatchObject({
			error: `TT API job ${hungJob} did not finish within ${TIMEOUT_S} s`,
			errorDescription: expect.stringContaining('The last check did not answer.'),
		});
		// The figure from the issue: the node ends within Timeout + 5 s of its first submit
		// (without the deadline it would wait out five 60 s request timeouts).
		const [firstSubmit] = env.emulator.requestsTo('/openai/gpt/generations');
		expect(endedAt - firstSubmit.at).toBeLessThan((TIMEOUT_S + 5) * 1000);
	});
});
