import type { INodePropertyOptions, INodeProperties } from 'n8n-workflow';

/** A resource's operation selector, shown only when that resource is chosen. */
export function selectorFor(resource: string, options: INodePropertyOptions[]): INodeProperties {
	return {
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: [resource] } },
		options,
		default: String(options[0].value),
	};
}
