// Writes a small transformer checkpoint in the CLI's format (config.json + model.safetensors) for the
// import test. It prefers the built CLI (`makemore train`), then @makemore/models' Node `saveModel`, then
// `serializeSafetensors` from the browser-safe core; it returns which one wrote the files.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const MODEL = { type: 'transformer', nLayer: 2, nHead: 2, nEmbd: 16, blockSize: 16, seed: 7 };

/** Finds config.json + model.safetensors in `dir` or its best/ or last/ slot; copies nothing. */
function findCheckpoint(dir) {
  for (const d of [dir, join(dir, 'last'), join(dir, 'best')]) {
    if (existsSync(join(d, 'config.json')) && existsSync(join(d, 'model.safetensors'))) return d;
  }
  return null;
}

function viaCli(dir, repoRoot, dataDir) {
  const bin = join(repoRoot, 'apps/cli/dist/bin.js');
  if (!existsSync(bin)) return null;
  const args = [
    bin,
    'train',
    '--dataset',
    'names',
    '--model',
    'transformer',
    '--n-layer',
    '2',
    '--n-head',
    '2',
    '--n-embd',
    '16',
    '--steps',
    '20',
    '--eval-every',
    '20',
    '--eval-iters',
    '2',
    '--batch-size',
    '16',
    '--backend',
    'wasm',
    '--out',
    dir,
    '--quiet',
  ];
  const r = spawnSync(process.execPath, args, {
    encoding: 'utf8',
    env: { ...process.env, ...(dataDir ? { MAKEMORE_DATA_DIR: dataDir } : {}) },
    timeout: 90_000,
  });
  if (r.status !== 0) {
    console.log(
      `  (the CLI could not write a checkpoint, exit ${r.status}: ${(r.stderr || r.stdout).trim().split('\n').at(-1)})`,
    );
    return null;
  }
  return findCheckpoint(dir);
}

async function charTokenizer(dataDir) {
  const { CharTokenizer } = await import('@makemore/tokenizers');
  const names = readFileSync(join(dataDir, 'names.txt'), 'utf8').split('\n').filter(Boolean);
  return CharTokenizer.fromText(names.join(''), { specialTokens: ['.'] });
}

async function viaPackages(dir, dataDir) {
  const { useBestBackend } = await import('@makemore/backend/node');
  await useBestBackend({ prefer: 'cpu', onNotice: () => {} });
  const models = await import('@makemore/models');
  const tokenizer = await charTokenizer(dataDir);
  const model = models.createModel({ ...MODEL, vocabSize: tokenizer.vocabSize });
  const extra = {
    tokenizer: tokenizer.toJSON(),
    dataset: { name: 'names', kind: 'words', seed: 42 },
    step: 0,
  };
  let how;
  try {
    const node = await import('@makemore/models/node');
    await node.saveModel(model, dir);
    how = "@makemore/models/node's saveModel";
  } catch {
    writeFileSync(join(dir, 'model.safetensors'), models.serializeSafetensors(model.stateDict()));
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ model: model.config }));
    how = "@makemore/models' serializeSafetensors";
  }
  // The CLI's config.json also carries the tokenizer and the dataset; add them if saveModel did not.
  const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
  writeFileSync(
    join(dir, 'config.json'),
    JSON.stringify({ ...extra, ...config, model: config.model ?? model.config }, null, 2),
  );
  model.dispose();
  return how;
}

/** Writes the checkpoint into `dir` (config.json + model.safetensors at its top level). */
export async function makeCheckpoint(dir, { repoRoot, dataDir }) {
  const found = viaCli(dir, repoRoot, dataDir);
  if (found) {
    if (found !== dir) {
      for (const f of ['config.json', 'model.safetensors'])
        writeFileSync(join(dir, f), readFileSync(join(found, f)));
    }
    return 'the makemore CLI';
  }
  return viaPackages(dir, dataDir);
}

/**
 * Checks a checkpoint folder (files in `<dir>/last/`) with the built CLI's `sample`; returns its samples,
 * or null when the CLI is not built.
 */
export function sampleWithCli(dir, { repoRoot, dataDir }) {
  const bin = join(repoRoot, 'apps/cli/dist/bin.js');
  if (!existsSync(bin)) return null;
  const r = spawnSync(
    process.execPath,
    [bin, 'sample', '--checkpoint', dir, '--n', '5', '--seed', '1', '--backend', 'wasm'],
    {
      encoding: 'utf8',
      env: { ...process.env, ...(dataDir ? { MAKEMORE_DATA_DIR: dataDir } : {}) },
      timeout: 60_000,
    },
  );
  if (r.status !== 0)
    throw new Error(`makemore sample failed (exit ${r.status}): ${(r.stderr || r.stdout).trim()}`);
  return r.stdout;
}
