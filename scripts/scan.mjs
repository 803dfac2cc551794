// Runs n8n's official verification scanner (@n8n/scan-community-package) on the sources and on
// the packed tarball, the two things n8n checks before a community package is verified.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { analyzePackage, SOURCE_FILE_PATTERNS } from '@n8n/scan-community-package/scanner/scanner.mjs';

const root = path.resolve(import.meta.dirname, '..');
let failed = false;

async function scan(label, dir, patterns) {
	const result = await analyzePackage(dir, patterns);
	if (result.passed) {
		console.log(`scanner: ${label} passed${result.message ? ` (${result.message})` : ''}`);
	} else {
		failed = true;
		console.error(`scanner: ${label} FAILED: ${result.message}\n${result.details ?? ''}`);
	}
}

/** The tarball holds the credential, the compiled nodes, codex JSON and icons, and nothing else. */
function checkTarballContents(dir) {
	const files = readdirSync(dir, { recursive: true, withFileTypes: true })
		.filter((entry) => entry.isFile())
		.map((entry) => path.relative(dir, path.join(entry.parentPath ?? entry.path, entry.name)));
	const allowed = [/^package\.json$/, /^README\.md$/, /^LICENSE(\.md)?$/, /^dist\/(credentials|nodes)\/.+\.(js|svg)$/, /^dist\/nodes\/[^/]+\/[^/]+\.node\.json$/];
	const unexpected = files.filter((file) => !allowed.some((pattern) => pattern.test(file)));
	const required = [
		'dist/credentials/TtApiApi.credentials.js',
		'dist/nodes/TtApi/TtApi.node.js',
		'dist/nodes/TtApi/TtApi.node.json',
		'dist/nodes/TtApi/ttapi.svg',
		'dist/nodes/TtApi/ttapi.dark.svg',
		'dist/nodes/TtApiTrigger/TtApiTrigger.node.js',
		'dist/nodes/TtApiTrigger/TtApiTrigger.node.json',
	];
	const missing = required.filter((file) => !files.includes(file));
	if (unexpected.length || missing.length) {
		failed = true;
		console.error(`tarball contents FAILED: unexpected ${JSON.stringify(unexpected)}, missing ${JSON.stringify(missing)}`);
	} else {
		console.log(`tarball contents: ${files.length} files, all expected`);
	}
}

await scan('sources', root, SOURCE_FILE_PATTERNS);

const work = mkdtempSync(path.join(tmpdir(), 'ttapi-scan-'));
try {
	execFileSync('npm', ['pack', '--silent', '--pack-destination', work], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
	const tarball = readdirSync(work).find((file) => file.endsWith('.tgz'));
	execFileSync('tar', ['-xzf', path.join(work, tarball), '-C', work]);
	await scan(`tarball ${tarball}`, path.join(work, 'package'));
	checkTarballContents(path.join(work, 'package'));
} finally {
	rmSync(work, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
