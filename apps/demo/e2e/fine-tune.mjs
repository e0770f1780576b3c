// The Node side of the demo's fine-tune check: the loss of a run's first step when it starts from given
// Hugging Face GPT-2 weights, and when the same spec starts from a fresh initialisation instead. The first
// step's loss is measured before any update, so it is the starting weights' loss on the run's first batch:
// the demo's first fine-tune loss must equal `init` and differ from `fresh` (a run that forgot to load
// the weights would show `fresh`). Both come from @makemore/run's prepareRun on the deterministic cpu
// backend, in this process.
import { readFileSync } from 'node:fs';

/**
 * `{ init, fresh }`: the first-step losses of `spec` (a settled spec with `initFrom`, as the demo's worker
 * ran it) from the tiny GPT-2 in `files` (`{ weights, config }` of writeTinyGpt2) and from a fresh model.
 */
export async function fineTuneReference(spec, files, { dataDir }) {
  const { useBestBackend } = await import('@makemore/backend/node');
  const { loadDataset } = await import('@makemore/datasets/node');
  const { hfGpt2FromSafetensors } = await import('@makemore/models');
  const { prepareRun, resolveRunSpec } = await import('@makemore/run');
  const { getEncoding } = await import('@makemore/tokenizers');
  const { train } = await import('@makemore/trainer');
  const tf = await import('@tensorflow/tfjs-core');
  await useBestBackend({ prefer: 'cpu', onNotice: () => {} });

  // One step, and one batch for the evaluation that follows it (which does not change the step's loss).
  const settled = resolveRunSpec(spec);
  const short = {
    ...settled,
    training: { ...settled.training, steps: 1 },
    eval: { ...settled.eval, iters: 1 },
  };
  const dataset = await loadDataset(settled.data.dataset, dataDir ? { dataDir } : {});
  const tokenizer = await getEncoding('r50k_base');
  const converted = hfGpt2FromSafetensors(
    new Uint8Array(readFileSync(files.weights)),
    JSON.parse(readFileSync(files.config, 'utf8')),
  );

  /** The loss of the first step of the short spec prepared with `options`. */
  async function firstLoss(options) {
    const run = prepareRun(short, dataset, options);
    try {
      const job = train(run.trainOptions({ steps: 1 }));
      let loss = Number.NaN;
      job.on('step', (e) => {
        if (e.step === 1) loss = e.loss;
      });
      await job.result;
      return loss;
    } finally {
      run.dispose();
    }
  }

  const weights = Object.fromEntries(
    Object.entries(converted.weights).map(([k, t]) => [k, tf.tensor(t.data, t.shape, 'float32')]),
  );
  try {
    const init = await firstLoss({
      init: { from: settled.initFrom, model: converted.config, tokenizer, weights },
    });
    const fresh = await firstLoss({ tokenizer });
    return { init, fresh };
  } finally {
    tf.dispose(Object.values(weights));
  }
}
