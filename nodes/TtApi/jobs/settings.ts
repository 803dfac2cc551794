import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { DEFAULT_CONCURRENCY, FIELDS } from '../helpers/fields';
import { requireNumberInRange, requireOneOf, requireText, setOrDefault } from '../helpers/validation';
import { REQUEST_TIMEOUT_RANGE } from '../transport/request';
import type { DownloadOptions } from './binary';
import type { AsyncModel } from './model';

const WAIT_MODES = ['poll', 'callback', 'none'] as const;
export type WaitMode = (typeof WAIT_MODES)[number];

export const POLL_INTERVAL_RANGE = [1, 300] as const;
export const TIMEOUT_RANGE = [10, 7200] as const;
export const CONCURRENCY_RANGE = [1, 20] as const;
export const MAX_JOBS_IN_FLIGHT_RANGE = [1, 500] as const;
export const DEFAULT_MAX_JOBS_IN_FLIGHT = 50;

/**
 * Settings of the whole node run, not of an item: they decide how the run sends and waits. An
 * expression in them is read for the first item; a bad value stops the node before any request.
 */
export interface RunSettings {
	waitMode: WaitMode;
	concurrency: number;
	/** Jobs of the run at TT API at once, at most; the account's max_queue may lower it (jobs/queue.ts). */
	maxJobsInFlight: number;
	pollIntervalMs: number;
	timeoutMs: number;
}

const nodeOptions = (ctx: IExecuteFunctions) => ctx.getNodeParameter('options', 0, {}) as IDataObject;

export function concurrencyOf(ctx: IExecuteFunctions): number {
	return requireNumberInRange(ctx, FIELDS.concurrency, setOrDefault(nodeOptions(ctx).concurrency, DEFAULT_CONCURRENCY), 0, ...CONCURRENCY_RANGE);
}

const DEFAULT_WAIT_TIMEOUT = 600;

export function readRunSettings(ctx: IExecuteFunctions, model?: AsyncModel): RunSettings {
	const options = nodeOptions(ctx);
	// Checked with the other settings, before any request; the transport reads it for each call.
	requireNumberInRange(ctx, FIELDS.requestTimeout, setOrDefault(options.requestTimeout, 60), 0, ...REQUEST_TIMEOUT_RANGE);
	return {
		waitMode: requireOneOf(ctx, FIELDS.waitMode, ctx.getNodeParameter('waitMode', 0, 'poll'), 0, WAIT_MODES),
		concurrency: concurrencyOf(ctx),
		maxJobsInFlight: requireNumberInRange(ctx, FIELDS.maxJobsInFlight, setOrDefault(options.maxJobsInFlight, DEFAULT_MAX_JOBS_IN_FLIGHT), 0, ...MAX_JOBS_IN_FLIGHT_RANGE),
		pollIntervalMs: 1000 * requireNumberInRange(ctx, FIELDS.pollInterval, setOrDefault(options.pollInterval, 10), 0, ...POLL_INTERVAL_RANGE),
		timeoutMs: 1000 * requireNumberInRange(ctx, FIELDS.timeout, setOrDefault(options.timeout, model?.defaultWaitTimeout?.(ctx) ?? DEFAULT_WAIT_TIMEOUT), 0, ...TIMEOUT_RANGE),
	};
}

/** Where an item's image goes: these may differ per item. */
export function readDownloadOptions(ctx: IExecuteFunctions, itemIndex: number): DownloadOptions {
	const options = ctx.getNodeParameter('options', itemIndex, {}) as IDataObject;
	return {
		...downloadOptionsFrom(options),
		binaryPropertyName: requireText(ctx, FIELDS.binaryPropertyName, setOrDefault(options.binaryPropertyName, 'data'), itemIndex, 100),
	};
}

/** The download options of a node's Options collection, unchecked: for webhooks, which read them after the run. */
export function downloadOptionsFrom(options: IDataObject): DownloadOptions {
	return {
		download: options.download !== false,
		binaryPropertyName: (options.binaryPropertyName as string) || 'data',
		...(options.splitTiles === true ? { splitTiles: true } : {}),
	};
}
