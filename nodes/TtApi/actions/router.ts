import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { NodeOperationError, updateDisplayOptions } from 'n8n-workflow';

import * as dalle3Generate from './dalle3/generate.operation';
import * as gpt4oImageGenerate from './gpt4oImage/generate.operation';
import * as gpt4oImageGet from './gpt4oImage/get.operation';
import * as gptImageGenerate from './gptImage/generate.operation';
import * as gptImageGet from './gptImage/get.operation';

interface Operation {
	description: INodeProperties[];
	execute(this: IExecuteFunctions, items: INodeExecutionData[]): Promise<INodeExecutionData[]>;
}

/** resource → operation → module. The node's parameters and its routing both come from here. */
export const operations: Record<string, Record<string, Operation>> = {
	dalle3: { generate: dalle3Generate },
	gpt4oImage: { generate: gpt4oImageGenerate, get: gpt4oImageGet },
	gptImage: { generate: gptImageGenerate, get: gptImageGet },
};

/** Every operation's parameters, each shown only for its own resource and operation. */
export function operationProperties(): INodeProperties[] {
	return Object.entries(operations).flatMap(([resource, byOperation]) =>
		Object.entries(byOperation).flatMap(([operation, module]) =>
			updateDisplayOptions({ show: { resource: [resource], operation: [operation] } }, module.description),
		),
	);
}

export async function route(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const resource = this.getNodeParameter('resource', 0) as string;
	const operation = this.getNodeParameter('operation', 0) as string;
	const module = operations[resource]?.[operation];
	if (!module) {
		throw new NodeOperationError(this.getNode(), `The operation "${operation}" of "${resource}" is not supported`);
	}
	return [await module.execute.call(this, items)];
}
