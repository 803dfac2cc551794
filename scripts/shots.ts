/**
 * The pictures `npm run screenshots` takes, one entry per demo: each brings the signed-in editor to
 * what its pictures show and saves them. A demo gets its pictures with one more entry here.
 */
import path from 'node:path';

import type { Page } from 'playwright-core';

import { makePng } from '../test/emulator/png';
import { EDIT_IMAGE_WORKFLOW_ID, submitEditImageForm } from './editImageForm';
import { MIDJOURNEY_WORKFLOW_ID, pickTile, submitPrompt } from './midjourneyForm';
import type { Stack } from './stack';

export interface ShotContext {
	page: Page;
	stack: Stack;
	/** Where the pictures go (docs/). */
	outDir: string;
	say: (line: string) => void;
}

export interface Shot {
	/** Chosen with SCREENSHOTS=<name>[,<name>]. */
	name: string;
	/** The files it writes into docs/. */
	files: string[];
	take: (context: ShotContext) => Promise<void>;
}

/** Opens a saved workflow in the editor, waiting until `nodeName` is on the canvas. */
async function openWorkflow({ page, stack }: ShotContext, workflowId: string, nodeName: string) {
	await page.goto(`${stack.n8n.baseUrl}/workflow/${workflowId}`);
	await page.getByText(nodeName, { exact: true }).first().waitFor({ timeout: 60_000 });
	await page.keyboard.press('Escape');
}

const gpt4oPolling: Shot = {
	name: 'gpt4o-polling',
	files: ['workflow-canvas.png', 'node-parameters.png'],
	async take(context) {
		const { page, outDir, say } = context;
		await openWorkflow(context, 'TtApiDemoGpt4oPo', 'GPT-4o image');
		say('running the GPT-4o workflow from the editor…');
		await page.locator('[data-test-id="execute-workflow-button"]').first().click({ timeout: 15_000 });
		await page.getByText(/workflow executed successfully/i).first().waitFor({ timeout: 60_000 }).catch(() => undefined);
		await page.waitForTimeout(1500);
		await page.screenshot({ path: path.join(outDir, 'workflow-canvas.png') });

		await page.locator('[data-test-id="canvas-node"]').filter({ hasText: 'GPT-4o image' }).first().dblclick({ force: true });
		await page.getByText('Wait Mode').first().waitFor({ timeout: 30_000 });
		await page.waitForTimeout(1000);
		await page.screenshot({ path: path.join(outDir, 'node-parameters.png') });
	},
};

const editImage: Shot = {
	name: 'edit-image',
	files: ['edit-image.png', 'edit-image-node.png'],
	async take({ page, stack, outDir, say }) {
		say('sending a PNG through the "edit an image you upload" form…');
		const edited = await submitEditImageForm(stack.n8n.baseUrl, makePng(11), 'Make it a snowy winter scene');
		const run = await stack.n8n.finishedRun(edited.executionId);
		if (run.status !== 'success') throw new Error(`the form's execution ${edited.executionId} ended ${run.status}`);
		// The finished execution as the editor's Executions tab shows it.
		await page.goto(`${stack.n8n.baseUrl}/workflow/${EDIT_IMAGE_WORKFLOW_ID}/executions/${edited.executionId}`);
		await page.getByText('Edit the image', { exact: true }).first().waitFor({ timeout: 60_000 });
		// n8n 2.x opens its "Production Checklist" over the executions list of a published workflow.
		const checklist = page.locator('[data-test-id="suggested-actions-close"]');
		await checklist.click({ timeout: 5000 }).catch(() => undefined);
		await page.waitForTimeout(1500);
		await page.screenshot({ path: path.join(outDir, 'edit-image.png') });

		// The edit node of that run: the uploaded image in, the edited one out, as binary.
		await page.locator('[data-test-id="canvas-node"]').filter({ hasText: 'Edit the image' }).first().dblclick({ force: true });
		await page.getByText('ttapi-', { exact: false }).first().waitFor({ timeout: 30_000 });
		await page.waitForTimeout(1000);
		await page.screenshot({ path: path.join(outDir, 'edit-image-node.png') });
	},
};

const midjourney: Shot = {
	name: 'midjourney',
	files: ['midjourney.png'],
	async take({ page, stack, outDir, say }) {
		say('typing a prompt into the Midjourney demo form and picking tile 2 on its next page…');
		const tiles = await submitPrompt(stack.n8n.baseUrl, 'A paper-cut lighthouse at dusk --ar 3:2');
		await pickTile(tiles, tiles.tiles[1]);
		const run = await stack.n8n.finishedRun(tiles.executionId);
		if (run.status !== 'success') throw new Error(`the form's execution ${tiles.executionId} ended ${run.status}`);
		await page.goto(`${stack.n8n.baseUrl}/workflow/${MIDJOURNEY_WORKFLOW_ID}/executions/${tiles.executionId}`);
		await page.getByText('Upscale the tile', { exact: true }).first().waitFor({ timeout: 60_000 });
		await page.locator('[data-test-id="suggested-actions-close"]').click({ timeout: 5000 }).catch(() => undefined);
		await page.waitForTimeout(1500);
		await page.screenshot({ path: path.join(outDir, 'midjourney.png') });
	},
};

const nightlyContent: Shot = {
	name: 'nightly-content',
	files: ['nightly-content.png'],
	async take({ page, stack, outDir, say }) {
		say('running "Nightly content" once, as the editor\'s Execute workflow does: 50 prompts in callback mode…');
		const started = await stack.n8n.rest('POST', '/workflows/TtApiDemoNightly/run', { triggerToStartFrom: { name: 'Every night at 02:00' } });
		const executionId = started.json?.data?.executionId as string | undefined;
		if (!executionId) throw new Error(`n8n did not start "Nightly content": HTTP ${started.status} ${started.text.slice(0, 300)}`);
		const run = await stack.n8n.finishedRun(executionId, 600_000);
		if (run.status !== 'success') throw new Error(`"Nightly content" execution ${executionId} ended ${run.status}`);
		await page.goto(`${stack.n8n.baseUrl}/workflow/TtApiDemoNightly/executions/${executionId}`);
		await page.getByText('Write the images to a folder', { exact: true }).first().waitFor({ timeout: 60_000 });
		await page.locator('[data-test-id="suggested-actions-close"]').click({ timeout: 5000 }).catch(() => undefined);
		await page.waitForTimeout(1500);
		await page.screenshot({ path: path.join(outDir, 'nightly-content.png') });
	},
};

export const SHOTS: Shot[] = [gpt4oPolling, editImage, midjourney, nightlyContent];
