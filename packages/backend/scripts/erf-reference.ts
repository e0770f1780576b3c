/**
 * erf in double precision, for fitting and testing the float32 kernel: the everywhere-convergent series
 *
 *   erf(x) = (2/√π) · e^(−x²) · Σ_{n≥0} 2^n x^(2n+1) / (1·3·5···(2n+1))
 *
 * (Abramowitz & Stegun 7.1.6), whose terms are all positive, so nothing cancels: relative error ~1e-15 for
 * |x| < 6. From 6 on, erf is 1 in double precision (erfc(6) ≈ 2e-17).
 */
export function erfReference(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  const a = Math.abs(x);
  if (a >= 6) return Math.sign(x);
  const a2 = a * a;
  let term = a;
  let sum = a;
  for (let n = 1; term > sum * 1e-18; n++) {
    term *= (2 * a2) / (2 * n + 1);
    sum += term;
  }
  const value = (2 / Math.sqrt(Math.PI)) * Math.exp(-a2) * sum;
  return x < 0 || Object.is(x, -0) ? -value : value;
}
