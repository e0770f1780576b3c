/**
 * The shapes every part of @makemore/datasets shares: what a loaded dataset looks like, what a pinned
 * source file is, and (from @makemore/tokenizers) the structural tokenizer the example builders accept.
 */

/**
 * How a dataset is organised.
 * - `words`: one item per line (names, verbs); models learn to make more words.
 * - `text`: one stream of characters (tiny Shakespeare).
 * - `documents`: many separate texts (State of the Union addresses).
 */
export type DatasetKind = 'words' | 'text' | 'documents';

/**
 * Any tokenizer with this shape works with the builders: `@makemore/tokenizers`' structural interface,
 * declared there once and re-exported here. Its CharTokenizer and BPE tokenizers match it. For word datasets
 * the boundary token (`.`) is expected at id 0 unless a builder is told otherwise with its `boundaryId` option.
 */
export type { TextTokenizer } from '@makemore/tokenizers';

/** One file of a dataset as it is published, pinned to a commit. */
export interface DatasetFile {
  /** Path relative to a data folder, e.g. `names.txt` or `state_of_the_union/Adams_1797.txt`. */
  path: string;
  /** The download URL pinned to the commit the file was taken from. */
  url: string;
  /** Size in bytes. */
  bytes: number;
  /** Lowercase hex sha256 of the file's bytes. */
  sha256: string;
}

/** Where a dataset comes from and how to check it. */
export interface DatasetInfo {
  name: string;
  description: string;
  kind: DatasetKind;
  /** The licence as stated by the source repository. */
  licence: string;
  /** How to cite the source. */
  citation: string;
  /** Source repository URL(s). */
  source: string;
  /** Every file, in the order they are joined into `Dataset.text` (sorted file names for folders). */
  files: DatasetFile[];
  /** Total bytes over all files. */
  bytes: number;
  /** sha256 of `Dataset.text` as UTF-8 (for one file: the file's hash; for sotu: the joined stream). */
  sha256: string;
  /** Facts to check a load against, e.g. `{ lines: 32033 }` or `{ characters: 1115394 }`. */
  expected?: { lines?: number; distinct?: number; characters?: number; documents?: number };
}

/** One document of a `documents` dataset. */
export interface DatasetDocument {
  /** The file name without `.txt`, e.g. `Washington_1791`. */
  id: string;
  /** The president's (surname) name from a `<Name>_<Year>.txt` file name; undefined otherwise. */
  president?: string;
  /** The year from a `<Name>_<Year>.txt` file name; undefined otherwise. */
  year?: number;
  text: string;
}

/** A loaded dataset. Built-in ones come from `loadDataset`; custom ones from `datasetFrom*`. */
export interface Dataset {
  name: string;
  kind: DatasetKind;
  /** The whole stream. Documents are joined with no separator (see `joinDocuments` for others). */
  text: string;
  /**
   * For `words` datasets, the raw lines in file order, duplicates and all (verbs has `melt` twice).
   * Only a trailing empty line and a `\r` before each `\n` are removed. Undefined for other kinds.
   */
  words?: string[];
  /** For `words` datasets, the non-empty lines with duplicates removed, in first-seen order. */
  distinctWords?: string[];
  /** For `documents` datasets, one entry per file in sorted file-name order. */
  documents?: DatasetDocument[];
  info: DatasetInfo;
}
