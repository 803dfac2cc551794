/** The emulator's account info route, `GET /midjourney/v1/info` (../shared/TTAPI-MORE.md §2.1). */
import { startEmulator, type TtApiEmulator } from './emulator';

describe('emulator: account info', () => {
	let emulator: TtApiEmulator;
	const info = async (key?: string) => {
		const response = await fetch(`${emulator.url}/midjourney/v1/info`, { headers: key ? { 'TT-API-KEY': key } : {} });
		return { code: response.status, body: (await response.json()) as any };
	};

	beforeAll(async () => (emulator = await startEmulator({ validKeys: ['good-key'], brokeKeys: ['empty-key'], maxQueue: 3 })));
	afterAll(async () => await emulator.stop());

	it('answers a valid key with the documented shape and field types', async () => {
		const { code, body } = await info('good-key');
		expect(code).toBe(200);
		expect(body).toEqual({
			status: 'SUCCESS',
			message: 'success',
			data: {
				email: expect.any(String),
				email_verified_at: expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/),
				balance: 1000,
				freeze_balance: 0,
				max_queue: 3,
				created_at: expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/),
			},
		});
	});

	it('max_queue defaults to 10', async () => {
		const other = await startEmulator();
		try {
			const response = await fetch(`${other.url}/midjourney/v1/info`, { headers: { 'TT-API-KEY': 'test-key' } });
			expect(((await response.json()) as any).data.max_queue).toBe(10);
		} finally {
			await other.stop();
		}
	});

	it('a key without quota still gets its account, with balance 0', async () => {
		const { code, body } = await info('empty-key');
		expect(code).toBe(200);
		expect(body.data.balance).toBe(0);
	});

	it('a wrong or missing key gets 401 and the documented failure body', async () => {
		for (const key of ['wrong-key', undefined]) {
			const { code, body } = await info(key);
			expect(code).toBe(401);
			expect(body).toEqual({ status: 'FAILED', message: 'Wrong TT-API-KEY or email is not activated.', data: null });
		}
	});

	it('takes faults like the other routes', async () => {
		emulator.addFault({ route: 'info', status: 500 });
		expect((await info('good-key')).code).toBe(500);
		expect((await info('good-key')).code).toBe(200);
		expect(emulator.requestsTo('/midjourney/v1/info').at(-1)).toMatchObject({ method: 'GET', keySent: true, keyKnown: true });
	});
});
