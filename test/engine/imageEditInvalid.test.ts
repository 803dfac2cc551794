import { PNG_SIGNATURE, runNode, useEmulator } from './harness';
import { itemWith, jpeg, maskPng, png, SECRET_KEY, text, type TestFile } from './imageFixtures';

const edit = (extra: Record<string, unknown> = {}) => ({ resource: 'image', operation: 'edit', prompt: 'add a hat', ...extra });
const MB = 1024 * 1024;
const bigPng: TestFile = { bytes: Buffer.concat([PNG_SIGNATURE, Buffer.alloc(4.2 * MB)]), mimeType: 'image/png', fileName: 'big.png' };
const octetText: TestFile = { ...text(), mimeType: 'application/octet-stream', fileName: 'photo.bin' };
const many = Object.fromEntries(Array.from({ length: 10 }, (_unused, at) => [`p${at}`, png(at + 1)]));
const urls = Array.from({ length: 7 }, (_unused, at) => `https://example.com/${at}.png`).join('\n');

describe('Image (OpenAI-Compatible): edit refuses bad input before any request (real engine, emulator)', () => {
	const env = useEmulator({ validKeys: ['test-key', SECRET_KEY], dalleMs: 10 });

	it.each([
		['a missing binary field: names the fields the item has', { photo: png(), mask: maskPng() }, {},
			'Input Binary Fields (inputBinaryFields) names the binary field "data", which item 1 does not have', "The item's binary fields are: photo, mask."],
		['an item without binary data', {}, {},
			'Input Binary Fields (inputBinaryFields) names the binary field "data", which item 1 does not have', 'The item has no binary data: read a file or download an image in a node before this one.'],
		['no image named', { data: png() }, { inputBinaryFields: ' , ' }, 'Input Binary Fields (inputBinaryFields) is empty', undefined],
		['a text file', { data: text() }, {}, 'Input Binary Fields (inputBinaryFields) names "data", which holds text/plain, not PNG, JPEG or WebP', undefined],
		['unknown bytes declared as octet-stream', { data: octetText }, {}, 'Input Binary Fields (inputBinaryFields) names "data", which holds no image, not PNG, JPEG or WebP', undefined],
		['17 images (10 binary + 7 URLs)', many, { inputBinaryFields: Object.keys(many).join(','), imageUrls: urls },
			'Input Binary Fields (inputBinaryFields) gives 10 binary field(s) and 7 URL(s), 17 images; at most 16 are allowed', undefined],
		['a URL that is not http(s)', { data: png() }, { imageUrls: 'ftp://example.com/a.png' }, 'Image URLs (imageUrls) entry 1 ("ftp://example.com/a.png") is not an http(s) URL', undefined],
		['image URLs with the multipart upload', { data: png() }, { imageUrls: 'https://example.com/a.png', options: { uploadFormat: 'multipart' } },
			'Image URLs (imageUrls) is set, but the Multipart Files upload format sends files only', undefined],
		['a JPEG mask', { data: png(), mask: jpeg() }, { options: { maskBinaryField: 'mask' } }, 'Mask Binary Field (maskBinaryField) names "mask", which holds image/jpeg, not PNG', undefined],
		['a mask without transparency', { data: png(), mask: png(5) }, { options: { maskBinaryField: 'mask' } }, 'Mask Binary Field (maskBinaryField) names "mask", a PNG without transparency', undefined],
		['a missing mask field', { data: png() }, { options: { maskBinaryField: 'mask' } }, 'Mask Binary Field (maskBinaryField) names the binary field "mask", which item 1 does not have', "The item's binary fields are: data."],
		["an image over DALL·E 2's 4 MB", { data: bigPng }, { model: 'dall-e-2' }, 'Input Binary Fields (inputBinaryFields) names "data", which is 4.2 MB; at most 4 MB are allowed', undefined],
		['a JPEG for DALL·E 2 (PNG only)', { data: jpeg() }, { model: 'dall-e-2' }, 'Input Binary Fields (inputBinaryFields) names "data", which holds image/jpeg, not PNG', undefined],
		['two images for DALL·E 2', { data: png(1), more: png(2) }, { model: 'dall-e-2', inputBinaryFields: 'data, more' },
			'Input Binary Fields (inputBinaryFields) gives 2 binary field(s) and 0 URL(s), 2 images; at most 1 are allowed', undefined],
		['dall-e-3, which cannot edit', { data: png() }, { model: 'dall-e-3' }, 'Model (model) is "dall-e-3", which is not allowed', undefined],
		['n = 11', { data: png() }, { options: { n: 11 } }, 'Number of Images (n) is 11, outside the allowed range', undefined],
	])('%s', async (_name, files, parameters, message, description) => {
		// A good item first: it must not be sent either.
		const { error, errorDescription } = await runNode({
			credentials: env.credentials(SECRET_KEY),
			inputItems: [itemWith({ data: png(), mask: maskPng() }), itemWith(files as Record<string, TestFile>)],
			parameters: edit(parameters),
		});
		expect(error).toBe(message.replace('item 1', 'item 2'));
		if (description) expect(errorDescription).toBe(description);
		expect(env.emulator.requestsTo('/v1/')).toHaveLength(0);
	});
});
