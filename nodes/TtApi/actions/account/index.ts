import { selectorFor } from '../shared/selector';
import * as get from './get.operation';

export const resource = {
	name: 'Account',
	value: 'account',
	description: "The TT API account's balance, frozen quota and queue size",
} as const;

export const operations = { get };

export const operationSelector = selectorFor(resource.value, [
	{ name: 'Get', value: 'get', action: 'Get the account', description: 'Read the balance, frozen quota and queue size' },
]);
