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

await scan('sources', root, SOURCE_FILE_PATTERNS);

const work = mkdtempSync(path.join(tmpdir(), 'ttapi-scan-'));
try {
	execFileSync('npm', ['pack', '--silent', '--pack-destination', work], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
	const tarball = readdirSync(work).find((file) => file.endsWith('.tgz'));
	execFileSync('tar', ['-xzf', path.join(work, tarball), '-C', work]);
	await scan(`tarball ${tarball}`, path.join(work, 'package'));
} finally {
	rmSync(work, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
