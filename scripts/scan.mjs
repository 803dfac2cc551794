// Runs n8n's official verification scanner (@n8n/scan-community-package) on the sources and on
// the packed tarball, the two things n8n checks before a community package is verified.
// With --release (prepublishOnly), also refuses what npm or n8n would reject after the upload.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
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

/** The tarball holds the credentials, the compiled nodes, codex JSON and icons, and nothing else. */
function checkTarballContents(dir) {
	const files = readdirSync(dir, { recursive: true, withFileTypes: true })
		.filter((entry) => entry.isFile())
		.map((entry) => path.relative(dir, path.join(entry.parentPath ?? entry.path, entry.name)));
	const allowed = [/^package\.json$/, /^README\.md$/, /^LICENSE(\.md)?$/, /^dist\/(credentials|nodes)\/.+\.(js|svg)$/, /^dist\/nodes\/[^/]+\/[^/]+\.node\.json$/];
	const unexpected = files.filter((file) => !allowed.some((pattern) => pattern.test(file)));
	// Every credential and node package.json declares, each node with its codex and icons.
	const { n8n } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
	const required = [
		'LICENSE',
		'README.md',
		...n8n.credentials,
		...n8n.nodes.flatMap((node) => [node, node.replace(/\.js$/, '.json'), path.join(path.dirname(node), 'ttapi.svg'), path.join(path.dirname(node), 'ttapi.dark.svg')]),
	];
	const missing = required.filter((file) => !files.includes(file));
	if (unexpected.length || missing.length) {
		failed = true;
		console.error(`tarball contents FAILED: unexpected ${JSON.stringify(unexpected)}, missing ${JSON.stringify(missing)}`);
	} else {
		console.log(`tarball contents: ${files.length} files, all expected`);
	}
}

/**
 * What a publish must not carry: the placeholder author address (the `.invalid` top-level domain
 * never delivers), a repository other than the one GitHub Actions runs in (npm refuses the
 * provenance statement then), a tag that is not `v` + the version.
 */
function checkRelease() {
	const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
	const problems = [];
	const email = String(pkg.author?.email ?? '');
	if (!email || /\.invalid$|@example\.(com|org|net)$/i.test(email)) {
		problems.push(`author.email "${email}" is a placeholder: set the publisher's name and a reachable email`);
	}
	const { GITHUB_REPOSITORY, GITHUB_REF_TYPE, GITHUB_REF_NAME } = process.env;
	const repoUrl = String(pkg.repository?.url ?? '');
	if (GITHUB_REPOSITORY && !repoUrl.toLowerCase().replace(/\.git$/, '').endsWith(`github.com/${GITHUB_REPOSITORY.toLowerCase()}`)) {
		problems.push(`repository.url "${repoUrl}" is not github.com/${GITHUB_REPOSITORY}, where this publish runs`);
	}
	if (GITHUB_REF_TYPE === 'tag' && GITHUB_REF_NAME !== `v${pkg.version}`) {
		problems.push(`tag ${GITHUB_REF_NAME} does not match version ${pkg.version} (expected v${pkg.version})`);
	}
	if (problems.length) {
		failed = true;
		console.error(`release metadata FAILED:\n- ${problems.join('\n- ')}`);
	} else {
		console.log('release metadata: author, repository and tag fit a publish');
	}
}

if (process.argv.includes('--release')) checkRelease();
await scan('sources', root, SOURCE_FILE_PATTERNS);

const work = mkdtempSync(path.join(tmpdir(), 'ttapi-scan-'));
try {
	// Under `npm publish --dry-run` the dry-run setting reaches this npm too, which would write no tarball.
	const env = { ...process.env, npm_config_dry_run: 'false' };
	execFileSync('npm', ['pack', '--silent', '--pack-destination', work], { cwd: root, env, stdio: ['ignore', 'ignore', 'inherit'] });
	const tarball = readdirSync(work).find((file) => file.endsWith('.tgz'));
	execFileSync('tar', ['-xzf', path.join(work, tarball), '-C', work]);
	await scan(`tarball ${tarball}`, path.join(work, 'package'));
	checkTarballContents(path.join(work, 'package'));
} finally {
	rmSync(work, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
