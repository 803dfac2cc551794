/**
 * What TT API saw of a run's queue, from the emulator's own records (never the test's clock): the
 * accepted jobs, the refused submits, and how many jobs of the run were in flight at once.
 */
import type { TtApiEmulator } from '../emulator/emulator';

const SUBMIT = /\/generations$/;

export function queueLog(emulator: TtApiEmulator, prompts: string[]) {
	const ours = new Set(prompts);
	const jobs = emulator.jobTimes().filter((job) => ours.has(job.prompt));
	const submits = emulator.requests.filter((request) => SUBMIT.test(request.path) && ours.has(String((request.body as { prompt?: unknown })?.prompt)));
	/**
	 * A job is in flight from TT API starting it until it ended and called back, or, when the node
	 * polls, until the first fetch after its end (when the node sees its place free); later reads
	 * do not count.
	 */
	const calledBack = new Map(emulator.callbacks.map((attempt) => [attempt.jobId, attempt.at]));
	const spans = jobs.map((job) => {
		const seen = emulator.requests.filter((request) => request.query.jobId === job.jobId && request.at >= job.endsAt).map((request) => request.at);
		return { start: job.submittedAt, end: calledBack.get(job.jobId) ?? (seen.length > 0 ? Math.min(...seen) : job.endsAt) };
	});
	const events = spans.flatMap((span) => [{ at: span.start, delta: 1 }, { at: span.end, delta: -1 }]);
	// An end and a start at the same millisecond are a slot handed on, not two jobs at once.
	events.sort((a, b) => a.at - b.at || a.delta - b.delta);
	let now = 0;
	let maxInFlight = 0;
	for (const event of events) maxInFlight = Math.max(maxInFlight, (now += event.delta));
	return {
		/** Jobs TT API started for these prompts. */
		accepted: jobs.length,
		/** Prompts that got more than one job: charged twice. */
		startedTwice: prompts.filter((prompt) => jobs.filter((job) => job.prompt === prompt).length > 1),
		/** Submits TT API refused (499 and any other refusal): submits that started no job. */
		refused: submits.length - jobs.length,
		maxInFlight,
		/** Most submits of one prompt: above one submit's 5 attempts, the item went back to the queue and was sent again. */
		mostSubmitsOfOnePrompt: Math.max(0, ...prompts.map((prompt) => submits.filter((request) => (request.body as { prompt?: unknown }).prompt === prompt).length)),
		fetches: emulator.requests.filter((request) => request.query.jobId && jobs.some((job) => job.jobId === request.query.jobId)).length,
	};
}

/** Another workflow's jobs take `places` of the account's queue until `forMs` from now, or until released. */
export async function holdQueue(emulator: TtApiEmulator, places: number, forMs: number): Promise<{ release: () => void }> {
	const prompts = Array.from({ length: places }, (_, n) => `another workflow ${Date.now()} ${n} ${emulator.options.stuckMarker}`);
	for (const prompt of prompts) {
		await fetch(`${emulator.url}/openai/gpt/generations`, {
			method: 'POST',
			headers: { 'TT-API-KEY': emulator.options.validKeys[0], 'content-type': 'application/json' },
			body: JSON.stringify({ prompt }),
		});
	}
	const held = emulator.jobTimes().filter((job) => prompts.includes(job.prompt));
	if (held.length !== places) throw new Error(`only ${held.length} of ${places} places could be taken`);
	let released = false;
	const release = () => {
		if (!released) held.forEach((job) => emulator.finishJob(job.jobId));
		released = true;
		clearTimeout(timer);
	};
	const timer = setTimeout(release, forMs);
	return { release };
}
