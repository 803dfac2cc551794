/** The engine tests load the built package from dist/, so `npm run build` runs first (see `npm test`). */
module.exports = {
	preset: 'ts-jest',
	testEnvironment: 'node',
	roots: ['<rootDir>/test'],
	testMatch: ['**/*.test.ts'],
	testTimeout: 60000,
	// Two suites at a time: most of a real-n8n suite's time is waiting on n8n, so a second one fits.
	maxWorkers: 2,
	globalSetup: '<rootDir>/test/globalSetup.ts',
	// n8n-core's DI container keeps timers alive after the engine tests; they hold nothing of ours.
	forceExit: true,
	reporters: ['default', '<rootDir>/test/reliability/figures-reporter.js', '<rootDir>/test/summary-reporter.js'],
	transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'test/tsconfig.json' }] },
};
