import type {
	IAuthenticateGeneric,
	ICredentialType,
	Icon,
	INodeProperties,
} from 'n8n-workflow';

// No `test` here: the TT API node tests this credential (`testedBy` → methods.credentialTest), as a
// declarative test could only map HTTP codes, not say what to fix after a network failure.
export class TtApiApi implements ICredentialType {
	name = 'ttApiApi';

	// n8n names a new credential after displayName without the word "API": "TTAPI account".
	displayName = 'TTAPI API';

	icon: Icon = { light: 'file:ttapi.svg', dark: 'file:ttapi.dark.svg' };

	documentationUrl = 'https://docs.ttapi.io';

	properties: INodeProperties[] = [
		{
			displayName: 'API Key',
			name: 'apiKey',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description: 'Your TT API key, from the TT API dashboard',
		},
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: 'https://api.ttapi.io',
			description:
				'Use https://api.ttapi.org for slow synchronous calls (DALL·E 3, Image (OpenAI-Compatible)): TT API recommends it, as api.ttapi.io sits behind a proxy that can end them with a 504 timeout. Otherwise change it only for a proxy or a local TT API emulator.',
		},
	];

	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: {
			headers: {
				'TT-API-KEY': '={{$credentials.apiKey}}',
			},
		},
	};
}
