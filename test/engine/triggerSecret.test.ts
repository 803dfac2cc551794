/**
 * Where the TT API Trigger keeps its callback secret: version 2 in a TT API Callback Secret
 * credential, version 1 (saved workflows) in its Secret parameter. Checked on the built package
 * with n8n-workflow's own display rules, the ones the editor and the engine apply.
 */
import { NodeHelpers, type INodeType, type INodeTypeDescription } from 'n8n-workflow';

import { loadPackage, useEmulator } from './harness';
import { callTrigger, TRIGGER_SECRET } from './triggerHarness';

async function trigger(): Promise<INodeType> {
	return (await loadPackage()).nodeTypes.ttApiTrigger.type as INodeType;
}

describe('TT API Trigger: the secret per version', () => {
	const env = useEmulator();

	/** A finished job as TT API posts it; its data echoes the hook URL, secret included. */
	async function finishedJob() {
		const hookUrl = `https://n8n.example.com/webhook/f2b1/callback?token=${TRIGGER_SECRET}`;
		const response = await fetch(`${env.emulator.url}/openai/gpt/generations`, {
			method: 'POST',
			headers: { 'TT-API-KEY': 'test-key', 'content-type': 'application/json' },
			body: JSON.stringify({ prompt: 'a lighthouse', hookUrl }),
		});
		const { data } = (await response.json()) as { data: { job_id: string } };
		env.emulator.finishJob(data.job_id);
		const job = await fetch(`${env.emulator.url}/openai/gpt/fetch?jobId=${data.job_id}`, { headers: { 'TT-API-KEY': 'test-key' } });
		return (await job.json()) as Record<string, unknown> & { jobId: string; data: Record<string, unknown> };
	}

	it('a saved version 1 node keeps working with its Secret parameter and ignores any credential', async () => {
		const job = await finishedJob();
		const good = await callTrigger({ typeVersion: 1, query: { token: TRIGGER_SECRET }, body: job, parameters: { options: { download: false } } });
		expect(good.status).toBe(200);
		expect(good.items?.[0].json).toMatchObject({ jobId: job.jobId, status: 'SUCCESS', prompt: 'a lighthouse' });
		const wrong = await callTrigger({ typeVersion: 1, query: { token: 'not-the-secret' }, body: job });
		expect(wrong).toEqual({ status: 401, body: { message: 'Unauthorized' }, items: undefined });
		const credentialOnly = await callTrigger({ typeVersion: 1, query: { token: 'a-credential-secret-value' }, body: job, credential: { secret: 'a-credential-secret-value' } });
		expect(credentialOnly.status).toBe(401);
		const empty = await callTrigger({ typeVersion: 1, query: { token: '' }, body: job, parameters: { secret: '' } });
		expect(empty.status).toBe(401);
	});

	it.each([1, 2])('version %i: the secret is in no answer, output item or download error', async (typeVersion) => {
		const job = await finishedJob();
		const broken = { ...job, jobId: `${job.jobId}-b`, data: { ...job.data, imageUrl: `${env.emulator.url}/files/missing.png` } };
		const answers = [
			await callTrigger({ typeVersion, query: { token: TRIGGER_SECRET }, body: job }),
			await callTrigger({ typeVersion, query: { token: TRIGGER_SECRET }, body: broken }),
			await callTrigger({ typeVersion, query: { token: `${TRIGGER_SECRET}x` }, body: job }),
			await callTrigger({ typeVersion, query: { token: TRIGGER_SECRET }, body: { status: 'SUCCESS', data: { hookUrl: job.data.hookUrl } } }),
		];
		expect(answers.map((answer) => answer.status)).toEqual([200, 200, 401, 400]);
		expect(answers[0].items?.[0].json.hookUrl).toBe('https://n8n.example.com/webhook/f2b1/callback?token=redacted');
		expect(answers[1].items?.[0].json.downloadError).toMatch(/HTTP 404/);
		const everything = JSON.stringify(answers.map(({ body, items }) => ({ body, items: items?.map((item) => item.json) })));
		expect(everything).not.toContain(TRIGGER_SECRET);
	});
});

describe('TT API Trigger: what the editor shows and stores', () => {
	const node = (typeVersion: number) => ({ typeVersion, parameters: {} });
	const shown = (description: INodeTypeDescription, typeVersion: number) => ({
		secretField: NodeHelpers.displayParameter({}, description.properties.find((p) => p.name === 'secret')!, node(typeVersion), description),
		credential: NodeHelpers.displayParameter({}, description.credentials!.find((c) => c.name === 'ttApiTriggerApi')!, node(typeVersion), description),
	});

	it('version 1 shows the Secret field and no credential; version 2 the credential and no Secret field', async () => {
		const { description } = await trigger();
		expect(shown(description, 1)).toEqual({ secretField: true, credential: false });
		expect(shown(description, 2)).toEqual({ secretField: false, credential: true });
	});

	it('a new node is version 2 and stores no secret among its parameters', async () => {
		const { description } = await trigger();
		expect(description.defaultVersion).toBe(2);
		const stored = (typeVersion: number) => NodeHelpers.getNodeParameters(description.properties, {}, true, false, node(typeVersion), description);
		expect(Object.keys(stored(2)!).sort()).toEqual(['events', 'notice', 'options']);
		expect(Object.keys(stored(1)!).sort()).toEqual(['events', 'notice', 'options', 'secret']);
	});

	it('the package registers the credential with one password field, tested by the trigger', async () => {
		const loader = await loadPackage();
		const credential = loader.credentialTypes.ttApiTriggerApi?.type;
		expect(credential).toMatchObject({ name: 'ttApiTriggerApi', displayName: 'TT API Callback Secret API' });
		expect(credential.properties).toEqual([expect.objectContaining({ name: 'secret', typeOptions: { password: true }, required: true })]);
		expect(loader.known.credentials.ttApiTriggerApi.supportedNodes).toEqual(['ttApiTrigger']);
	});

	it.each([
		['', 'Error', /Enter a secret/],
		['short-secret', 'Error', /has 12 characters: use at least 16/],
		['long enough but has spaces & #', 'Error', /change meaning in a URL/],
		[TRIGGER_SECRET.repeat(2), 'OK', /ready/],
	])('the credential Test of %j says %s', async (secret, status, message) => {
		const test = (await trigger()).methods!.credentialTest!.ttApiCallbackSecret;
		const result = await test.call({} as never, { id: '2', name: 'TT Callback Secret account', type: 'ttApiTriggerApi', data: { secret } });
		expect(result).toEqual({ status, message: expect.stringMatching(message) });
		if (secret) expect(result.message).not.toContain(secret);
	});
});
