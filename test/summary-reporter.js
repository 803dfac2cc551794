/** Ends the run with one plain line, "N passed, N failed", that CI reads. */
class SummaryReporter {
	onRunComplete(_contexts, results) {
		const skipped = results.numPendingTests + results.numTodoTests;
		console.log(
			`\n${results.numPassedTests} passed, ${results.numFailedTests} failed${skipped ? `, ${skipped} skipped` : ''}`,
		);
	}
}
module.exports = SummaryReporter;
