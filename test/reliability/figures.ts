/**
 * The reliability suite's figures: each test counts what it tried and what came out; the figures
 * reporter adds them up and prints the summary the README quotes.
 */
import { appendFileSync } from 'node:fs';
import path from 'node:path';

export const FIGURES_FILE = path.resolve(__dirname, '../../.cache/reliability-figures.jsonl');

export type Figure =
	| 'faults injected'
	| 'faults survived'
	| 'bad inputs tried'
	| 'bad inputs refused before any request'
	| 'abusive calls'
	| 'abusive calls refused'
	| 'executions started by bad calls'
	| 'jobs in'
	| 'results out'
	| 'errors out'
	| 'duplicates'
	| 'secrets found';

export function count(figure: Figure, amount = 1): void {
	appendFileSync(FIGURES_FILE, `${JSON.stringify({ figure, amount })}\n`);
}

/** Counts and returns how often any secret occurs in the texts (the suite expects 0). */
export function findSecrets(secrets: string[], ...texts: string[]): number {
	let found = 0;
	for (const text of texts) for (const secret of secrets) found += text.split(secret).length - 1;
	count('secrets found', found);
	return found;
}
