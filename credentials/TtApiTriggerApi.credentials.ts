import type { ICredentialType, Icon, INodeProperties } from 'n8n-workflow';

/**
 * The secret a TT API callback must carry as `?token=`. As a credential it is encrypted at rest and
 * left out of workflow exports, templates and the workflow snapshot n8n keeps with each execution.
 * TT API never sees it as a key: it only echoes the hook URL, so there is no request to test it with;
 * the TT API Trigger node checks its form instead (`testedBy`).
 */
export class TtApiTriggerApi implements ICredentialType {
	name = 'ttApiTriggerApi';

	// n8n drops every word "API" when it names a new credential ("TT Callback Secret account"), so a
	// trailing " API" would only clutter the type list; like n8n's own Query Auth credential (exempt
	// from this rule), this one checks callers of n8n and is the key to no API.
	// eslint-disable-next-line n8n-nodes-base/cred-class-field-display-name-missing-api
	displayName = 'TT API Callback Secret';

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
