import type {
	IAuthenticateGeneric,
	ICredentialTestRequest,
	ICredentialType,
	Icon,
	INodeProperties,
} from 'n8n-workflow';

export class TtApiApi implements ICredentialType {
	name = 'ttApiApi';

	displayName = 'TT API';

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
			description: 'Change only to go through a proxy or to use a local TT API emulator',
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

	// Fetching a job that does not exist costs nothing: a valid key gets TT API's FAILED envelope
	// with HTTP 200, a wrong key gets 401.
	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{$credentials.baseUrl.replace(/\\/+$/, "")}}',
			url: '/openai/4o-image/fetch',
			method: 'GET',
			qs: { jobId: 'n8n-credential-test' },
		},
		rules: [
			{
				type: 'responseCode',
				properties: { value: 401, message: 'The TT API key is wrong' },
			},
			{
				type: 'responseCode',
				properties: { value: 403, message: 'This TT API account is blocked' },
			},
		],
	};
}
