/**
 * A dataset folder that nanoGPT's `train.py` reads unchanged (`data/<name>/`), as its `prepare.py`
 * scripts write it:
 *
 *   train.bin, val.bin   the token ids as raw uint16, little-endian (numpy's `tofile` on x86/ARM), no header;
 *                        train.py memory-maps them and samples random windows
 *   meta.pkl             for character vocabularies: a pickled dict {vocab_size, itos, stoi}; train.py takes
 *                        vocab_size from it and sample.py decodes with itos
 *   README.md            how to train on it (written here, not read by nanoGPT)
 *
 * uint16 caps the vocabulary at 65,536 ids, which covers characters and GPT-2's 50,257 BPE tokens.
 */
import { pickle } from './pickle';

/** Largest vocabulary a uint16 `.bin` file can hold. */
export const NANOGPT_MAX_VOCAB = 65_536;

/** Token ids → the bytes of a nanoGPT `.bin` file (uint16 little-endian). Throws for ids that do not fit. */
export function encodeNanoGptBin(ids: ArrayLike<number>, vocabSize?: number): Uint8Array {
  if (vocabSize !== undefined && vocabSize > NANOGPT_MAX_VOCAB) {
    throw new RangeError(
      `a vocabulary of ${vocabSize} tokens does not fit nanoGPT's uint16 .bin files (at most ${NANOGPT_MAX_VOCAB}); use a tokenizer with a smaller vocabulary`,
    );
  }
  const out = new Uint8Array(ids.length * 2);
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i] as number;
    if (!Number.isInteger(id) || id < 0 || id >= NANOGPT_MAX_VOCAB) {
      throw new RangeError(
        `token id ${id} at position ${i} does not fit in uint16 (0 to ${NANOGPT_MAX_VOCAB - 1})`,
      );
    }
    out[2 * i] = id & 0xff;
    out[2 * i + 1] = id >>> 8;
  }
  return out;
}

/** The bytes of `meta.pkl` for a character vocabulary: `itos[i]` is the text of id i. */
export function charMetaPickle(itos: readonly string[]): Uint8Array {
  if (itos.length > NANOGPT_MAX_VOCAB) {
    throw new RangeError(`a vocabulary of ${itos.length} tokens does not fit nanoGPT's uint16 .bin files`);
  }
  const stoi = new Map<string, number>();
  itos.forEach((s, i) => {
    if (stoi.has(s)) throw new RangeError(`the vocabulary lists ${JSON.stringify(s)} twice`);
    stoi.set(s, i);
  });
  return pickle({
    vocab_size: itos.length,
    itos: new Map(itos.map((s, i) => [i, s])),
    stoi,
  });
}

/** What {@link nanoGptReadme} describes. */
export interface NanoGptReadmeInfo {
  /** The folder name under nanoGPT's `data/`, the value of `--dataset=`. */
  dataset: string;
  /** Where the text came from, e.g. "tiny Shakespeare (makemore.ts built-in)". */
  source: string;
  tokenizer: string;
  vocabSize: number;
  trainTokens: number;
  valTokens: number;
  /** How the split was made, e.g. "the first 90% of the text / the last 10%". */
  split: string;
  /** True when meta.pkl was written (character vocabularies). */
  hasMeta: boolean;
  /** The tokenizer file written next to the data (BPE), which `makemore import nanogpt --tokenizer` takes back. */
  tokenizerFile?: string;
}

/** The README of an exported folder: what is in it, and the exact train.py / torchrun / sample.py commands. */
export function nanoGptReadme(info: NanoGptReadmeInfo): string {
  const d = info.dataset;
  const small = `--block_size=256 --batch_size=64 --n_layer=6 --n_head=6 --n_embd=384 --dropout=0.2`;
  return `# ${d}: a nanoGPT dataset exported by makemore.ts

| file | what it is |
|---|---|
| \`train.bin\` | ${info.trainTokens.toLocaleString('en-US')} token ids, uint16 little-endian |
| \`val.bin\` | ${info.valTokens.toLocaleString('en-US')} token ids, uint16 little-endian |
${info.hasMeta ? `| \`meta.pkl\` | the character vocabulary: {vocab_size: ${info.vocabSize}, itos, stoi} |\n` : ''}${info.tokenizerFile ? `| \`${info.tokenizerFile}\` | the tokenizer (makemore.ts format), for \`makemore import nanogpt --tokenizer\` |\n` : ''}
- Text: ${info.source}
- Tokenizer: ${info.tokenizer}, ${info.vocabSize.toLocaleString('en-US')} ids${info.hasMeta ? '' : ' (no meta.pkl: train.py uses its default vocab_size of 50304, which covers GPT-2 ids)'}
- Split: ${info.split} (the split makemore.ts trains and evaluates on)

## Train with nanoGPT

Put this folder at \`data/${d}\` inside a clone of https://github.com/karpathy/nanoGPT, then from the clone:

\`\`\`sh
# one GPU (or --device=cpu --compile=False on a laptop)
python train.py --dataset=${d} --out_dir=out-${d} ${small}

# 8 GPUs on one node, DistributedDataParallel
torchrun --standalone --nproc_per_node=8 train.py --dataset=${d} --out_dir=out-${d} ${small}

# 2 nodes of 8 GPUs: run on each node, with --node_rank=0 on the master and 1 on the other
torchrun --nproc_per_node=8 --nnodes=2 --node_rank=0 --master_addr=<master ip> --master_port=1234 train.py --dataset=${d} --out_dir=out-${d}
\`\`\`

Sample from the result with \`python sample.py --out_dir=out-${d}\`, or bring it back to makemore.ts:

\`\`\`sh
makemore import nanogpt out-${d}/ckpt.pt${info.hasMeta ? ` --meta data/${d}/meta.pkl` : ''}${info.tokenizerFile ? ` --tokenizer data/${d}/${info.tokenizerFile}` : ''} --out runs/${d}
makemore sample --checkpoint runs/${d}
\`\`\`
`;
}
