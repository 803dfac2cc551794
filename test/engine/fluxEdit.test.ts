/** Flux edit on the real engine: the multipart upload as the emulator received it, and bad input. */
import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import { makePng } from '../emulator/png';
import { deliverToPausedRun, pauseRun, startCallbackListener } from './callbackHarness';
import { binaryBytes, PNG_SIGNATURE, runNode, useEmulator } from './harness';

const edit = (extra: IDataObject = {}) => ({ resource: 'flux', operation: 'edit', prompt: 'make the sky green', mode: 'flux-kontext-max', aspect_ratio: '3:2', ...extra });
const withImages = (binary: Record<string, Buffer | string>): INodeExecutionData => ({
	json: {},
	binary: Object.fromEntries(
		Object.entries(binary).map(([name, bytes]) => [name, { data: Buffer.from(bytes).toString('base64'), mimeType: typeof bytes === 'string' ? 'text/plain' : 'image/png', fileName: `${name}.png` }]),
	),
});

describe('Flux edit (real engine, emulator)', () => {
	const env = useEmulator();

	it("uploads the item's images as `image` files with prompt, mode and aspect_ratio, then waits for the result", async () => {
		const [first, second] = [makePng(11), makePng(12)];
		const { items, error } = await runNode({
			credentials: env.credentials(),
			inputItems: [withImages({ photo: first, sketch: second, other: makePng(13) })],
			parameters: edit({ inputBinaryFields: 'photo, sketch' }),
		});
		expect(error).toBeUndefined();
		const [submit] = env.emulator.requestsTo('/flux/edits');
		expect(submit.body).toEqual({ prompt: 'make the sky green', mode: 'flux-kontext-max', aspect_ratio: '3:2' });
		expect(submit.files!.map((file) => [file.field, file.fileName, file.mimeType])).toEqual([
			['image', 'photo.png', 'image/png'],
			['image', 'sketch.png', 'image/png'],
		]);
		expect(submit.files!.map((file) => file.bytes)).toEqual([first, second]);

		expect(items).toHaveLength(1);
		expect(items[0].json).toMatchObject({ status: 'SUCCESS', mode: 'flux-kontext-max', prompt: 'make the sky green' });
		expect(binaryBytes(items[0]).subarray(0, 8)).toEqual(PNG_SIGNATURE);
		expect(env.emulator.requestsTo('/flux/fetch').every((fetch) => fetch.query.jobId === items[0].json.jobId)).toBe(true);
	});

	it('Do Not Wait returns the submitted job with its form fields, not the image bytes', async () => {
		const { items, error } = await runNode({
			credentials: env.credentials(),
			inputItems: [withImages({ data: makePng(1) })],
			parameters: edit({ inputBinaryFields: 'data', waitMode: 'none', options: { hookUrl: 'https://hooks.example.com/flux' } }),
		});
		expect(error).toBeUndefined();
		expect(items[0].json).toMatchObject({ status: 'PENDING_QUEUE', prompt: 'make the sky green', mode: 'flux-kontext-max', hookUrl: 'https://hooks.example.com/flux' });
		expect(Object.keys(items[0].json).sort()).toEqual(['aspect_ratio', 'hookUrl', 'imageUrl', 'jobId', 'message', 'mode', 'prompt', 'status']);
		expect(env.emulator.requestsTo('/flux/edits')[0].body).toMatchObject({ hookUrl: 'https://hooks.example.com/flux' });
	});

	it('callback mode: the upload carries the resume URL as hookUrl, and the Flux callback resumes with the image', async () => {
		const listener = await startCallbackListener();
		try {
			const large = makePng(3, 2_000_000);
			const paused = await pauseRun({
				credentials: env.credentials(),
				listenerBase: listener.base,
				inputItems: [withImages({ data: large })],
				parameters: edit({ inputBinaryFields: 'data', waitMode: 'callback' }),
			});
			expect(paused.run.status).toBe('waiting');
			const [submit] = env.emulator.requestsTo('/flux/edits');
			expect((submit.body as { hookUrl: string }).hookUrl.startsWith(`${listener.base}/${paused.executionId}/`)).toBe(true);
			// Over the emulator's former 1 MB body limit: the file arrives whole.
			expect(submit.files![0].bytes.equals(large)).toBe(true);

			const answer = await deliverToPausedRun(paused, (await listener.waitFor(1))[0]);
			expect(answer.items![0].json).toMatchObject({ status: 'SUCCESS', jobId: paused.items[0].json.jobId, mode: 'flux-kontext-max' });
			expect(binaryBytes(answer.items![0]).subarray(0, 8)).toEqual(PNG_SIGNATURE);
		} finally {
			await listener.stop();
		}
	});

	it.each([
		['no binary field', { data: makePng(1) }, { inputBinaryFields: ' ' }, 'Input Binary Fields (inputBinaryFields) is empty'],
		['a missing binary field', { data: makePng(1) }, { inputBinaryFields: 'photo' }, 'Input Binary Fields (inputBinaryFields) names the binary field "photo", which item 1 does not have'],
		['a file that is not an image', { notes: 'plain text' }, { inputBinaryFields: 'notes' }, 'Input Binary Fields (inputBinaryFields) names "notes", which holds text/plain, not PNG, JPEG or WebP'],
		['five images', { a: makePng(1), b: makePng(2), c: makePng(3), d: makePng(4), e: makePng(5) }, { inputBinaryFields: 'a,b,c,d,e' }, 'Input Binary Fields (inputBinaryFields) gives 5 binary field(s), 5 images; at most 4 are allowed'],
		['mode', { data: makePng(1) }, { inputBinaryFields: 'data', mode: 'flux-0' }, 'Mode (mode) is "flux-0", which is not allowed'],
		['aspect ratio', { data: makePng(1) }, { inputBinaryFields: 'data', aspect_ratio: '1:2' }, 'Aspect Ratio (aspect_ratio) is "1:2", which is not allowed'],
	])('refuses %s by name, before any request', async (_case, binary, extra, message) => {
		const { error } = await runNode({ credentials: env.credentials(), inputItems: [withImages(binary)], parameters: edit(extra) });
		expect(error).toBe(message);
		expect(env.emulator.requests).toHaveLength(0);
	});
});
