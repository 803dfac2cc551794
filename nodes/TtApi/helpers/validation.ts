import type { IExecuteFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

/** A parameter as the user knows it: its label in the editor and its name in the workflow JSON. */
export interface Field {
	label: string;
	name: string;
}

export function invalid(
	ctx: IExecuteFunctions,
	field: Field,
	itemIndex: number,
	problem: string,
	fix: string,
): NodeOperationError {
	return new NodeOperationError(ctx.getNode(), `${field.label} (${field.name}) ${problem}`, {
		itemIndex,
		description: fix,
	});
}

/** An option's value, or its default when the option is not set; null (a failed expression) stays null. */
export const setOrDefault = (value: unknown, fallback: unknown): unknown => (value === undefined ? fallback : value);

const describeValue = (value: unknown) =>
	value === null ? 'null' : value === undefined ? 'empty' : Array.isArray(value) ? 'a list' : `a ${typeof value}`;

export function requireText(
	ctx: IExecuteFunctions,
	field: Field,
	value: unknown,
	itemIndex: number,
	maxLength: number,
): string {
	if (typeof value !== 'string' && typeof value !== 'number') {
		throw invalid(ctx, field, itemIndex, `must be text, but it is ${describeValue(value)}`, `Enter the ${field.label.toLowerCase()} as text, or check the expression that sets it.`);
	}
	const text = String(value).trim();
	if (text === '') {
		throw invalid(ctx, field, itemIndex, 'is empty', `Enter a ${field.label.toLowerCase()}, or check the expression that sets it.`);
	}
	if (text.length > maxLength) {
		throw invalid(ctx, field, itemIndex, `is ${text.length} characters long; at most ${maxLength} are allowed`, `Shorten the ${field.label.toLowerCase()}.`);
	}
	return text;
}

export function requireOneOf<T extends string>(
	ctx: IExecuteFunctions,
	field: Field,
	value: unknown,
	itemIndex: number,
	allowed: readonly T[],
): T {
	if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
	throw invalid(ctx, field, itemIndex, `is "${String(value)}", which is not allowed`, `Use one of: ${allowed.join(', ')}.`);
}

export function requireNumberInRange(
	ctx: IExecuteFunctions,
	field: Field,
	value: unknown,
	itemIndex: number,
	min: number,
	max: number,
): number {
	const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
	if (typeof number !== 'number' || !Number.isFinite(number)) {
		throw invalid(ctx, field, itemIndex, `must be a number, but it is ${describeValue(value)}`, `Enter a number from ${min} to ${max}.`);
	}
	if (number < min || number > max) {
		throw invalid(ctx, field, itemIndex, `is ${number}, outside the allowed range`, `Enter a number from ${min} to ${max}.`);
	}
	return number;
}

/** Accepts a list, a JSON array in a string, or URLs separated by commas or new lines. */
export function requireHttpUrls(
	ctx: IExecuteFunctions,
	field: Field,
	value: unknown,
	itemIndex: number,
	maxCount: number,
): string[] {
	let list: unknown[];
	if (value === undefined || value === null || value === '') list = [];
	else if (Array.isArray(value)) list = value;
	else if (typeof value === 'string') {
		const text = value.trim();
		if (text.startsWith('[')) {
			try {
				const parsed: unknown = JSON.parse(text);
				list = Array.isArray(parsed) ? parsed : [text];
			} catch {
				list = [text];
			}
		} else list = text.split(/[\n,]+/);
	} else {
		throw invalid(ctx, field, itemIndex, `must be a list of image URLs, but it is ${describeValue(value)}`, 'Give one http(s) URL per entry.');
	}
	const urls = list
		.map((entry) => (typeof entry === 'object' && entry !== null && 'url' in entry ? (entry as { url: unknown }).url : entry))
		.map((entry) => (typeof entry === 'string' ? entry.trim() : entry))
		.filter((entry) => entry !== '');
	if (urls.length > maxCount) {
		throw invalid(ctx, field, itemIndex, `has ${urls.length} entries; at most ${maxCount} are allowed`, 'Use fewer reference images.');
	}
	return urls.map((entry, position) => {
		let url: URL | undefined;
		try {
			url = typeof entry === 'string' ? new URL(entry) : undefined;
		} catch {
			url = undefined;
		}
		if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
			const shown = typeof entry === 'string' ? `"${entry.slice(0, 80)}"` : describeValue(entry);
			throw invalid(ctx, field, itemIndex, `entry ${position + 1} (${shown}) is not an http(s) URL`, 'Give publicly reachable http:// or https:// image URLs.');
		}
		return url.toString();
	});
}
