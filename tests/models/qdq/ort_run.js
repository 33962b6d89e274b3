// SPDX-License-Identifier: MIT
/*
 * Run one ONNX model with ONNX Runtime (onnxruntime-node, CPU execution
 * provider, all graph optimizations) on a raw little-endian float32 input;
 * write its first output the same way. gen_qdq.py calls it.
 *
 *   node ort_run.js NODE_MODULES_DIR MODEL.onnx IN.f32 D0,D1,... OUT.f32
 */
'use strict';
const fs = require('fs');
const path = require('path');

async function main() {
	const [modDir, model, inPath, shapeArg, outPath] = process.argv.slice(2);
	if (!outPath) {
		console.error('usage: node ort_run.js NODE_MODULES_DIR MODEL.onnx IN.f32 D0,D1,... OUT.f32');
		process.exit(2);
	}
	const ort = require(path.resolve(modDir, 'onnxruntime-node'));
	const sess = await ort.InferenceSession.create(model, {
		executionProviders: ['cpu'],
		intraOpNumThreads: 1,
		graphOptimizationLevel: 'all',
	});
	const buf = fs.readFileSync(inPath);
	const data = new Float32Array(buf.buffer, buf.byteOffset, buf.length / 4);
	const shape = shapeArg.split(',').map((d) => parseInt(d, 10));
	const out = await sess.run({ [sess.inputNames[0]]: new ort.Tensor('float32', data, shape) });
	const y = out[sess.outputNames[0]];
	fs.writeFileSync(outPath, Buffer.from(y.data.buffer, y.data.byteOffset, y.data.byteLength));
	const version = require(path.resolve(modDir, 'onnxruntime-node/package.json')).version;
	console.error(`ort_run: onnxruntime-node ${version}: ${model} [${shape}] -> [${y.dims}]`);
}

main().catch((e) => {
	console.error(`ort_run: ${e && e.message ? e.message : e}`);
	process.exit(1);
});
