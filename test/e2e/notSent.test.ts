/**
 * Failures before any byte reaches TT API, in real n8n (each version wraps network errors its own
 * way): the error says what to fix, keeps its cause, and never warns of charges.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { oursWorkflow } from '../../bench/workflows';
import { startEmulator, type TtApiEmulator } from '../emulator/emulator';
import { versions, type Line } from './install';
import { N8nInstance, packPackage } from './n8n';
import { freePortBlock } from './ports';

jest.setTimeout(15 * 60 * 1000);

const lines = (process.env.TTAPI_E2E_LINES?.split(',') as Line[] | undefined) ?? (Object.keys(versions.n8n) as Line[]);
const NOTHING_SENT = 'Nothing was sent to TT API, so no job was started and nothing was charged.';

describe.each(lines)('real n8n %s: failures before anything is sent', (line) => {
	const work = mkdtempSync(path.join(tmpdir(), `ttapi-notsent-${line}-`));
	let emulator: TtApiEmulator;
	let n8n: N8nInstance;

	beforeAll(async () => {
		emulator = await startEmulator({ validKeys: ['notsent-key'] });
		n8n = new N8nInstance({ line, userFolder: path.join(work, 'user'), port: await freePortBlock(), logFile: path.join(work, 'n8n.log') });
		n8n.installPackage(packPackage(path.join(work, 'pack')));
		await n8n.importWorkflows([oursWorkflow('TtApiNotSent0001', 1, 'poll', false, { prompts: ['a fox'], continueOnFail: true })]);
	});

	afterAll(async () => {
		await emulator?.stop();
		rmSync(work, { recursive: true, force: true });
	});

	/** Runs the one-item workflow with the credential's Base URL set to `baseUrl`; returns its error item. */
	async function submitWith(baseUrl: string) {
		await n8n.importDemo({ apiKey: 'notsent-key', baseUrl, triggerSecret: 'unused' });
		const run = await n8n.execute('TtApiNotSent0001');
		return run.data.resultData.runData['TT API'][0].data.main[0][0].json as { error: string; errorDescription: string };
	}

	it('a Base URL without a scheme', async () => {
		const item = await submitWith('api.ttapi.io');
		expect(item.error).toBe('The Base URL "api.ttapi.io" has no scheme: use https://api.ttapi.io');
		expect(item.errorDescription).toContain(NOTHING_SENT);
	});

	it('a refused connection, and https:// on a plain HTTP port: the cause kept, nothing sent', async () => {
		const refused = await submitWith('http://127.0.0.1:9');
		expect(refused.error).toBe('Could not reach TT API at 127.0.0.1:9 to submit the job: connection refused');
		expect(refused.errorDescription).toMatch(new RegExp(`^${NOTHING_SENT.replace(/\./g, '\\.')} .*Cause: connect ECONNREFUSED 127\\.0\\.0\\.1:9\\.$`));
		const tls = await submitWith(emulator.url.replace('http://', 'https://'));
		expect(tls.error).toMatch(/^Could not connect to TT API at 127\.0\.0\.1:\d+ to submit the job: the TLS handshake failed$/);
		expect(tls.errorDescription).toMatch(/Cause: wrong version number \(EPROTO\)\.$/);
		expect(emulator.requests).toHaveLength(0);
	});
});
