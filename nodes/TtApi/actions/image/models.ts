import type { Field } from '../../helpers/validation';

/** TTAPI-MORE.md §3: the models of TT API's OpenAI-compatible /v1/images endpoints. */
export const GPT_MODELS = ['gpt-image-2', 'gpt-image-1.5', 'gpt-image-1'] as const;
export const GENERATE_MODELS = [...GPT_MODELS, 'dall-e-3', 'dall-e-2'] as const;
export const EDIT_MODELS = [...GPT_MODELS, 'dall-e-2'] as const;
export type ImageModel = (typeof GENERATE_MODELS)[number];

export const isGpt = (model: string) => (GPT_MODELS as readonly string[]).includes(model);

// Documented for gpt-image-1; TT lists none for 1.5 and 2 on /v1, so they get gpt-image-1's.
export const SIZES: Record<ImageModel, readonly string[]> = {
	'gpt-image-2': ['auto', '1024x1024', '1536x1024', '1024x1536'],
	'gpt-image-1.5': ['auto', '1024x1024', '1536x1024', '1024x1536'],
	'gpt-image-1': ['auto', '1024x1024', '1536x1024', '1024x1536'],
	'dall-e-3': ['1024x1024', '1792x1024', '1024x1792'],
	'dall-e-2': ['256x256', '512x512', '1024x1024'],
};
export const QUALITIES: Record<ImageModel, readonly string[]> = {
	'gpt-image-2': ['auto', 'high', 'medium', 'low'],
	'gpt-image-1.5': ['auto', 'high', 'medium', 'low'],
	'gpt-image-1': ['auto', 'high', 'medium', 'low'],
	'dall-e-3': ['standard', 'hd'],
	'dall-e-2': ['standard'],
};
export const PROMPT_MAX: Record<ImageModel, number> = {
	'gpt-image-2': 32_000,
	'gpt-image-1.5': 32_000,
	'gpt-image-1': 32_000,
	'dall-e-3': 4000,
	'dall-e-2': 1000,
};

export const BACKGROUNDS = ['auto', 'opaque', 'transparent'] as const;
export const OUTPUT_FORMATS = ['png', 'jpeg', 'webp'] as const;
export const MODERATIONS = ['auto', 'low'] as const;
export const INPUT_FIDELITIES = ['low', 'high'] as const;
export const UPLOAD_FORMATS = ['json', 'multipart'] as const;
export const N_RANGE = [1, 10] as const;

/** "you can provide up to 16 images" (GPT image models); dall-e-2 edits one square PNG. */
export const EDIT_IMAGES_MAX = 16;
export const GPT_IMAGE_MAX_BYTES = 25 * 1024 * 1024;
/** dall-e-2's image and every mask: "smaller than 4MB". */
export const SMALL_IMAGE_MAX_BYTES = 4 * 1024 * 1024;

export const IMAGE_FIELDS = {
	n: { label: 'Number of Images', name: 'n' },
	background: { label: 'Background', name: 'background' },
	outputFormat: { label: 'Output Format', name: 'outputFormat' },
	outputCompression: { label: 'Output Compression', name: 'outputCompression' },
	moderation: { label: 'Moderation', name: 'moderation' },
	inputFidelity: { label: 'Input Fidelity', name: 'inputFidelity' },
	maskBinaryField: { label: 'Mask Binary Field', name: 'maskBinaryField' },
	uploadFormat: { label: 'Upload Format', name: 'uploadFormat' },
	imageUrls: { label: 'Image URLs', name: 'imageUrls' },
	inputBinaryFields: { label: 'Input Binary Fields', name: 'inputBinaryFields' },
} satisfies Record<string, Field>;

export const MIME_OF: Record<string, string> = { png: 'image/png', jpeg: 'image/jpeg', webp: 'image/webp' };
