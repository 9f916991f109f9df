import { runCodecBench } from './codec.bench.js';

/** `npm run bench`: every benchmark, each printed beside its peer. Figures and method: docs/BENCHMARKS.md. */
process.stdout.write(`LopHoc benchmarks · Node ${process.version} · ${new Date().toISOString()}\n`);
runCodecBench();
