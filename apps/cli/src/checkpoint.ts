/**
 * Opening what `makemore train` wrote: a folder with `best/` and `last/` checkpoints (the trainer's
 * Checkpointer layout). Every failure names the file and what is wrong with it.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { LanguageModel } from '@makemore/models';
import type { TrainingData, TrainingSnapshot } from '@makemore/trainer';
import { isBigramDir, openBigram } from './commands/bigram';
import { CliError, oneLine } from './errors';
import { type CliData, prepareForCli, probeText, runApi } from './run-spec';
import { type CliTokenizer, createNetwork, tokenizerFromSaved } from './session';

/**
 * Loads the `slot` snapshot of a checkpoint folder, or throws a CliError naming the problem. When it
 * reads another slot than asked for (or the `.old` copy a killed save kept), `notice` is told which.
 */
export async function openCheckpoint(
  dir: string,
  slot: 'best' | 'last',
  notice?: (line: string) => void,
): Promise<TrainingSnapshot> {
  if (!existsSync(dir)) throw new CliError(`checkpoint folder not found: ${dir}`);
  if (!statSync(dir).isDirectory())
    throw new CliError(`checkpoint ${dir} is a file; pass the folder makemore train wrote`);
  const { Checkpointer } = await import('@makemore/trainer/node');
  const checkpointer = new Checkpointer(dir);
  const slots: ('best' | 'last')[] = slot === 'best' ? ['best', 'last'] : ['last', 'best'];
  const present = slots.filter((s) => existsSync(join(dir, s)) || existsSync(join(dir, `.${s}.old`)));
  if (present.length === 0) {
    throw new CliError(
      `${dir} holds no checkpoint (no best/ or last/ folder); train with --out ${dir} first`,
    );
  }
  const chosen = present[0]!;
  const folder = existsSync(join(dir, chosen)) ? join(dir, chosen) : join(dir, `.${chosen}.old`);
  const config = join(folder, 'config.json');
  if (!existsSync(config)) throw new CliError(`checkpoint file missing: ${config}`);
  let snapshot: TrainingSnapshot;
  try {
    snapshot = await checkpointer.load(chosen);
  } catch (error) {
    throw new CliError(`corrupt checkpoint in ${folder}: ${oneLine(error)}`, { cause: error });
  }
  const loadedFrom = checkpointer.loaded?.folder ?? folder;
  if (chosen !== slot || loadedFrom !== join(dir, slot)) {
    notice?.(
      `makemore: note: there is no ${slot}/ checkpoint in ${dir}; using ${loadedFrom} (step ${snapshot.step})`,
    );
  }
  return snapshot;
}

/** Throws a CliError when a checkpoint's tokenizer and model disagree on the vocabulary size. */
export function checkVocabAgrees(
  tokenizer: { vocabSize: number },
  model: { vocabSize: number },
  where: string,
): void {
  if (tokenizer.vocabSize !== model.vocabSize) {
    throw new CliError(
      `checkpoint ${where} does not fit together: its tokenizer has ${tokenizer.vocabSize} tokens but its model has a vocabulary of ${model.vocabSize}; its config.json was edited or mixed from two runs, retrain or restore it`,
    );
  }
}

/** A checkpoint opened for sampling or evaluation. */
export interface OpenedRun {
  dir: string;
  slot: 'best' | 'last';
  step: number;
  model: LanguageModel;
  tokenizer: CliTokenizer;
  kind: 'words' | 'text' | 'documents';
  datasetName: string;
  /** The run spec the checkpoint records (undefined for checkpoints not written from a spec). */
  spec?: import('@makemore/run').RunSpec;
  /** The same batches the run trained and evaluated on (when asked for). */
  data?: TrainingData;
  /** Characters per token on the held-out text, for bits per character (1 for char tokenizers). */
  charsPerToken: number;
  /** The run's word splits, or undefined when the dataset is not available. */
  wordSplits(): Promise<{ train: string[]; dev: string[]; test: string[] } | undefined>;
}

/**
 * Rebuilds a run's model, tokenizer and (optionally) its data splits from a checkpoint folder. The splits
 * come from the run spec the checkpoint recorded, through the same `prepareSource` that trained it.
 */
export async function openRun(
  dir: string,
  slot: 'best' | 'last',
  options: { dataDir?: string; env: Record<string, string | undefined>; needData: boolean },
): Promise<OpenedRun> {
  const run = await runApi();
  const snapshot = await openCheckpoint(dir, slot);
  const where = join(dir, slot, 'config.json');
  const spec = run.specOfSnapshot(snapshot);
  const tokenizer = await tokenizerFromSaved(snapshot.tokenizer, where);
  try {
    checkVocabAgrees(tokenizer, snapshot.model, join(dir, slot));
  } catch (error) {
    const { dispose } = await import('@tensorflow/tfjs-core');
    dispose([...Object.values(snapshot.weights), ...Object.values(snapshot.optimizer?.tensors ?? {})]);
    throw error;
  }
  let model: LanguageModel;
  try {
    model = await createNetwork(snapshot.model);
    model.loadStateDict(snapshot.weights);
  } catch (error) {
    throw new CliError(`corrupt checkpoint ${join(dir, slot)}: ${oneLine(error)}`, { cause: error });
  } finally {
    const { dispose } = await import('@tensorflow/tfjs-core');
    dispose(Object.values(snapshot.weights));
    dispose(Object.values(snapshot.optimizer?.tensors ?? {}));
  }
  model.setTraining(false);
  const recordedKind = spec?.data.kind !== 'auto' ? spec?.data.kind : undefined;
  const kind = recordedKind ?? (snapshot.dataset?.kind as 'words' | 'text' | undefined) ?? 'text';
  let source: import('@makemore/run').PreparedSource | undefined;
  const loadSource = async () => {
    if (!spec)
      throw new CliError(`${where} does not record its run spec; it was not written by makemore train`);
    if (!source) {
      const found = await prepareForCli(spec, 'source', {
        dataDir: options.dataDir,
        env: options.env,
        tokenizer,
        where,
        failure: where,
      });
      source = found.prepared;
      cliData = found.data;
    }
    return source;
  };
  let cliData: CliData | undefined;
  let data: TrainingData | undefined;
  let charsPerToken = 1;
  if (options.needData) {
    const s = await loadSource();
    data = run.buildTrainingData(s, model.inputKind, model.blockSize);
    if (s.splits.kind !== 'words' && cliData) {
      const probe =
        s.splits.kind === 'text' ? (s.splits.text.val ?? '').slice(-100_000) : await probeText(s, cliData);
      if (probe.length > 0) charsPerToken = probe.length / Math.max(1, tokenizer.encode(probe).length);
    }
  }
  return {
    dir,
    slot,
    step: snapshot.step,
    model,
    tokenizer,
    kind,
    datasetName: spec?.data.dataset ?? 'unknown',
    ...(spec ? { spec } : {}),
    ...(data ? { data } : {}),
    charsPerToken,
    async wordSplits() {
      if (kind !== 'words') return undefined;
      try {
        const s = await loadSource();
        if (s.splits.kind !== 'words') return undefined;
        const w = s.splits.words;
        return { train: w.train ?? [], dev: w.dev ?? [], test: w.test ?? [] };
      } catch {
        return undefined;
      }
    },
  };
}

/** A tokenizer from a tokenizer file (.json, .model, .tiktoken) or from a checkpoint folder. */
export async function loadTokenizerFrom(path: string): Promise<CliTokenizer> {
  if (!existsSync(path)) throw new CliError(`tokenizer not found: ${path}`);
  if (statSync(path).isDirectory()) {
    if (isBigramDir(path)) return (await openBigram(path, { env: {} })).tokenizer;
    const { Checkpointer } = await import('@makemore/trainer/node');
    const checkpointer = new Checkpointer(path);
    const slot = (await checkpointer.has('best')) ? 'best' : 'last';
    let config: { tokenizer?: unknown };
    try {
      config = await checkpointer.readConfig(slot);
    } catch (error) {
      throw new CliError(`cannot read the checkpoint in ${path}: ${oneLine(error)}`, { cause: error });
    }
    return tokenizerFromSaved(config.tokenizer, join(path, slot, 'config.json'));
  }
  const { loadTokenizerFile } = await import('@makemore/tokenizers/node');
  try {
    return (await loadTokenizerFile(path)) as CliTokenizer;
  } catch (error) {
    throw new CliError(`cannot read tokenizer ${path}: ${oneLine(error)}`, { cause: error });
  }
}
