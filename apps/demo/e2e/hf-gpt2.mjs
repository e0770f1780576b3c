// A tiny GPT-2 in Hugging Face's layout for the import test, built here with our own safetensors writer
// (@makemore/models' serializeSafetensors): OpenAI's bare names (`wte.weight`, `h.0.attn.c_attn.weight`, …),
// Conv1D weights stored [in, out], the `attn.bias` causal-mask buffer, and GPT-2's vocabulary of 50,257 ids so
// that the bundled r50k_base encoding fits it. 1 layer, 2 heads, 8 wide, 16 positions, seeded random weights;
// config.json gives n_head, since 8 is not one of OpenAI's widths.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const VOCAB = 50257;
const WIDTH = 8;
const POSITIONS = 16;

/** Writes model.safetensors and config.json into `dir`; returns their paths. */
export async function writeTinyGpt2(dir) {
  const { serializeSafetensors } = await import('@makemore/models');
  let state = 12345;
  // A linear congruential generator: the same weights every run, uniform in ±0.5: wide enough that their
  // loss on text is far from a fresh initialisation's (about ln 50257 = 10.82), which the fine-tune test
  // relies on to tell the imported weights from a model that forgot to load them.
  const random = () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state / 2 ** 32 - 0.5;
  };
  const tensor = (shape, fill) => {
    const n = shape.reduce((a, b) => a * b, 1);
    return { dtype: 'F32', shape, data: Float32Array.from({ length: n }, fill ?? random) };
  };
  const c = WIDTH;
  const record = { 'wte.weight': tensor([VOCAB, c]), 'wpe.weight': tensor([POSITIONS, c]) };
  const h = 'h.0';
  Object.assign(record, {
    [`${h}.ln_1.weight`]: tensor([c], () => 1),
    [`${h}.ln_1.bias`]: tensor([c]),
    [`${h}.attn.bias`]: tensor([1, 1, POSITIONS, POSITIONS], () => 1),
    [`${h}.attn.c_attn.weight`]: tensor([c, 3 * c]),
    [`${h}.attn.c_attn.bias`]: tensor([3 * c]),
    [`${h}.attn.c_proj.weight`]: tensor([c, c]),
    [`${h}.attn.c_proj.bias`]: tensor([c]),
    [`${h}.ln_2.weight`]: tensor([c], () => 1),
    [`${h}.ln_2.bias`]: tensor([c]),
    [`${h}.mlp.c_fc.weight`]: tensor([c, 4 * c]),
    [`${h}.mlp.c_fc.bias`]: tensor([4 * c]),
    [`${h}.mlp.c_proj.weight`]: tensor([4 * c, c]),
    [`${h}.mlp.c_proj.bias`]: tensor([c]),
    'ln_f.weight': tensor([c], () => 1),
    'ln_f.bias': tensor([c]),
  });
  const weights = join(dir, 'model.safetensors');
  const config = join(dir, 'config.json');
  writeFileSync(weights, serializeSafetensors(record));
  writeFileSync(
    config,
    JSON.stringify({
      model_type: 'gpt2',
      n_layer: 1,
      n_head: 2,
      n_embd: c,
      n_positions: POSITIONS,
      vocab_size: VOCAB,
      activation_function: 'gelu_new',
    }),
  );
  return { weights, config };
}
