/**
 * One error class for everything that can go wrong with a dataset, with a machine-readable code so
 * the CLI can map it to an exit status and the demo to a message.
 */

/** What went wrong. */
export type DatasetErrorCode =
  | 'UNKNOWN_DATASET'
  | 'EMPTY'
  | 'BINARY'
  | 'INVALID_UTF8'
  | 'BAD_ARGUMENT'
  | 'NOT_ENOUGH_DATA'
  | 'CHECKSUM_MISMATCH'
  | 'HTTP_ERROR'
  | 'TIMEOUT'
  | 'NETWORK'
  | 'NOT_FOUND'
  | 'OFFLINE'
  | 'ABORTED'
  | 'NOT_A_FILE'
  | 'TOO_LARGE';

/** An error about a dataset: its message says what was wrong and how to fix it. */
export class DatasetError extends Error {
  override readonly name = 'DatasetError';
  /** The HTTP status, for HTTP_ERROR and NOT_FOUND. */
  readonly status?: number;
  constructor(
    readonly code: DatasetErrorCode,
    message: string,
    options?: { cause?: unknown; status?: number },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    if (options?.status !== undefined) this.status = options.status;
  }
}

/**
 * True for a DatasetError from any copy of this package (the CommonJS builds of the two entry points
 * each hold their own class, so `instanceof` can miss across them; this check cannot).
 */
export function isDatasetError(err: unknown): err is DatasetError {
  return (
    err instanceof Error && err.name === 'DatasetError' && typeof (err as DatasetError).code === 'string'
  );
}

/** Throws a BAD_ARGUMENT error unless `value` is an integer >= `min`. */
export function requireInt(name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    throw new DatasetError('BAD_ARGUMENT', `${name} must be an integer >= ${min}, got ${String(value)}`);
  }
}
