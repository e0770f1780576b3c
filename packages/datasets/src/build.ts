/**
 * Building `Dataset` values from text: for built-in files once they are read and verified, and for
 * custom data (a string, an array of words, a list of documents) with the same shape.
 */
import { DatasetError } from './errors.js';
import type { Dataset, DatasetDocument, DatasetInfo, DatasetKind } from './types.js';

/**
 * The lines of a text as a line splitter sees them: split on `\n`, a `\r` before each `\n` removed,
 * and one trailing empty element (from a final newline) dropped. Nothing else is removed.
 */
export function splitLines(text: string): string[] {
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line.endsWith('\r')) lines[i] = line.slice(0, -1);
  }
  return lines;
}

/** Non-empty items with duplicates removed, in first-seen order. */
export function distinct(words: readonly string[]): string[] {
  const seen = new Set<string>();
  for (const w of words) if (w !== '') seen.add(w);
  return [...seen];
}

/**
 * President and year from a `<Name>_<Year>` document id (the State of the Union naming); both are
 * undefined when the id does not follow it.
 */
export function parseDocumentId(id: string): { president?: string; year?: number } {
  const m = /^(.+)_(\d{4})$/.exec(id);
  if (!m) return {};
  return { president: m[1] as string, year: Number(m[2]) };
}

/**
 * Joins documents into one stream. With the default separator `''` this reproduces the 10,602,521
 * character sotu stream; pass e.g. `'\n\n'` to keep addresses apart.
 */
export function joinDocuments(documents: readonly DatasetDocument[], separator = ''): string {
  return documents.map((d) => d.text).join(separator);
}

/**
 * A guess at the kind of a single text file: `words` when it has at least two lines, no line longer
 * than 64 characters and at most 10% of lines contain a space; `text` otherwise.
 */
export function inferKind(text: string): 'words' | 'text' {
  const lines = splitLines(text);
  if (lines.length < 2) return 'text';
  let spaced = 0;
  for (const line of lines) {
    if (line.length > 64) return 'text';
    if (line.includes(' ')) spaced++;
  }
  return spaced <= lines.length * 0.1 ? 'words' : 'text';
}

/** Info for data that is not a built-in dataset. */
export function customInfo(name: string, kind: DatasetKind, text: string, source = 'in-memory'): DatasetInfo {
  return {
    name,
    description: `Custom ${kind} dataset from ${source}.`,
    kind,
    licence: 'unknown',
    citation: '',
    source,
    files: [],
    bytes: new TextEncoder().encode(text).length,
    sha256: '',
  };
}

function requireText(text: string, label: string): void {
  if (typeof text !== 'string') {
    throw new DatasetError('BAD_ARGUMENT', `${label} must be a string, got ${typeof text}`);
  }
  if (text.length === 0)
    throw new DatasetError('EMPTY', `${label} is empty; a dataset needs at least one character.`);
}

/** A `words` dataset from one text with one word per line. */
export function wordsDataset(text: string, info: DatasetInfo): Dataset {
  requireText(text, `dataset "${info.name}"`);
  const words = splitLines(text);
  return { name: info.name, kind: 'words', text, words, distinctWords: distinct(words), info };
}

/** A `text` dataset. */
export function textDataset(text: string, info: DatasetInfo): Dataset {
  requireText(text, `dataset "${info.name}"`);
  return { name: info.name, kind: 'text', text, info };
}

/** A `documents` dataset; the documents are sorted by id so the stream does not depend on listing order. */
export function documentsDataset(
  documents: readonly { id: string; text: string }[],
  info: DatasetInfo,
): Dataset {
  if (documents.length === 0) {
    throw new DatasetError('EMPTY', `dataset "${info.name}" has no documents; give at least one.`);
  }
  const docs: DatasetDocument[] = [...documents]
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((d) => ({ id: d.id, ...parseDocumentId(d.id), text: d.text }));
  const text = joinDocuments(docs);
  requireText(text, `dataset "${info.name}"`);
  return { name: info.name, kind: 'documents', text, documents: docs, info };
}

/** Options for the in-memory dataset constructors. */
export interface InMemoryOptions {
  /** Dataset name. Default `custom`. */
  name?: string;
}

/**
 * A dataset from an in-memory string. `kind` defaults to a guess ({@link inferKind}); pass `words`
 * or `text` to decide yourself.
 */
export function datasetFromText(
  text: string,
  options: InMemoryOptions & { kind?: 'words' | 'text' } = {},
): Dataset {
  requireText(text, 'text');
  const name = options.name ?? 'custom';
  const kind = options.kind ?? inferKind(text);
  const info = customInfo(name, kind, text);
  return kind === 'words' ? wordsDataset(text, info) : textDataset(text, info);
}

/** A `words` dataset from an array of words (its text is the words joined with `\n`). */
export function datasetFromWords(words: readonly string[], options: InMemoryOptions = {}): Dataset {
  if (!Array.isArray(words)) throw new DatasetError('BAD_ARGUMENT', 'words must be an array of strings');
  const text = words.join('\n');
  const name = options.name ?? 'custom';
  const ds = wordsDataset(text, customInfo(name, 'words', text));
  return { ...ds, words: [...words], distinctWords: distinct(words) };
}

/** A `documents` dataset from `{ id, text }` entries; ids like `Lincoln_1862` also give president and year. */
export function datasetFromDocuments(
  documents: readonly { id: string; text: string }[],
  options: InMemoryOptions = {},
): Dataset {
  const name = options.name ?? 'custom';
  const text = documents.map((d) => d.text).join('');
  return documentsDataset(documents, customInfo(name, 'documents', text));
}

/**
 * Checks a loaded built-in dataset against its known line, distinct and character counts, so a file
 * that passed its hash but was decoded wrongly cannot go unnoticed.
 */
export function checkExpected(ds: Dataset): void {
  const e = ds.info.expected;
  if (!e) return;
  const fail = (what: string, want: number, got: number) => {
    throw new DatasetError(
      'CHECKSUM_MISMATCH',
      `dataset "${ds.name}": expected ${want} ${what}, found ${got}`,
    );
  };
  if (e.characters !== undefined && ds.text.length !== e.characters)
    fail('characters', e.characters, ds.text.length);
  if (e.lines !== undefined && ds.words && ds.words.length !== e.lines)
    fail('lines', e.lines, ds.words.length);
  if (e.distinct !== undefined && ds.distinctWords && ds.distinctWords.length !== e.distinct) {
    fail('distinct words', e.distinct, ds.distinctWords.length);
  }
  if (e.documents !== undefined && ds.documents && ds.documents.length !== e.documents) {
    fail('documents', e.documents, ds.documents.length);
  }
}

/** The words of a dataset, or a clear error when it is not a `words` dataset. */
export function requireWords(ds: Dataset): string[] {
  if (ds.kind !== 'words' || !ds.words) {
    throw new DatasetError(
      'BAD_ARGUMENT',
      `dataset "${ds.name}" is a ${ds.kind} dataset, not a words dataset; use its .text with splitText and sequenceBatches`,
    );
  }
  return ds.words;
}
