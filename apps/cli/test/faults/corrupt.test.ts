// Corrupted checkpoints: NaN weights, a flipped bit, a tokenizer that disagrees with the model, weights
// so large the loss overflows, and a resume whose last/ slot is gone. Each must be refused (exit 2,
// one line naming the file or the checkpoint) or, for the resume, say which slot it used.
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSafetensors, serializeSafetensors } from '@makemore/models';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers';

const root = mkdtempSync(join(tmpdir(), 'makemore-corrupt-'));
const pristine = join(root, 'pristine');
afterAll(() => rmSync(root, { recursive: true, force: true }));

beforeAll(async () => {
  const result = await runCli(
    ['train', '--out', pristine, '--steps', '30', '--eval-every', '10', '--eval-iters', '2'],
    {
      cwd: root,
    },
  );
  expect(result.code).toBe(0);
}, 120_000);

let copies = 0;
function copy(): string {
  const dir = join(root, `case-${copies++}`);
  cpSync(pristine, dir, { recursive: true });
  return dir;
}

/** Rewrites a slot's model.safetensors through `edit` and records the new digest, as a consistent save would. */
function rewriteWeights(
  dir: string,
  slot: string,
  edit: (name: string, data: Float32Array, shape: number[]) => void,
) {
  const path = join(dir, slot, 'model.safetensors');
  const parsed = parseSafetensors(new Uint8Array(readFileSync(path)));
  const record: Record<string, { dtype: 'F32'; shape: number[]; data: Float32Array }> = {};
  for (const [name, t] of Object.entries(parsed.tensors)) {
    const data = Float32Array.from(t.data);
    edit(name, data, t.shape);
    record[name] = { dtype: 'F32', shape: t.shape, data };
  }
  const bytes = serializeSafetensors(record, parsed.metadata);
  writeFileSync(path, bytes);
  const configPath = join(dir, slot, 'config.json');
  const config = JSON.parse(readFileSync(configPath, 'utf8'));
  config.files['model.safetensors'] = {
    sha256: createHash('sha256').update(bytes).digest('hex'),
    bytes: bytes.length,
  };
  writeFileSync(configPath, JSON.stringify(config));
}

function errorLine(stderr: string): string {
  const lines = stderr.split('\n').filter((l) => l.startsWith('makemore: error:'));
  expect(lines).toHaveLength(1);
  expect(stderr).not.toMatch(/^\s+at /m);
  return lines[0]!;
}

describe('corrupted checkpoints', () => {
  it('refuses NaN weights in eval and sample, naming the file and the tensor', async () => {
    const dir = copy();
    let first = '';
    for (const slot of ['best', 'last']) {
      rewriteWeights(dir, slot, (name, data) => {
        first ||= name;
        data.fill(Number.NaN);
      });
    }
    for (const command of ['eval', 'sample']) {
      const result = await runCli([command, '--checkpoint', dir], { cwd: root });
      expect(result.code).toBe(2);
      const line = errorLine(result.stderr);
      expect(line).toContain(join(dir, 'best', 'model.safetensors'));
      expect(line).toContain(`tensor "${first}" is NaN at element 0`);
    }
  }, 60_000);

  it('refuses a flipped bit naming the file and what to do if it was replaced on purpose', async () => {
    const dir = copy();
    const path = join(dir, 'best', 'model.safetensors');
    const bytes = readFileSync(path);
    bytes[bytes.length - 5] = bytes[bytes.length - 5]! ^ 0x04;
    writeFileSync(path, bytes);
    const result = await runCli(['eval', '--checkpoint', dir], { cwd: root });
    expect(result.code).toBe(2);
    const line = errorLine(result.stderr);
    expect(line).toContain(path);
    expect(line).toMatch(
      /does not match the sha256 .*replaced it on purpose, delete its entry under "files"/,
    );
  }, 60_000);

  it('refuses a tokenizer with 26 tokens for a model with 27, naming the checkpoint', async () => {
    const dir = copy();
    for (const slot of ['best', 'last']) {
      const path = join(dir, slot, 'config.json');
      const config = JSON.parse(readFileSync(path, 'utf8'));
      // The char tokenizer's JSON lists its vocabulary; drop 'z'.
      config.tokenizer.vocab = config.tokenizer.vocab.slice(0, -1);
      config.tokenizer.vocabSize = config.tokenizer.vocab.length;
      writeFileSync(path, JSON.stringify(config));
    }
    const result = await runCli(['sample', '--checkpoint', dir], { cwd: root });
    expect(result.code).toBe(2);
    expect(errorLine(result.stderr)).toMatch(
      new RegExp(
        `checkpoint ${join(dir, 'best')} .*tokenizer has 26 tokens but its model has a vocabulary of 27`,
      ),
    );
  }, 60_000);

  it('exits non-zero from eval when finite but huge weights overflow the loss', async () => {
    const dir = copy();
    rewriteWeights(dir, 'best', (name, data, shape) => {
      // The output layer ([vocab, hidden], PyTorch's layout): alternate ±3e38 so the logits overflow.
      if (shape.length === 2 && shape[0] === 27 && !name.startsWith('wte')) {
        for (let i = 0; i < data.length; i++) data[i] = i % 2 === 0 ? 3e38 : -3e38;
      }
    });
    const result = await runCli(['eval', '--checkpoint', dir, '--eval-iters', '1'], { cwd: root });
    expect(result.code).toBe(2);
    expect(errorLine(result.stderr)).toMatch(/loss of .* is (NaN|Infinity)/);
  }, 60_000);

  it('says which slot a resume used when last/ is missing', async () => {
    const dir = copy();
    rmSync(join(dir, 'last'), { recursive: true });
    const result = await runCli(['train', '--out', dir, '--resume', '--steps', '40', '--eval-every', '10'], {
      cwd: root,
    });
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(
      new RegExp(`there is no last/ checkpoint in ${dir}; using ${join(dir, 'best')}`),
    );
  }, 60_000);
});
