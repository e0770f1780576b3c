/**
 * The measurement behind `backend.threads: 'auto'` (@makemore/run's `chooseThreads`): training steps of
 * models across sizes on repaired wasm with 1 and with 2 threads, beside the rule's estimate of each step's
 * multiply-adds, so that the threshold between "a second thread hurts" and "it helps" can be read off.
 *
 * The thread count is fixed when the wasm backend loads (2 threads load tfjs's threaded build), so each
 * side is a child process that times every model in turn. The sides alternate (1, 2, then 2, 1, …) so the
 * shared host's drift hits both alike; each keeps its best ms/step over the rounds.
 *
 *   npx tsx bench/threads-auto.mts [--rounds 3] [--steps 8] [--only a,b]
 *
 * Needs the packages built (`pnpm build`); resolves them from the CLI, as the other scripts here do.
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { RunSpec, RunSpecInput } from '../packages/run/src/index';
import { backend, models, numberFlag, tf, trainer } from './cli-packages.mts';

const req = createRequire(fileURLToPath(new URL('../apps/cli/package.json', import.meta.url)));
const run = req('@makemore/run') as typeof import('../packages/run/src/index');
const { Rng } = req('@makemore/random') as typeof import('../packages/random/src/index');

/** The models timed: run-spec inputs, smallest work first. `vocab` is what prepareRun would set. */
const CASES: { name: string; vocab: number; input: RunSpecInput }[] = [
  { name: 'lecture MLP (names)', vocab: 27, input: { model: { type: 'mlp' } } },
  { name: 'GRU (names)', vocab: 27, input: { model: { type: 'gru', blockSize: 16 } } },
  {
    name: 'transformer 4L/64, block 16, batch 32 (names)',
    vocab: 27,
    input: { model: { type: 'transformer', blockSize: 16 } },
  },
  {
    name: 'transformer 4L/64, block 24, batch 32',
    vocab: 65,
    input: { data: { dataset: 'shakespeare' }, model: { type: 'transformer', blockSize: 24 } },
  },
  {
    name: 'transformer 4L/64, block 32, batch 32',
    vocab: 65,
    input: { data: { dataset: 'shakespeare' }, model: { type: 'transformer', blockSize: 32 } },
  },
  {
    name: 'transformer 4L/96, block 32, batch 24',
    vocab: 65,
    input: {
      data: { dataset: 'shakespeare' },
      model: { type: 'transformer', blockSize: 32, nEmbd: 96 },
      training: { batchSize: 24 },
    },
  },
  {
    name: 'transformer 4L/64, block 64, batch 32',
    vocab: 65,
    input: { data: { dataset: 'shakespeare' }, model: { type: 'transformer', blockSize: 64 } },
  },
  {
    name: 'baby GPT 4L/128, block 64, batch 12',
    vocab: 65,
    input: { recipe: 'nanogpt-baby' } as RunSpecInput,
  },
  {
    name: 'GPT 6L/192, block 64, batch 16',
    vocab: 65,
    input: {
      recipe: 'nanogpt-baby',
      model: { nLayer: 6, nHead: 6, nEmbd: 192 },
      training: { batchSize: 16 },
    } as RunSpecInput,
  },
  {
    name: 'GPT 6L/256, block 128, batch 8',
    vocab: 65,
    input: {
      recipe: 'nanogpt-baby',
      model: { nLayer: 6, nHead: 8, nEmbd: 256, blockSize: 128 },
      training: { batchSize: 8 },
    } as RunSpecInput,
  },
];

const flag = (name: string): string | undefined => {
  const argv = process.argv.slice(2);
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
};
const only = flag('only')?.split(',');
const cases = only ? CASES.filter((_, i) => only.includes(String(i))) : CASES;

/** The resolved spec of a case (a recipe name goes through getRecipe, as --preset does). */
function specOf(input: RunSpecInput & { recipe?: string }): RunSpec {
  const { recipe, ...rest } = input;
  return recipe ? run.recipeSpec(recipe, rest) : run.resolveRunSpec(rest);
}

if (process.argv.includes('--child')) {
  // One side: every case on `--threads` threads, JSON lines of ms/step.
  const threads = numberFlag('threads', 1);
  const steps = numberFlag('steps', 8);
  await backend.useBestBackend({ prefer: 'wasm', threads, onNotice: () => {} });
  for (const c of cases) {
    const spec = specOf(c.input);
    const config = { ...spec.model, vocabSize: c.vocab } as unknown as Parameters<
      typeof models.createModel
    >[0];
    const model = models.createModel(config) as import('../packages/models/src/index').LanguageModel;
    const optimizer = trainer.createOptimizer(model.parameters(), {
      type: spec.optimizer.type,
      lr: spec.optimizer.lr,
    } as Parameters<typeof trainer.createOptimizer>[1]);
    const rng = new Rng(7);
    const window = model.inputKind === 'window';
    const T = config.blockSize as number;
    const B = spec.training.batchSize;
    const x = tf.tensor2d(
      Int32Array.from({ length: B * T }, () => rng.int(c.vocab)),
      [B, T],
      'int32',
    );
    const y = window
      ? tf.tensor1d(
          Int32Array.from({ length: B }, () => rng.int(c.vocab)),
          'int32',
        )
      : tf.tensor2d(
          Int32Array.from({ length: B * T }, () => rng.int(c.vocab)),
          [B, T],
          'int32',
        );
    const options = spec.training.gradClip > 0 ? { gradClip: spec.training.gradClip } : {};
    // Small steps need more of them to time and to warm V8 up.
    const reps = spec.model.type === 'mlp' ? steps * 40 : spec.model.type === 'gru' ? steps * 4 : steps;
    for (let i = 0; i < Math.max(3, reps >> 2); i++)
      await trainer.trainStep(model, optimizer, { x, y }, options);
    const start = performance.now();
    for (let i = 0; i < reps; i++) await trainer.trainStep(model, optimizer, { x, y }, options);
    const ms = (performance.now() - start) / reps;
    console.log(JSON.stringify({ name: c.name, ms, multiplyAdds: run.estimatedMultiplyAdds(spec) }));
    tf.dispose([x, y]);
    model.dispose();
    optimizer.dispose?.();
  }
} else {
  const rounds = numberFlag('rounds', 3);
  const best = new Map<string, { 1: number; 2: number; multiplyAdds: number }>();
  const script = fileURLToPath(import.meta.url);
  const passOn = process.argv.slice(2);
  for (let round = 0; round < rounds; round++) {
    for (const threads of round % 2 === 0 ? [1, 2] : [2, 1]) {
      const child = spawnSync(
        process.execPath,
        [...process.execArgv, script, '--child', '--threads', String(threads), ...passOn],
        { encoding: 'utf8', maxBuffer: 1 << 24 },
      );
      if (child.status !== 0) throw new Error(`child (${threads} threads) failed: ${child.stderr}`);
      for (const line of child.stdout.split('\n')) {
        if (!line.startsWith('{')) continue;
        const r = JSON.parse(line) as { name: string; ms: number; multiplyAdds: number };
        const entry = best.get(r.name) ?? { 1: Infinity, 2: Infinity, multiplyAdds: r.multiplyAdds };
        entry[threads as 1 | 2] = Math.min(entry[threads as 1 | 2], r.ms);
        best.set(r.name, entry);
      }
      process.stderr.write(`round ${round + 1}/${rounds}, ${threads} thread(s) done\n`);
    }
  }
  console.log(`best of ${rounds} rounds per side, sides alternating; ${new Date().toISOString()}`);
  console.log(
    `| model | est. multiply-adds/step | 1 thread ms/step | 2 threads ms/step | 1t ÷ 2t | 'auto' on 2 cores (threshold ${run.AUTO_THREADS_MIN_MULTIPLY_ADDS.toExponential(1)}) |`,
  );
  console.log('|---|---|---|---|---|---|');
  for (const c of cases) {
    const r = best.get(c.name);
    if (!r) continue;
    const auto = run.chooseThreads(specOf(c.input), 2).threads;
    console.log(
      `| ${c.name} | ${(r.multiplyAdds / 1e6).toFixed(0)} M | ${r[1].toFixed(2)} | ${r[2].toFixed(2)} | ${(r[1] / r[2]).toFixed(2)}× | ${auto} |`,
    );
  }
}
