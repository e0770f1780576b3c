import { serveStatic } from './e2e/server.mjs';
import { checkWebGpuTraining } from './e2e/webgpu.mjs';
const server = await serveStatic(new URL('./dist', import.meta.url).pathname);
const t0 = Date.now();
const problems = await checkWebGpuTraining({ serverUrl: server.url, log: (m) => console.log(((Date.now()-t0)/1000).toFixed(1), m), executablePath: '/usr/bin/chromium', only: process.argv[2] ?? '' });
console.log(problems);
await server.close();
