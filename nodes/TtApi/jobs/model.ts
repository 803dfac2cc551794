import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import type { HttpContext, TtApiEnvelope } from '../transport/request';
import type { DownloadOptions } from './binary';
import type { JobJson, JobSpellings } from './job';

/**
 * What makes one asynchronous TT API model different from another. Everything else (validation,
 * concurrent submit, waiting by polling or callback, download, errors) is shared, so a model family
 * is one folder under actions/ with a descriptor like this. Every member after `properties` is
 * optional; its default is what the GPT image models need.
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
	/** Statuses after which a job never changes. Default: SUCCESS and FAILED. */
	endStatuses?: readonly string[];
	/** How this model's fetch answers and callbacks spell their fields. Default: see JobSpellings. */
	spellings?: JobSpellings;
	/** Whether a successful job must carry an image URL (Midjourney's Describe has none). Default: true. */
	resultHasImage?: boolean;
	/**
	 * How a successful job becomes output items (all paired with its input item), e.g. a grid and
	 * its tiles. Errors it throws become the item's error, naming the job. Default: one item, its
	 * image at json.imageUrl downloaded as binary.
	 */
	toItems?: (ctx: HttpContext, json: JobJson, download: DownloadOptions, meta: { itemIndex: number; jobId: string }) => Promise<INodeExecutionData[]>;
	/** What to do about a FAILED job, from TT API's reason; added to the error's description. */
	failureHint?: (message: string) => string | undefined;
	/** Wait Timeout in seconds when the user set none: it must outlast this model's own job limit. Default: 600. */
	defaultWaitTimeout?: (ctx: IExecuteFunctions) => number;
	/** Whether a job TT API posted (a callback) is one of this model's: lets the trigger emit Get's shape. */
	recognises?: (envelope: TtApiEnvelope) => boolean;
	/** Sends the submit as multipart/form-data (the body's fields and the item's files) instead of JSON. */
	formBody?: (ctx: IExecuteFunctions, body: IDataObject, itemIndex: number) => Promise<FormData>;
}

/** An input item that passed validation: its submit body and where its image goes. */
export interface AcceptedItem {
	itemIndex: number;
	body: IDataObject;
	download: DownloadOptions;
}
