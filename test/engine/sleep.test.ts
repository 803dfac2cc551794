import { existsSync } from 'node:fs';
import { getEventListeners } from 'node:events';
import path from 'node:path';

type Sleep = typeof import('../../nodes/TtApi/helpers/sleep').sleepUnlessCancelled;
type Workflow = typeof import('n8n-workflow');

const cached = (version: string) => path.resolve(__dirname, `../../.cache/n8n-${version}/node_modules/n8n-workflow`);
const devDependency = () => jest.requireActual<Workflow>('n8n-workflow');
const installed = (version: string) => () => jest.requireActual<Workflow>(cached(version));
const n8nVersions = [
	// n8n 1.x and 2.11 have sleepWithAbort; n8n 2.41 dropped it and its `sleep` takes the signal.
	['n8n-workflow 2.11 (the dev dependency): sleepWithAbort', devDependency, true],
	['n8n 2.41.1 as installed by the e2e suite: sleep with a signal', installed('2.41.1'), existsSync(cached('2.41.1'))],
	['n8n 1.123.81 as installed by the e2e suite: sleepWithAbort', installed('1.123.81'), existsSync(cached('1.123.81'))],
] as const;

/** Loads the helper against the given n8n-workflow, as the package would run inside that n8n. */
function sleepWith(load: () => Partial<Workflow>): Sleep {
	let sleepUnlessCancelled: Sleep | undefined;
	jest.isolateModules(() => {
		jest.doMock('n8n-workflow', load);
		({ sleepUnlessCancelled } = jest.requireActual<{ sleepUnlessCancelled: Sleep }>('../../nodes/TtApi/helpers/sleep'));
	});
	jest.dontMock('n8n-workflow');
	return sleepUnlessCancelled!;
}

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

describe.each(n8nVersions)('the wait between polls and retries, %s', (_name, load, available) => {
	const maybe = available ? it : it.skip;

	maybe('Stop ends a 300 s wait at once and leaves no timer armed', async () => {
		const sleepUnlessCancelled = sleepWith(load);
		const execution = new AbortController();
		const waiting = sleepUnlessCancelled(300_000, execution.signal);
		expect(jest.getTimerCount()).toBe(1);
		execution.abort();
		await expect(waiting).rejects.toThrow('The execution was cancelled');
		expect(jest.getTimerCount()).toBe(0);
	});

	maybe('a wait that ends normally leaves no listener on the execution', async () => {
		const sleepUnlessCancelled = sleepWith(load);
		const execution = new AbortController();
		for (let n = 0; n < 3; n++) {
			const waiting = sleepUnlessCancelled(2_000, execution.signal);
			jest.advanceTimersByTime(2_000);
			await waiting;
		}
		expect(getEventListeners(execution.signal, 'abort')).toHaveLength(0);
		expect(jest.getTimerCount()).toBe(0);
	});

	maybe('an execution already stopped does not wait at all', async () => {
		const sleepUnlessCancelled = sleepWith(load);
		const execution = new AbortController();
		execution.abort();
		await expect(sleepUnlessCancelled(300_000, execution.signal)).rejects.toThrow('The execution was cancelled');
		expect(jest.getTimerCount()).toBe(0);
	});
});

it('on an n8n-workflow with no abortable sleep at all, Stop still ends the wait at once', async () => {
	const { sleep } = devDependency();
	const sleepUnlessCancelled = sleepWith(() => ({ ...devDependency(), sleepWithAbort: undefined, sleep: async (ms: number) => await sleep(ms) }));
	const execution = new AbortController();
	const waiting = sleepUnlessCancelled(300_000, execution.signal);
	execution.abort();
	await expect(waiting).rejects.toThrow('The execution was cancelled');
});
