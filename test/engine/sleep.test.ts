import { getEventListeners } from 'node:events';

type Sleep = typeof import('../../nodes/TtApi/helpers/sleep').sleepUnlessCancelled;

// n8n 1.x and n8n-workflow up to 2.11 export sleepWithAbort; n8n 2.41's n8n-workflow does not.
describe.each([
	['with n8n-workflow sleepWithAbort (n8n 1.x)', true],
	['without it (n8n 2.41)', false],
])('the wait between polls and retries, %s', (_name, hasSleepWithAbort) => {
	let sleepUnlessCancelled: Sleep;
	const usedN8nSleep = jest.fn();

	beforeEach(() => {
		jest.useFakeTimers();
		jest.isolateModules(() => {
			jest.doMock('n8n-workflow', () => {
				const actual = jest.requireActual<typeof import('n8n-workflow')>('n8n-workflow');
				const sleepWithAbort = async (ms: number, signal?: AbortSignal) => {
					usedN8nSleep();
					await actual.sleepWithAbort(ms, signal);
				};
				return { ...actual, sleepWithAbort: hasSleepWithAbort ? sleepWithAbort : undefined };
			});
			({ sleepUnlessCancelled } = jest.requireActual<{ sleepUnlessCancelled: Sleep }>('../../nodes/TtApi/helpers/sleep'));
		});
		usedN8nSleep.mockClear();
	});

	afterEach(() => {
		jest.useRealTimers();
		jest.dontMock('n8n-workflow');
	});

	it('Stop ends a 300 s wait at once and leaves no timer armed', async () => {
		const execution = new AbortController();
		const waiting = sleepUnlessCancelled(300_000, execution.signal);
		expect(jest.getTimerCount()).toBe(1);
		execution.abort();
		await expect(waiting).rejects.toThrow(/cancelled/);
		expect(jest.getTimerCount()).toBe(0);
		expect(usedN8nSleep).toHaveBeenCalledTimes(hasSleepWithAbort ? 1 : 0);
	});

	it('a wait that ends normally leaves no listener on the execution', async () => {
		const execution = new AbortController();
		for (let n = 0; n < 3; n++) {
			const waiting = sleepUnlessCancelled(2_000, execution.signal);
			jest.advanceTimersByTime(2_000);
			await waiting;
		}
		expect(getEventListeners(execution.signal, 'abort')).toHaveLength(0);
		expect(jest.getTimerCount()).toBe(0);
	});

	it('an execution already stopped does not wait at all', async () => {
		const execution = new AbortController();
		execution.abort();
		await expect(sleepUnlessCancelled(300_000, execution.signal)).rejects.toThrow(/cancelled/);
		expect(jest.getTimerCount()).toBe(0);
	});
});
