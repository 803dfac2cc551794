const path = require('path');
const { task, src, dest } = require('gulp');

// tsc compiles the TypeScript; icons and codex files must sit beside the compiled nodes too.
task('build:icons', () =>
	src(['nodes/**/*.{png,svg}', 'nodes/**/*.node.json', 'credentials/**/*.{png,svg}'], {
		encoding: false,
		base: '.',
	}).pipe(dest('dist')),
);
