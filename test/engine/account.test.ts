import { runNode, useEmulator } from './harness';

describe('Account: get (real engine, emulator)', () => {
	const env = useEmulator({ balance: 123.45, maxQueue: 5 });

	it("gives TT API's account fields as sent, one item per input item, read once", async () => {
		const { items, error } = await runNode({ credentials: env.credentials(), items: [{}, {}], parameters: { resource: 'account', operation: 'get' } });
		expect(error).toBeUndefined();
		const account = { email: 'emulator@ttapi.invalid', email_verified_at: '2024-01-02 03:04:05', balance: 123.45, freeze_balance: 0, max_queue: 5, created_at: '2024-01-02 03:04:05' };
		expect(items).toEqual([
			{ json: account, pairedItem: { item: 0 } },
			{ json: account, pairedItem: { item: 1 } },
		]);
		expect(env.emulator.requestsTo('/midjourney/v1/info')).toEqual([expect.objectContaining({ method: 'GET', keySent: true, keyKnown: true })]);
	});

	it('a wrong key: says so, never shows the key', async () => {
		const { run, error } = await runNode({ credentials: env.credentials('sk-wrong-account-key'), parameters: { resource: 'account', operation: 'get' } });
		expect(error).toBe('The TT API key is wrong');
		expect(JSON.stringify(run)).not.toContain('sk-wrong-account-key');
	});
});
