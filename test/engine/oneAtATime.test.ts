import { oneAtATime } from '../../nodes/TtApi/helpers/concurrency';

/** Image edit builds its request bodies through this turnstile, so one item's raw images are in memory at a time. */
describe('oneAtATime', () => {
	it('starts each task only when the one before has ended, in the order given, a failure included', async () => {
		const inTurn = oneAtATime();
		const log: string[] = [];
		let running = 0;
		const task = (name: string, fail = false) => async () => {
			running += 1;
			log.push(`start ${name} (${running} running)`);
			await new Promise((resolve) => setImmediate(resolve));
			running -= 1;
			log.push(`end ${name}`);
			if (fail) throw new Error(`${name} failed`);
			return name;
		};
		const results = await Promise.allSettled([inTurn(task('a')), inTurn(task('b', true)), inTurn(task('c'))]);
		expect(results.map((result) => (result.status === 'fulfilled' ? result.value : (result.reason as Error).message))).toEqual(['a', 'b failed', 'c']);
		expect(log).toEqual(['start a (1 running)', 'end a', 'start b (1 running)', 'end b', 'start c (1 running)', 'end c']);
	});
});
