/**
 * Fits the polynomial and rational coefficients that scripts/elementwise-wat.ts uses, and prints them:
 *
 *   tsx scripts/fit-elementwise.ts
 *
 * Both fits are near-minimax, by Lawson's algorithm (C. L. Lawson, "Contributions to the theory of linear
 * least maximum approximation", PhD thesis, UCLA, 1961): a least-squares fit on ~3000 Chebyshev-spaced
 * points, repeated with each point's weight multiplied by its last error, which drives the weighted
 * least-squares solution towards the minimax one. The rational fit is made linear in its unknowns by
 * multiplying through by the denominator, divided by the previous iteration's denominator so that the
 * residual stays a relative error. Run once; the coefficients are copied into the generator, so that the
 * generated module does not depend on this script's floating-point path.
 */
import { erfReference } from './erf-reference';

/** Least squares min ‖A·c − b‖ by Householder QR (A has more rows than columns and full rank). */
function leastSquares(a: number[][], b: number[]): number[] {
  const rows = a.map((row) => [...row]);
  const rhs = [...b];
  const m = rows.length;
  const n = rows[0]!.length;
  for (let k = 0; k < n; k++) {
    let norm = 0;
    for (let i = k; i < m; i++) norm += rows[i]![k]! ** 2;
    norm = Math.sqrt(norm);
    const alpha = rows[k]![k]! > 0 ? -norm : norm;
    const v = new Float64Array(m);
    for (let i = k; i < m; i++) v[i] = rows[i]![k]!;
    v[k]! -= alpha;
    let vv = 0;
    for (let i = k; i < m; i++) vv += v[i]! ** 2;
    if (vv === 0) continue;
    const reflect = (column: (i: number) => number, write: (i: number, value: number) => void) => {
      let s = 0;
      for (let i = k; i < m; i++) s += v[i]! * column(i);
      s = (2 * s) / vv;
      for (let i = k; i < m; i++) write(i, column(i) - s * v[i]!);
    };
    for (let j = k; j < n; j++) {
      reflect(
        (i) => rows[i]![j]!,
        (i, value) => {
          rows[i]![j] = value;
        },
      );
    }
    reflect(
      (i) => rhs[i]!,
      (i, value) => {
        rhs[i] = value;
      },
    );
  }
  const c = new Array<number>(n).fill(0);
  for (let k = n - 1; k >= 0; k--) {
    let s = rhs[k]!;
    for (let j = k + 1; j < n; j++) s -= rows[k]![j]! * c[j]!;
    c[k] = s / rows[k]![k]!;
  }
  return c;
}

/** Chebyshev-spaced points of [lo, hi], ends included. */
const points = (lo: number, hi: number, count = 3000) =>
  Array.from({ length: count + 1 }, (_, i) => lo + ((hi - lo) * (1 - Math.cos((Math.PI * i) / count))) / 2);

const evaluate = (c: number[], v: number) => c.reduceRight((acc, ci) => acc * v + ci, 0);

/**
 * Lawson's iteration around `solve`, which returns coefficients and the weighted errors at the points for
 * the given Lawson weights. Returns the coefficients with the smallest maximum error seen.
 */
function lawson(
  count: number,
  solve: (weights: number[]) => { coefficients: number[][]; errors: number[] },
  iterations: number,
): { coefficients: number[][]; maxError: number } {
  let weights = new Array<number>(count).fill(1);
  let best = { coefficients: [] as number[][], maxError: Number.POSITIVE_INFINITY };
  for (let it = 0; it < iterations; it++) {
    const { coefficients, errors } = solve(weights);
    const maxError = Math.max(...errors.map(Math.abs));
    if (maxError < best.maxError) best = { coefficients, maxError };
    const total = errors.reduce((acc, e, i) => acc + weights[i]! * Math.abs(e), 0);
    weights = weights.map((w, i) => (w * Math.abs(errors[i]!) * count) / total + 1e-300);
  }
  return best;
}

/**
 * q(r) ≈ (e^r − 1 − r)/r², degree 4 on |r| ≤ 0.35 (a little over ln2/2, for the rounding of n). The error
 * is weighted as the relative error it causes in e^r and in e^r − 1, the larger of the two.
 */
function fitExpm1(): { q: number[]; maxError: number } {
  const q = (r: number) => {
    if (Math.abs(r) > 1e-3) return (Math.expm1(r) - r) / (r * r);
    let term = 0.5;
    let sum = 0.5;
    for (let k = 3; k < 12; k++) {
      term *= r / k;
      sum += term;
    }
    return sum;
  };
  const xs = points(-0.35, 0.35);
  const weight = xs.map((r) =>
    r === 0 ? 0 : Math.max((r * r) / Math.exp(r), Math.abs((r * r) / Math.expm1(r))),
  );
  const target = xs.map(q);
  const degree = 4;
  const scale = 0.35;
  const fit = lawson(
    xs.length,
    (lw) => {
      const rows = xs.map((r, i) =>
        Array.from({ length: degree + 1 }, (_, j) => Math.sqrt(lw[i]!) * weight[i]! * (r / scale) ** j),
      );
      const c = leastSquares(
        rows,
        xs.map((_, i) => Math.sqrt(lw[i]!) * weight[i]! * target[i]!),
      ).map((cj, j) => cj / scale ** j);
      return { coefficients: [c], errors: xs.map((r, i) => (evaluate(c, r) - target[i]!) * weight[i]!) };
    },
    200,
  );
  return { q: fit.coefficients[0]!, maxError: fit.maxError };
}

/** erf(x) ≈ x·P(x²)/Q(x²), Q(0) = 1, both of degree 5, relative error on [0, 4]. */
function fitErf(): { p: number[]; q: number[]; maxError: number } {
  const degree = 5;
  const xs = points(0, 4).map((x) => (x === 0 ? 1e-6 : x));
  const target = xs.map(erfReference);
  const scale = 16; // u = x² ≤ 16, fitted as u/16 for conditioning
  let previous = xs.map(() => 1);
  const fit = lawson(
    xs.length,
    (lw) => {
      const rows: number[][] = [];
      const rhs: number[] = [];
      xs.forEach((x, i) => {
        const v = (x * x) / scale;
        const f = target[i]!;
        const s = Math.sqrt(lw[i]!) / (f * previous[i]!);
        const row: number[] = [];
        for (let j = 0; j <= degree; j++) row.push(s * x * v ** j);
        for (let j = 1; j <= degree; j++) row.push(-s * f * v ** j);
        rows.push(row);
        rhs.push(s * f);
      });
      const c = leastSquares(rows, rhs);
      const p = c.slice(0, degree + 1);
      const q = [1, ...c.slice(degree + 1)];
      previous = xs.map((x) => evaluate(q, (x * x) / scale));
      const errors = xs.map((x, i) => {
        const v = (x * x) / scale;
        return ((x * evaluate(p, v)) / evaluate(q, v) - target[i]!) / target[i]!;
      });
      return {
        coefficients: [p.map((pj, j) => pj / scale ** j), q.map((qj, j) => qj / scale ** j)],
        errors,
      };
    },
    60,
  );
  return { p: fit.coefficients[0]!, q: fit.coefficients[1]!, maxError: fit.maxError };
}

const expm1 = fitExpm1();
console.log(`EXPM1_Q (max weighted error ${expm1.maxError.toExponential(2)}):`, expm1.q);
const erf = fitErf();
console.log(`ERF_P, ERF_Q (max relative error ${erf.maxError.toExponential(2)}):`, erf.p, erf.q);
