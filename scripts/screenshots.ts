/**
 * `npm run screenshots`: starts the demo stack, opens the n8n editor in headless Chromium (Debian's
 * package, installed here when missing) and takes the pictures of every shot in ./shots.ts into
 * docs/ (SCREENSHOTS=edit-image,… takes only those).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { chromium, type Page } from 'playwright-core';

import { CHROMIUM, ensureChromium } from '../test/e2e/chromium';
import { OWNER } from '../test/e2e/n8n';
import { SHOTS } from './shots';
import { root, say, startStack } from './stack';

async function signIn(page: Page, baseUrl: string) {
	await page.goto(`${baseUrl}/signin`);
	await page.locator('input[type="email"], input[name="emailOrLdapLoginId"], input[name="email"]').first().fill(OWNER.email);
	await page.locator('input[type="password"]').first().fill(OWNER.password);
	await page.getByRole('button', { name: /sign in/i }).click();
	await page.waitForURL((url) => !url.pathname.includes('signin'), { timeout: 30_000 });
}

async function main() {
	const wanted = process.env.SCREENSHOTS?.split(',').map((name) => name.trim());
	const shots = wanted ? SHOTS.filter((shot) => wanted.includes(shot.name)) : SHOTS;
	if (shots.length === 0) throw new Error(`SCREENSHOTS names no shot; there are: ${SHOTS.map((shot) => shot.name).join(', ')}`);
	ensureChromium(say);
	const outDir = path.join(root, 'docs');
	mkdirSync(outDir, { recursive: true });
	// A fresh n8n home: the pictures show the demo as imported, not a home someone has used.
	const home = mkdtempSync(path.join(tmpdir(), 'ttapi-screenshots-'));
	const stack = await startStack({ port: Number(process.env.N8N_PORT ?? 5688), emulatorPort: Number(process.env.TTAPI_EMULATOR_PORT ?? 8797), home });
	const browser = await chromium.launch({
		executablePath: CHROMIUM,
		args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
	});
	try {
		const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
		await signIn(page, stack.n8n.baseUrl);
		for (const shot of shots) {
			say(`shot "${shot.name}"…`);
			await shot.take({ page, stack, outDir, say });
			say(`saved ${shot.files.map((file) => path.relative(root, path.join(outDir, file))).join(', ')}`);
		}
	} finally {
		await browser.close();
		await stack.stop();
		rmSync(home, { recursive: true, force: true });
	}
}

main().catch((error: Error) => {
	console.error(`[screenshots] failed: ${error.message}`);
	process.exit(1);
});
