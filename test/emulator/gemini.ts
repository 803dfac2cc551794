/**
 * Nano Banana as TTAPI-MORE.md §6 describes it: POST /gemini/image/generate answers synchronously
 * with one image URL and a numeric quota. Old pages name the model field `mode`; both are taken.
 * Reference images are URLs or base64 data URIs.
 */
import { failed, imageTypeOf, isHttpUrl, promptProblem, type RouteModule } from './modules';

const MODELS = ['gemini-2.5-flash-image', 'gemini-2.5-flash-image-preview', 'gemini-3-pro-image-preview', 'gemini-3.1-flash-image-preview'];
const ASPECT_RATIOS = ['1:1', '2:3', '3:2', '3:4', '4:3', '4:5', '5:4', '9:16', '16:9', '21:9', '1:4', '4:1', '1:8', '8:1'];
const IMAGE_SIZES = ['1K', '2K', '4K'];

function referProblem(value: unknown): string | undefined {
	if (value === undefined || value === null) return undefined;
	if (!Array.isArray(value)) return 'refer_images must be a list of image URLs or base64 images';
	for (const [index, entry] of value.entries()) {
		if (isHttpUrl(entry)) continue;
		const match = typeof entry === 'string' ? /^data:image\/(png|jpeg|webp);base64,([A-Za-z0-9+/=]+)$/.exec(entry) : null;
		if (!match || !imageTypeOf(Buffer.from(match[2], 'base64'))) return `refer_images[${index}] is neither an image URL nor a base64 image`;
	}
	return undefined;
}

export const geminiRoutes: RouteModule = {
	routeOf: (path) => (path === '/gemini/image/generate' ? 'gemini' : undefined),

	async handle(host, { method, params, broke }) {
		if (method !== 'POST') return failed(404, 'Not Found');
		if (broke) return failed(402, 'Insufficient balance, please recharge');
		const model = params.model ?? params.mode;
		const problem =
			promptProblem(host.options, params.prompt) ??
			(typeof model !== 'string' || !MODELS.includes(model) ? `model must be one of ${MODELS.join(', ')}` : undefined) ??
			referProblem(params.refer_images) ??
			(params.aspect_ratio !== undefined && !ASPECT_RATIOS.includes(String(params.aspect_ratio)) ? `aspect_ratio must be one of ${ASPECT_RATIOS.join(', ')}` : undefined) ??
			(params.image_size !== undefined && !IMAGE_SIZES.includes(String(params.image_size)) ? 'image_size must be 1K, 2K or 4K (uppercase K)' : undefined);
		if (problem) return failed(400, problem);
		// What a model does with a ratio or size it does not take is not documented: ignored here.
		await new Promise((resolve) => setTimeout(resolve, host.options.dalleMs));
		const referImages = params.refer_images as string[] | undefined;
		return {
			code: 200,
			body: {
				status: 'SUCCESS',
				message: 'success',
				data: { prompt: params.prompt, refer_images: referImages?.length ? referImages : null, image_url: host.newImageUrl(), quota: 2 },
			},
		};
	},
};
