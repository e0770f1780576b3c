/**
 * `makemore bench`: training speed on the active backend for three reference models, with a memory check.
 * - gpt: nanoGPT's "baby GPT" (4 layers, 4 heads, n_embd 128, block 64, batch 12, vocab 65), AdamW; ms/step.
 * - transformer: makemore's default transformer on names (4 layers, 4 heads, n_embd 64, block 16, batch 32,
 *   vocab 27), AdamW; ms/step.
 * - mlp: the lecture MLP (block 3, embedding 10, hidden 200, batch 32, vocab 27), SGD; steps/s.
 * Batches are seeded random token ids, so no dataset is needed and every backend sees the same work.
 * The check: the live tensor count must not grow, and RSS must stay flat between the middle and the end of
 * the timed steps (growth above max(64 MB, 25 %) fails). A failed check exits with code 1.
 */
import type { Command } from '../command';
import { CliError } from '../errors';
import { createNetwork } from '../session';
import { table } from '../ui/table';
import { BENCH_BACKEND_FLAGS, selectBenchBackend } from '../webgpu';
import { BENCH_SPECS as SPECS, randomTokenBatch } from './bench-specs';

const MB = 1024 * 1024;

export const benchCommand: Command = {
  name: 'bench',
  summary: 'Measure training speed (ms/step, steps/s) on this machine, with a memory-leak check',
  usage: 'bench [options]',
  details: SPECS.map((s) => `${s.name.padEnd(12)} ${s.description}`).join('\n'),
  flags: [
    {
      name: 'only',
      type: 'string',
      placeholder: '<names>',
      description: `comma-separated subset of: ${SPECS.map((s) => s.name).join(', ')}`,
    },
    {
      name: 'steps',
      type: 'int',
      min: 4,
      placeholder: '<n>',
      description: 'timed steps per benchmark (default: per model)',
    },
    {
      name: 'warmup',
      type: 'int',
      min: 0,
      placeholder: '<n>',
      description: 'untimed steps first (default: per model, 3 for the GPT to 300 for the MLP)',
    },
    ...BENCH_BACKEND_FLAGS,
  ],
  examples: [
    ['bench', 'all three on the fastest backend'],
    ['bench --backend cpu --only mlp --json', 'the MLP on the plain-JS backend, as JSON'],
    [
      'bench --backend webgpu --json',
      'on the GPU through Dawn (optional packages webgpu and @tensorflow/tfjs-backend-webgpu)',
    ],
  ],
  interruptible: true,
  async run(args, { out, signal }) {
    let specs = SPECS;
    const only = args.string('only');
    if (only) {
      const names = only.split(',').map((s) => s.trim());
      for (const n of names) {
        if (!SPECS.some((s) => s.name === n)) {
          const { didYouMean } = await import('../suggest');
          throw new CliError(
            `unknown benchmark '${n}'${didYouMean(
              n,
              SPECS.map((s) => s.name),
            )} (one of: ${SPECS.map((s) => s.name).join(', ')})`,
          );
        }
      }
      specs = SPECS.filter((s) => names.includes(s.name));
    }
    const backend = await selectBenchBackend(args, out);
    const [tf, trainer, random] = await Promise.all([
      import('@tensorflow/tfjs-core'),
      import('@makemore/trainer'),
      import('@makemore/random'),
    ]);
    out.info(`backend ${backend.backend}: ${backend.reason}`);
    const rows: (string | number)[][] = [];
    let ok = true;
    for (const spec of specs) {
      if (signal.aborted) break;
      const steps = args.number('steps') ?? spec.steps;
      const warmup = args.number('warmup') ?? spec.warmup;
      const model = await createNetwork(spec.model);
      const optimizer = trainer.createOptimizer(model.parameters(), { type: spec.optimizer, lr: spec.lr });
      const rng = new random.Rng(7);
      const window = model.inputKind === 'window';
      const batch = () => {
        const ids = randomTokenBatch(spec, window, rng);
        return { x: tf.tensor2d(ids.x, ids.xShape, 'int32'), y: tf.tensor(ids.y, ids.yShape, 'int32') };
      };
      const step = async () => {
        const b = batch();
        try {
          await trainer.trainStep(model, optimizer, b, { lr: spec.lr });
        } finally {
          tf.dispose([b.x, b.y]);
        }
      };
      for (let i = 0; i < warmup; i++) await step();
      // One more untimed step, profiled: the kernels tfjs runs per step, what bounds a GPU backend's step.
      const kernelsPerStep = (await tf.profile(step)).kernels.length;
      const tensorsBefore = tf.memory().numTensors;
      const progress = out.progress(spec.name.padEnd(11), steps);
      let rssMid = 0;
      let rssPeak = 0;
      const started = performance.now();
      let done = 0;
      for (let i = 0; i < steps && !signal.aborted; i++) {
        await step();
        done++;
        // memoryUsage.rss() reads only the RSS; memoryUsage() also walks V8's heap spaces (~30 µs, 5 % of an MLP step).
        const rss = process.memoryUsage.rss();
        rssPeak = Math.max(rssPeak, rss);
        if (i === Math.floor(steps / 2)) rssMid = rss;
        progress.update(i + 1, { rate: ((i + 1) * 1000) / (performance.now() - started) });
      }
      const ms = (performance.now() - started) / Math.max(1, done);
      progress.stop();
      const rssEnd = process.memoryUsage.rss();
      const tensorsAfter = tf.memory().numTensors;
      const rssGrowth = rssEnd - rssMid;
      const leak = tensorsAfter > tensorsBefore || rssGrowth > Math.max(64 * MB, 0.25 * rssMid);
      if (leak) ok = false;
      out.json({
        type: 'bench',
        name: spec.name,
        description: spec.description,
        backend: backend.backend,
        params: model.numParams(),
        steps: done,
        msPerStep: ms,
        stepsPerSec: 1000 / ms,
        kernelsPerStep,
        rssMidMB: rssMid / MB,
        rssEndMB: rssEnd / MB,
        rssPeakMB: rssPeak / MB,
        tensorsBefore,
        tensorsAfter,
        leak,
      });
      rows.push([
        spec.name,
        model.numParams(),
        Number(ms.toFixed(2)),
        Number((1000 / ms).toFixed(1)),
        kernelsPerStep,
        `${(rssPeak / MB).toFixed(0)} MB`,
        leak ? 'LEAK' : 'ok',
      ]);
      model.dispose();
      optimizer.dispose?.();
    }
    out.json({ type: 'done', backend: backend.backend, ok });
    out.line('');
    for (const line of table(
      ['benchmark', 'params', 'ms/step', 'steps/s', 'kernels/step', 'peak RSS', 'memory'],
      rows,
      2,
    ))
      out.line(line);
    if (!ok) {
      out.notice(
        'makemore: bench: memory grew during the timed steps (see the memory column); this is a leak',
      );
      return 1;
    }
    return 0;
  },
};
