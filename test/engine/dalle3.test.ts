import type { ICredentialDataDecryptedObject, IHttpRequestOptions, INodeProperties, INodeType } from 'n8n-workflow';

import { binaryBytes, loadPackage, PNG_SIGNATURE, runNode, useEmulator } from './harness';

/** The default the editor puts in when a user adds Request Timeout to a node of this resource. */
async function requestTimeoutDefault(resource: string): Promise<unknown> {
	const node = (await loadPackage()).nodeTypes.ttApi.type as INodeType;
	const options = node.description.properties.find(
		(property) => property.name === 'options' && property.displayOptions?.show?.resource?.includes(resource),
	);
	return (options?.options as INodeProperties[] | undefined)?.find((option) => option.name === 'requestTimeout')?.default;
}

/** The timeout of every call n8n sends for the node, seen where n8n applies the credential. */
async function timeoutsOf(run: () => Promise<unknown>): Promise<unknown[]> {
	const credential = (await loadPackage()).credentialTypes.ttApiApi.type;
	const declared = credential.authenticate;
	const timeouts: unknown[] = [];
	credential.authenticate = async (credentials: ICredentialDataDecryptedObject, options: IHttpRequestOptions) => {
		timeouts.push(options.timeout);
		return { ...options, headers: { ...options.headers, 'TT-API-KEY': String(credentials.apiKey) } };
	};
	try {
		await run();
	} finally {
		credential.authenticate = declared;
	}
	return timeouts;
}

describe('DALL·E 3 (real engine, emulator)', () => {
	const env = useEmulator();

	it('generates synchronously: revised prompt, URL and the image as binary, one item per input', async () => {
		const { items, error } = await runNode({
			credentials: env.credentials(),
			items: [{ idea: 'cat' }, { idea: 'dog' }],
			parameters: { resource: 'dalle3', operation: 'generate', prompt: '={{ "a " + $json.idea }}', size: '1792x1024', quality: 'hd' },
		});
		expect(error).toBeUndefined();
		expect(items.map((item) => item.json.prompt)).toEqual(['a cat', 'a dog']);
		expect(items.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
		for (const item of items) {
			expect(item.json.revisedPrompt).toContain(item.json.prompt as string);
			expect(item.json.imageUrl).toMatch(new RegExp(`^${env.emulator.url}/files/`));
			expect(item.binary?.data.mimeType).toBe('image/png');
			expect(binaryBytes(item).subarray(0, 8)).toEqual(PNG_SIGNATURE);
		}
		const bodies = env.emulator.requestsTo('/openai/v1/images/generations').map((request) => request.body);
		expect(bodies).toEqual(
			expect.arrayContaining([
				{ prompt: 'a cat', size: '1792x1024', quality: 'hd', model: 'dall-e-3', n: 1 },
				{ prompt: 'a dog', size: '1792x1024', quality: 'hd', model: 'dall-e-3', n: 1 },
			]),
		);
	});

	it('keeps only the URL when download is off', async () => {
		const { items } = await runNode({
			credentials: env.credentials(),
			parameters: { resource: 'dalle3', operation: 'generate', prompt: 'a cat', size: '1024x1024', options: { download: false } },
		});
		expect(items[0].json.imageUrl).toBeTruthy();
		expect(items[0].binary).toBeUndefined();
	});

	it('keeps 180 s per call when Request Timeout is added in the editor, and honours a value the user sets', async () => {
		// A slow generation must not end as "may have been charged" after the shared default of 60 s.
		const added = await requestTimeoutDefault('dalle3');
		expect(added).toBe(180);
		const dalle3 = (options: object) => runNode({
			credentials: env.credentials(),
			parameters: { resource: 'dalle3', operation: 'generate', prompt: 'a cat', options: { download: false, ...options } },
		});
		expect(await timeoutsOf(() => dalle3({}))).toEqual([180_000]);
		expect(await timeoutsOf(() => dalle3({ requestTimeout: added }))).toEqual([180_000]);
		expect(await timeoutsOf(() => dalle3({ requestTimeout: 30 }))).toEqual([30_000]);
		// The asynchronous models keep the shared default: their calls answer at once.
		expect(await requestTimeoutDefault('gptImage')).toBe(60);
	});
});
