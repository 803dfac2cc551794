import type { ICredentialType, Icon, INodeProperties } from 'n8n-workflow';

/**
 * The secret a TT API callback must carry as `?token=`. As a credential it is encrypted at rest and
 * left out of workflow exports, templates and the workflow snapshot n8n keeps with each execution.
 * TT API never sees it as a key: it only echoes the hook URL, so there is no request to test it with;
 * the TT API Trigger node checks its form instead (`testedBy`).
 */
export class TtApiTriggerApi implements ICredentialType {
	name = 'ttApiTriggerApi';

	// n8n's verification scanner wants a trailing " API"; n8n drops every word "API" when it names a new
	// credential, so the user gets "TT Callback Secret account" either way.
	displayName = 'TT API Callback Secret API';

	icon: Icon = { light: 'file:ttapi.svg', dark: 'file:ttapi.dark.svg' };

	documentationUrl = 'https://github.com/n8n-nodes-ttapi/n8n-nodes-ttapi#tt-api-trigger-ttapitrigger';

	properties: INodeProperties[] = [
		{
			displayName: 'Secret',
			name: 'secret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description:
				'A long random string only you and TT API know, e.g. from <code>openssl rand -hex 24</code>. Give TT API the TT API Trigger\'s Production URL with <code>?token=</code> and this secret appended as each job\'s Hook URL. Calls without it get 401 and start nothing. Use letters, digits, <code>-</code> and <code>_</code> so it needs no URL-encoding.',
		},
	];
}
