/**
 * Two-dimensional views of an embedding table for the scatter plot: the table itself when it has two
 * columns (the lecture's 27×2 C), otherwise its first two principal components (Pearson 1901), found by
 * power iteration with deflation on the d×d covariance matrix.
 */

export interface Projection {
  x: number[];
  y: number[];
  method: string;
}

/** Projects `rows` points of `dims` dimensions (row-major) to 2-D. */
export function projectTo2d(values: ArrayLike<number>, rows: number, dims: number): Projection {
  if (dims === 1) {
    return {
      x: Array.from({ length: rows }, (_, i) => values[i]!),
      y: new Array(rows).fill(0),
      method: 'The embedding has one dimension.',
    };
  }
  if (dims === 2) {
    return {
      x: Array.from({ length: rows }, (_, i) => values[i * 2]!),
      y: Array.from({ length: rows }, (_, i) => values[i * 2 + 1]!),
      method: 'The embedding has two dimensions, plotted as they are.',
    };
  }
  const mean = new Float64Array(dims);
  for (let r = 0; r < rows; r++) for (let d = 0; d < dims; d++) mean[d]! += values[r * dims + d]! / rows;
  const centred = new Float64Array(rows * dims);
  for (let r = 0; r < rows; r++)
    for (let d = 0; d < dims; d++) centred[r * dims + d] = values[r * dims + d]! - mean[d]!;
  const cov = new Float64Array(dims * dims);
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < dims; i++) {
      const a = centred[r * dims + i]!;
      for (let j = 0; j < dims; j++)
        cov[i * dims + j]! += (a * centred[r * dims + j]!) / Math.max(1, rows - 1);
    }
  }
  const components: Float64Array[] = [];
  const variances: number[] = [];
  for (let k = 0; k < 2; k++) {
    let v = new Float64Array(dims).map((_, i) => 1 / Math.sqrt(dims) + i * 1e-3);
    let lambda = 0;
    for (let iter = 0; iter < 300; iter++) {
      const next = new Float64Array(dims);
      for (let i = 0; i < dims; i++) {
        let sum = 0;
        for (let j = 0; j < dims; j++) sum += cov[i * dims + j]! * v[j]!;
        next[i] = sum;
      }
      const norm = Math.hypot(...next);
      if (norm === 0) break;
      for (let i = 0; i < dims; i++) next[i]! /= norm;
      lambda = norm;
      v = next;
    }
    components.push(v);
    variances.push(lambda);
    // Deflate: remove the found component so the next iteration finds the following one.
    for (let i = 0; i < dims; i++)
      for (let j = 0; j < dims; j++) cov[i * dims + j]! -= lambda * v[i]! * v[j]!;
  }
  const project = (c: Float64Array) =>
    Array.from({ length: rows }, (_, r) => {
      let s = 0;
      for (let d = 0; d < dims; d++) s += centred[r * dims + d]! * c[d]!;
      return s;
    });
  return {
    x: project(components[0]!),
    y: project(components[1]!),
    method: `The first two principal components of the ${dims}-dimensional embeddings.`,
  };
}
