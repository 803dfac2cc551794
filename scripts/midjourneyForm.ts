/**
 * The "Midjourney: imagine, then upscale the tile you pick" demo as a browser uses it, over HTTP:
 * the prompt form, the page that shows the grid and asks for a tile, then the completion page that
 * hands back the upscaled image. Used by the start test and by `npm run screenshots`.
 */
export const MIDJOURNEY_WORKFLOW_ID = 'TtApiDemoMjPickT';
export const MIDJOURNEY_FORM_PATH = 'midjourney';

export interface TilePage {
	executionId: string;
	/** The page's URL, signed as n8n hands it out. */
	url: string;
	/** The src of the page's <img>: the grid Imagine made. */
	gridUrl: string;
	/** The tiles the page offers, as their radio labels. */
	tiles: string[];
}

export interface UpscaledImage {
	fileName: string;
	mimeType: string;
	bytes: Buffer;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const executionIdOf = (url: string) => new URL(url).pathname.split('/').pop()!;

/** As the form's own script does: asks n8n until the run waits on the page at `url`. */
async function untilWaitingOn(url: string): Promise<void> {
	const status = new URL(url);
	status.pathname += '/n8n-execution-status';
	for (const deadline = Date.now() + 120_000; ; ) {
		const state = (await (await fetch(status)).text()).trim();
		if (state === 'form-waiting') return;
		if (['canceled', 'crashed', 'error', 'success', 'null'].includes(state) || Date.now() > deadline) {
			throw new Error(`execution ${executionIdOf(url)} is ${state}, not waiting on a form page`);
		}
		await sleep(500);
	}
}

/** Sends the prompt; returns the next page once the grid is drawn: its image and its tiles. */
export async function submitPrompt(baseUrl: string, prompt: string): Promise<TilePage> {
	// The form's own field names: field-<position of the field>.
	const form = new FormData();
	form.append('field-0', prompt);
	let submitted: Response;
	// n8n serves requests before it has activated every published workflow: the form is a 404 until then.
	for (const deadline = Date.now() + 60_000; ; await sleep(500)) {
		submitted = await fetch(`${baseUrl}/form/${MIDJOURNEY_FORM_PATH}`, { method: 'POST', body: form });
		if (submitted.status !== 404 || Date.now() > deadline) break;
		await submitted.arrayBuffer();
	}
	const text = await submitted.text();
	let url: string | undefined;
	try {
		url = (JSON.parse(text) as { formWaitingUrl?: string }).formWaitingUrl;
	} catch {
		url = undefined;
	}
	if (!url) throw new Error(`the form answered HTTP ${submitted.status}: ${text.slice(0, 300)}`);
	await untilWaitingOn(url);
	const page = await (await fetch(url)).text();
	const gridUrl = /<img[^>]*\bsrc="([^"]+)"/.exec(page)?.[1];
	if (!gridUrl) throw new Error(`the tile page of execution ${executionIdOf(url)} shows no image:\n${page.slice(0, 2000)}`);
	const tiles = [...page.matchAll(/class='multiselect-checkbox' id='[^']*' value='([^']*)'/g)].map((match) => match[1]);
	return { executionId: executionIdOf(url), url, gridUrl: gridUrl.replaceAll('&amp;', '&'), tiles };
}

/** Picks the tile labelled `tile` on the page; returns the image the completion page hands back. */
export async function pickTile(page: TilePage, tile: string): Promise<UpscaledImage> {
	const form = new FormData();
	// A radio field goes as the JSON list of what is checked, as the page's script sends it.
	form.append('field-1', JSON.stringify([tile]));
	const picked = await fetch(page.url, { method: 'POST', body: form });
	const text = await picked.text();
	const url = (JSON.parse(text) as { formWaitingUrl?: string }).formWaitingUrl;
	if (!url) throw new Error(`picking a tile answered HTTP ${picked.status}: ${text.slice(0, 300)}`);
	// The run goes on at the same URL: the next page is the completion page once it carries the file.
	let html = '';
	for (const deadline = Date.now() + 120_000; !html.includes('const binaries'); ) {
		if (Date.now() > deadline) throw new Error(`execution ${page.executionId} never reached its completion page:\n${html.slice(0, 2000)}`);
		await untilWaitingOn(url);
		html = await (await fetch(url)).text();
		if (!html.includes('const binaries')) await sleep(500);
	}
	const encoded = /const binaries = "([^"]*)"/.exec(html)?.[1];
	const [binary] = JSON.parse(decodeURIComponent(encoded ?? '%5B%5D')) as Array<{ data: { data: number[] }; fileName: string; type: string }>;
	if (!binary) throw new Error(`the completion page of execution ${page.executionId} carries no file`);
	// What the page's script does after offering the download: it tells n8n the run may end.
	await fetch(url, { method: 'POST' });
	return { fileName: binary.fileName, mimeType: binary.type, bytes: Buffer.from(binary.data.data) };
}
