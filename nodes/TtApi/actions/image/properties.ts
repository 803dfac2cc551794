import type { INodeProperties, INodePropertyOptions } from 'n8n-workflow';

import { syncOptionProperties } from '../shared/sync';
import { GPT_MODELS, N_RANGE, QUALITIES, SIZES, type ImageModel } from './models';

const MODEL_NAMES: Record<ImageModel, string> = {
	'gpt-image-2': 'GPT Image 2',
	'gpt-image-1.5': 'GPT Image 1.5',
	'gpt-image-1': 'GPT Image 1',
	'dall-e-3': 'DALL·E 3',
	'dall-e-2': 'DALL·E 2',
};

export function modelProperty(models: readonly ImageModel[]): INodeProperties {
	return {
		displayName: 'Model',
		name: 'model',
		type: 'options',
		options: models.map((model) => ({ name: MODEL_NAMES[model], value: model })),
		default: 'gpt-image-1',
		description: 'The image model. The GPT image models always answer with the image itself; DALL·E may answer with a URL, which the node downloads.',
	};
}

const choices = (values: readonly string[]): INodePropertyOptions[] =>
	values.map((value) => ({ name: value === 'hd' ? 'HD' : value.replace(/^\w/, (first) => first.toUpperCase()), value }));
const forModels = (models: readonly string[]) => ({ show: { '/model': [...models] } });
const gptOnly = forModels(GPT_MODELS);

/** One Size / Quality option per group of models that share a list, shown for those models. */
function perModel(displayName: string, name: string, lists: Record<ImageModel, readonly string[]>, models: readonly ImageModel[]): INodeProperties[] {
	const groups = new Map<string, ImageModel[]>();
	for (const model of models) groups.set(lists[model].join(','), [...(groups.get(lists[model].join(',')) ?? []), model]);
	return [...groups.entries()].map(([values, group]) => {
		const property: INodeProperties = {
			displayName,
			name,
			type: 'options',
			options: choices(values.split(',')),
			default: '',
			displayOptions: forModels(group),
		};
		// TT API's default where it documents one (auto), else OpenAI's (1024x1024, standard).
		const list = values.split(',');
		property.default = ['auto', '1024x1024'].find((value) => list.includes(value)) ?? list[0];
		return property;
	});
}

const shared = (name: string) => syncOptionProperties.find((property) => property.name === name) as INodeProperties;
const [concurrency, binaryPropertyName, requestTimeout] = ['concurrency', 'binaryPropertyName', 'requestTimeout'].map(shared);

/** The options of generate and edit, A–Z as the editor lists them; `extra` are the edit's own. */
export function imageOptions(models: readonly ImageModel[], extra: INodeProperties[] = []): INodeProperties {
	const options: INodeProperties[] = [
		{
			displayName: 'Background',
			name: 'background',
			type: 'options',
			options: choices(['auto', 'opaque', 'transparent']),
			default: 'auto',
			description: 'Transparent needs the PNG or WebP output format',
			displayOptions: gptOnly,
		},
		concurrency,
		{
			displayName: 'Moderation',
			name: 'moderation',
			type: 'options',
			options: choices(['auto', 'low']),
			default: 'auto',
			displayOptions: gptOnly,
		},
		{
			displayName: 'Number of Images',
			name: 'n',
			type: 'number',
			typeOptions: { minValue: N_RANGE[0], maxValue: N_RANGE[1] },
			default: 1,
			description: 'Images to make from each item, 1–10 (DALL·E 3: 1). Each becomes its own output item.',
		},
		{
			displayName: 'Output Compression',
			name: 'outputCompression',
			type: 'number',
			typeOptions: { minValue: 0, maxValue: 100 },
			default: 100,
			description: 'Compression in percent, for the JPEG and WebP output formats',
			displayOptions: gptOnly,
		},
		{
			displayName: 'Output Format',
			name: 'outputFormat',
			type: 'options',
			options: [
				{ name: 'PNG', value: 'png' },
				{ name: 'JPEG', value: 'jpeg' },
				{ name: 'WebP', value: 'webp' },
			],
			default: 'png',
			displayOptions: gptOnly,
		},
		binaryPropertyName,
		...perModel('Quality', 'quality', QUALITIES, models),
		requestTimeout,
		...perModel('Size', 'size', SIZES, models),
		...extra,
	];
	options.sort((a, b) => a.displayName.localeCompare(b.displayName));
	return { displayName: 'Options', name: 'options', type: 'collection', placeholder: 'Add Option', default: {}, options };
}
