import type { Config } from '@jest/types';

import { ensureChromium } from './e2e/chromium';
import { ensureN8n, versions, type Line } from './e2e/install';
import { ensureServicesInstalled } from './reliability/services';

/**
 * Installs what the real-n8n suites share (n8n and Node 24 in .cache/, PostgreSQL 17, redis-server
 * and Chromium) once, before the workers start: two suites installing into one folder at the same
 * moment would corrupt it. A run of only the engine and emulator suites installs nothing.
 */
export default function globalSetup(globalConfig: Config.GlobalConfig): void {
	const pattern = globalConfig.testPathPattern;
	if (pattern && !/e2e|reliability/.test(pattern)) return;
	for (const line of Object.keys(versions.n8n) as Line[]) ensureN8n(line);
	ensureServicesInstalled();
	ensureChromium();
}
