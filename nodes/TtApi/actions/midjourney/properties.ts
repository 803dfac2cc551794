import type { INodeProperties } from 'n8n-workflow';

import { inputImagesProperties } from '../../helpers/imagesIn';
import { asyncGenerateProperties, downloadOptionProperties } from '../shared/properties';
import { MJ_WAIT_TIMEOUT_DEFAULT } from './model';

const shared = asyncGenerateProperties({ submitPath: '', fetchPath: '', properties: [] });
const sharedOf = (name: string) => shared.find((property) => property.name === name)!;

export const modeProperty: INodeProperties = {
	displayName: 'Mode',
	name: 'mode',
	type: 'options',
	options: [
		{ name: 'Fast', value: 'fast', description: 'Usually within 90 seconds' },
		{ name: 'Relax', value: 'relax', description: 'Cheaper, usually within 10 minutes' },
		{ name: 'Turbo', value: 'turbo', description: 'Usually within 60 seconds, costs the most' },
	],
	default: 'fast',
	description: "Midjourney's speed mode",
};

const splitTiles: INodeProperties = {
	displayName: 'Split Grid Into Tiles',
	name: 'splitTiles',
	type: 'boolean',
	default: false,
	description:
		'Whether a finished grid becomes four items, one tile each as binary (its tile field is its number, the N of upsampleN), instead of one item with the grid',
};

const jobTimeout: INodeProperties = {
	displayName: 'TT API Job Timeout',
	name: 'jobTimeout',
	type: 'number',
	typeOptions: { minValue: 300, maxValue: 1200 },
	default: 300,
	description:
		"Seconds TT API lets the Midjourney job run before failing it with \"Job Timeout\" (sent as timeout). 300–1200; at least 600 in relax mode. Not added: TT API's default, 300 (600 in relax). Not the node's Wait Timeout.",
};

const waitTimeout: INodeProperties = {
	...(sharedOf('options').options as INodeProperties[]).find((option) => option.name === 'timeout')!,
	default: MJ_WAIT_TIMEOUT_DEFAULT,
	description: `Seconds this node waits for ALL jobs of the run, from the first submit: a deadline. The default, ${MJ_WAIT_TIMEOUT_DEFAULT}, outlasts TT API's longest Job Timeout (1200 s) plus time in its queue. A job still open then is reported with its job ID. For the whole node.`,
};

const byName = (a: INodeProperties, b: INodeProperties) => a.displayName.localeCompare(b.displayName);

const IMAGE_OPTIONS = ['download', 'binaryPropertyName'];

/** Wait Mode and Options of a Midjourney operation that submits a job; Describe's result has no image to download. */
export function midjourneyRunProperties({ image = true } = {}): INodeProperties[] {
	const options = sharedOf('options');
	const sharedOptions = (options.options as INodeProperties[]).filter(
		(option) => option.name !== 'timeout' && (image || !IMAGE_OPTIONS.includes(option.name)),
	);
	return [
		sharedOf('waitMode'),
		{ ...options, options: [...sharedOptions, waitTimeout, jobTimeout, ...(image ? [splitTiles] : [])].sort(byName) },
	];
}

/** Get's options: download and the tiles split. */
export const midjourneyGetOptions: INodeProperties = {
	displayName: 'Options',
	name: 'options',
	type: 'collection',
	placeholder: 'Add Option',
	default: {},
	options: [...downloadOptionProperties, splitTiles].sort(byName),
};

/**
 * The images in, from binary fields or URLs. Not marked required: the editor would then refuse an
 * item whose images are all URLs; the count is checked when the node runs.
 */
export function imagesFromFieldsOrUrls(options: Parameters<typeof inputImagesProperties>[0]): INodeProperties[] {
	return inputImagesProperties(options).map((property) => ({ ...property, required: false }));
}
