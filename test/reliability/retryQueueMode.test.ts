/**
 * Retry On Fail in queue mode (n8n 2.x, Redis, PostgreSQL 17, a worker and a webhook process):
 * n8n retries the node on the worker that runs the execution, and the jobs the failed try
 * submitted are waited for again there, not submitted again.
 */
import { webhookWorkflow, withRetryOnFail } from '../../bench/workflows';
import { startQueueStack, type QueueStack } from './queueStack';

jest.setTimeout(20 * 60 * 1000);

const PROMPTS = ['queue fox', 'queue fox', 'queue owl', 'queue heron', 'queue lark'];
const SUBMIT = '/openai/gpt/generations';
const IDS = { poll: 'RetryQueuePoll01', callback: 'RetryQueueHook01' } as const;
const REUSED = /came from an earlier try of this node \(Retry On Fail\)/g;

describe('queue mode: Retry On Fail on a worker', () => {
	let stack: QueueStack;
	let webhookBase = '';

	beforeAll(async () => {
		stack = await startQueueStack({
			apiKey: 'retry-queue-key-4a1',
			triggerSecret: 'retry-queue-trigger-secret',
			emulator: { queueMs: 100, runMs: 400 },
			workers: 1,
			webhooks: 1,
			workflows: (base) => {
				webhookBase = base;
				return [
					withRetryOnFail(webhookWorkflow(IDS.poll, 'retry-poll', 'poll', { options: { download: true } })),
					withRetryOnFail(webhookWorkflow(IDS.callback, 'retry-callback', 'callback')),
				];
			},
		});
	});

	afterAll(async () => await stack?.stop());

	beforeEach(() => stack.emulator.reset());

	/** Starts the workflow through its production webhook and returns its ended execution. */
	async function runThroughWebhook(mode: keyof typeof IDS) {
		const before = new Set((await stack.main.executions(IDS[mode])).map((execution) => execution.id));
		const answer = await fetch(`${webhookBase}/webhook/retry-${mode}`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ prompts: PROMPTS }),
		});
		expect(answer.status).toBe(200);
		const { status, data } = await stack.main.finishedRun(await stack.main.newExecutionId(IDS[mode], before, 120_000));
		return { status, output: data.resultData.runData['TT API'].at(-1).data.main[0] as any[] };
	}

	const reusedOnWorker = () => (stack.logOf(stack.workers[0]).match(REUSED) ?? []).length;

	it('poll mode: a download fails after every submit; the worker\'s retry waits for the same jobs', async () => {
		stack.emulator.addFault({ route: 'image', status: 404 });
		const reusedBefore = reusedOnWorker();
		const { status, output } = await runThroughWebhook('poll');

		const submits = stack.emulator.requestsTo(SUBMIT).length;
		console.log(`[retry] queue mode poll: ${submits} submits for ${PROMPTS.length} items, ${output.length} items out, ${reusedOnWorker() - reusedBefore} jobs reused on the worker`);
		expect(status).toBe('success');
		expect(submits).toBe(PROMPTS.length);
		expect(output.map((item) => item.json.prompts ?? item.json.prompt)).toEqual(PROMPTS);
		expect(new Set(output.map((item) => item.json.jobId)).size).toBe(PROMPTS.length);
		expect(output.every((item) => item.binary?.data)).toBe(true);
		expect(reusedOnWorker() - reusedBefore).toBe(PROMPTS.length);
	});

	it('callback mode: a refused submit fails the first try; the retry pauses with the jobs already submitted and resumes once', async () => {
		stack.emulator.addFault({ route: 'submit', status: 402 });
		const { status, output } = await runThroughWebhook('callback');

		const submits = stack.emulator.requestsTo(SUBMIT).length;
		console.log(`[retry] queue mode callback: ${submits} submits (1 refused) for ${PROMPTS.length} items, ${output.length} items out`);
		expect(status).toBe('success');
		expect(submits).toBe(PROMPTS.length + 1);
		expect(output.map((item) => item.json.status)).toEqual(PROMPTS.map(() => 'SUCCESS'));
		expect(new Set(output.map((item) => item.json.jobId)).size).toBe(PROMPTS.length);
	});
});
