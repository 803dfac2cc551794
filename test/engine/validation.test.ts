import type { IDataObject } from 'n8n-workflow';

import { runNode, useEmulator } from './harness';

const long = 'x'.repeat(32_001);

/** Each bad value is refused before any request, with a message naming the field. */
const cases: Array<[string, IDataObject, string]> = [
	['empty prompt', { resource: 'gptImage', operation: 'generate', prompt: '   ' }, 'Prompt (prompt) is empty'],
	['prompt too long', { resource: 'gptImage', operation: 'generate', prompt: long }, 'Prompt (prompt) is 32001 characters long; at most 32000 are allowed'],
	['prompt resolving to an object', { resource: 'gptImage', operation: 'generate', prompt: '={{ { a: 1 } }}' }, 'Prompt (prompt) must be text, but it is a object'],
	['DALL·E size outside the list', { resource: 'dalle3', operation: 'generate', prompt: 'x', size: '={{ "512x512" }}' }, 'Size (size) is "512x512", which is not allowed'],
	['DALL·E quality outside the list', { resource: 'dalle3', operation: 'generate', prompt: 'x', quality: '={{ "ultra" }}' }, 'Quality (quality) is "ultra", which is not allowed'],
	['GPT model outside the list', { resource: 'gptImage', operation: 'generate', prompt: 'x', model: '={{ "gpt-9" }}' }, 'Model (model) is "gpt-9", which is not allowed'],
	['aspect ratio outside the list', { resource: 'gptImage', operation: 'generate', prompt: 'x', model: 'gpt-image-2', aspect_ratio: '={{ "2:1" }}' }, 'Aspect Ratio (aspect_ratio) is "2:1", which is not allowed'],
	['free size not a multiple of 16', { resource: 'gptImage', operation: 'generate', prompt: 'x', model: 'gpt-image-2-plus', size: '1000x1000' }, 'Size (size) is "1000x1000", which is not allowed'],
	['free size too large', { resource: 'gptImage', operation: 'generate', prompt: 'x', model: 'gpt-image-2-plus', size: '4096x1024' }, 'Size (size) is "4096x1024", which is not allowed'],
	['reference image not http', { resource: 'gpt4oImage', operation: 'generate', prompt: 'x', referImages: ['ftp://host/a.png'] }, 'Reference Images (referImages) entry 1 ("ftp://host/a.png") is not an http(s) URL'],
	['reference image not a URL', { resource: 'gpt4oImage', operation: 'generate', prompt: 'x', referImages: ['https://ok.example/a.png', 'cat.png'] }, 'Reference Images (referImages) entry 2 ("cat.png") is not an http(s) URL'],
	['too many reference images', { resource: 'gpt4oImage', operation: 'generate', prompt: 'x', referImages: Array.from({ length: 17 }, (_, n) => `https://e.example/${n}.png`) }, 'Reference Images (referImages) has 17 entries; at most 16 are allowed'],
	['hook URL not http', { resource: 'gpt4oImage', operation: 'generate', prompt: 'x', options: { hookUrl: 'javascript:alert(1)' } }, 'Hook URL (hookUrl) entry 1 ("javascript:alert(1)") is not an http(s) URL'],
	['poll interval out of range', { resource: 'gptImage', operation: 'generate', prompt: 'x', options: { pollInterval: 0 } }, 'Max Poll Interval (pollInterval) is 0, outside the allowed range'],
	['timeout out of range', { resource: 'gptImage', operation: 'generate', prompt: 'x', options: { timeout: 99999 } }, 'Timeout (timeout) is 99999, outside the allowed range'],
	['wait mode unknown', { resource: 'gptImage', operation: 'generate', prompt: 'x', waitMode: '={{ "forever" }}' }, 'Wait Mode (waitMode) is "forever", which is not allowed'],
	['job id resolving to empty', { resource: 'gptImage', operation: 'get', jobId: '={{ "" }}' }, 'Job ID (jobId) is empty'],
	['empty binary field name', { resource: 'dalle3', operation: 'generate', prompt: 'x', options: { binaryPropertyName: ' ' } }, 'Put Image in Field (binaryPropertyName) is empty'],
	['concurrency out of range', { resource: 'dalle3', operation: 'generate', prompt: 'x', options: { concurrency: 500 } }, 'Concurrency (concurrency) is 500, outside the allowed range'],
];

describe('bad parameters are refused before any request (real engine, emulator)', () => {
	const env = useEmulator();

	it.each(cases)('%s', async (_name, parameters, message) => {
		const { error, errorDescription } = await runNode({ credentials: env.credentials(), parameters });
		expect(error).toBe(message);
		expect(errorDescription).toBeTruthy();
		expect(env.emulator.requests).toHaveLength(0);
	});
});
