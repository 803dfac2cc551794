// Prints the reliability figures that the tests counted (test/reliability/figures.ts).
const { existsSync, mkdirSync, readFileSync, rmSync } = require('node:fs');
const path = require('node:path');

const FIGURES_FILE = path.resolve(__dirname, '../../.cache/reliability-figures.jsonl');

class FiguresReporter {
	onRunStart() {
		mkdirSync(path.dirname(FIGURES_FILE), { recursive: true });
		rmSync(FIGURES_FILE, { force: true });
	}

	onRunComplete() {
		if (!existsSync(FIGURES_FILE)) return;
		const totals = new Map();
		for (const line of readFileSync(FIGURES_FILE, 'utf8').split('\n')) {
			if (!line) continue;
			const { figure, amount } = JSON.parse(line);
			totals.set(figure, (totals.get(figure) ?? 0) + amount);
		}
		const width = Math.max(...[...totals.keys()].map((figure) => figure.length));
		console.log('\nReliability figures');
		for (const [figure, amount] of totals) console.log(`  ${figure.padEnd(width)}  ${amount}`);
	}
}

module.exports = FiguresReporter;
