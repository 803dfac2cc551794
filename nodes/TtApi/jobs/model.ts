import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import type { DownloadOptions } from './binary';

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
	/** Reads and validates this model's own body fields for one item, beside the prompt and reference images. */
	readBody?: (ctx: IExecuteFunctions, itemIndex: number) => IDataObject;
	/**
	 * Reads and validates the WHOLE submit body of one item instead of the shared prompt, reference
	 * images and readBody (the flow still adds hookUrl). It may read binary input or fetch a parent
	 * job; it must send nothing that costs. Default: the shared prompt + reference images.
	 */
	buildBody?: (ctx: IExecuteFunctions, itemIndex: number) => Promise<IDataObject>;
	/** Sends the submit as multipart/form-data (the body's fields and the item's files) instead of JSON. */
	formBody?: (ctx: IExecuteFunctions, body: IDataObject, itemIndex: number) => Promise<FormData>;
}

/** An input item that passed validation: its submit body and where its image goes. */
export interface AcceptedItem {
	itemIndex: number;
	body: IDataObject;
	download: DownloadOptions;
}
