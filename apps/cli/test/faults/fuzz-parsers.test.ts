// Property-based fuzzing of the file parsers a user can hand the CLI: safetensors weights, `.tiktoken`
// ranks, minbpe `.model` files, tokenizer JSON and checkpoint config.json. Random and mutated inputs
// must end in a value or in the parser's own typed error, never in a TypeError from deep inside, a
// hang or a crash. Seeds are fixed, so a failure reproduces; the counts are reported in
// packages/trainer/README.md ("Fault injection").
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSafetensors, SafetensorsError, serializeSafetensors } from '@makemore/models';
import {
  BpeTokenizer,
  parseMinbpeModel,
  parseTiktokenRanks,
  TokenizerFormatError,
  tokenizerFromJSON,
} from '@makemore/tokenizers';
import { CheckpointError, Checkpointer } from '@makemore/trainer/node';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';

/** Inputs tried per property; the README's figures are the sum of these. */
export const FUZZ_RUNS = { random: 400, mutated: 600 } as const;
const settings = (numRuns: number) => ({ seed: 21, numRuns });

/** Runs `parse` and returns 'ok' or the error, failing the property on anything but `allowed` errors. */
function outcome(parse: () => unknown, allowed: (error: unknown) => boolean): 'ok' | 'typed-error' {
  try {
    parse();
    return 'ok';
  } catch (error) {
    if (!allowed(error)) throw error;
    return 'typed-error';
  }
}

/** Byte-level mutations of a valid input: flips, truncation, insertion, deletion, splices. */
function mutated(seedInput: Uint8Array): fc.Arbitrary<Uint8Array> {
  const edit = fc.oneof(
    fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
    fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
    fc.record({
      kind: fc.constant('insert' as const),
      at: fc.nat(),
      bytes: fc.uint8Array({ maxLength: 16 }),
    }),
    fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), n: fc.integer({ min: 1, max: 16 }) }),
    fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  );
  return fc.array(edit, { minLength: 1, maxLength: 6 }).map((edits) => {
    let bytes = Uint8Array.from(seedInput);
    for (const e of edits) {
      const at = bytes.length === 0 ? 0 : e.at % bytes.length;
      if (e.kind === 'flip') bytes[at] = (bytes[at] ?? 0) ^ (1 << e.bit);
      else if (e.kind === 'cut') bytes = bytes.slice(0, at);
      else if (e.kind === 'insert')
        bytes = Uint8Array.from([...bytes.slice(0, at), ...e.bytes, ...bytes.slice(at)]);
      else if (e.kind === 'delete')
        bytes = Uint8Array.from([...bytes.slice(0, at), ...bytes.slice(at + e.n)]);
      else bytes[at] = e.value;
    }
    return bytes;
  });
}

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const bytesOf = (s: string) => new TextEncoder().encode(s);

describe('safetensors parser', () => {
  const valid = serializeSafetensors(
    {
      'wte.weight': { dtype: 'F32', shape: [3, 2], data: [1, 2, 3, 4, 5, 6] },
      steps: { dtype: 'I64', shape: [1], data: [7] },
    },
    { format: 'pt' },
  );
  const isTyped = (e: unknown) => e instanceof SafetensorsError;

  it('gives a value or a SafetensorsError on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 256 }), (bytes) => {
        outcome(() => parseSafetensors(bytes), isTyped);
      }),
      settings(FUZZ_RUNS.random),
    );
  });

  it('gives a value or a SafetensorsError on mutated files', () => {
    const seen = { ok: 0, 'typed-error': 0 };
    fc.assert(
      fc.property(mutated(valid), (bytes) => {
        seen[outcome(() => parseSafetensors(bytes), isTyped)]++;
      }),
      settings(FUZZ_RUNS.mutated),
    );
    // The mutations reach both sides: some files still parse (a flipped data bit), most do not.
    expect(seen.ok).toBeGreaterThan(0);
    expect(seen['typed-error']).toBeGreaterThan(seen.ok);
  });

  it('gives a value or a SafetensorsError on hostile headers (huge shapes, bad offsets, odd dtypes)', () => {
    const entry = fc.record({
      dtype: fc.constantFrom('F32', 'F16', 'BF16', 'I64', 'U8', 'BOOL', 'F64', 'Q4', 7),
      shape: fc.array(fc.oneof(fc.nat(8), fc.constant(2 ** 53), fc.constant(-1), fc.double()), {
        maxLength: 4,
      }),
      data_offsets: fc.tuple(fc.oneof(fc.nat(64), fc.double()), fc.oneof(fc.nat(64), fc.constant(2 ** 60))),
    });
    const header = fc.dictionary(fc.oneof(fc.string({ maxLength: 6 }), fc.constant('__proto__')), entry, {
      maxKeys: 4,
    });
    fc.assert(
      fc.property(header, fc.uint8Array({ maxLength: 64 }), (h, data) => {
        const json = bytesOf(JSON.stringify(h));
        const bytes = new Uint8Array(8 + json.length + data.length);
        new DataView(bytes.buffer).setBigUint64(0, BigInt(json.length), true);
        bytes.set(json, 8);
        bytes.set(data, 8 + json.length);
        outcome(() => parseSafetensors(bytes), isTyped);
      }),
      settings(FUZZ_RUNS.random),
    );
  });
});

describe('.tiktoken parser', () => {
  const valid = bytesOf('IQ== 0\nIg== 1\nIw== 2\naGk= 3\nIGJl 4\n');
  const isTyped = (e: unknown) => e instanceof TokenizerFormatError;

  it('gives ranks or a TokenizerFormatError on random text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (s) => {
        outcome(() => parseTiktokenRanks(s), isTyped);
      }),
      settings(FUZZ_RUNS.random),
    );
  });

  it('gives ranks or a TokenizerFormatError on mutated files, and builds a tokenizer from what parses', () => {
    const seen = { ok: 0, 'typed-error': 0 };
    fc.assert(
      fc.property(mutated(valid), (bytes) => {
        const s = text(bytes);
        const result = outcome(() => parseTiktokenRanks(s), isTyped);
        seen[result]++;
        if (result === 'ok') {
          outcome(
            () => BpeTokenizer.fromTiktoken(s, { pattern: 'gpt2', specialTokens: {} } as never),
            (e) => isTyped(e) || e instanceof RangeError,
          );
        }
      }),
      settings(FUZZ_RUNS.mutated),
    );
    expect(seen.ok).toBeGreaterThan(0);
    expect(seen['typed-error']).toBeGreaterThan(0);
  });
});

describe('minbpe .model parser', () => {
  const valid = bytesOf('minbpe v1\n\n1\n<|endoftext|> 259\n104 105\n256 33\n257 32\n');
  const isTyped = (e: unknown) => e instanceof TokenizerFormatError;

  it('gives a model or a TokenizerFormatError on random text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (s) => {
        outcome(() => parseMinbpeModel(`minbpe v1\n${s}`), isTyped);
        outcome(() => parseMinbpeModel(s), isTyped);
      }),
      settings(FUZZ_RUNS.random),
    );
  });

  it('gives a model or a TokenizerFormatError on mutated files, and builds a tokenizer from what parses', () => {
    expect(parseMinbpeModel(text(valid)).merges.length).toBe(3);
    fc.assert(
      fc.property(mutated(valid), (bytes) => {
        const s = text(bytes);
        if (outcome(() => parseMinbpeModel(s), isTyped) === 'ok') {
          outcome(
            () => BpeTokenizer.fromMinbpeModel(s),
            (e) => isTyped(e) || e instanceof RangeError,
          );
        }
      }),
      settings(FUZZ_RUNS.mutated),
    );
  });
});

describe('tokenizer JSON', () => {
  it('gives a tokenizer or a TokenizerFormatError on random JSON values', () => {
    const json = fc.oneof(
      fc.jsonValue(),
      fc.record(
        { type: fc.constantFrom('char', 'bpe', 'byte', 42), chars: fc.jsonValue() },
        { requiredKeys: [] },
      ),
      fc.record(
        { type: fc.constant('bpe'), merges: fc.jsonValue(), pattern: fc.jsonValue() },
        { requiredKeys: [] },
      ),
    );
    fc.assert(
      fc.property(json, (value) => {
        outcome(
          () => tokenizerFromJSON(value as never),
          (e) => e instanceof TokenizerFormatError || e instanceof RangeError,
        );
      }),
      settings(FUZZ_RUNS.random),
    );
  });
});

describe('checkpoint config.json', () => {
  const root = mkdtempSync(join(tmpdir(), 'fuzz-config-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const valid = bytesOf(
    JSON.stringify({
      format: 'makemore-checkpoint',
      formatVersion: 1,
      model: { type: 'mlp', vocabSize: 27, blockSize: 3 },
      trainer: { steps: 10, batchSize: 4, seed: 1, evalEvery: 5, evalIters: 'all' },
      step: 5,
      bestDevLoss: 2.5,
      rngState: [1, 2, 3, 4],
      optimizer: { config: { type: 'adamw', lr: 0.001 }, step: 5 },
    }),
  );
  let n = 0;

  it('gives a config or a CheckpointError on mutated config.json files', async () => {
    await fc.assert(
      fc.asyncProperty(mutated(valid), async (bytes) => {
        const dir = join(root, String(n++));
        await mkdir(join(dir, 'last'), { recursive: true });
        writeFileSync(join(dir, 'last', 'config.json'), bytes);
        try {
          await new Checkpointer(dir).readConfig('last');
        } catch (error) {
          if (!(error instanceof CheckpointError)) throw error;
        }
      }),
      settings(FUZZ_RUNS.mutated / 2),
    );
  });
});
