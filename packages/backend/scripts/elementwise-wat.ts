/**
 * Generates the WebAssembly text of our float32 elementwise kernels, exp, tanh and erf, in 128-bit SIMD,
 * of a column sum (`colsum`, the `Sum` over leading axes), of the fused kernels (GELU, LayerNorm, the masked
 * softmax, tanh's gradient, the Adam and SGD steps, the sum of squares; src/fused-kernels.ts) and of a run
 * copy for transposes (`copy_runs`).
 *
 * Like the gemm module, it imports the tfjs wasm backend's memory. Each elementwise export
 * `f(…inputs, …outputs, count, …scalars)` (for exp: `exp(src, dst, count)`) reads `count` floats at each
 * input's byte address and writes f of each to the outputs (an output may be an input): two vectors of
 * four lanes per loop iteration, then one vector, then the last `count mod 4` floats through the same code
 * with the unused lanes zeroed, loaded and stored one lane at a time (so no scratch memory is needed and
 * nothing outside the tensors is read or written).
 *
 * exp(x) = 2^n · e^r, n = round(x / ln 2), r = x − n·ln 2 with ln 2 split in two (Cody & Waite, "Software
 * Manual for the Elementary Functions", 1980): n·LN2_HI is exact because LN2_HI has 9 significant bits, so r
 * carries one rounding. n is rounded by adding and subtracting 1.5·2^23, which also leaves n in the low
 * bits of the sum. e^r = 1 + r + r²·q(r), |r| ≤ ln2/2, with q of degree 4 fitted to (e^r − 1 − r)/r² by
 * scripts/fit-elementwise.ts (relative error of e^r 1.4e-8). The scale is 2^(n−1) times 2·e^r, so that
 * n = 128 (x up to 88.72) is still a normal number and beyond it the product overflows to +Infinity. The
 * price is at the other end: from x < −86.99 (n ≤ −126, results below 2^−125.5 ≈ 1.7e-38) the result is
 * flushed to 0 instead of rounding to a subnormal. Against Math.fround(Math.exp(x)) on every float32 input
 * above that: at most 1 ulp off.
 *
 * tanh(x) = sign(x) · −E / (E + 2), E = expm1(−2|x|) (as fdlibm's tanh below 1): E = 2^n·m + (2^n − 1)
 * with m = e^r − 1 = r + r²·q(r) from the same reduction and 2^n − 1 exact for n ≥ −24, so E keeps its
 * relative accuracy near 0, where 1 − e^(−2|x|) would cancel. |x| is capped at 9.1 (tanh rounds to 1 in
 * float32 from 9.02 on), so ±Infinity gives ±1; the sign is copied from x, so −0 stays −0. At most 2 ulp off
 * Math.fround(Math.tanh(x)) on every float32 input.
 *
 * erf(x) = sign(x) · |x|·P(x²)/Q(x²), evaluated in double precision (f64x2, two lanes at a time), with |x|
 * capped at 4 (erf rounds to 1 in float32 from 3.92 on). P and Q, both of degree 5, are a near-minimax
 * rational fit of erf on [0, 4] by scripts/fit-elementwise.ts (relative error 2.5e-8), so the one rounding
 * to float32 dominates: at most 1 ulp off the correctly rounded erf on every float32 input, absolute error
 * ≤ 6e-8. Evaluated in float32 instead, the same rational is up to 6 ulp off: the roundings of P, Q and the
 * quotient add up.
 *
 * NaN propagates through every kernel: the clamps are `pmin`/`pmax` with x as the first operand, which
 * return it when it is NaN.
 */

import { ERF_P, ERF_Q } from '../src/wasm/simd/erf-rational';

/** A v128 constant of four equal float32 lanes; `Math.fround(value)` printed exactly. */
const f32x4 = (value: number) => {
  const v = Math.fround(value);
  return `(v128.const f32x4 ${v} ${v} ${v} ${v})`;
};
/** A v128 constant of two equal float64 lanes. */
const f64x2 = (value: number) => `(v128.const f64x2 ${value} ${value})`;
/** A v128 constant of four equal int32 lanes. */
const i32x4 = (value: number) => `(v128.const i32x4 ${value} ${value} ${value} ${value})`;

const get = (name: string) => `(local.get $${name})`;
const set = (name: string, expr: string) => `(local.set $${name} ${expr})`;
/** `op` applied to its arguments: a bare word is a local, anything else an expression. */
const op = (name: string, ...args: string[]) =>
  `(${name} ${args.map((a) => (a.startsWith('(') ? a : get(a))).join(' ')})`;

/** Horner's rule: local `out` = c0 + v·(c1 + v·(…)), the coefficients in locals `${prefix}0…${degree}`. */
function horner(out: string, v: string, prefix: string, degree: number, lanes: 'f32x4' | 'f64x2'): string[] {
  const lines = [set(out, get(`${prefix}${degree}`))];
  for (let i = degree - 1; i >= 0; i--) {
    lines.push(set(out, op(`${lanes}.add`, op(`${lanes}.mul`, out, v), `${prefix}${i}`)));
  }
  return lines;
}

/** (e^r − 1 − r)/r² ≈ Σ EXPM1_Q[i]·r^i on |r| ≤ 0.35 (scripts/fit-elementwise.ts). */
const EXPM1_Q = [
  0.49999998043084615, 0.1666653873864707, 0.04166722102361602, 0.008367173429938297, 0.0013882397285907005,
];

/** Adding and subtracting this rounds a float32 below 2^22 in magnitude to an integer, left in the low bits. */
const SHIFTER = 1.5 * 2 ** 23;
/** The float32 bits of SHIFTER: the bits of SHIFTER + n are this plus n. */
const SHIFTER_BITS = 0x4b400000;
/** ln 2 = LN2_HI + LN2_LO; LN2_HI = 355/512 has 9 significant bits, so n·LN2_HI is exact for |n| < 2^15. */
const LN2_HI = 0.693359375;
const LN2_LO = Math.LN2 - LN2_HI;

/**
 * One kernel: the statements that compute its output locals from its input locals (all v128), and what
 * they use. A unary kernel reads `x` and writes `y`.
 */
interface Kernel {
  name: string;
  /** The v128 locals loaded from the input tensors, in parameter order (default `['x']`). */
  inputs?: string[];
  /** The v128 locals stored to the output tensors, in parameter order (default `['y']`). */
  outputs?: string[];
  /** float32 parameters after `count`, each splatted into a v128 local of its name before the loop. */
  scalars?: string[];
  /** v128 constants, set once before the loop (V8 would rebuild a `v128.const` in every iteration). */
  constants: Record<string, string>;
  /** v128 temporaries besides x and y; renamed in the unrolled copy. */
  temps: string[];
  body: string[];
}

/** Sets `t` (SHIFTER + n, whose bits carry n) and `r` = v − n·ln 2 for `v` (f32x4, |v| < 2^21). */
const reduce = (v: string) => [
  set('t', op('f32x4.add', op('f32x4.mul', v, 'log2e'), 'shifter')),
  set('r', op('f32x4.sub', 't', 'shifter')),
  set('r', op('f32x4.sub', op('f32x4.sub', v, op('f32x4.mul', 'r', 'ln2hi')), op('f32x4.mul', 'r', 'ln2lo'))),
];
const reductionConstants = {
  log2e: f32x4(Math.LOG2E),
  shifter: f32x4(SHIFTER),
  ln2hi: f32x4(LN2_HI),
  ln2lo: f32x4(LN2_LO),
};

/** Local `out` = exp(local `input`), through the temporaries t, r, q and v. */
const expBody = (input: string, out: string) => [
  set('v', op('f32x4.pmax', op('f32x4.pmin', input, 'hi'), 'lo')),
  ...reduce('v'),
  ...horner('q', 'r', 'q', EXPM1_Q.length - 1, 'f32x4'),
  // 2·e^r = 2 + r·(2 + r·2q(r)), times 2^(n−1).
  set(out, op('f32x4.add', 'two', op('f32x4.mul', 'r', op('f32x4.add', 'two', op('f32x4.mul', 'r', 'q'))))),
  set(out, op('f32x4.mul', out, op('i32x4.shl', op('i32x4.add', 't', 'scaleBias'), '(i32.const 23)'))),
];

const expConstants = {
  ...reductionConstants,
  // 2·EXPM1_Q: doubling is exact, so 2·e^r costs no extra rounding.
  ...Object.fromEntries(EXPM1_Q.map((c, i) => [`q${i}`, f32x4(2 * c)])),
  // From 88.8 on (n = 128) 2·e^r·2^127 overflows to +Infinity; at −87.5 (n = −126) the scale's exponent
  // field is 0, so the result is 0.
  lo: f32x4(-87.5),
  hi: f32x4(88.8),
  two: f32x4(2),
  // (n − 1 + 127) << 23 is 2^(n−1) when the bits of t are SHIFTER_BITS + n.
  scaleBias: i32x4(126 - SHIFTER_BITS),
};

const EXP: Kernel = {
  name: 'exp',
  constants: expConstants,
  temps: ['t', 'r', 'q', 'v'],
  body: expBody('x', 'y'),
};

/** Local `out` = tanh(local `input`), through the temporaries t, r, q, s and v. */
const tanhBody = (input: string, out: string) => [
  set('v', op('f32x4.mul', op('f32x4.pmin', op('v128.and', input, 'abs'), 'cap'), 'minusTwo')),
  ...reduce('v'),
  ...horner('q', 'r', 'q', EXPM1_Q.length - 1, 'f32x4'),
  // m = e^r − 1 = r + r²·q(r), into q.
  set('q', op('f32x4.add', 'r', op('f32x4.mul', op('f32x4.mul', 'r', 'r'), 'q'))),
  set('s', op('i32x4.shl', op('i32x4.add', 't', 'scaleBias'), '(i32.const 23)')),
  // E = expm1(v) = 2^n·m + (2^n − 1); then −tanh|x| = E / (E + 2).
  set('v', op('f32x4.add', op('f32x4.mul', 'q', 's'), op('f32x4.sub', 's', 'one'))),
  set('v', op('f32x4.div', 'v', op('f32x4.add', 'v', 'two'))),
  set(out, op('v128.or', op('v128.and', 'v', 'abs'), op('v128.and', input, 'sign'))),
];

const tanhConstants = {
  ...reductionConstants,
  ...Object.fromEntries(EXPM1_Q.map((c, i) => [`q${i}`, f32x4(c)])),
  cap: f32x4(9.1),
  minusTwo: f32x4(-2),
  one: f32x4(1),
  two: f32x4(2),
  abs: i32x4(0x7fffffff),
  sign: i32x4(-0x80000000),
  // (n + 127) << 23 is 2^n when the bits of t are SHIFTER_BITS + n.
  scaleBias: i32x4(127 - SHIFTER_BITS),
};

const TANH: Kernel = {
  name: 'tanh',
  constants: tanhConstants,
  temps: ['t', 'r', 'q', 's', 'v'],
  body: tanhBody('x', 'y'),
};

/** x·P(x²)/Q(x²) for two float64 lanes, from local `d` into local `d`. */
const erfRational = [
  set('u', op('f64x2.mul', 'd', 'd')),
  ...horner('p', 'u', 'P', ERF_P.length - 1, 'f64x2'),
  ...horner('w', 'u', 'Q', ERF_Q.length - 1, 'f64x2'),
  set('d', op('f64x2.div', op('f64x2.mul', 'd', 'p'), 'w')),
];

/** Local `out` = erf(local `input`), through the temporaries a, d, u, p, w and lo. */
const erfBody = (input: string, out: string) => [
  set('a', op('f32x4.pmin', op('v128.and', input, 'abs'), 'cap')),
  set('d', op('f64x2.promote_low_f32x4', 'a')),
  ...erfRational,
  set('lo', op('f32x4.demote_f64x2_zero', 'd')),
  // Lanes 2–3 moved down, widened, and the two halves' results joined.
  set(
    'd',
    op(
      'f64x2.promote_low_f32x4',
      `(i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 ${get('a')} ${get('a')})`,
    ),
  ),
  ...erfRational,
  set(
    out,
    `(i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 ${get('lo')} ${op('f32x4.demote_f64x2_zero', 'd')})`,
  ),
  set(out, op('v128.or', out, op('v128.and', input, 'sign'))),
];

const erfConstants = {
  ...Object.fromEntries(ERF_P.map((c, i) => [`P${i}`, f64x2(c)])),
  ...Object.fromEntries(ERF_Q.map((c, i) => [`Q${i}`, f64x2(c)])),
  cap: f32x4(4),
  abs: i32x4(0x7fffffff),
  sign: i32x4(-0x80000000),
};
const erfTemps = ['a', 'd', 'u', 'p', 'w', 'lo'];

const ERF: Kernel = { name: 'erf', constants: erfConstants, temps: erfTemps, body: erfBody('x', 'y') };

/*
 * GELU (Hendrycks & Gimpel 2016) and its derivative, each in one pass, with the same float32 operations in
 * the same order as the composed ops of @makemore/models' `gelu` (so on this backend the fused and the
 * composed results agree bit for bit). The forward pass also writes the auxiliary tensor the backward pass
 * needs: Φ(x) for the exact form, t = tanh(…) for the tanh form.
 *
 *   exact: y = x·Φ(x), Φ(x) = (erf(x·√½) + 1)·½;   dx = dy·(Φ(x) + x·φ(x)), φ(x) = exp(−x²/2)·(2π)^−½
 *   tanh:  t = tanh(x·(x²·0.044715 + 1)·√(2/π)), y = (x·½)·(t + 1);
 *          dx = dy·((t + 1)·½ + ((x·½)·(1 − t²))·((x²·3·0.044715 + 1)·√(2/π)))
 */
const GELU_C = Math.sqrt(2 / Math.PI);

const GELU_ERF: Kernel = {
  name: 'gelu_erf',
  outputs: ['y', 'c'],
  constants: { ...erfConstants, sqrt1_2: f32x4(Math.SQRT1_2), half: f32x4(0.5), one: f32x4(1) },
  temps: [...erfTemps, 'e', 's'],
  body: [
    set('s', op('f32x4.mul', 'x', 'sqrt1_2')),
    ...erfBody('s', 'e'),
    set('c', op('f32x4.mul', op('f32x4.add', 'e', 'one'), 'half')),
    set('y', op('f32x4.mul', 'x', 'c')),
  ],
};

const GELU_ERF_GRAD: Kernel = {
  name: 'gelu_erf_grad',
  inputs: ['x', 'c', 'dy'],
  outputs: ['y'],
  constants: { ...expConstants, minusHalf: f32x4(-0.5), invSqrt2Pi: f32x4(1 / Math.sqrt(2 * Math.PI)) },
  temps: ['t', 'r', 'q', 'v', 'e'],
  body: [
    set('e', op('f32x4.mul', op('f32x4.mul', 'x', 'x'), 'minusHalf')),
    ...expBody('e', 'e'),
    set('e', op('f32x4.mul', 'e', 'invSqrt2Pi')),
    set('y', op('f32x4.mul', 'dy', op('f32x4.add', 'c', op('f32x4.mul', 'x', 'e')))),
  ],
};

const GELU_TANH: Kernel = {
  name: 'gelu_tanh',
  outputs: ['y', 'g'],
  constants: { ...tanhConstants, k: f32x4(0.044715), c: f32x4(GELU_C), half: f32x4(0.5) },
  temps: ['t', 'r', 'q', 's', 'v', 'u'],
  body: [
    set('u', op('f32x4.add', op('f32x4.mul', op('f32x4.mul', 'x', 'x'), 'k'), 'one')),
    set('u', op('f32x4.mul', op('f32x4.mul', 'x', 'u'), 'c')),
    ...tanhBody('u', 'g'),
    set('y', op('f32x4.mul', op('f32x4.mul', 'x', 'half'), op('f32x4.add', 'g', 'one'))),
  ],
};

const GELU_TANH_GRAD: Kernel = {
  name: 'gelu_tanh_grad',
  inputs: ['x', 'g', 'dy'],
  outputs: ['y'],
  constants: { k3: f32x4(3 * 0.044715), c: f32x4(GELU_C), half: f32x4(0.5), one: f32x4(1) },
  temps: ['u', 's'],
  body: [
    set('u', op('f32x4.mul', op('f32x4.add', op('f32x4.mul', op('f32x4.mul', 'x', 'x'), 'k3'), 'one'), 'c')),
    set('s', op('f32x4.sub', 'one', op('f32x4.mul', 'g', 'g'))),
    set('u', op('f32x4.mul', op('f32x4.mul', op('f32x4.mul', 'x', 'half'), 's'), 'u')),
    set(
      'y',
      op('f32x4.mul', 'dy', op('f32x4.add', op('f32x4.mul', op('f32x4.add', 'g', 'one'), 'half'), 'u')),
    ),
  ],
};

/** The locals a kernel loads and stores. */
const inputsOf = (kernel: Kernel) => kernel.inputs ?? ['x'];
const outputsOf = (kernel: Kernel) => kernel.outputs ?? ['y'];

/** The body for a second vector in flight: inputs, outputs and temporaries renamed with a `_1` suffix. */
function renamed(kernel: Kernel): string[] {
  const vectors = [...inputsOf(kernel), ...outputsOf(kernel), ...kernel.temps];
  const names = new RegExp(`\\$(${vectors.join('|')})\\b`, 'g');
  return kernel.body.map((line) => line.replace(names, '$$$1_1'));
}

/**
 * `kernel` as an export `(…inputs, …outputs, count)`, one byte address per tensor. Two vectors per iteration
 * halve the loop overhead (V8 adds a stack check to every loop iteration), then one vector, then the 1–3
 * floats left.
 */
function elementwise(kernel: Kernel): string {
  const inputs = inputsOf(kernel);
  const outputs = outputsOf(kernel);
  const vectors = [...inputs, ...outputs, ...kernel.temps];
  const scalars = kernel.scalars ?? [];
  const locals = [
    ...vectors,
    ...vectors.map((name) => `${name}_1`),
    ...Object.keys(kernel.constants),
    ...scalars,
  ].map((name) => `(local $${name} v128)`);
  const params = [...inputs, ...outputs].map((name) => `(param $${name}_at i32)`).join(' ');
  const scalarParams = scalars.map((name) => `(param $${name}_f f32)`).join(' ');
  const body = kernel.body.join('\n      ');
  const at = (name: string) => get(`${name}_at`);
  const each = (names: string[], line: (name: string) => string) => names.map(line).join('\n      ');
  const advance = (bytes: number) =>
    each([...inputs, ...outputs], (name) => set(`${name}_at`, `(i32.add ${at(name)} (i32.const ${bytes}))`));
  const loadLane = (i: number) =>
    each(inputs, (name) => set(name, `(v128.load32_lane offset=${4 * i} ${i} ${at(name)} ${get(name)})`));
  const storeLane = (i: number) =>
    each(outputs, (name) => `(v128.store32_lane offset=${4 * i} ${i} ${at(name)} ${get(name)})`);
  return `
  (func (export "${kernel.name}") ${params} (param $count i32) ${scalarParams}
    (local $end i32) (local $rest i32)
    ${locals.join(' ')}
    ${Object.entries(kernel.constants)
      .map(([name, value]) => set(name, value))
      .join('\n    ')}
    ${scalars.map((name) => set(name, `(f32x4.splat ${get(`${name}_f`)})`)).join('\n    ')}
    (local.set $end (i32.add ${at(inputs[0] as string)} (i32.shl (i32.and (local.get $count) (i32.const -8)) (i32.const 2))))
    (block $done (loop $next
      (br_if $done (i32.ge_u ${at(inputs[0] as string)} (local.get $end)))
      ${each(inputs, (name) => set(name, `(v128.load ${at(name)})`))}
      ${each(inputs, (name) => set(`${name}_1`, `(v128.load offset=16 ${at(name)})`))}
      ${body}
      ${renamed(kernel).join('\n      ')}
      ${each(outputs, (name) => `(v128.store ${at(name)} ${get(name)})`)}
      ${each(outputs, (name) => `(v128.store offset=16 ${at(name)} ${get(`${name}_1`)})`)}
      ${advance(32)}
      (br $next)))
    (if (i32.and (local.get $count) (i32.const 4)) (then
      ${each(inputs, (name) => set(name, `(v128.load ${at(name)})`))}
      ${body}
      ${each(outputs, (name) => `(v128.store ${at(name)} ${get(name)})`)}
      ${advance(16)}))
    (local.set $rest (i32.and (local.get $count) (i32.const 3)))
    (if (local.get $rest) (then
      ${each(inputs, (name) => set(name, `(v128.load32_zero ${at(name)})`))}
      (if (i32.gt_u (local.get $rest) (i32.const 1)) (then ${loadLane(1)}))
      (if (i32.gt_u (local.get $rest) (i32.const 2)) (then ${loadLane(2)}))
      ${body}
      ${storeLane(0)}
      (if (i32.gt_u (local.get $rest) (i32.const 1)) (then ${storeLane(1)}))
      (if (i32.gt_u (local.get $rest) (i32.const 2)) (then ${storeLane(2)})))))`;
}

/**
 * `colsum(src, dst, outer, inner)`: dst[j] = Σ_i src[i·inner + j] for i < outer, j < inner (a sum over the
 * leading axes of a tensor viewed as [outer, inner]). Row by row, four columns at a time, accumulating in
 * dst (float32, in row order); the last `inner mod 4` columns one at a time.
 */
const COLUMN_SUM = `
  (func (export "colsum") (param $src i32) (param $dst i32) (param $outer i32) (param $inner i32)
    (local $i i32) (local $j i32) (local $row i32) (local $vectors i32)
    (memory.fill (local.get $dst) (i32.const 0) (i32.shl (local.get $inner) (i32.const 2)))
    (local.set $vectors (i32.and (local.get $inner) (i32.const -4)))
    (block $done_rows (loop $rows
      (br_if $done_rows (i32.ge_u (local.get $i) (local.get $outer)))
      (local.set $row (i32.add (local.get $src) (i32.shl (i32.mul (local.get $i) (local.get $inner)) (i32.const 2))))
      (local.set $j (i32.const 0))
      (block $done_vectors (loop $columns
        (br_if $done_vectors (i32.ge_u (local.get $j) (local.get $vectors)))
        (v128.store (i32.add (local.get $dst) (i32.shl (local.get $j) (i32.const 2)))
          (f32x4.add
            (v128.load (i32.add (local.get $dst) (i32.shl (local.get $j) (i32.const 2))))
            (v128.load (i32.add (local.get $row) (i32.shl (local.get $j) (i32.const 2))))))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $columns)))
      (block $done_rest (loop $rest
        (br_if $done_rest (i32.ge_u (local.get $j) (local.get $inner)))
        (f32.store (i32.add (local.get $dst) (i32.shl (local.get $j) (i32.const 2)))
          (f32.add
            (f32.load (i32.add (local.get $dst) (i32.shl (local.get $j) (i32.const 2))))
            (f32.load (i32.add (local.get $row) (i32.shl (local.get $j) (i32.const 2))))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $rest)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $rows))))`;

/*
 * One Adam/AdamW step on flat float32 vectors, with the arithmetic of @makemore/trainer's update in its
 * order (the composed ops' results bit for bit):
 *   θ' = θ·decay,  g' = g + θ·l2,  m ← m·β1 + g'·(1 − β1),  v ← v·β2 + g'²·(1 − β2),
 *   θ ← θ' − (m / (√v / √(1 − β2ᵗ) + ε))·size
 * decay = 1 − lr·λ (AdamW; 1 when not decayed) and l2 = λ (Adam's coupled decay; 0 otherwise) leave θ and
 * g unchanged when they are 1 and 0.
 */
const ADAM: Kernel = {
  name: 'adam',
  inputs: ['p', 'g', 'm', 'v'],
  outputs: ['pOut', 'mOut', 'vOut'],
  scalars: ['beta1', 'keep1', 'beta2', 'keep2', 'eps', 'size', 'sqrtBias2', 'decay', 'l2'],
  constants: {},
  temps: ['gd'],
  body: [
    set('gd', op('f32x4.add', 'g', op('f32x4.mul', 'p', 'l2'))),
    set('mOut', op('f32x4.add', op('f32x4.mul', 'm', 'beta1'), op('f32x4.mul', 'gd', 'keep1'))),
    set(
      'vOut',
      op('f32x4.add', op('f32x4.mul', 'v', 'beta2'), op('f32x4.mul', op('f32x4.mul', 'gd', 'gd'), 'keep2')),
    ),
    set('gd', op('f32x4.add', op('f32x4.div', op('f32x4.sqrt', 'vOut'), 'sqrtBias2'), 'eps')),
    set(
      'pOut',
      op('f32x4.sub', op('f32x4.mul', 'p', 'decay'), op('f32x4.mul', op('f32x4.div', 'mOut', 'gd'), 'size')),
    ),
  ],
};

/** tanh's gradient from its output, dy·(1 − y²), in the composed ops' order (bit for bit). */
const TANH_GRAD: Kernel = {
  name: 'tanh_grad',
  inputs: ['t', 'dy'],
  outputs: ['y'],
  constants: { one: f32x4(1) },
  temps: [],
  body: [set('y', op('f32x4.mul', 'dy', op('f32x4.sub', 'one', op('f32x4.mul', 't', 't'))))],
};

/** A plain SGD step, θ ← θ − g·lr, as @makemore/trainer's `SGD` composes it (bit for bit). */
const SGD: Kernel = {
  name: 'sgd',
  inputs: ['p', 'g'],
  outputs: ['y'],
  scalars: ['lr'],
  constants: {},
  temps: [],
  body: [set('y', op('f32x4.sub', 'p', op('f32x4.mul', 'g', 'lr')))],
};

/** The sum of the four float32 lanes of local `v`, as (v0 + v1) + (v2 + v3). */
const lanesSum = (v: string) =>
  `(f32.add (f32.add (f32x4.extract_lane 0 ${get(v)}) (f32x4.extract_lane 1 ${get(v)})) (f32.add (f32x4.extract_lane 2 ${get(v)}) (f32x4.extract_lane 3 ${get(v)})))`;

/** A loop over the bytes of one row, 16 at a time, in local `j` (reset first). */
const overRow = (label: string, body: string[]) => `
    (local.set $j (i32.const 0))
    (block $${label}_done (loop $${label}
      (br_if $${label}_done (i32.ge_u (local.get $j) (local.get $bytes)))
      ${body.join('\n      ')}
      (local.set $j (i32.add (local.get $j) (i32.const 16)))
      (br $${label})))`;
/** The end of a loop `$rows` over rows: each pointer local moves on by a row of `$bytes`, `$row` by one. */
const nextRow = (...pointers: string[]) =>
  [
    ...pointers.map((p) => `(local.set $${p} (i32.add ${get(p)} (local.get $bytes)))`),
    '(local.set $row (i32.add (local.get $row) (i32.const 1)))',
    '(br $rows)',
  ].join('\n      ');
/** The v128 at byte `j` of the row at local `base`. */
const rowLoad = (base: string) => `(v128.load (i32.add ${get(base)} (local.get $j)))`;
const rowStore = (base: string, value: string) =>
  `(v128.store (i32.add ${get(base)} (local.get $j)) ${value})`;

/*
 * LayerNorm over rows of `dim` floats (a multiple of 4; the caller checks), forward and backward, with the
 * arithmetic of @makemore/models' `layerNorm` (two passes for the variance, then x̂ = (x − mean)·rstd):
 *
 *   layernorm(x, w, b, y, mean, rstd, rows, dim, eps):  y = x̂·w (+ b), and each row's mean and
 *     rstd = 1/√(var + eps) for the backward pass; b = 0 means no bias.
 *   layernorm_grad(dy, x, mean, rstd, w, dx, dw, db, rows, dim):  with g = dy·w,
 *     dx = rstd·((g − mean(g)) − x̂·mean(g·x̂)),  dw = Σ dy·x̂,  db = Σ dy (over rows; db = 0: none).
 *
 * x̂ is recomputed from x and the two per-row numbers rather than stored, which saves writing and reading a
 * tensor the size of x; the same float32 operations give the same x̂.
 */
const LAYER_NORM = `
  (func (export "layernorm") (param $x i32) (param $w i32) (param $b i32) (param $y i32) (param $mean i32)
      (param $rstd i32) (param $rows i32) (param $dim i32) (param $eps f32)
    (local $row i32) (local $j i32) (local $bytes i32) (local $n f32) (local $m f32) (local $r f32)
    (local $acc v128) (local $v v128) (local $mv v128) (local $rv v128)
    (local.set $bytes (i32.shl (local.get $dim) (i32.const 2)))
    (local.set $n (f32.convert_i32_u (local.get $dim)))
    (block $done (loop $rows
      (br_if $done (i32.ge_u (local.get $row) (local.get $rows)))
      (local.set $acc (v128.const i32x4 0 0 0 0))
      ${overRow('mean', [set('acc', op('f32x4.add', 'acc', rowLoad('x')))])}
      (local.set $m (f32.div ${lanesSum('acc')} (local.get $n)))
      (local.set $mv (f32x4.splat (local.get $m)))
      (local.set $acc (v128.const i32x4 0 0 0 0))
      ${overRow('variance', [
        set('v', op('f32x4.sub', rowLoad('x'), 'mv')),
        set('acc', op('f32x4.add', 'acc', op('f32x4.mul', 'v', 'v'))),
      ])}
      (local.set $r (f32.div (f32.const 1)
        (f32.sqrt (f32.add (f32.div ${lanesSum('acc')} (local.get $n)) (local.get $eps)))))
      (local.set $rv (f32x4.splat (local.get $r)))
      ${overRow('normalise', [
        set('v', op('f32x4.mul', op('f32x4.mul', op('f32x4.sub', rowLoad('x'), 'mv'), 'rv'), rowLoad('w'))),
        `(if (local.get $b) (then ${set('v', op('f32x4.add', 'v', rowLoad('b')))}))`,
        rowStore('y', get('v')),
      ])}
      (f32.store (i32.add (local.get $mean) (i32.shl (local.get $row) (i32.const 2))) (local.get $m))
      (f32.store (i32.add (local.get $rstd) (i32.shl (local.get $row) (i32.const 2))) (local.get $r))
      ${nextRow('x', 'y')})))`;

const LAYER_NORM_GRAD = `
  (func (export "layernorm_grad") (param $dy i32) (param $x i32) (param $mean i32) (param $rstd i32)
      (param $w i32) (param $dx i32) (param $dw i32) (param $db i32) (param $rows i32) (param $dim i32)
    (local $row i32) (local $j i32) (local $bytes i32) (local $n f32)
    (local $mv v128) (local $rv v128) (local $av v128) (local $bv v128) (local $sa v128) (local $sb v128)
    (local $xh v128) (local $d v128) (local $g v128)
    (local.set $bytes (i32.shl (local.get $dim) (i32.const 2)))
    (local.set $n (f32.convert_i32_u (local.get $dim)))
    (memory.fill (local.get $dw) (i32.const 0) (local.get $bytes))
    (if (local.get $db) (then (memory.fill (local.get $db) (i32.const 0) (local.get $bytes))))
    (block $done (loop $rows
      (br_if $done (i32.ge_u (local.get $row) (local.get $rows)))
      (local.set $mv (v128.load32_splat (i32.add (local.get $mean) (i32.shl (local.get $row) (i32.const 2)))))
      (local.set $rv (v128.load32_splat (i32.add (local.get $rstd) (i32.shl (local.get $row) (i32.const 2)))))
      (local.set $sa (v128.const i32x4 0 0 0 0))
      (local.set $sb (v128.const i32x4 0 0 0 0))
      ${overRow('means', [
        set('xh', op('f32x4.mul', op('f32x4.sub', rowLoad('x'), 'mv'), 'rv')),
        set('g', op('f32x4.mul', rowLoad('dy'), rowLoad('w'))),
        set('sa', op('f32x4.add', 'sa', 'g')),
        set('sb', op('f32x4.add', 'sb', op('f32x4.mul', 'g', 'xh'))),
      ])}
      (local.set $av (f32x4.splat (f32.div ${lanesSum('sa')} (local.get $n))))
      (local.set $bv (f32x4.splat (f32.div ${lanesSum('sb')} (local.get $n))))
      ${overRow('gradients', [
        set('xh', op('f32x4.mul', op('f32x4.sub', rowLoad('x'), 'mv'), 'rv')),
        set('d', rowLoad('dy')),
        set('g', op('f32x4.mul', 'd', rowLoad('w'))),
        rowStore(
          'dx',
          op('f32x4.mul', 'rv', op('f32x4.sub', op('f32x4.sub', 'g', 'av'), op('f32x4.mul', 'xh', 'bv'))),
        ),
        rowStore('dw', op('f32x4.add', rowLoad('dw'), op('f32x4.mul', 'xh', 'd'))),
        `(if (local.get $db) (then ${rowStore('db', op('f32x4.add', rowLoad('db'), 'd'))}))`,
      ])}
      ${nextRow('dy', 'x', 'dx')})))`;

/** The largest of the four float32 lanes of local `v`. */
const lanesMax = (v: string) =>
  `(f32.max (f32.max (f32x4.extract_lane 0 ${get(v)}) (f32x4.extract_lane 1 ${get(v)})) (f32.max (f32x4.extract_lane 2 ${get(v)}) (f32x4.extract_lane 3 ${get(v)})))`;

/** Locals for the exp constants and temporaries, set before a loop that uses `expBody`. */
const expLocals = [...Object.keys(expConstants), 't', 'r', 'q', 'v']
  .map((name) => `(local $${name} v128)`)
  .join(' ');
const expSetup = Object.entries(expConstants)
  .map(([name, value]) => set(name, value))
  .join('\n    ');

/*
 * Attention's softmax over the last axis of rows of `cols` floats (a multiple of 4; the caller checks),
 * with the score scale and the additive mask folded in, forward and backward:
 *
 *   masked_softmax(x, mask, y, rows, cols, maskRows, scale):  y = softmax(x·scale + mask), row r adding
 *     mask row r mod maskRows (a [T, S] mask broadcast over batch and heads). Max-subtracted, as tfjs's.
 *   masked_softmax_grad(dy, y, dx, rows, cols, scale):  dx = ((dy − Σ dy·y)·y)·scale, softmax's
 *     gradient (tfjs's form) times the scale's.
 */
const MASKED_SOFTMAX = `
  (func (export "masked_softmax") (param $x i32) (param $mask i32) (param $y i32) (param $rows i32)
      (param $cols i32) (param $maskRows i32) (param $scale f32)
    (local $row i32) (local $j i32) (local $bytes i32) (local $m i32) (local $out i32)
    (local $sc v128) (local $val v128) (local $top v128) (local $total v128) (local $e v128)
    ${expLocals}
    ${expSetup}
    (local.set $bytes (i32.shl (local.get $cols) (i32.const 2)))
    (local.set $sc (f32x4.splat (local.get $scale)))
    (block $done (loop $rows
      (br_if $done (i32.ge_u (local.get $row) (local.get $rows)))
      (local.set $m (i32.add (local.get $mask)
        (i32.mul (i32.rem_u (local.get $row) (local.get $maskRows)) (local.get $bytes))))
      (local.set $top (v128.const f32x4 -inf -inf -inf -inf))
      ${overRow('scores', [
        set('val', op('f32x4.add', op('f32x4.mul', rowLoad('x'), 'sc'), rowLoad('m'))),
        rowStore('y', get('val')),
        set('top', op('f32x4.max', 'top', 'val')),
      ])}
      (local.set $top (f32x4.splat ${lanesMax('top')}))
      (local.set $total (v128.const i32x4 0 0 0 0))
      ${overRow('exps', [
        set('e', op('f32x4.sub', rowLoad('y'), 'top')),
        ...expBody('e', 'e'),
        rowStore('y', get('e')),
        set('total', op('f32x4.add', 'total', 'e')),
      ])}
      (local.set $total (f32x4.splat ${lanesSum('total')}))
      ${overRow('normalise', [rowStore('y', op('f32x4.div', rowLoad('y'), 'total'))])}
      ${nextRow('x', 'y')})))`;

const MASKED_SOFTMAX_GRAD = `
  (func (export "masked_softmax_grad") (param $dy i32) (param $y i32) (param $dx i32) (param $rows i32)
      (param $cols i32) (param $scale f32)
    (local $row i32) (local $j i32) (local $bytes i32) (local $sc v128) (local $total v128)
    (local.set $bytes (i32.shl (local.get $cols) (i32.const 2)))
    (local.set $sc (f32x4.splat (local.get $scale)))
    (block $done (loop $rows
      (br_if $done (i32.ge_u (local.get $row) (local.get $rows)))
      (local.set $total (v128.const i32x4 0 0 0 0))
      ${overRow('dot', [set('total', op('f32x4.add', 'total', op('f32x4.mul', rowLoad('dy'), rowLoad('y'))))])}
      (local.set $total (f32x4.splat ${lanesSum('total')}))
      ${overRow('gradient', [
        rowStore(
          'dx',
          op('f32x4.mul', op('f32x4.mul', op('f32x4.sub', rowLoad('dy'), 'total'), rowLoad('y')), 'sc'),
        ),
      ])}
      ${nextRow('dy', 'y', 'dx')})))`;

/*
 * A transpose whose last axis stays last, as runs of `inner` floats (the attention heads' split and merge):
 *
 *   copy_runs(src, dst, n0, n1, n2, n3, s0, s1, s2, s3, inner): for each (i0, i1, i2, i3) in order, copies
 *     `inner` contiguous floats from src + i0·s0 + i1·s1 + i2·s2 + i3·s3 (strides in bytes) to dst, which
 *     advances by the run. Lower-rank transposes pass leading sizes of 1.
 *
 * Runs move four floats at a time, then one at a time.
 */
const COPY_RUNS = `
  (func (export "copy_runs") (param $src i32) (param $dst i32) (param $n0 i32) (param $n1 i32) (param $n2 i32)
      (param $n3 i32) (param $s0 i32) (param $s1 i32) (param $s2 i32) (param $s3 i32) (param $inner i32)
    (local $i0 i32) (local $i1 i32) (local $i2 i32) (local $i3 i32) (local $p0 i32) (local $p1 i32)
    (local $p2 i32) (local $from i32) (local $end i32) (local $vectors_end i32) (local $bytes i32)
    (local.set $bytes (i32.shl (local.get $inner) (i32.const 2)))
    (local.set $p0 (local.get $src))
    (block $d0 (loop $l0 (br_if $d0 (i32.ge_u (local.get $i0) (local.get $n0)))
      (local.set $p1 (local.get $p0)) (local.set $i1 (i32.const 0))
      (block $d1 (loop $l1 (br_if $d1 (i32.ge_u (local.get $i1) (local.get $n1)))
        (local.set $p2 (local.get $p1)) (local.set $i2 (i32.const 0))
        (block $d2 (loop $l2 (br_if $d2 (i32.ge_u (local.get $i2) (local.get $n2)))
          (local.set $from (local.get $p2)) (local.set $i3 (i32.const 0))
          (block $d3 (loop $l3 (br_if $d3 (i32.ge_u (local.get $i3) (local.get $n3)))
            (local.set $end (i32.add (local.get $from) (local.get $bytes)))
            (local.set $vectors_end (i32.add (local.get $from) (i32.and (local.get $bytes) (i32.const -16))))
            (block $dv (loop $lv (br_if $dv (i32.ge_u (local.get $from) (local.get $vectors_end)))
              (v128.store (local.get $dst) (v128.load (local.get $from)))
              (local.set $from (i32.add (local.get $from) (i32.const 16)))
              (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
              (br $lv)))
            (block $ds (loop $ls (br_if $ds (i32.ge_u (local.get $from) (local.get $end)))
              (i32.store (local.get $dst) (i32.load (local.get $from)))
              (local.set $from (i32.add (local.get $from) (i32.const 4)))
              (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
              (br $ls)))
            ;; Back to the run's start, then one step along axis 3.
            (local.set $from (i32.add (i32.sub (local.get $from) (local.get $bytes)) (local.get $s3)))
            (local.set $i3 (i32.add (local.get $i3) (i32.const 1)))
            (br $l3)))
          (local.set $p2 (i32.add (local.get $p2) (local.get $s2)))
          (local.set $i2 (i32.add (local.get $i2) (i32.const 1)))
          (br $l2)))
        (local.set $p1 (i32.add (local.get $p1) (local.get $s1)))
        (local.set $i1 (i32.add (local.get $i1) (i32.const 1)))
        (br $l1)))
      (local.set $p0 (i32.add (local.get $p0) (local.get $s0)))
      (local.set $i0 (i32.add (local.get $i0) (i32.const 1)))
      (br $l0))))`;

/*
 * The sum of squares of `count` floats at `src` (a gradient's contribution to the global norm that
 * clipping and logging need), in float32 like the composed Square and Sum: two vector accumulators, then
 * the last `count mod 8` floats one at a time.
 */
const SUM_OF_SQUARES = `
  (func (export "sumsq") (param $src i32) (param $count i32) (result f32)
    (local $end i32) (local $vectors_end i32) (local $a v128) (local $b v128) (local $x v128) (local $y v128)
    (local $tail f32) (local $v f32)
    (local.set $end (i32.add (local.get $src) (i32.shl (local.get $count) (i32.const 2))))
    (local.set $vectors_end (i32.add (local.get $src) (i32.shl (i32.and (local.get $count) (i32.const -8)) (i32.const 2))))
    (block $done (loop $vectors
      (br_if $done (i32.ge_u (local.get $src) (local.get $vectors_end)))
      (local.set $x (v128.load (local.get $src)))
      (local.set $y (v128.load offset=16 (local.get $src)))
      (local.set $a (f32x4.add (local.get $a) (f32x4.mul (local.get $x) (local.get $x))))
      (local.set $b (f32x4.add (local.get $b) (f32x4.mul (local.get $y) (local.get $y))))
      (local.set $src (i32.add (local.get $src) (i32.const 32)))
      (br $vectors)))
    (block $done_tail (loop $tail_loop
      (br_if $done_tail (i32.ge_u (local.get $src) (local.get $end)))
      (local.set $v (f32.load (local.get $src)))
      (local.set $tail (f32.add (local.get $tail) (f32.mul (local.get $v) (local.get $v))))
      (local.set $src (i32.add (local.get $src) (i32.const 4)))
      (br $tail_loop)))
    (local.set $a (f32x4.add (local.get $a) (local.get $b)))
    (f32.add ${lanesSum('a')} (local.get $tail)))`;

/** The whole module; `shared` imports a shared memory (tfjs's multi-threaded wasm build). */
export function elementwiseWat(options: { shared: boolean }): string {
  const memory = options.shared ? '(memory 1 65536 shared)' : '(memory 1)';
  return `(module
  (import "env" "memory" ${memory})
  ${[EXP, TANH, ERF, GELU_ERF, GELU_ERF_GRAD, GELU_TANH, GELU_TANH_GRAD, ADAM, SGD, TANH_GRAD].map(elementwise).join('\n')}
  ${LAYER_NORM}
  ${LAYER_NORM_GRAD}
  ${MASKED_SOFTMAX}
  ${MASKED_SOFTMAX_GRAD}
  ${COPY_RUNS}
  ${SUM_OF_SQUARES}
  ${COLUMN_SUM})
`;
}
