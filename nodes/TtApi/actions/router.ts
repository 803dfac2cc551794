import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { NodeOperationError, updateDisplayOptions } from 'n8n-workflow';

import type { AsyncModel } from '../jobs/model';
import * as account from './account';
import * as dalle3 from './dalle3';
import * as flux from './flux';
import * as gpt4oImage from './gpt4oImage';
import * as gptImage from './gptImage';
import * as image from './image';
import * as midjourney from './midjourney';
import * as nanoBanana from './nanoBanana';

interface Operation {
	description: INodeProperties[];
	/** The async model the operation runs, for the callback resume and the trigger. */
	model?: AsyncModel;
	execute(this: IExecuteFunctions, items: INodeExecutionData[]): Promise<INodeExecutionData[]>;
}

interface Resource {
	resource: { name: string; value: string; description: string };
	operationSelector: INodeProperties;
	operations: Record<string, Operation>;
}

/** Every resource of the node, alphabetical by display name as n8n lists options. A model family adds one line. */
const resources: Resource[] = [account, dalle3, flux, gptImage, gpt4oImage, image, midjourney, nanoBanana];

/** The resource selector, then each resource's operation selector and its operations' parameters. */
export function nodeProperties(): INodeProperties[] {
	return [
		{
			displayName: 'Resource',
			name: 'resource',
			type: 'options',
			noDataExpression: true,
			options: resources.map(({ resource }) => ({ ...resource })),
			default: 'gptImage',
		},
		...resources.flatMap(({ resource, operationSelector, operations }) => [
			operationSelector,
			...Object.entries(operations).flatMap(([operation, module]) =>
				updateDisplayOptions({ show: { resource: [resource.value], operation: [operation] } }, module.description),
			),
		]),
	];
}

/** The canvas subtitle: the chosen operation's action, e.g. "Generate an image with DALL·E 3". */
export function subtitle(): string {
	const actions = Object.fromEntries(
		resources.map(({ resource, operationSelector }) => [
			resource.value,
			Object.fromEntries((operationSelector.options ?? []).map((option) => [String((option as { value: string }).value), (option as { action?: string }).action ?? ''])),
		]),
	);
	return `={{ (${JSON.stringify(actions)}[$parameter["resource"]] || {})[$parameter["operation"]] }}`;
}

export async function route(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const resource = this.getNodeParameter('resource', 0) as string;
	const operation = this.getNodeParameter('operation', 0) as string;
	const module = resources.find((entry) => entry.resource.value === resource)?.operations[operation];
	if (!module) {
		throw new NodeOperationError(this.getNode(), `The operation "${operation}" of "${resource}" is not supported`);
	}
	return [await module.execute.call(this, items)];
}

/** The async model of a resource's operation: what a callback to a paused run must be finished with. */
export function asyncModelOf(resource: unknown, operation: unknown): AsyncModel | undefined {
	return resources.find((entry) => entry.resource.value === resource)?.operations[String(operation)]?.model;
}

/** The Get model of every async resource: how its jobs come out, for the trigger to recognise what TT API posts. */
export function jobModels(): AsyncModel[] {
	return resources.flatMap(({ operations }) => operations.get?.model ?? []);
}
