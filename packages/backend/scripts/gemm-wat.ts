/**
 * Generates the WebAssembly text of our float32 matrix product, C = A·B (+ bias), in 128-bit SIMD.
 *
 * The module imports the tfjs wasm backend's memory, so it reads and writes tensors where they already
 * live. Layout contract (all addresses and strides in bytes):
 *   - A[i, p] is at a + i·rsa + p·ksa: any strides, so a transposed A costs nothing;
 *   - B is packed by `pack` into ⌈N/8⌉ contiguous tiles of K×8 floats (zero-padded);
 *   - C is M×N, row-major, rows `ldc` bytes apart (4·N when dense; more when C is a column block of a
 *     wider matrix, as attention's heads are); bias (0 for none) is ⌈N/8⌉·8 floats, added to every row.
 *
 * The register-blocked micro-kernel computes an R×8 tile of C with 2·R accumulators, for R = 6 and, for the
 * rows left over, 4, 2 and 1 (Goto & van de Geijn, "Anatomy of high-performance matrix multiplication",
 * ACM TOMS 2008): per step
 * of p it loads 8 floats of B once and reuses them for R rows, broadcasting A[i, p] with load32_splat.
 * Tiles that overhang N are computed into a scratch tile and the valid columns copied out.
 */

/**
 * Rows per micro-kernel tile. 2·R accumulators + 2 of B + 1 of A must fit x64's 16 vector registers (15
 * for R = 6; the unfused product takes the last as a temporary). Fused multiply-adds need the 12
 * independent accumulators of R = 6 to cover their latency: with R = 4 the FMA kernel ran 16 % faster
 * than mul + add, with R = 6 38 % (2-vCPU Sapphire Rapids, 2026-11-29); mul + add ran alike at 4 and 6.
 */
const TILE_ROWS = 6;

/**
 * Kernels for the last M mod R rows, widest first. Single rows alone ran at a third of the R-row rate, and
 * attention's 64-row products (64 = 6·10 + 4) and makemore's 16-row ones (16 = 6·2 + 4) leave 4 rows over.
 */
const REMAINDER_ROWS = [4, 2, 1];

/**
 * a·b + c. With `fma`, relaxed SIMD's `f32x4.relaxed_madd`, which engines compile to one fused
 * multiply-add where the CPU has one (rounding once, so results may differ from mul + add in the last
 * bit); without, a product and a sum.
 */
const multiplyAdd = (a: string, b: string, c: string, fma: boolean) =>
  fma ? `(f32x4.relaxed_madd ${a} ${b} ${c})` : `(f32x4.add ${c} (f32x4.mul ${a} ${b}))`;

/** One R×8 micro-kernel: `$k<R>(a, b, c, ldc, bias, k, rsa, ksa, ldb)`. */
function microKernel(rows: number, fma: boolean): string {
  const r = [...Array(rows).keys()];
  const locals = [
    ...r.flatMap((i) => [`(local $c${i}0 v128)`, `(local $c${i}1 v128)`]),
    ...r.slice(1).map((i) => `(local $a${i} i32)`),
    '(local $b0 v128) (local $b1 v128) (local $x v128) (local $end i32)',
  ];
  const init = r.flatMap((i) => [
    `(local.set $c${i}0 (local.get $zero0))`,
    `(local.set $c${i}1 (local.get $zero1))`,
  ]);
  const rowPointers = r
    .slice(1)
    .map((i) => `(local.set $a${i} (i32.add (local.get $a) (i32.mul (local.get $rsa) (i32.const ${i}))))`);
  const rowPtr = (i: number) => (i === 0 ? '(local.get $a)' : `(local.get $a${i})`);
  const body = r.flatMap((i) => [
    `(local.set $x (v128.load32_splat ${rowPtr(i)}))`,
    `(local.set $c${i}0 ${multiplyAdd('(local.get $x)', '(local.get $b0)', `(local.get $c${i}0)`, fma)})`,
    `(local.set $c${i}1 ${multiplyAdd('(local.get $x)', '(local.get $b1)', `(local.get $c${i}1)`, fma)})`,
  ]);
  const advance = r.map((i) =>
    i === 0
      ? '(local.set $a (i32.add (local.get $a) (local.get $ksa)))'
      : `(local.set $a${i} (i32.add (local.get $a${i}) (local.get $ksa)))`,
  );
  const store = r.flatMap((i) => [
    `(v128.store offset=0 (i32.add (local.get $c) (i32.mul (local.get $ldc) (i32.const ${i}))) (local.get $c${i}0))`,
    `(v128.store offset=16 (i32.add (local.get $c) (i32.mul (local.get $ldc) (i32.const ${i}))) (local.get $c${i}1))`,
  ]);
  return `
  (func $k${rows} (param $a i32) (param $b i32) (param $c i32) (param $ldc i32) (param $bias i32)
      (param $k i32) (param $rsa i32) (param $ksa i32) (param $ldb i32)
    (local $zero0 v128) (local $zero1 v128)
    ${locals.join('\n    ')}
    (if (local.get $bias) (then
      (local.set $zero0 (v128.load offset=0 (local.get $bias)))
      (local.set $zero1 (v128.load offset=16 (local.get $bias)))))
    ${init.join('\n    ')}
    ${rowPointers.join('\n    ')}
    (local.set $end (i32.add (local.get $b) (i32.mul (local.get $k) (local.get $ldb))))
    (if (i32.gt_s (local.get $k) (i32.const 0)) (then
      (loop $p
        (local.set $b0 (v128.load offset=0 (local.get $b)))
        (local.set $b1 (v128.load offset=16 (local.get $b)))
        ${body.join('\n        ')}
        ${advance.join('\n        ')}
        (local.set $b (i32.add (local.get $b) (local.get $ldb)))
        (br_if $p (i32.lt_u (local.get $b) (local.get $end))))))
    ${store.join('\n    ')})`;
}

/** Copies one step of p of an R-row strip (R adjacent floats) from $from to $to: v128, then i64, then f32. */
function stripStep(rows: number): string {
  const moves: string[] = [];
  for (let offset = 0; offset < rows; ) {
    const [type, floats] = rows - offset >= 4 ? ['v128', 4] : rows - offset >= 2 ? ['i64', 2] : ['f32', 1];
    moves.push(
      `(${type}.store offset=${offset * 4} (local.get $to) (${type}.load offset=${offset * 4} (local.get $from)))`,
    );
    offset += floats as number;
  }
  return moves.join('\n            ');
}

/**
 * The driver: `gemm(a, b, c, bias, m, n, k, rsa, ksa, tile, nc, strip, ldc)` walks C in panels of `nc` columns
 * (a multiple of 8), and each panel in R×8 tiles, row strip by row strip: the K×nc panel of B stays in
 * the L2 cache while every row strip of A streams past it. `tile` is 32·R bytes of scratch for the tiles
 * that overhang N; `strip` is 4·R·k bytes of scratch for a transposed A's row strip.
 */
const driver = (TILE_ROWS: number) => `
  (func (export "gemm") (param $a i32) (param $b i32) (param $c i32) (param $bias i32)
      (param $m i32) (param $n i32) (param $k i32) (param $rsa i32) (param $ksa i32)
      (param $tile i32) (param $nc i32) (param $strip i32) (param $ldc i32)
    (local $i i32) (local $j i32) (local $rows i32) (local $cols i32) (local $dst i32)
    (local $r i32) (local $q i32) (local $biasj i32) (local $jp i32) (local $jend i32)
    (local $sa i32) (local $srsa i32) (local $sksa i32) (local $p i32) (local $from i32) (local $to i32)
    (block $done_panels (loop $next_panel
    (br_if $done_panels (i32.ge_s (local.get $jp) (local.get $n)))
    (local.set $jend (select (local.get $n) (i32.add (local.get $jp) (local.get $nc))
      (i32.gt_s (i32.add (local.get $jp) (local.get $nc)) (local.get $n))))
    (local.set $i (i32.const 0))
    (block $done_i (loop $next_i
      (br_if $done_i (i32.ge_s (local.get $i) (local.get $m)))
      (local.set $rows (select (i32.const ${TILE_ROWS}) (i32.sub (local.get $m) (local.get $i))
        (i32.ge_s (i32.sub (local.get $m) (local.get $i)) (i32.const ${TILE_ROWS}))))
      ;; A strip whose R rows sit side by side in memory (a transposed A: rsa = 4) but whose steps in p are
      ;; far apart is copied into a contiguous K×R strip first, so the kernel reads consecutive memory
      ;; instead of one cache line per step.
      (local.set $sa (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $rsa))))
      (local.set $srsa (local.get $rsa))
      (local.set $sksa (local.get $ksa))
      (if (i32.and (i32.and (i32.eq (local.get $rows) (i32.const ${TILE_ROWS}))
            (i32.eq (local.get $rsa) (i32.const 4))) (i32.gt_u (local.get $ksa) (i32.const ${4 * TILE_ROWS})))
        (then
          (local.set $from (local.get $sa))
          (local.set $to (local.get $strip))
          (local.set $p (i32.const 0))
          (block $done_strip (loop $next_strip
            (br_if $done_strip (i32.ge_s (local.get $p) (local.get $k)))
            ${stripStep(TILE_ROWS)}
            (local.set $from (i32.add (local.get $from) (local.get $ksa)))
            (local.set $to (i32.add (local.get $to) (i32.const ${4 * TILE_ROWS})))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (br $next_strip)))
          (local.set $sa (local.get $strip))
          (local.set $srsa (i32.const 4))
          (local.set $sksa (i32.const ${4 * TILE_ROWS}))))
      (local.set $j (local.get $jp))
      (block $done_j (loop $next_j
        (br_if $done_j (i32.ge_s (local.get $j) (local.get $jend)))
        (local.set $cols (i32.sub (local.get $n) (local.get $j)))
        (local.set $biasj (select (i32.add (local.get $bias) (i32.shl (local.get $j) (i32.const 2)))
          (i32.const 0) (local.get $bias)))
        (if (i32.ge_s (local.get $cols) (i32.const 8))
          (then (local.set $dst (i32.add (i32.add (local.get $c) (i32.mul (local.get $i) (local.get $ldc)))
            (i32.shl (local.get $j) (i32.const 2)))))
          (else (local.set $dst (local.get $tile))))
        ;; rows × 8 tile at (i, j): one R-row kernel, or narrower kernels for the remainder of M.
        (if (i32.eq (local.get $rows) (i32.const ${TILE_ROWS}))
          (then (call $k${TILE_ROWS}
            (local.get $sa)
            (i32.add (local.get $b) (i32.mul (i32.shr_u (local.get $j) (i32.const 3)) (i32.shl (local.get $k) (i32.const 5))))
            (local.get $dst)
            (select (local.get $ldc) (i32.const 32) (i32.ge_s (local.get $cols) (i32.const 8)))
            (local.get $biasj) (local.get $k) (local.get $srsa) (local.get $sksa) (i32.const 32)))
          (else
            ;; The last rows/R rows: 4-, 2- and 1-row kernels, widest first.
            (local.set $r (i32.const 0))
            (loop $row
              ${REMAINDER_ROWS.map(
                (rr) => `(if (i32.ge_s (i32.sub (local.get $rows) (local.get $r)) (i32.const ${rr})) (then
                (call $k${rr}
                  (i32.add (local.get $a) (i32.mul (i32.add (local.get $i) (local.get $r)) (local.get $rsa)))
                  (i32.add (local.get $b) (i32.mul (i32.shr_u (local.get $j) (i32.const 3)) (i32.shl (local.get $k) (i32.const 5))))
                  (i32.add (local.get $dst) (i32.mul (local.get $r)
                    (select (local.get $ldc) (i32.const 32) (i32.ge_s (local.get $cols) (i32.const 8)))))
                  (select (local.get $ldc) (i32.const 32) (i32.ge_s (local.get $cols) (i32.const 8)))
                  (local.get $biasj) (local.get $k) (local.get $rsa) (local.get $ksa) (i32.const 32))
                (local.set $r (i32.add (local.get $r) (i32.const ${rr})))
                (br $row)))`,
              ).join('\n              ')}
              )))
        ;; Overhanging tile: copy its valid columns into C.
        (if (i32.lt_s (local.get $cols) (i32.const 8)) (then
          (local.set $r (i32.const 0))
          (loop $copy_r
            (local.set $q (i32.const 0))
            (loop $copy_q
              (f32.store
                (i32.add (i32.add (local.get $c) (i32.mul (i32.add (local.get $i) (local.get $r)) (local.get $ldc)))
                  (i32.shl (i32.add (local.get $j) (local.get $q)) (i32.const 2)))
                (f32.load (i32.add (local.get $tile)
                  (i32.shl (i32.add (i32.shl (local.get $r) (i32.const 3)) (local.get $q)) (i32.const 2)))))
              (local.set $q (i32.add (local.get $q) (i32.const 1)))
              (br_if $copy_q (i32.lt_s (local.get $q) (local.get $cols))))
            (local.set $r (i32.add (local.get $r) (i32.const 1)))
            (br_if $copy_r (i32.lt_s (local.get $r) (local.get $rows))))))
        (local.set $j (i32.add (local.get $j) (i32.const 8)))
        (br $next_j)))
      (local.set $i (i32.add (local.get $i) (local.get $rows)))
      (br $next_i)))
    (local.set $jp (local.get $jend))
    (br $next_panel))))`;

/**
 * `pack(src, dst, k, n, rsb, csb)` copies B, element (p, j) at src + p·rsb + j·csb, into the layout the
 * micro-kernel streams: ⌈n/8⌉ tiles of k rows × 8 floats, each tile contiguous, the padding zeroed. A
 * transposed B is rsb = 4, csb = 4·k. Contiguous tiles keep the kernel's reads sequential; rows of a wide
 * B, read 8 floats at a time, would step through memory at a stride that defeats the caches.
 * Full tiles of a row-major B are copied 8 floats at a time; full tiles of a transposed B column by column
 * (sequential reads); only the ragged last tile checks bounds per element.
 */
const pack = `
  (func (export "pack") (param $src i32) (param $dst i32) (param $k i32) (param $n i32) (param $rsb i32)
      (param $csb i32)
    (local $p i32) (local $j i32) (local $q i32) (local $col i32) (local $out i32) (local $from i32)
    (local $to i32)
    (local.set $out (local.get $dst))
    (block $done_j (loop $next_j
      (br_if $done_j (i32.ge_s (local.get $j) (local.get $n)))
      (if (i32.le_s (i32.add (local.get $j) (i32.const 8)) (local.get $n))
        (then
          (if (i32.eq (local.get $csb) (i32.const 4))
            (then
              ;; Row-major B: each tile row is 8 consecutive floats of a row of B.
              (local.set $from (i32.add (local.get $src) (i32.shl (local.get $j) (i32.const 2))))
              (local.set $p (i32.const 0))
              (block $done_rows (loop $rows
                (br_if $done_rows (i32.ge_s (local.get $p) (local.get $k)))
                (v128.store offset=0 (local.get $out) (v128.load offset=0 (local.get $from)))
                (v128.store offset=16 (local.get $out) (v128.load offset=16 (local.get $from)))
                (local.set $from (i32.add (local.get $from) (local.get $rsb)))
                (local.set $out (i32.add (local.get $out) (i32.const 32)))
                (local.set $p (i32.add (local.get $p) (i32.const 1)))
                (br $rows))))
            (else
              ;; Any other layout: one column of the tile at a time, reading it in order.
              (local.set $q (i32.const 0))
              (loop $cols
                (local.set $from (i32.add (local.get $src)
                  (i32.mul (i32.add (local.get $j) (local.get $q)) (local.get $csb))))
                (local.set $to (i32.add (local.get $out) (i32.shl (local.get $q) (i32.const 2))))
                (local.set $p (i32.const 0))
                (block $done_col (loop $col_p
                  (br_if $done_col (i32.ge_s (local.get $p) (local.get $k)))
                  (f32.store (local.get $to) (f32.load (local.get $from)))
                  (local.set $from (i32.add (local.get $from) (local.get $rsb)))
                  (local.set $to (i32.add (local.get $to) (i32.const 32)))
                  (local.set $p (i32.add (local.get $p) (i32.const 1)))
                  (br $col_p)))
                (local.set $q (i32.add (local.get $q) (i32.const 1)))
                (br_if $cols (i32.lt_s (local.get $q) (i32.const 8))))
              (local.set $out (i32.add (local.get $out) (i32.shl (local.get $k) (i32.const 5)))))))
        (else
          ;; The ragged last tile: zero-pad the columns past n.
          (local.set $p (i32.const 0))
          (block $done_p (loop $next_p
            (br_if $done_p (i32.ge_s (local.get $p) (local.get $k)))
            (local.set $q (i32.const 0))
            (loop $next_q
              (local.set $col (i32.add (local.get $j) (local.get $q)))
              (f32.store (local.get $out)
                (if (result f32) (i32.lt_s (local.get $col) (local.get $n))
                  (then (f32.load (i32.add (local.get $src) (i32.add (i32.mul (local.get $p) (local.get $rsb))
                    (i32.mul (local.get $col) (local.get $csb))))))
                  (else (f32.const 0))))
              (local.set $out (i32.add (local.get $out) (i32.const 4)))
              (local.set $q (i32.add (local.get $q) (i32.const 1)))
              (br_if $next_q (i32.lt_s (local.get $q) (i32.const 8))))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (br $next_p)))))
      (local.set $j (i32.add (local.get $j) (i32.const 8)))
      (br $next_j))))`;

/** The whole module; `shared` imports a shared memory (tfjs's multi-threaded wasm build). */
export function gemmWat(options: { shared: boolean; fma: boolean }): string {
  const memory = options.shared ? '(memory 1 65536 shared)' : '(memory 1)';
  return `(module
  (import "env" "memory" ${memory})
  ${[TILE_ROWS, ...REMAINDER_ROWS].map((rows) => microKernel(rows, options.fma)).join('\n  ')}
  (func (export "tileRows") (result i32) (i32.const ${TILE_ROWS}))
  ${driver(TILE_ROWS)}
  ${pack})
`;
}
