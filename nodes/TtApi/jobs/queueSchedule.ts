import { NodeOperationError } from 'n8n-workflow';

import type { HttpContext } from '../transport/request';

// While items wait for a slot, a job's end seen sooner is a slot used sooner: check when the run's
// typical job has ended, then in steps of a tenth of it, at most 5 times a second. Until a job of
// the run has ended, every 0.5 s while young, then at 8% of the age.
const STEP_FRACTION = 0.1;
const MIN_STEP_MS = 200;
const UNKNOWN_STEP_MS = 500;
const UNKNOWN_AGE_FRACTION = 0.08;
const NEVER_SEEN_RUNNING = 0.9;
const REMEMBERED = 50;

/** The durations of the run's last jobs, as far as the checks tell them. */
export class Durations {
	private readonly estimates: number[] = [];

	/** The job was last seen running at `runningAgeMs` (0: never) and seen ended at `endedAgeMs`. */
	add(runningAgeMs: number, endedAgeMs: number): void {
		// Never seen running, it may have ended long before: guess a little shorter each time.
		this.estimates.push(runningAgeMs > 0 ? (runningAgeMs + endedAgeMs) / 2 : endedAgeMs * NEVER_SEEN_RUNNING);
		if (this.estimates.length > REMEMBERED) this.estimates.shift();
	}

	/** The median: one job that fails at once or hangs does not move it. */
	typical(): number | undefined {
		if (this.estimates.length === 0) return undefined;
		const sorted = [...this.estimates].sort((a, b) => a - b);
		return sorted[Math.floor(sorted.length / 2)];
	}
}

/** When to check a job next while other items of the run wait for a slot. */
export function pollDelayWhileQueued(ageMs: number, lastRunningAgeMs: number, maxIntervalMs: number, typicalMs?: number): number {
	if (typicalMs === undefined) return Math.min(maxIntervalMs, Math.max(UNKNOWN_STEP_MS, ageMs * UNKNOWN_AGE_FRACTION));
	if (lastRunningAgeMs === 0 && ageMs < typicalMs) return Math.min(maxIntervalMs, typicalMs - ageMs);
	return Math.min(maxIntervalMs, Math.max(MIN_STEP_MS, typicalMs * STEP_FRACTION));
}

/** Back-off after the n-th 499 in a row while none of our jobs frees a slot: 1, 2, 4, 8, 15 s. */
export const backoffMs = (refusals: number) => Math.min(15_000, 1_000 * 2 ** (refusals - 1));

/** An item the account's queue never had room for before the Wait Timeout. */
export function neverSubmittedError(ctx: HttpContext, itemIndex: number, timeoutMs: number, limit: number) {
	return new NodeOperationError(ctx.getNode(), `This item was never submitted: TT API's queue had no room for it within the ${Math.round(timeoutMs / 1000)} s Wait Timeout`, {
		itemIndex,
		description: `No job was started for this item, so nothing was charged. The run keeps at most ${limit} of its jobs at TT API at once (your account's max_queue, or Max Jobs in Flight if lower); the jobs before this item took the whole time, or TT API answered 499 (queue exhausted) because other jobs held the account's queue. Run the item again, raise the Wait Timeout, or split the items over several runs.`,
	});
}
