/**
 * What a user meets in the editor, read from the node description n8n loads: a subtitle that reads
 * as the action, options in A–Z order with the two timeouts told apart, models by name, and a Wait
 * Mode that takes no expression.
 */
import type { INodeProperties, INodePropertyOptions, INodeTypeDescription } from 'n8n-workflow';

import { loadPackage } from './harness';

let description: INodeTypeDescription;
beforeAll(async () => {
	const loader = await loadPackage();
	description = (loader.nodeTypes.ttApi.type as { description: INodeTypeDescription }).description;
});

const shownFor = (resource: string, operation: string) =>
	description.properties.filter((property) => {
		const show = property.displayOptions?.show;
		return show?.resource?.includes(resource) && (!show.operation || show.operation.includes(operation));
	});
const named = (properties: INodeProperties[], name: string) => properties.find((property) => property.name === name)!;

it('the canvas subtitle is the chosen operation as an action, not internal values', () => {
	const expression = String(description.subtitle).replace(/^=\{\{/, '').replace(/\}\}$/, '');
	const subtitleFor = (resource: string, operation: string) =>
		new Function('$parameter', `return ${expression}`)({ resource, operation }) as string;
	expect(subtitleFor('gptImage', 'generate')).toBe('Generate an image with a GPT image model');
	expect(subtitleFor('dalle3', 'generate')).toBe('Generate an image with DALL·E 3');
	expect(subtitleFor('gpt4oImage', 'get')).toBe('Get a 4o image job');
});

it.each([
	['gptImage', 'generate'],
	['gpt4oImage', 'generate'],
	['gptImage', 'get'],
	['dalle3', 'generate'],
])('%s %s: options in A–Z order, Request Timeout told apart from Wait Timeout', (resource, operation) => {
	const options = named(shownFor(resource, operation), 'options').options as INodeProperties[];
	const names = options.map((option) => option.displayName);
	expect(names).toEqual([...names].sort((a, b) => a.localeCompare(b)));
	expect(named(options, 'requestTimeout').description).toMatch(/ONE call/);
	if (operation === 'generate' && resource !== 'dalle3') {
		expect(named(options, 'timeout').displayName).toBe('Wait Timeout');
		expect(named(options, 'timeout').description).toMatch(/deadline/);
	}
});

it('Wait Mode takes no expression, and the GPT image models are listed by name', () => {
	const properties = shownFor('gptImage', 'generate');
	expect(named(properties, 'waitMode').noDataExpression).toBe(true);
	const models = named(properties, 'model').options as INodePropertyOptions[];
	expect(models.map((model) => model.name)).toEqual(['GPT Image 1', 'GPT Image 1.5', 'GPT Image 2', 'GPT Image 2 Plus', 'GPT-4o Image']);
	expect(models.find((model) => model.value === 'gpt-4o-image')!.description).toMatch(/GPT-4o Image resource/);
});
