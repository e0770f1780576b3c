/**
 * Writes files with our torch writers for `make_torch_fixtures.py --check DIR` to load in PyTorch:
 *   ours-ckpt.pt   fixtures/torch/nanogpt-ckpt.pt read by our reader, rebuilt by buildNanoGptCheckpoint,
 *                  written by writeTorchCheckpoint
 *   ours-meta.pkl  charMetaPickle of a small vocabulary
 * Run: npx tsx scripts/write-torch-samples.ts <dir>
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  buildNanoGptCheckpoint,
  charMetaPickle,
  parseNanoGptCheckpoint,
  readTorchCheckpoint,
  writeTorchCheckpoint,
} from '../src/torch';

const dir = process.argv[2];
if (!dir) throw new Error('usage: tsx scripts/write-torch-samples.ts <dir>');
mkdirSync(dir, { recursive: true });
const fixture = fileURLToPath(new URL('../fixtures/torch/nanogpt-ckpt.pt', import.meta.url));
const ckpt = parseNanoGptCheckpoint(readTorchCheckpoint(new Uint8Array(readFileSync(fixture))));
const { checkpoint } = buildNanoGptCheckpoint({
  config: ckpt.config,
  weights: Object.fromEntries(
    Object.entries(ckpt.weights).map(([k, t]) => [k, { shape: t.shape, data: t.data as Float32Array }]),
  ),
  iterNum: ckpt.iterNum,
  bestValLoss: ckpt.bestValLoss,
  ...(ckpt.optimizer ? { optimizer: ckpt.optimizer } : {}),
  trainConfig: ckpt.trainConfig,
});
writeFileSync(join(dir, 'ours-ckpt.pt'), writeTorchCheckpoint(checkpoint, { archiveName: 'ckpt' }));
writeFileSync(join(dir, 'ours-meta.pkl'), charMetaPickle(['\n', ' ', '!', 'a', 'b', 'é']));
console.log(`wrote ours-ckpt.pt and ours-meta.pkl to ${dir}`);
