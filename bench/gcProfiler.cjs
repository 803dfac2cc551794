// Preloaded into n8n (NODE_OPTIONS=--require) by bench/callbackCost.ts: on SIGUSR2 it writes what
// V8's GC profiler saw since the last signal to $GC_OUT.<time>, and starts again.
const v8 = require('v8');
const fs = require('fs');

let profiler = new v8.GCProfiler();
profiler.start();
process.on('SIGUSR2', () => {
	const result = profiler.stop();
	if (process.env.GC_OUT) fs.writeFileSync(`${process.env.GC_OUT}.${Date.now()}`, JSON.stringify(result));
	profiler = new v8.GCProfiler();
	profiler.start();
});
