/**
 * Generates the WebAssembly text of our float32 elementwise kernels, exp, tanh and erf, in 128-bit SIMD,
 * and of a column sum (`colsum`, the `Sum` over leading axes).
 *
 * Like the gemm module, it imports the tfjs wasm backend's memory. Each export `f(src, dst, count)` reads
 * `count` floats at byte address `src` and writes f of each to `dst` (which may equal `src`): two vectors of
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
/** erf(x) ≈ x·Σ ERF_P[i]·x^2i / Σ ERF_Q[i]·x^2i on [0, 4] (scripts/fit-elementwise.ts). */
const ERF_P = [
  1.1283791395542075, 0.19353218052787854, 0.053099738801444384, 0.0038827067686925463,
  0.00028453798989661874, 0.000001986707895880595,
];
const ERF_Q = [
  1, 0.5048459888687628, 0.11534440162009886, 0.015205987050602577, 0.0011853910633774414,
  0.0000374179303424513,
];

/** Adding and subtracting this rounds a float32 below 2^22 in magnitude to an integer, left in the low bits. */
const SHIFTER = 1.5 * 2 ** 23;
/** The float32 bits of SHIFTER: the bits of SHIFTER + n are this plus n. */
const SHIFTER_BITS = 0x4b400000;
/** ln 2 = LN2_HI + LN2_LO; LN2_HI = 355/512 has 9 significant bits, so n·LN2_HI is exact for |n| < 2^15. */
const LN2_HI = 0.693359375;
const LN2_LO = Math.LN2 - LN2_HI;

/** One kernel: the statements that compute local `y` from local `x` (both v128), and what they use. */
interface Kernel {
  name: string;
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

const EXP: Kernel = {
  name: 'exp',
  constants: {
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
  },
  temps: ['t', 'r', 'q'],
  body: [
    set('x', op('f32x4.pmax', op('f32x4.pmin', 'x', 'hi'), 'lo')),
    ...reduce('x'),
    ...horner('q', 'r', 'q', EXPM1_Q.length - 1, 'f32x4'),
    // 2·e^r = 2 + r·(2 + r·2q(r)), times 2^(n−1).
    set('y', op('f32x4.add', 'two', op('f32x4.mul', 'r', op('f32x4.add', 'two', op('f32x4.mul', 'r', 'q'))))),
    set('y', op('f32x4.mul', 'y', op('i32x4.shl', op('i32x4.add', 't', 'scaleBias'), '(i32.const 23)'))),
  ],
};

const TANH: Kernel = {
  name: 'tanh',
  constants: {
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
  },
  temps: ['t', 'r', 'q', 's', 'v'],
  body: [
    set('v', op('f32x4.mul', op('f32x4.pmin', op('v128.and', 'x', 'abs'), 'cap'), 'minusTwo')),
    ...reduce('v'),
    ...horner('q', 'r', 'q', EXPM1_Q.length - 1, 'f32x4'),
    // m = e^r − 1 = r + r²·q(r), into q.
    set('q', op('f32x4.add', 'r', op('f32x4.mul', op('f32x4.mul', 'r', 'r'), 'q'))),
    set('s', op('i32x4.shl', op('i32x4.add', 't', 'scaleBias'), '(i32.const 23)')),
    // E = expm1(v) = 2^n·m + (2^n − 1); then −tanh|x| = E / (E + 2).
    set('v', op('f32x4.add', op('f32x4.mul', 'q', 's'), op('f32x4.sub', 's', 'one'))),
    set('v', op('f32x4.div', 'v', op('f32x4.add', 'v', 'two'))),
    set('y', op('v128.or', op('v128.and', 'v', 'abs'), op('v128.and', 'x', 'sign'))),
  ],
};

/** x·P(x²)/Q(x²) for two float64 lanes, from local `d` into local `d`. */
const erfRational = [
  set('u', op('f64x2.mul', 'd', 'd')),
  ...horner('p', 'u', 'P', ERF_P.length - 1, 'f64x2'),
  ...horner('w', 'u', 'Q', ERF_Q.length - 1, 'f64x2'),
  set('d', op('f64x2.div', op('f64x2.mul', 'd', 'p'), 'w')),
];

const ERF: Kernel = {
  name: 'erf',
  constants: {
    ...Object.fromEntries(ERF_P.map((c, i) => [`P${i}`, f64x2(c)])),
    ...Object.fromEntries(ERF_Q.map((c, i) => [`Q${i}`, f64x2(c)])),
    cap: f32x4(4),
    abs: i32x4(0x7fffffff),
    sign: i32x4(-0x80000000),
  },
  temps: ['a', 'd', 'u', 'p', 'w', 'lo'],
  body: [
    set('a', op('f32x4.pmin', op('v128.and', 'x', 'abs'), 'cap')),
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
      'y',
      `(i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 ${get('lo')} ${op('f32x4.demote_f64x2_zero', 'd')})`,
    ),
    set('y', op('v128.or', 'y', op('v128.and', 'x', 'sign'))),
  ],
};

/** The body for a second vector in flight: x, y and the temporaries renamed with a `_1` suffix. */
function renamed(kernel: Kernel): string[] {
  const names = new RegExp(`\\$(${['x', 'y', ...kernel.temps].join('|')})\\b`, 'g');
  return kernel.body.map((line) => line.replace(names, '$$$1_1'));
}

/**
 * `kernel` as an export `(src, dst, count)`. Two vectors per iteration halve the loop overhead (V8 adds a
 * stack check to every loop iteration), then one vector, then the 1–3 floats left.
 */
function unary(kernel: Kernel): string {
  const vectors = ['x', 'y', ...kernel.temps];
  const locals = [...vectors, ...vectors.map((name) => `${name}_1`), ...Object.keys(kernel.constants)].map(
    (name) => `(local $${name} v128)`,
  );
  const body = kernel.body.join('\n      ');
  const lane = (i: number, load: boolean) =>
    load
      ? set('x', `(v128.load32_lane offset=${4 * i} ${i} ${get('src')} ${get('x')})`)
      : `(v128.store32_lane offset=${4 * i} ${i} ${get('dst')} ${get('y')})`;
  return `
  (func (export "${kernel.name}") (param $src i32) (param $dst i32) (param $count i32)
    (local $end i32) (local $rest i32)
    ${locals.join(' ')}
    ${Object.entries(kernel.constants)
      .map(([name, value]) => set(name, value))
      .join('\n    ')}
    (local.set $end (i32.add (local.get $src) (i32.shl (i32.and (local.get $count) (i32.const -8)) (i32.const 2))))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $src) (local.get $end)))
      (local.set $x (v128.load (local.get $src)))
      (local.set $x_1 (v128.load offset=16 (local.get $src)))
      ${body}
      ${renamed(kernel).join('\n      ')}
      (v128.store (local.get $dst) (local.get $y))
      (v128.store offset=16 (local.get $dst) (local.get $y_1))
      (local.set $src (i32.add (local.get $src) (i32.const 32)))
      (local.set $dst (i32.add (local.get $dst) (i32.const 32)))
      (br $next)))
    (if (i32.and (local.get $count) (i32.const 4)) (then
      (local.set $x (v128.load (local.get $src)))
      ${body}
      (v128.store (local.get $dst) (local.get $y))
      (local.set $src (i32.add (local.get $src) (i32.const 16)))
      (local.set $dst (i32.add (local.get $dst) (i32.const 16)))))
    (local.set $rest (i32.and (local.get $count) (i32.const 3)))
    (if (local.get $rest) (then
      (local.set $x (v128.load32_zero (local.get $src)))
      (if (i32.gt_u (local.get $rest) (i32.const 1)) (then ${lane(1, true)}))
      (if (i32.gt_u (local.get $rest) (i32.const 2)) (then ${lane(2, true)}))
      ${body}
      ${lane(0, false)}
      (if (i32.gt_u (local.get $rest) (i32.const 1)) (then ${lane(1, false)}))
      (if (i32.gt_u (local.get $rest) (i32.const 2)) (then ${lane(2, false)})))))`;
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

/** The whole module; `shared` imports a shared memory (tfjs's multi-threaded wasm build). */
export function elementwiseWat(options: { shared: boolean }): string {
  const memory = options.shared ? '(memory 1 65536 shared)' : '(memory 1)';
  return `(module
  (import "env" "memory" ${memory})
  ${[EXP, TANH, ERF].map(unary).join('\n')}
  ${COLUMN_SUM})
`;
}
