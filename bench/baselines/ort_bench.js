// SPDX-License-Identifier: MIT
/*
 * ONNX Runtime (CPU execution provider) baseline of `make bench`.
 *
 *   node ort_bench.js NODE_MODULES_DIR THREADS BATCHES BUDGET_SEC NAME=MODEL.onnx...
 *
 * NODE_MODULES_DIR holds onnxruntime-node (bench/setup.sh installs it with
 * `npm install --ignore-scripts`). Runs every model at every batch size
 * (comma-separated) with intra-op THREADS threads (comma-separated: each,
 * and the best of them as ort.MODEL.bBATCH) and prints one "BENCH {json}"
 * line per figure: images/s from the median latency.
 */
'use strict';
const path = require('path');

async function timed(fn, budgetSec) {
	await fn();
	await fn();
	const samples = [];
	const start = process.hrtime.bigint();
	while (samples.length < 5 || Number(process.hrtime.bigint() - start) / 1e9 < budgetSec) {
		const t0 = process.hrtime.bigint();
		await fn();
		samples.push(Number(process.hrtime.bigint() - t0) / 1e9);
		if (samples.length >= 100000)
			break;
	}
	samples.sort((a, b) => a - b);
	return [samples[Math.floor(samples.length / 2)], samples.length];
}

async function main() {
	const [modDir, threadsArg, batchesArg, budgetArg, ...models] = process.argv.slice(2);
	if (!modDir || !models.length) {
		console.error('usage: node ort_bench.js NODE_MODULES_DIR THREADS BATCHES BUDGET_SEC NAME=MODEL.onnx...');
		process.exit(2);
	}
	const ort = require(path.resolve(modDir, 'onnxruntime-node'));
	const threadList = threadsArg.split(',').map((t) => parseInt(t, 10));
	const batches = batchesArg.split(',').map((b) => parseInt(b, 10));
	const budget = parseFloat(budgetArg);
	const version = require(path.resolve(modDir, 'onnxruntime-node/package.json')).version;
	const best = {};
	for (const threads of threadList) for (const spec of models) {
		const eq = spec.indexOf('=');
		const name = spec.slice(0, eq), file = spec.slice(eq + 1);
		const sess = await ort.InferenceSession.create(file, {
			executionProviders: ['cpu'],
			intraOpNumThreads: threads,
			interOpNumThreads: 1,
			graphOptimizationLevel: 'all',
		});
		const inName = sess.inputNames[0];
		const meta = sess.inputMetadata ? sess.inputMetadata[0] : null;
		for (const b of batches) {
			/* the input shape: the model's, batch dim replaced */
			let shape = meta && meta.shape ? meta.shape.map((d, i) => (i === 0 ? b : d)) : null;
			if (!shape || shape.some((d) => typeof d !== 'number'))
				shape = name.startsWith('mlp') ? [b, 784] : [b, 1, 28, 28];
			const n = shape.reduce((x, y) => x * y, 1);
			const data = new Float32Array(n);
			for (let i = 0; i < n; i++)
				data[i] = ((i * 2654435761) % 1000) / 1000;
			const feeds = { [inName]: new ort.Tensor('float32', data, shape) };
			const [t, reps] = await timed(() => sess.run(feeds), budget);
			const r = { name: `ort.${name}.b${b}.t${threads}`, value: b / t, unit: 'images/s',
				latency_ms: t * 1e3, n: reps, threads, ort: version };
			console.log('BENCH ' + JSON.stringify(r));
			const key = `ort.${name}.b${b}`;
			if (!best[key] || r.value > best[key].value)
				best[key] = Object.assign({}, r, { name: key, best_of_threads: threadList });
		}
	}
	for (const r of Object.values(best))
		console.log('BENCH ' + JSON.stringify(r));
}

main().catch((e) => {
	console.error(`ort_bench: ${e && e.message ? e.message : e}`);
	process.exit(1);
});
