// Preloaded into n8n (NODE_OPTIONS=--require) by bench/jobCost.ts: the first SIGUSR2 starts V8's
// sampling heap profiler, counting objects already collected too (so it sees all that was allocated,
// not only what survived); the next writes the profile to $HEAP_OUT.<time> and stops.
const inspector = require('inspector');
const fs = require('fs');

const session = new inspector.Session();
session.connect();
let sampling = false;
process.on('SIGUSR2', () => {
	const report = (error) => error && console.error('heapSampler:', error.message);
	if (!sampling) {
		sampling = true;
		const options = { samplingInterval: 16384, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true };
		session.post('HeapProfiler.enable', () => session.post('HeapProfiler.startSampling', options, report));
		return;
	}
	sampling = false;
	session.post('HeapProfiler.stopSampling', (error, result) => {
		report(error);
		if (result && process.env.HEAP_OUT) fs.writeFileSync(`${process.env.HEAP_OUT}.${Date.now()}`, JSON.stringify(result.profile));
	});
});
