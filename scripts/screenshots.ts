/**
 * `npm run screenshots`: starts the demo stack, opens the n8n editor in headless Chromium (Debian's
 * package, installed here when missing), runs the GPT-4o demo workflow from the editor and saves
 * docs/workflow-canvas.png and docs/node-parameters.png.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';

import { chromium, type Page } from 'playwright-core';

import { CHROMIUM, ensureChromium } from '../test/e2e/chromium';
import { OWNER } from '../test/e2e/n8n';
import { root, say, startStack } from './stack';

async function signIn(page: Page, baseUrl: string) {
	await page.goto(`${baseUrl}/signin`);
	await page.locator('input[type="email"], input[name="emailOrLdapLoginId"], input[name="email"]').first().fill(OWNER.email);
	await page.locator('input[type="password"]').first().fill(OWNER.password);
	await page.getByRole('button', { name: /sign in/i }).click();
	await page.waitForURL((url) => !url.pathname.includes('signin'), { timeout: 30_000 });
}

async function main() {
	ensureChromium(say);
	const outDir = path.join(root, 'docs');
	mkdirSync(outDir, { recursive: true });
	const stack = await startStack({ port: Number(process.env.N8N_PORT ?? 5688), emulatorPort: Number(process.env.TTAPI_EMULATOR_PORT ?? 8797) });
	const browser = await chromium.launch({
		executablePath: CHROMIUM,
		args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
	});
	try {
		const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
		await signIn(page, stack.n8n.baseUrl);
		await page.goto(`${stack.n8n.baseUrl}/workflow/TtApiDemoGpt4oPo`);
		const node = page.getByText('GPT-4o image', { exact: true }).first();
		await node.waitFor({ timeout: 60_000 });
		await page.keyboard.press('Escape');

		say('running the workflow from the editor…');
		await page.locator('[data-test-id="execute-workflow-button"]').first().click({ timeout: 15_000 });
		await page.getByText(/workflow executed successfully/i).first().waitFor({ timeout: 60_000 }).catch(() => undefined);
		await page.waitForTimeout(1500);
		await page.screenshot({ path: path.join(outDir, 'workflow-canvas.png') });

		await page.locator('[data-test-id="canvas-node"]').filter({ hasText: 'GPT-4o image' }).first().dblclick({ force: true });
		await page.getByText('Wait Mode').first().waitFor({ timeout: 30_000 });
		await page.waitForTimeout(1000);
		await page.screenshot({ path: path.join(outDir, 'node-parameters.png') });
		say(`saved ${path.relative(root, outDir)}/workflow-canvas.png and node-parameters.png`);
	} finally {
		await browser.close();
		await stack.stop();
	}
}

main().catch((error: Error) => {
	console.error(`[screenshots] failed: ${error.message}`);
	process.exit(1);
});
