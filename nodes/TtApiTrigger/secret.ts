import type {
	ICredentialsDecrypted,
	ICredentialTestFunctions,
	INodeCredentialTestResult,
	INodeProperties,
	IWebhookFunctions,
} from 'n8n-workflow';

/** Where the callback secret lives: version 1 keeps it as a node parameter, version 2 in a credential. */
const SECRET_CREDENTIAL = 'ttApiTriggerApi';

// A later version lists itself beside 2 (n8n's credential display options take version numbers only).
export const FROM_V2 = { '@version': [2] };
const V1_ONLY = { '@version': [1] };

/** Shorter secrets can be guessed by anyone who keeps posting to the URL. */
const MIN_SECRET_LENGTH = 16;

/** Characters a secret can have and still be pasted after `?token=` as it is. */
const URL_SAFE = /^[A-Za-z0-9._~-]+$/;

export const secretProperties: INodeProperties[] = [
	{
		displayName:
			'Give TT API this node\'s Production URL followed by <code>?token=</code> and the secret below as the job\'s Hook URL, e.g. <code>https://n8n.example.com/webhook/…/callback?token=YOUR_SECRET</code>. This older version keeps the secret in the workflow, so it travels with every copy and export. A TT API Trigger added now keeps it in a credential; it has a new Production URL, so move your Hook URLs to it once jobs already sent have called back.',
		name: 'notice',
		type: 'notice',
		default: '',
		displayOptions: { show: V1_ONLY },
	},
	{
		displayName:
			'Give TT API this node\'s Production URL followed by <code>?token=</code> and the secret of the credential above as the job\'s Hook URL, e.g. <code>https://n8n.example.com/webhook/…/callback?token=YOUR_SECRET</code>',
		name: 'notice',
		type: 'notice',
		default: '',
		displayOptions: { show: FROM_V2 },
	},
	{
		displayName: 'Secret',
		name: 'secret',
		type: 'string',
		typeOptions: { password: true },
		default: '',
		required: true,
		description:
			'A long random string only you and TT API know. Calls without it as the token query parameter get 401 and start nothing.',
		displayOptions: { show: V1_ONLY },
	},
];

/** The secret a callback's token must match; '' (refuse every call) when there is none. */
export async function expectedSecret(ctx: IWebhookFunctions): Promise<string> {
	if (ctx.getNode().typeVersion < 2) return ctx.getNodeParameter('secret', '') as string;
	try {
		const { secret } = await ctx.getCredentials<{ secret?: unknown }>(SECRET_CREDENTIAL);
		return typeof secret === 'string' ? secret : '';
	} catch (error) {
		// No credential chosen, or it was deleted: refuse the call as a node without a secret does,
		// and tell whoever reads n8n's log why callbacks are refused.
		ctx.logger.warn(`TT API Trigger "${ctx.getNode().name}" refused a callback: ${(error as Error).message}`);
		return '';
	}
}

/**
 * The credential dialog's Test: TT API has no request to check the secret against, so this checks
 * what decides whether callbacks get through. Messages never repeat the secret.
 */
export async function ttApiCallbackSecret(
	this: ICredentialTestFunctions,
	credential: ICredentialsDecrypted,
): Promise<INodeCredentialTestResult> {
	const secret = credential.data?.secret;
	if (typeof secret !== 'string' || secret === '') {
		return { status: 'Error', message: 'Enter a secret: without one the trigger refuses every callback' };
	}
	if (secret.length < MIN_SECRET_LENGTH) {
		return { status: 'Error', message: `The secret has ${secret.length} characters: use at least ${MIN_SECRET_LENGTH}, e.g. from "openssl rand -hex 24", so it cannot be guessed` };
	}
	if (!URL_SAFE.test(secret)) {
		return { status: 'Error', message: 'The secret has characters that change meaning in a URL (such as & # + % or a space): use letters, digits, - and _ only, or URL-encode it in the Hook URL' };
	}
	return { status: 'OK', message: 'The secret is ready: give TT API the Production URL with ?token= and the secret as Hook URL' };
}
