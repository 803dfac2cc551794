/** What the TT API emulator takes and what it records: its options, its faults and its logs. */

export type Route = 'dalle' | 'submit' | 'fetch' | 'info' | 'image' | 'v1' | 'gemini' | 'any';

/** One switchable fault: applies to the next `times` requests of `route`. */
export interface Fault {
	route: Route;
	/** Answer with this HTTP status and TT API's failure envelope. */
	status?: number;
	retryAfter?: string;
	/** Send this raw text as the body instead (malformed or truncated JSON). */
	rawBody?: string;
	/** Drop the connection without answering. */
	reset?: boolean;
	/** Never answer (until the server closes). */
	hang?: boolean;
	/** Answer normally, but after this delay. */
	delayMs?: number;
	/** Let the request through to the real handler, e.g. to start a job, then answer with the fault. */
	afterHandling?: boolean;
	times?: number;
}

export interface EmulatorOptions {
	port?: number;
	host?: string;
	validKeys?: string[];
	/** Keys that are valid but have no quota left: 402. */
	brokeKeys?: string[];
	/** Quota a valid key's account info shows (broke keys show 0). */
	balance?: number;
	/** The account's `max_queue` in account info: jobs it may have in progress at once. */
	maxQueue?: number;
	/** Answer 499 to a submit while `maxQueue` jobs are in progress, as TT API does (off by default). */
	enforceMaxQueue?: boolean;
	queueMs?: number;
	runMs?: number;
	dalleMs?: number;
	imageTtlMs?: number;
	/** Size of each generated PNG in bytes; 0 gives a small image. */
	imageBytes?: number;
	/** Submit answers for GPT-4o: `jobId` (the original docs) or `job_id` (newer docs). */
	gpt4oJobIdField?: 'jobId' | 'job_id';
	/** Submit answers for Flux: `job_id` (the current docs) or `jobId` (the older ones). */
	fluxJobIdField?: 'jobId' | 'job_id';
	/** When set, a prompt containing it fails the job. */
	failMarker?: string;
	/** A prompt containing it gives a job that stays ON_QUEUE forever and never calls back. */
	stuckMarker?: string;
	/** A prompt matching it (e.g. "[ends in 6 s]") gives a job that ends that many seconds after its submit. */
	endsInPattern?: RegExp;
	/** Prompts containing one of these are refused with 400 (banned words). */
	bannedWords?: string[];
	/** Answer the first fetch of each job with this fault (its route and times are ignored). */
	firstFetchFault?: Omit<Fault, 'route' | 'times'>;
	/** Keep each job's callback when the job ends, until releaseCallbacks() sends it. */
	holdCallbacks?: boolean;
	/**
	 * A GPT image job whose prompt contains this, and that has ended by the time its submit is
	 * answered (queueMs and runMs 0), sends its callback first and the submit is answered after it:
	 * the order a job TT API fails at once and a slow answer could give. The caller is still waiting
	 * for its job ID when the callback comes.
	 */
	callbackFirstMarker?: string;
	/** How long a callback waits for the receiver's answer. */
	callbackTimeoutMs?: number;
	/** Faults drawn at random for a share of all API and image requests, from a seeded generator. */
	randomFaults?: { rate: number; faults: Fault[]; seed?: number };
	log?: (line: string) => void;
	/** How long POST /v1/images/generations takes (default: dalleMs). */
	v1GenerateMs?: number;
	/** How long POST /v1/images/edits takes, fixed, for benchmarks (default: dalleMs). */
	v1EditMs?: number;
	/** 'documented': b64_json for GPT image models, url for DALL·E unless b64_json is asked; 'url': always a URL. */
	v1ImageAnswer?: 'documented' | 'url';
	/** How the Midjourney routes spell what TT API's pages spell differently (./midjourney.ts). */
	midjourney?: MidjourneyQuirks;
}

/** Midjourney spellings the docs disagree on; each default is the current docs' one. */
export interface MidjourneyQuirks {
	/** Submit answers: `job_id` (current docs) or `jobId` (older docs, most client code). */
	jobIdField?: 'jobId' | 'job_id';
	/** The job type key of fetch and callback bodies: `action` (current fetch) or `actions` (old callback). */
	actionKey?: 'action' | 'actions';
	/** `progress` as "40" (docs) or "40%" (one client's docstring). */
	progressSuffix?: '' | '%';
	/** Quota as a string (MJ fetch docs) or a number (fetch-list). */
	quotaAsNumber?: boolean;
	/** Components of an upscaled image: no TT page names them; the default is an unverified rewrite's list. */
	upscaleComponents?: string[];
}

type OptionalOptions = 'log' | 'randomFaults' | 'firstFetchFault' | 'holdCallbacks' | 'callbackFirstMarker' | 'v1GenerateMs' | 'v1EditMs' | 'v1ImageAnswer' | 'midjourney';

/** The options with their defaults filled in; tests may change them on a running emulator. */
export type ResolvedOptions = Required<Omit<EmulatorOptions, OptionalOptions>> & Pick<EmulatorOptions, OptionalOptions>;

export interface LoggedRequest {
	method: string;
	path: string;
	query: Record<string, string>;
	body: unknown;
	/** Whether a TT-API-KEY header was sent, and whether it was a known key; never the key itself. */
	keySent: boolean;
	keyKnown: boolean;
	/** /v1 only: whether an Authorization: Bearer header was sent (never the key). */
	bearerSent?: boolean;
	at: number;
	/** The files of a multipart body, as received (route modules only). */
	files?: ReceivedFile[];
}

export interface ReceivedFile {
	field: string;
	fileName: string;
	mimeType: string;
	bytes: Buffer;
}

export interface CallbackAttempt {
	jobId: string;
	url: string;
	status?: number;
	error?: string;
	at: number;
}

/** A job's callback that holdCallbacks kept back: sent by releaseCallbacks(). */
export interface HeldCallback {
	jobId: string;
	url: string;
}
