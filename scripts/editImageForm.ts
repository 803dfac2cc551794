/**
 * The "edit an image you upload" demo as a browser uses it, over HTTP: the form's POST, then its
 * completion page, which carries the edited image for download and, once shown, ends the run.
 * Used by the start test and by `npm run screenshots`.
 */
export const EDIT_IMAGE_WORKFLOW_ID = 'TtApiDemoEditImg';
export const EDIT_IMAGE_FORM_PATH = 'edit-image';

export interface EditedImage {
	executionId: string;
	fileName: string;
	mimeType: string;
	bytes: Buffer;
}

/** Submits `png` and `prompt` to the demo form; returns the image the completion page hands back. */
export async function submitEditImageForm(baseUrl: string, png: Buffer, prompt: string, fileName = 'photo.png'): Promise<EditedImage> {
	// The form's own field names: field-<position of the field>.
	const form = new FormData();
	form.append('field-0', new Blob([png], { type: 'image/png' }), fileName);
	form.append('field-1', prompt);
	const submitted = await fetch(`${baseUrl}/form/${EDIT_IMAGE_FORM_PATH}`, { method: 'POST', body: form });
	const text = await submitted.text();
	const waitingUrl = (JSON.parse(text) as { formWaitingUrl?: string }).formWaitingUrl;
	if (!waitingUrl) throw new Error(`the form answered HTTP ${submitted.status}: ${text.slice(0, 300)}`);
	const executionId = new URL(waitingUrl).pathname.split('/').pop()!;

	// As the form's own script does: wait until the run waits on its completion page, then load it.
	const status = new URL(waitingUrl);
	status.pathname += '/n8n-execution-status';
	for (const deadline = Date.now() + 120_000; ; ) {
		const state = (await (await fetch(status)).text()).trim();
		if (state === 'form-waiting') break;
		if (['canceled', 'crashed', 'error', 'success', 'null'].includes(state) || Date.now() > deadline) {
			throw new Error(`execution ${executionId} is ${state}, not waiting on its completion page`);
		}
		await new Promise((resolve) => setTimeout(resolve, 500));
	}
	const page = await (await fetch(waitingUrl)).text();
	const encoded = /const binaries = "([^"]*)"/.exec(page)?.[1];
	const [binary] = JSON.parse(decodeURIComponent(encoded ?? '%5B%5D')) as Array<{ data: { data: number[] }; fileName: string; type: string }>;
	if (!binary) throw new Error(`the completion page of execution ${executionId} carries no file`);
	// What the page's script does after offering the download: it tells n8n the run may end.
	await fetch(waitingUrl, { method: 'POST' });
	return { executionId, fileName: binary.fileName, mimeType: binary.type, bytes: Buffer.from(binary.data.data) };
}
