/** Runs `work` over `inputs` with at most `limit` in flight; results keep the input order. */
export async function mapConcurrent<T, R>(
	inputs: readonly T[],
	limit: number,
	work: (input: T, index: number) => Promise<R>,
): Promise<R[]> {
	const results = new Array<R>(inputs.length);
	let next = 0;
	const lane = async () => {
		while (next < inputs.length) {
			const index = next++;
			results[index] = await work(inputs[index], index);
		}
	};
	await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, inputs.length)) }, lane));
	return results;
}

/** Like Promise.allSettled over mapConcurrent: one item's failure never hides another's result. */
export async function settleConcurrent<T, R>(
	inputs: readonly T[],
	limit: number,
	work: (input: T, index: number) => Promise<R>,
): Promise<Array<{ value: R } | { error: Error }>> {
	return await mapConcurrent(inputs, limit, async (input, index) => {
		try {
			return { value: await work(input, index) };
		} catch (error) {
			return { error: error as Error };
		}
	});
}

/** A turnstile: each task given to it starts when the one before has ended (failed or not). */
export function oneAtATime(): <T>(task: () => Promise<T>) => Promise<T> {
	let previous: Promise<unknown> = Promise.resolve();
	return async (task) => {
		const turn = previous.then(task, task);
		previous = turn.catch(() => undefined);
		return await turn;
	};
}
