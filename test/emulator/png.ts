import { deflateSync } from 'node:zlib';

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
	let c = n;
	for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
	return c >>> 0;
});

function crc32(buffer: Buffer): number {
	let crc = 0xffffffff;
	for (const byte of buffer) crc = CRC_TABLE[(crc ^ byte) & 0xff] ^ (crc >>> 8);
	return (crc ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
	const length = Buffer.alloc(4);
	length.writeUInt32BE(data.length);
	const typeAndData = Buffer.concat([Buffer.from(type, 'ascii'), data]);
	const crc = Buffer.alloc(4);
	crc.writeUInt32BE(crc32(typeAndData));
	return Buffer.concat([length, typeAndData, crc]);
}

// Large images are for memory benchmarks: a thousand distinct 1 MB images would cost the emulator
// a gigabyte and half a minute of CPU, so eight per size take turns.
const LARGE = new Map<string, Buffer>();

/**
 * A valid RGB PNG. `approxBytes` > 0 makes an incompressible image of about that size (for memory
 * benchmarks; one of eight per size); otherwise a small gradient tinted by `seed`. `alpha` makes it
 * RGBA, fully transparent in its left half (an edit mask).
 */
export function makePng(seed = 0, approxBytes = 0, alpha = false): Buffer {
	if (approxBytes <= 0) return drawPng(seed, 0, alpha);
	const key = `${seed % 8}:${approxBytes}:${alpha}`;
	if (!LARGE.has(key)) LARGE.set(key, drawPng(seed % 8, approxBytes, alpha));
	return LARGE.get(key)!;
}

function drawPng(seed: number, approxBytes: number, alpha: boolean): Buffer {
	const channels = alpha ? 4 : 3;
	const side = approxBytes > 0 ? Math.ceil(Math.sqrt(approxBytes / channels)) : 64;
	const rowLength = 1 + side * channels;
	const raw = Buffer.alloc(rowLength * side);
	let state = (seed * 2654435761) >>> 0 || 1;
	for (let y = 0; y < side; y++) {
		raw[y * rowLength] = 0;
		for (let x = 0; x < side; x++) {
			const offset = y * rowLength + 1 + x * channels;
			if (alpha) raw[offset + 3] = x < side / 2 ? 0 : 255;
			if (approxBytes > 0) {
				state ^= state << 13;
				state ^= state >>> 17;
				state ^= state << 5;
				raw.writeUIntBE((state >>> 0) & 0xffffff, offset, 3);
			} else {
				raw[offset] = (x * 4 + seed * 37) & 0xff;
				raw[offset + 1] = (y * 4) & 0xff;
				raw[offset + 2] = (seed * 91) & 0xff;
			}
		}
	}
	const header = Buffer.alloc(13);
	header.writeUInt32BE(side, 0);
	header.writeUInt32BE(side, 4);
	header[8] = 8; // bit depth
	header[9] = alpha ? 6 : 2; // colour type: RGBA or RGB
	return Buffer.concat([
		Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
		chunk('IHDR', header),
		chunk('IDAT', deflateSync(raw, { level: approxBytes > 0 ? 0 : 6 })),
		chunk('IEND', Buffer.alloc(0)),
	]);
}
