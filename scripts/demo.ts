/**
 * `npm start`'s demo content: the TT API credential and the demo workflows are imported only when
 * missing, so what a user changed in them survives a restart.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';

import { CREDENTIAL_ID, DEMO_DIR, type N8nInstance } from '../test/e2e/n8n';

/** Demo workflows started by a trigger, made active when imported. */
const ACTIVE_WORKFLOW_IDS = ['TtApiDemoTrigger', 'TtApiDemoEditImg'];

export interface DemoState {
	/** Names of the demo workflows imported by this start. */
	imported: string[];
	/** Names of the demo workflows already saved, left as they are. */
	kept: string[];
	credential: 'imported' | 'kept';
	/** The kept credential's Base URL when it is not the TT API this start serves. */
	credentialElsewhere?: string;
}

const demoWorkflows = () =>
	readdirSync(DEMO_DIR).map((file) => JSON.parse(readFileSync(path.join(DEMO_DIR, file), 'utf8')) as { id: string; name: string });

// These commands print their answer through n8n's logger.
const CONSOLE = { env: { N8N_LOG_OUTPUT: 'console', N8N_LOG_LEVEL: 'info' } };

/** The ids of every saved workflow, from `n8n list:workflow` ("id|name" lines). */
async function savedWorkflowIds(n8n: N8nInstance): Promise<Set<string>> {
	const result = await n8n.cli(['list:workflow'], CONSOLE);
	if (result.code !== 0) throw new Error(`n8n list:workflow failed:\n${result.stdout}\n${result.stderr}`);
	return new Set(result.stdout.split('\n').filter((line) => line.includes('|')).map((line) => line.split('|')[0].trim()));
}

/** The saved demo credential's Base URL ('' when it has none), or undefined when there is no such credential. */
async function savedCredentialBaseUrl(n8n: N8nInstance): Promise<string | undefined> {
	const dir = mkdtempSync(path.join(n8n.options.userFolder, 'credential-'));
	const file = path.join(dir, 'credential.json');
	try {
		// Decrypted to read the Base URL; the file holds the key, so it is removed right away.
		const result = await n8n.cli(['export:credentials', `--id=${CREDENTIAL_ID}`, '--decrypted', `--output=${file}`], CONSOLE);
		if (result.code !== 0 && result.stdout.includes('No credentials found')) return undefined;
		// Any other failure must not make us overwrite a credential the user may have edited.
		if (result.code !== 0) throw new Error(`n8n export:credentials failed:\n${result.stdout}\n${result.stderr}`);
		const [saved] = JSON.parse(readFileSync(file, 'utf8')) as Array<{ data?: { baseUrl?: string } }>;
		return saved.data?.baseUrl ?? '';
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
}

export async function importMissingDemo(
	n8n: N8nInstance,
	demo: { apiKey: string; baseUrl: string; triggerSecret: string },
): Promise<DemoState> {
	const saved = await savedWorkflowIds(n8n);
	const savedBaseUrl = await savedCredentialBaseUrl(n8n);
	const workflows = demoWorkflows();
	await n8n.importDemo(demo, { credential: savedBaseUrl !== undefined, workflowIds: saved });
	// A trigger workflow the user saved keeps whatever active state they gave it.
	for (const id of ACTIVE_WORKFLOW_IDS) if (!saved.has(id)) await n8n.activate(id);
	return {
		imported: workflows.filter((workflow) => !saved.has(workflow.id)).map((workflow) => workflow.name),
		kept: workflows.filter((workflow) => saved.has(workflow.id)).map((workflow) => workflow.name),
		credential: savedBaseUrl === undefined ? 'imported' : 'kept',
		credentialElsewhere: savedBaseUrl !== undefined && savedBaseUrl !== demo.baseUrl ? savedBaseUrl : undefined,
	};
}
