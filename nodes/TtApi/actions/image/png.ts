/** What the edit checks of a PNG: its size in pixels, and whether it can hold transparent areas. */
interface PngInfo {
	width: number;
	height: number;
	/** An alpha channel (colour types 4 and 6) or a tRNS chunk before the image data. */
	transparency: boolean;
}

export function pngInfo(png: Buffer): PngInfo | undefined {
	if (png.length < 33 || png.toString('latin1', 12, 16) !== 'IHDR') return undefined;
	const info = { width: png.readUInt32BE(16), height: png.readUInt32BE(20), transparency: [4, 6].includes(png[25]) };
	for (let offset = 33; !info.transparency && offset + 8 <= png.length; ) {
		const type = png.toString('latin1', offset + 4, offset + 8);
		if (type === 'tRNS') info.transparency = true;
		if (type === 'IDAT' || type === 'IEND') break;
		offset += 12 + png.readUInt32BE(offset);
	}
	return info;
}
