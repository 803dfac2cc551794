/**
 * `npm start`: a real n8n with this package, on the TT API emulator (or the real TT API when
 * TTAPI_API_KEY is set), a ready credential and the demo workflows. Runs until Ctrl-C.
 */
import { OWNER } from '../test/e2e/n8n';
import { MIDJOURNEY_FORM_PATH } from './midjourneyForm';
import { say, startStack } from './stack';

async function main() {
	const realKey = process.env.TTAPI_API_KEY;
	const stack = await startStack({
		port: Number(process.env.N8N_PORT ?? 5678),
		emulatorPort: Number(process.env.TTAPI_EMULATOR_PORT ?? 8787),
		realKey,
	});
	let stopping = false;
	const stop = () => {
		if (stopping) return;
		stopping = true;
		say('stopping n8n and the emulator…');
		void stack.stop().then(() => process.exit(0));
	};
	process.on('SIGINT', stop);
	process.on('SIGTERM', stop);

	const { demo } = stack;
	const saved = demo.kept.length
		? `\n  kept as saved:  ${demo.kept.length} demo workflow(s)${demo.credential === 'kept' ? ' and the "TT API account" credential' : ''}; npm start imports only missing ones`
		: '';
	console.log(`
  n8n is ready:   ${stack.n8n.baseUrl}
  login:          ${OWNER.email}  /  ${OWNER.password}
  TT API:         ${stack.credential.baseUrl}${stack.emulator ? ' (emulator)' : ''}
  demo workflows: DALL·E 3, GPT-4o image (polling), GPT image model, submit with hookUrl + the
                  active "react to finished images" trigger workflow, a FAILED job with Continue On Fail,
                  three prompts paused until TT API calls back (callback mode), "edit an image you
                  upload": a form at ${stack.n8n.baseUrl}/form/edit-image, and "Nightly content":
                  50 prompts on a schedule, their images written to ${stack.n8n.nightlyFolder}
  Midjourney:     ${stack.n8n.baseUrl}/form/${MIDJOURNEY_FORM_PATH}  imagine, then upscale the tile you pick${saved}

  Ctrl-C stops everything.
`);
	if (demo.credentialElsewhere !== undefined) {
		say(`note: the saved "TT API account" credential points at ${demo.credentialElsewhere || '(no Base URL)'}, not ${stack.credential.baseUrl}; npm start leaves it as saved. Edit it in n8n, or delete it and restart to have it recreated.`);
	}
	if (realKey) say('note: the real TT API cannot call back a loopback URL; the hookUrl and callback-mode demos need a public n8n URL.');
}

main().catch((error: Error) => {
	console.error(`[start] failed: ${error.message}`);
	process.exit(1);
});
