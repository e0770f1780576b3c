/**
 * A {@link CheckpointSink} that keeps copies of the `best` and `last` snapshots in memory: for the
 * browser (which can then persist them as it likes), and for tests.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import type { CheckpointSink, CheckpointSlot, TrainingSnapshot } from './checkpoint';

const cloneRecord = (record: Record<string, Tensor>): Record<string, Tensor> =>
  Object.fromEntries(Object.entries(record).map(([k, t]) => [k, t.clone()]));

/** Deep copy of a snapshot: JSON parts through structuredClone-like copying, tensors cloned. */
export function cloneSnapshot(s: TrainingSnapshot): TrainingSnapshot {
  const { weights, optimizer, ...json } = s;
  return {
    ...(JSON.parse(JSON.stringify(json)) as Omit<TrainingSnapshot, 'weights' | 'optimizer'>),
    weights: cloneRecord(weights),
    optimizer: {
      config: JSON.parse(JSON.stringify(optimizer.config)),
      step: optimizer.step,
      tensors: cloneRecord(optimizer.tensors),
    },
  };
}

/** Frees the tensors of a snapshot. */
export function disposeSnapshot(s: TrainingSnapshot): void {
  tf.dispose([...Object.values(s.weights), ...Object.values(s.optimizer.tensors)]);
}

/** Holds the latest `best` and `last` snapshots as tensor copies. */
export class MemoryCheckpoints implements CheckpointSink {
  private readonly slots = new Map<CheckpointSlot, TrainingSnapshot>();

  save(snapshot: TrainingSnapshot, slot: CheckpointSlot): void {
    const previous = this.slots.get(slot);
    this.slots.set(slot, cloneSnapshot(snapshot));
    if (previous) disposeSnapshot(previous);
  }

  /** A copy of the snapshot in `slot` (the caller disposes it), or undefined if none was saved. */
  load(slot: CheckpointSlot): TrainingSnapshot | undefined {
    const s = this.slots.get(slot);
    return s ? cloneSnapshot(s) : undefined;
  }

  /** Frees every stored tensor. */
  dispose(): void {
    for (const s of this.slots.values()) disposeSnapshot(s);
    this.slots.clear();
  }
}
