/**
 * Watches what the node under test does, by events rather than by the clock: timers it leaves
 * armed, requests the emulator is answering at once.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';

import type { TtApiEmulator } from '../emulator/emulator';

/** Records the timers of a second or more that are armed (set, neither fired nor cleared), numbered in order. */
export function trackLongTimers() {
	const tracked = { created: 0, armed: new Map<NodeJS.Timeout, number>(), restore: () => {} };
	const { setTimeout: realSet, clearTimeout: realClear } = global;
	const set = jest.spyOn(global, 'setTimeout').mockImplementation(((callback: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => {
		const timer = realSet((...callbackArgs: unknown[]) => {
			tracked.armed.delete(timer);
			callback(...callbackArgs);
		}, ms, ...args);
		if ((ms ?? 0) >= 1000) tracked.armed.set(timer, ++tracked.created);
		return timer;
	}) as typeof setTimeout);
	const clear = jest.spyOn(global, 'clearTimeout').mockImplementation((timer) => {
		tracked.armed.delete(timer as NodeJS.Timeout);
		realClear(timer);
	});
	tracked.restore = () => [set, clear].forEach((spy) => spy.mockRestore());
	return tracked;
}

/** Resolves once `condition` holds, checking between event-loop turns rather than on a clock. */
export async function until(condition: () => boolean): Promise<void> {
	do await new Promise((resolve) => setImmediate(resolve));
	while (!condition());
}

/** Calls `listener` for every request the emulator receives, until `off()`. */
export function onEmulatorRequest(emulator: TtApiEmulator, listener: (req: IncomingMessage, res: ServerResponse) => void) {
	const server = (emulator as unknown as { server: Server }).server;
	server.prependListener('request', listener);
	return { off: () => server.off('request', listener) };
}

/** The most requests to `path` the emulator was answering at the same time. */
export function countInFlight(emulator: TtApiEmulator, path: string) {
	let now = 0;
	const counter = { max: 0, stop: () => subscription.off() };
	const subscription = onEmulatorRequest(emulator, (req, res) => {
		if (!req.url?.startsWith(path)) return;
		counter.max = Math.max(counter.max, ++now);
		res.on('close', () => now--);
	});
	return counter;
}
