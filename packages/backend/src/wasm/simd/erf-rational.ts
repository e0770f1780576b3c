/**
 * erf(x) ≈ x·P(x²)/Q(x²) on [0, 4], P and Q of degree 5: a near-minimax rational fit (relative error 2.5e-8)
 * by scripts/fit-elementwise.ts. The SIMD module evaluates it in float64 lanes (scripts/elementwise-wat.ts);
 * {@link erfRational} is the same formula for the JavaScript fallbacks.
 */

/** P's coefficients, constant term first. */
export const ERF_P = [
  1.1283791395542075, 0.19353218052787854, 0.053099738801444384, 0.0038827067686925463,
  0.00028453798989661874, 0.000001986707895880595,
];
/** Q's coefficients, constant term first. */
export const ERF_Q = [
  1, 0.5048459888687628, 0.11534440162009886, 0.015205987050602577, 0.0011853910633774414,
  0.0000374179303424513,
];

const polynomial = (c: readonly number[], u: number) => c.reduceRight((sum, ci) => sum * u + ci, 0);

/** erf(x) in float64 from the fit, with |x| capped at 4 (erf rounds to 1 in float32 from 3.92 on). */
export function erfRational(x: number): number {
  const a = Math.min(Math.abs(x), 4);
  const u = a * a;
  return Math.sign(x) * ((a * polynomial(ERF_P, u)) / polynomial(ERF_Q, u));
}
