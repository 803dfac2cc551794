/**
 * What a newcomer meets in the real editor: a real n8n (2.x and 1.x) with the packed package
 * installed, driven in headless Chromium (Debian's package, as `npm run screenshots` uses). A user
 * who installs the package and searches the node creator must find it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { chromium, type Browser, type Page } from 'playwright-core';

import { TtApi } from '../../nodes/TtApi/TtApi.node';
import { CHROMIUM_ARGS, ensureChromium } from './chromium';
import { versions, type Line } from './install';
import { N8nInstance, OWNER, packPackage } from './n8n';
import { freePortBlock } from './ports';

// Every action the node declares: n8n lists one per operation, by its `action` label.
const ACTIONS = new TtApi().description.properties
	.filter((property) => property.name === 'operation')
	.flatMap((property) => (property.options as Array<{ action?: string }>).map((option) => String(option.action)));
const TRIGGERS = ['On all finished jobs', 'On succeeded jobs only', 'On failed jobs only'];
// A workflow that already has its first step, so the node creator opens on "What happens next?".
const WITH_TRIGGER = {
	id: 'EditorNextStep01',
	name: 'Editor: what happens next',
	active: false,
	nodes: [{ id: 'a1b2c3d4-0000-4000-8000-000000000001', name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} }],
	connections: {},
	settings: {},
};

let tarball: string | undefined;
const packOnce = (dir: string) => (tarball ??= packPackage(dir));

jest.setTimeout(10 * 60 * 1000);

const lines = (process.env.TTAPI_E2E_LINES?.split(',') as Line[] | undefined) ?? (Object.keys(versions.n8n) as Line[]);

describe.each(lines)('the node creator of real n8n %s', (line) => {
	const work = mkdtempSync(path.join(tmpdir(), `ttapi-editor-${line}-`));
	let n8n: N8nInstance;
	let browser: Browser;
	let page: Page;

	beforeAll(async () => {
		const executablePath = ensureChromium();
		n8n = new N8nInstance({ line, userFolder: path.join(work, 'user'), port: await freePortBlock(), logFile: path.join(work, 'n8n.log') });
		n8n.installPackage(packOnce(path.join(tmpdir(), 'ttapi-editor-pack')));
		await n8n.importWorkflows([WITH_TRIGGER]);
		await n8n.start();
		await n8n.login();
		browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
		page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
		// The editor's first load is n8n's whole front end: with another suite beside this one it can
		// take longer than Playwright's 30 s default.
		page.setDefaultTimeout(120_000);
		await page.goto(`${n8n.baseUrl}/signin`);
		await page.locator('input[type="email"], input[name="emailOrLdapLoginId"], input[name="email"]').first().fill(OWNER.email);
		await page.locator('input[type="password"]').first().fill(OWNER.password);
		await page.getByRole('button', { name: /sign in/i }).click();
		await page.waitForURL((url) => !url.pathname.includes('signin'));
	});

	afterAll(async () => {
		await browser?.close();
		await n8n?.stop();
		if (process.env.TTAPI_E2E_KEEP) console.log(`n8n ${line} files kept in ${work}`);
		else rmSync(work, { recursive: true, force: true });
	});

	const QUERIES = ['TT API', 'ttapi', 'DALL-E', 'Midjourney', 'callback'];
	const names = async () => await page.locator('[data-test-id="node-creator-item-name"]').allInnerTexts();

	/** Opens the node creator: on a new workflow its first step, else the trigger's "+" ("What happens next?"). */
	async function openNodeCreator(workflow: 'new' | string) {
		await page.goto(`${n8n.baseUrl}/workflow/${workflow}`);
		const opener = workflow === 'new' ? 'canvas-add-button' : 'canvas-handle-plus';
		await page.locator(`[data-test-id="${opener}"]`).first().click({ timeout: 60_000 });
	}

	/** Types `query` into the open node creator; the names listed once n8n shows TT API or "No results". */
	async function search(query: string): Promise<string[]> {
		await page.locator('input[data-test-id="node-creator-search-bar"], [data-test-id="node-creator-search-bar"] input').first().fill(query);
		await page
			.locator('[data-test-id="node-creator-no-results"], [data-test-id="node-creator-item-name"]:text-is("TT API")')
			.first()
			.waitFor({ timeout: 60_000 })
			.catch(() => undefined);
		return await names();
	}

	/**
	 * Opens TT API from the search results; every action and trigger event it lists, collapsed
	 * sections opened. On a busy machine the sections render over a while: they are opened again
	 * (a click toggles one) until the names `expected` have shown, or 60 s have passed.
	 */
	async function openTtApi(expected: string[] = []): Promise<string[]> {
		await page.locator('[data-test-id="node-creator-item-name"]:text-is("TT API")').first().click();
		const sections = page.locator('[data-test-id="node-creator-category-item"]');
		await sections.first().waitFor({ timeout: 60_000 });
		const seen = new Set(await names());
		const deadline = Date.now() + 60_000;
		do {
			for (let index = 0; index < (await sections.count()); index += 1) {
				await sections.nth(index).click();
				for (const name of await names()) seen.add(name);
			}
		} while (!expected.every((name) => seen.has(name)) && Date.now() < deadline);
		return [...seen];
	}

	it.each([
		['the first step', 'new'],
		['"What happens next?"', WITH_TRIGGER.id],
	])('%s: searching "TT API", "ttapi", "DALL-E", "Midjourney" or "callback" lists TT API', async (_view, workflow) => {
		await openNodeCreator(workflow);
		const found: Record<string, boolean> = {};
		for (const query of QUERIES) found[query] = (await search(query)).includes('TT API');
		expect(found).toEqual(Object.fromEntries(QUERIES.map((query) => [query, true])));
	});

	it.each([
		['the first step', 'new'],
		['"What happens next?"', WITH_TRIGGER.id],
	])("%s: TT API, opened from the search, lists the node's actions and the trigger's events", async (_view, workflow) => {
		await openNodeCreator(workflow);
		// The README counts them too: an action added to the node is added there.
		expect(ACTIONS).toHaveLength(17);
		expect(await search('TT API')).toContain('TT API');
		expect(await openTtApi([...TRIGGERS, ...ACTIONS])).toEqual(expect.arrayContaining([...TRIGGERS, ...ACTIONS]));
	});

	it("the app's Node details say what the action node does, not what the trigger does", async () => {
		await openNodeCreator('new');
		await search('TT API');
		await openTtApi();
		const details = await page.locator('[data-test-id="node-creator"]').first().innerText();
		expect(details).toContain("Generate and edit images with TT API");
		expect(details).not.toContain('Starts the workflow');
	});
});
