/**
 * The pieces `train`, `sample`, `eval`, `lr-find` and `bench` share: choosing the tensor backend,
 * restoring a saved tokenizer, and sampling. They only wire the @makemore packages together; how a run is
 * built lives in @makemore/run.
 */
import type { BigramCounts, LanguageModel, ModelConfig } from '@makemore/models';
import type { RunTokenizer } from '@makemore/run';
import { Args } from './args';
import { CliError, oneLine } from './errors';
import type { Output } from './ui/output';

/** A tokenizer as the CLI uses it (both @makemore/tokenizers kinds fit). */
export type CliTokenizer = RunTokenizer;

/** Builds a TensorFlow.js model from its config (every type but the `bigram` count table). */
export async function createNetwork(config: ModelConfig): Promise<LanguageModel> {
  const models = await import('@makemore/models');
  const model = models.createModel(config);
  if (model instanceof models.BigramCounts) {
    throw new CliError(
      'the bigram count table is not a trained network; use it with makemore train --model bigram',
    );
  }
  return model;
}

/** Which backend to use: from `--backend`/`--threads`, or from a run spec (`verbose` from `--verbose`). */
export type BackendRequest =
  | Args
  | { backend: string; threads?: number; explicitThreads?: boolean; verbose?: boolean };

/**
 * Makes the requested (or fastest) tensor backend active. The notice that a faster optional backend
 * (tfjs-node) is not installed is printed on stderr only with `--verbose`: nothing is wrong when it is
 * missing, and a backend the user asked for by name fails with its own error instead.
 */
export async function selectBackend(
  request: BackendRequest,
  out: Output,
): Promise<{ backend: string; reason: string }> {
  const { useBestBackend } = await import('@makemore/backend/node');
  // TensorFlow.js's own console advice (the cpu backend's "install tfjs-node" banner) is the CLI's to give:
  // in its words, with --verbose only (above). Production mode silences tfjs's warnings and nothing else.
  (await import('@tensorflow/tfjs-core')).enableProdMode();
  const prefer = request instanceof Args ? (request.string('backend') ?? 'auto') : request.backend;
  const threads = request instanceof Args ? request.number('threads') : request.threads;
  const verbose = request instanceof Args ? request.bool('verbose') : request.verbose === true;
  try {
    const choice = await useBestBackend({
      prefer,
      ...(threads !== undefined ? { threads } : {}),
      onNotice: (message: string) => {
        if (verbose) out.notice(`makemore: note: ${oneLine(message)}`);
      },
    });
    return { backend: choice.backend, reason: choice.reason };
  } catch (error) {
    throw new CliError(
      `cannot use --backend ${prefer}: ${oneLine(error)} (use --backend auto to fall back)`,
      {
        cause: error,
      },
    );
  }
}

/** Restores a tokenizer saved in a checkpoint. */
export async function tokenizerFromSaved(json: unknown, where: string): Promise<CliTokenizer> {
  const tk = await import('@makemore/tokenizers');
  if (json === undefined || json === null) throw new CliError(`${where} has no tokenizer recorded`);
  try {
    return tk.tokenizerFromJSON(json as Parameters<typeof tk.tokenizerFromJSON>[0]) as CliTokenizer;
  } catch (error) {
    throw new CliError(`${where}: the saved tokenizer is corrupt: ${oneLine(error)}`, { cause: error });
  }
}

/** Options for {@link sampleFrom}. */
export interface SampleOptions {
  n: number;
  temperature: number;
  topK?: number;
  seed: number;
  maxTokens: number;
  /** Text to continue (text datasets) or the start of each word (word datasets). */
  prompt?: string;
  /** True for word datasets: stop at the boundary token and return one word per sample. */
  words: boolean;
}

/** Draws `n` samples from `model` with the run spec's rule (@makemore/run's `sampleTexts`). */
export async function sampleFrom(
  model: LanguageModel | BigramCounts,
  tokenizer: CliTokenizer,
  options: SampleOptions,
): Promise<string[]> {
  const { sampleTexts, RunSpecError } = await import('@makemore/run');
  try {
    return sampleTexts(model, tokenizer, options.words ? 'words' : 'text', {
      n: options.n,
      temperature: options.temperature,
      topK: options.topK ?? 0,
      maxTokens: options.maxTokens,
      prompt: options.prompt ?? '',
      seed: options.seed,
    });
  } catch (error) {
    if (error instanceof RunSpecError)
      throw new CliError(`--prompt ${error.message.replace(/^sample\.prompt: /, '')}`);
    throw error;
  }
}
