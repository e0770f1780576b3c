/**
 * The four built-in datasets and the facts that pin them: source, licence, citation, commit-pinned URLs,
 * byte sizes and sha256 sums. Taken from the provenance notes (SOURCES.md) that ship with the data.
 */
import { DatasetError } from './errors.js';
import { SOTU_FILES } from './sotu-files.js';
import type { DatasetFile, DatasetInfo } from './types.js';

const RAW = 'https://raw.githubusercontent.com';
const MAKEMORE_COMMIT = '988aa59e4d8fefa526d06f3b453ad116258398d4';
const WONDERWORDS_COMMIT = '5dfa455554e7c225a59c865d706c4293ca2c132e';
const CHAR_RNN_COMMIT = '6f9487a6fe5b420b7ca9afb0d7c078e37c1d1b4e';
const SOTU_TOPICS_COMMIT = '6d73723873a7bc58d9b97206035543e49fa8e84b';
const SOTU_VIZ_COMMIT = '53ba1f4429537e7994587a1dca02803d8e7441cb';

/** The names of the built-in datasets. */
export type BuiltinDatasetName = 'names' | 'verbs' | 'shakespeare' | 'sotu';

const sotuFiles: DatasetFile[] = SOTU_FILES.map(([stem, bytes, sha256, source]) => ({
  path: `state_of_the_union/${stem}.txt`,
  url:
    source === 0
      ? `${RAW}/samxgchen/sotu_topics/${SOTU_TOPICS_COMMIT}/data/${stem}.txt`
      : `${RAW}/hushbrush/sotu-viz/${SOTU_VIZ_COMMIT}/public/text/${stem}.txt`,
  bytes,
  sha256,
}));

const REGISTRY: Record<BuiltinDatasetName, DatasetInfo> = {
  names: {
    name: 'names',
    description: "makemore's names.txt: 32,033 lowercase given names, one per line.",
    kind: 'words',
    licence: 'MIT (© 2022 Andrej Karpathy)',
    citation: 'Andrej Karpathy, makemore, https://github.com/karpathy/makemore (names.txt), 2022.',
    source: 'https://github.com/karpathy/makemore',
    files: [
      {
        path: 'names.txt',
        url: `${RAW}/karpathy/makemore/${MAKEMORE_COMMIT}/names.txt`,
        bytes: 228145,
        sha256: '0a30b5557f192f32ab962680889aac5f6fda0f4cecf40a6d0b5694f58ea8cc4d',
      },
    ],
    bytes: 228145,
    sha256: '0a30b5557f192f32ab962680889aac5f6fda0f4cecf40a6d0b5694f58ea8cc4d',
    expected: { lines: 32033, characters: 228145 },
  },
  verbs: {
    name: 'verbs',
    description:
      "English verbs from wonderwords' verblist.txt: 1,042 lines, 1,041 distinct (`melt` appears twice).",
    kind: 'words',
    licence: 'MIT (© 2020 Maxim Rebguns)',
    citation:
      'Maxim Rebguns, wonderwords, https://github.com/mrmaxguns/wonderwordsmodule (wonderwords/assets/verblist.txt).',
    source: 'https://github.com/mrmaxguns/wonderwordsmodule',
    files: [
      {
        path: 'verbs.txt',
        url: `${RAW}/mrmaxguns/wonderwordsmodule/${WONDERWORDS_COMMIT}/wonderwords/assets/verblist.txt`,
        bytes: 6967,
        sha256: '9fbf5e4e69b8869aebd88e6d545312ff9f878a747327ede5f6dbbba5c27b08ad',
      },
    ],
    bytes: 6967,
    sha256: '9fbf5e4e69b8869aebd88e6d545312ff9f878a747327ede5f6dbbba5c27b08ad',
    expected: { lines: 1042, distinct: 1041, characters: 6967 },
  },
  shakespeare: {
    name: 'shakespeare',
    description: 'Tiny Shakespeare: 1,115,394 characters of Shakespeare plays, from char-rnn.',
    kind: 'text',
    licence: 'MIT (stated in the char-rnn Readme)',
    citation:
      'Andrej Karpathy, char-rnn, https://github.com/karpathy/char-rnn (data/tinyshakespeare/input.txt), 2015.',
    source: 'https://github.com/karpathy/char-rnn',
    files: [
      {
        path: 'shakespeare.txt',
        url: `${RAW}/karpathy/char-rnn/${CHAR_RNN_COMMIT}/data/tinyshakespeare/input.txt`,
        bytes: 1115394,
        sha256: '86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed',
      },
    ],
    bytes: 1115394,
    sha256: '86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed',
    expected: { characters: 1115394 },
  },
  sotu: {
    name: 'sotu',
    description:
      'State of the Union addresses 1791-2018: 227 documents (`<President>_<Year>.txt`), 10,602,521 characters.',
    kind: 'documents',
    licence:
      'Public domain (US government works); neither source repository states a licence. Upstream: Kaggle rtatman/state-of-the-union-corpus-1989-2017.',
    citation:
      'Rachael Tatman, State of the Union Corpus (1790 - 2018), Kaggle, https://www.kaggle.com/datasets/rtatman/state-of-the-union-corpus-1989-2017; files from github.com/samxgchen/sotu_topics and github.com/hushbrush/sotu-viz.',
    source: 'https://github.com/samxgchen/sotu_topics https://github.com/hushbrush/sotu-viz',
    files: sotuFiles,
    bytes: 10602521,
    sha256: '24942d34880e96e297e276df5599159c46d799b7c0fcead02163020fa8123fde',
    expected: { documents: 227, characters: 10602521 },
  },
};

const NAMES = Object.keys(REGISTRY) as BuiltinDatasetName[];

/** True when `name` is one of the built-in datasets. */
export function isBuiltinDataset(name: string): name is BuiltinDatasetName {
  return Object.hasOwn(REGISTRY, name);
}

/** The facts about every built-in dataset, in a stable order (names, verbs, shakespeare, sotu). */
export function listDatasets(): DatasetInfo[] {
  return NAMES.map((name) => cloneInfo(REGISTRY[name]));
}

/** The facts about one built-in dataset. Throws UNKNOWN_DATASET (listing the known names) otherwise. */
export function datasetInfo(name: string): DatasetInfo {
  if (!isBuiltinDataset(name)) throw unknownDataset(name);
  return cloneInfo(REGISTRY[name]);
}

/**
 * The paths of a built-in dataset's files relative to a data folder, e.g. `['names.txt']` or
 * `['state_of_the_union/Adams_1797.txt', ...]`. A static site serves these under its `baseUrl`, and a
 * `MAKEMORE_DATA_DIR` or mirror holds them under the same names.
 */
export function datasetFiles(name: string): string[] {
  return datasetInfo(name).files.map((f) => f.path);
}

/** The error for a name that is neither a built-in dataset nor an existing path. */
export function unknownDataset(name: string): DatasetError {
  return new DatasetError(
    'UNKNOWN_DATASET',
    `Unknown dataset "${name}". Known datasets: ${NAMES.join(', ')}. ` +
      'To use your own data, pass a path to a text file or a folder of .txt files.',
  );
}

function cloneInfo(info: DatasetInfo): DatasetInfo {
  return {
    ...info,
    files: info.files.map((f) => ({ ...f })),
    ...(info.expected ? { expected: { ...info.expected } } : {}),
  };
}
