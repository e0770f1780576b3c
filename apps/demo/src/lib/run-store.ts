/**
 * The autosaved run in IndexedDB: one record, the current run, kept so that a reload, a backend switch
 * or a hung worker loses nothing. It holds the run's checkpoint as the trainer's codec writes it (the
 * same files Export hands out, `run.json` included), the uploaded text it trains on, and what the page
 * shows: the loss history, the per-step record and the latest samples.
 */
import type { RunSpecInput } from '@makemore/run/spec';
import type { CheckpointFiles, Sample, TrainStatus, Upload } from '../worker/protocol';
import { type StoreLocation, transact as transactIn } from './idb';

const DB_NAME = 'makemore-autosave';
const STORE = 'runs';
const KEY = 'current';

/** The page's view of a run's history, as `state.ts` keeps it. */
export interface SavedHistory {
  steps: number[];
  losses: number[];
  evalSteps: number[];
  trainLoss: number[];
  devLoss: number[];
}

export interface SavedRun {
  savedAt: string;
  /** The checkpoint's step: the history is cut to it. */
  step: number;
  totalSteps: number;
  status: TrainStatus;
  /** One line for the restore offer: model, data, step. */
  description: string;
  files: CheckpointFiles;
  upload: Upload | null;
  /** The form's preset when the run was saved. */
  presetId: string;
  history: SavedHistory;
  record: {
    steps: { step: number; loss: number; lr: number }[];
    evals: { step: number; losses: Record<string, number> }[];
  };
  samples: { step: number; samples: Sample[] };
  /** The spec the run follows, as the form shows it. */
  spec: RunSpecInput;
}

const LOCATION: StoreLocation = { database: DB_NAME, store: STORE };

function transact<T>(mode: IDBTransactionMode, act: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  return transactIn(LOCATION, mode, act);
}

/** Replaces the saved run. */
export async function putSavedRun(run: SavedRun): Promise<void> {
  await transact('readwrite', (s) => s.put(run, KEY));
}

/** The saved run, if there is one. */
export function getSavedRun(): Promise<SavedRun | undefined> {
  return transact('readonly', (s) => s.get(KEY) as IDBRequest<SavedRun | undefined>);
}

/** Forgets the saved run (Discard, Reset). */
export async function clearSavedRun(): Promise<void> {
  await transact('readwrite', (s) => s.delete(KEY));
}
