/**
 * Helper threads for our gemm (src/wasm/gemm), in Node: worker threads that instantiate the same gemm
 * module against tfjs's shared wasm memory and run lists of its `gemm` and `pack` calls.
 *
 * Why our own threads rather than tfjs's pthread pool? tfjs reaches its pool only through XNNPACK's
 * operators, which our kernels replace; and that pool wakes on every XNNPACK op, small or not. These
 * helpers wake only for products big enough to split (src/wasm/gemm/gemm.ts decides), and they sleep in
 * `Atomics.wait` in between, so they cost nothing while the caller runs the rest of a step.
 *
 * Protocol, on one small SharedArrayBuffer of control words and one call list per helper:
 *   1. the caller writes each helper's list, sets PENDING to the helper count and bumps GENERATION;
 *   2. each helper, woken by the new generation, runs its list, then decrements PENDING (the last one
 *      notifies);
 *   3. the caller runs its own share meanwhile, then waits for PENDING to reach 0.
 * A helper that traps (an out-of-bounds address would be a bug in the caller) sets FAILED instead of
 * dying, so the caller can throw rather than wait forever.
 */
import { Worker } from 'node:worker_threads';
import { GEMM_CALL_WORDS as CALL_WORDS, type GemmCallList, type GemmHelpers } from '../wasm/gemm/gemm';

const GENERATION = 0;
const PENDING = 1;
const FAILED = 2;
const STOP = 3;

/** Calls one helper can take per run; a longer plan runs on the calling thread instead. */
export const MAX_HELPER_CALLS = 4096;

/**
 * How long the caller waits for its helpers before it gives up and reports a stuck thread. A split
 * product takes milliseconds; a minute means a helper died (killed, or out of memory).
 */
const HELPER_TIMEOUT_MS = 60_000;

/**
 * How long a helper keeps polling for the next product before it sleeps, and how long the caller polls
 * for its helpers before it sleeps. A training step's products come a fraction of a millisecond apart,
 * and waking a sleeping thread costs far more on a virtual machine, whose idle vCPU the host has halted:
 * on the 2-vCPU benchmark VM, makemore's 512×64×256 products went from 1.0× to 1.5–1.9× faster on two
 * threads with polling. Polling keeps a core busy only while products are coming (tfjs's pthreadpool
 * polls too).
 */
const HELPER_SPIN_MS = 1;
const CALLER_SPIN_MS = 1;

/**
 * Waits until `control[index]` differs from `seen` and returns the new value: polls for `spinMs`, then
 * sleeps. `Atomics.wait` returning is not enough: `Atomics.notify` wakes every waiter whatever the value,
 * and the caller's notify can arrive late (the caller was descheduled between its bump and its notify),
 * after the helper has already run that generation and gone back to sleep. The helper must not run it
 * again, so every wake re-reads the word.
 */
export function nextGeneration(control: Int32Array, index: number, seen: number, spinMs: number): number {
  let now = Atomics.load(control, index);
  const spinUntil = performance.now() + spinMs;
  while (now === seen && performance.now() < spinUntil) now = Atomics.load(control, index);
  while (now === seen) {
    Atomics.wait(control, index, seen);
    now = Atomics.load(control, index);
  }
  return now;
}

/** The helper's whole program (run with `eval`, so the package needs no separate worker file). */
const HELPER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { compiled, memory, control, calls } = workerData;
const fns = new WebAssembly.Instance(compiled, { env: { memory } }).exports;
const ctl = new Int32Array(control);
const list = new Uint32Array(calls);
const nextGeneration = ${nextGeneration.toString()};
let generation = 0;
for (;;) {
  generation = nextGeneration(ctl, ${GENERATION}, generation, ${HELPER_SPIN_MS});
  if (Atomics.load(ctl, ${STOP}) !== 0) break;
  try {
    const count = list[0];
    for (let i = 0; i < count; i++) {
      const o = 1 + i * ${CALL_WORDS};
      if (list[o] === 0) {
        fns.gemm(list[o + 1], list[o + 2], list[o + 3], list[o + 4], list[o + 5], list[o + 6],
          list[o + 7], list[o + 8], list[o + 9], list[o + 10], list[o + 11], list[o + 12], list[o + 13]);
      } else {
        fns.pack(list[o + 1], list[o + 2], list[o + 3], list[o + 4], list[o + 5], list[o + 6]);
      }
    }
  } catch {
    Atomics.store(ctl, ${FAILED}, 1);
  }
  if (Atomics.sub(ctl, ${PENDING}, 1) === 1) Atomics.notify(ctl, ${PENDING});
}
`;

/** `count` helper threads for the gemm module `compiled`, on `memory` (which must be shared). */
export function startGemmHelpers(
  compiled: WebAssembly.Module,
  memory: WebAssembly.Memory,
  count: number,
): GemmHelpers {
  if (!(memory.buffer instanceof SharedArrayBuffer)) {
    throw new Error("gemm helper threads need a shared wasm memory (tfjs-backend-wasm's threaded build)");
  }
  const control = new Int32Array(new SharedArrayBuffer(4 * 4));
  const lists = Array.from({ length: count }, () => {
    return new Uint32Array(new SharedArrayBuffer(4 * (1 + MAX_HELPER_CALLS * CALL_WORDS)));
  });
  const workers = lists.map((list) => {
    const worker = new Worker(HELPER_SOURCE, {
      eval: true,
      workerData: { compiled, memory, control: control.buffer, calls: list.buffer },
    });
    // The helpers sleep in Atomics.wait for the life of the process; they must not keep it alive.
    worker.unref();
    return worker;
  });

  function write(list: Uint32Array, calls: GemmCallList): void {
    list[0] = calls.length / CALL_WORDS;
    list.set(calls, 1);
  }

  function waitForHelpers(): void {
    const spinUntil = performance.now() + CALLER_SPIN_MS;
    while (Atomics.load(control, PENDING) !== 0 && performance.now() < spinUntil);
    const deadline = Date.now() + HELPER_TIMEOUT_MS;
    for (let p = Atomics.load(control, PENDING); p !== 0; p = Atomics.load(control, PENDING)) {
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(
          `wasm gemm: ${p} of ${count} helper threads did not finish within ${HELPER_TIMEOUT_MS / 1000} s ` +
            '(a worker thread died?); restart the process, or use threads: 1',
        );
      }
      Atomics.wait(control, PENDING, p, left);
    }
  }

  return {
    count,
    maxCalls: MAX_HELPER_CALLS,
    run(helperCalls: GemmCallList[], own: () => void): void {
      const pending = Atomics.load(control, PENDING);
      if (pending !== 0) {
        throw new Error(
          `wasm gemm: helper threads out of step (${pending} pending before a run; please report this as a bug)`,
        );
      }
      for (let i = 0; i < count; i++) write(lists[i]!, helperCalls[i] ?? []);
      Atomics.store(control, FAILED, 0);
      Atomics.store(control, PENDING, count);
      Atomics.add(control, GENERATION, 1);
      Atomics.notify(control, GENERATION);
      // The helpers write into the same memory: wait for them even when the caller's share fails.
      let ownFailure: { error: unknown } | undefined;
      try {
        own();
      } catch (error) {
        ownFailure = { error };
      }
      waitForHelpers();
      if (ownFailure !== undefined) throw ownFailure.error;
      if (Atomics.load(control, FAILED) !== 0) {
        throw new Error('wasm gemm: a helper thread trapped while multiplying (please report this as a bug)');
      }
    },
    dispose(): void {
      Atomics.store(control, STOP, 1);
      Atomics.add(control, GENERATION, 1);
      Atomics.notify(control, GENERATION);
      for (const w of workers) void w.terminate();
    },
  };
}
