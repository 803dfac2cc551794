// Preloaded into `n8n execute` (NODE_OPTIONS=--require) by the memory part of bench/run.ts: samples
// the process's memory every 20 ms and, on exit, writes to $MEMORY_TRACE_OUT what it was made of
// when RSS peaked, so the bench can say whether a growth is JS heap or buffers outside it.
const fs = require('fs');

let peak;
const timer = setInterval(() => {
	const usage = process.memoryUsage();
	if (!peak || usage.rss > peak.rss) peak = usage;
}, 20);
timer.unref();
process.on('exit', () => {
	if (process.env.MEMORY_TRACE_OUT && peak) fs.writeFileSync(process.env.MEMORY_TRACE_OUT, JSON.stringify(peak));
});
