import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

/**
 * What makes one asynchronous TT API model different from another. Everything else (validation,
 * concurrent submit, waiting by polling or callback, download, errors) is shared, so a model family
 * is one folder under actions/ with a descriptor like this.
 */
export interface AsyncModel {
	submitPath: string;
	fetchPath: string;
	/** Parameters of this model only, shown between the prompt and the reference images. */
	properties: INodeProperties[];
	/** Reads and validates this model's own body fields for one item. */
	readBody?: (ctx: IExecuteFunctions, itemIndex: number) => IDataObject;
}
