/**
 * `makemore datasets list|info|download|path`: what the built-in datasets are, where they live, and
 * fetching them into the cache with verified checksums.
 */
import type { FlagSpec } from '../args';
import type { Command } from '../command';
import { CliError } from '../errors';
import { closest } from '../suggest';
import { formatBytes, table } from '../ui/table';

const DATA_FLAGS: FlagSpec[] = [
  {
    name: 'data-dir',
    type: 'string',
    placeholder: '<dir>',
    description: 'folder holding the dataset files (default: $MAKEMORE_DATA_DIR, then the cache)',
  },
];

async function datasetsApi() {
  const [core, node] = await Promise.all([import('@makemore/datasets'), import('@makemore/datasets/node')]);
  return { ...core, ...node };
}

function builtinNames(list: readonly { name: string }[]): string[] {
  return list.map((d) => d.name);
}

function requireName(name: string | undefined, names: readonly string[], usage: string): string {
  if (name === undefined) throw new CliError(`missing dataset name; usage: makemore ${usage}`);
  if (!names.includes(name)) {
    const hint = closest(name, names);
    throw new CliError(
      `unknown dataset '${name}'${hint ? `; did you mean '${hint}'?` : ''} (built-in: ${names.join(', ')})`,
    );
  }
  return name;
}

export const datasetsList: Command = {
  name: 'datasets list',
  summary: 'List the built-in datasets and whether each is available offline',
  usage: 'datasets list [options]',
  flags: DATA_FLAGS,
  examples: [
    ['datasets list', 'the four datasets, their size and where they are'],
    ['datasets list --json', 'the same as JSON lines'],
  ],
  async run(args, { out, io }) {
    const api = await datasetsApi();
    const dataDir = args.string('data-dir');
    const rows: string[][] = [];
    for (const info of api.listDatasets()) {
      const where = api.datasetPath(info.name, { dataDir, env: io.env });
      out.json({
        type: 'dataset',
        name: info.name,
        kind: info.kind,
        bytes: info.bytes,
        files: info.files.length,
        path: where ?? null,
        description: info.description,
      });
      rows.push([
        info.name,
        info.kind,
        formatBytes(info.bytes),
        where ?? '(not downloaded)',
        info.description,
      ]);
    }
    for (const line of table(['name', 'kind', 'size', 'location', 'description'], rows)) out.line(line);
    if (rows.some((r) => r[3] === '(not downloaded)')) {
      out.line('');
      out.line("Fetch a missing one with 'makemore datasets download <name>'.");
    }
    return 0;
  },
};

export const datasetsPath: Command = {
  name: 'datasets path',
  summary: 'Print where a dataset lives on disk',
  usage: 'datasets path <name> [options]',
  flags: DATA_FLAGS,
  examples: [['datasets path names', 'the path of names.txt']],
  async run(args, { out, io }) {
    const api = await datasetsApi();
    const name = requireName(args.positionals[0], builtinNames(api.listDatasets()), 'datasets path <name>');
    const where = api.datasetPath(name, { dataDir: args.string('data-dir'), env: io.env });
    if (!where) {
      throw new CliError(
        `dataset '${name}' is not available offline; run 'makemore datasets download ${name}' or set MAKEMORE_DATA_DIR to a folder holding ${api.datasetInfo(name).files[0]?.path}`,
      );
    }
    out.json({ type: 'path', name, path: where });
    out.line(where);
    return 0;
  },
};

export const datasetsInfo: Command = {
  name: 'datasets info',
  summary: 'Show counts, split sizes, top characters, licence and location of a dataset',
  usage: 'datasets info <name|path> [options]',
  flags: [
    ...DATA_FLAGS,
    { name: 'top', type: 'int', min: 1, default: 10, description: 'how many top characters' },
  ],
  examples: [
    ['datasets info names', 'counts, splits and the most common characters of names'],
    ['datasets info ./my-words.txt', 'the same for your own file'],
  ],
  async run(args, { out, io }) {
    const api = await datasetsApi();
    const target = args.positionals[0];
    if (target === undefined)
      throw new CliError('missing dataset name; usage: makemore datasets info <name|path>');
    const ds = await loadForCli(target, { dataDir: args.string('data-dir'), env: io.env });
    const stats = api.datasetStats(ds);
    const top = stats.charFrequencies.slice(0, args.number('top') ?? 10);
    let splits: Record<string, number>;
    let unit: string;
    if (ds.kind === 'words') {
      const s = api.splitWords(ds.words ?? [], { seed: 42 });
      splits = { train: s.train.length, dev: s.dev.length, test: s.test.length };
      unit = 'words (seeded shuffle, 80/10/10)';
    } else if (ds.kind === 'documents') {
      const s = api.splitDocuments(ds.documents ?? [], { seed: 42 });
      splits = { train: s.train.length, val: s.val.length };
      unit = 'documents (seeded shuffle, 90/10)';
    } else {
      const s = api.splitText(ds.text);
      splits = { train: s.train.length, val: s.val.length };
      unit = 'characters (contiguous 90/10)';
    }
    const builtin = api.isBuiltinDataset(ds.name) && !/[/\\]/.test(target);
    const location = builtin
      ? (api.datasetPath(ds.name, { dataDir: args.string('data-dir'), env: io.env }) ?? '(not on disk)')
      : ds.info.source;
    out.json({ type: 'info', name: ds.name, kind: ds.kind, location, splits, stats, info: ds.info });
    out.line(`${ds.name} (${ds.kind}): ${ds.info.description}`);
    out.line(`  location     ${location}`);
    out.line(`  licence      ${ds.info.licence}`);
    out.line(`  size         ${formatBytes(ds.info.bytes)}, sha256 ${ds.info.sha256.slice(0, 16)}…`);
    out.line(
      `  characters   ${stats.characters.toLocaleString('en-US')} in ${stats.lines.toLocaleString('en-US')} lines`,
    );
    if (stats.words) {
      const w = stats.words;
      const shown = w.duplicates.slice(0, 3).map((d) => `${d.word} ×${d.count}`);
      const dups = w.duplicates.length
        ? `${w.duplicates.length} repeated, e.g. ${shown.join(', ')}${w.duplicates.length > 3 ? ', …' : ''}`
        : '';
      out.line(
        `  words        ${w.count.toLocaleString('en-US')} (${w.distinct.toLocaleString('en-US')} distinct${dups ? `; ${dups}` : ''})`,
      );
      out.line(`  lengths      min ${w.minLength}, mean ${w.meanLength.toFixed(2)}, max ${w.maxLength}`);
    }
    if (stats.documents) {
      const d = stats.documents;
      out.line(
        `  documents    ${d.count}${d.firstYear ? ` (${d.firstYear}–${d.lastYear}, ${d.presidents.length} presidents)` : ''}`,
      );
    }
    out.line(`  vocabulary   ${stats.vocabulary.length} distinct characters`);
    out.line(
      `  splits       ${Object.entries(splits)
        .map(([k, v]) => `${k} ${v.toLocaleString('en-US')}`)
        .join(' / ')} ${unit}`,
    );
    out.line('');
    out.line(`Top ${top.length} characters:`);
    for (const line of table(
      ['char', 'count', 'share'],
      top.map(([ch, count]) => [
        JSON.stringify(ch),
        count,
        `${((100 * count) / stats.characters).toFixed(2)}%`,
      ]),
    ))
      out.line(`  ${line}`);
    return 0;
  },
};

export const datasetsDownload: Command = {
  name: 'datasets download',
  summary: 'Download datasets into the cache, verifying each sha256',
  usage: 'datasets download [<name>...] [options]',
  details: 'Without a name, downloads every built-in dataset. Set MAKEMORE_MIRROR to use a mirror host.',
  flags: [
    {
      name: 'cache-dir',
      type: 'string',
      placeholder: '<dir>',
      description: 'cache folder (default: $XDG_CACHE_HOME/makemore or ~/.cache/makemore)',
    },
    {
      name: 'mirror',
      type: 'string',
      placeholder: '<url>',
      description: 'base URL replacing the download host',
    },
    {
      name: 'timeout',
      type: 'number',
      min: 0.1,
      default: 30,
      placeholder: '<s>',
      description: 'give up on a server silent for this many seconds',
    },
  ],
  examples: [
    ['datasets download names', 'fetch names.txt into the cache'],
    ['datasets download', 'fetch all four datasets'],
  ],
  async run(args, { out, io }) {
    const api = await datasetsApi();
    const names = builtinNames(api.listDatasets());
    const wanted = args.positionals.length > 0 ? args.positionals : names;
    for (const name of wanted) requireName(name, names, 'datasets download [<name>...]');
    for (const name of wanted) {
      const info = api.datasetInfo(name);
      const bar = out.progress(`${name.padEnd(11)}`, info.bytes, {
        unit: 'B',
        plainEvery: Number.MAX_SAFE_INTEGER,
      });
      const started = Date.now();
      const result = await api.downloadDataset(name, {
        cacheDir: args.string('cache-dir'),
        mirror: args.string('mirror') ?? io.env.MAKEMORE_MIRROR,
        env: io.env,
        timeoutMs: (args.number('timeout') ?? 30) * 1000,
        onProgress: (p) => bar.update(Math.min(p.bytes, info.bytes), { note: `${formatBytes(p.rate)}/s` }),
      });
      bar.update(info.bytes);
      bar.stop();
      const seconds = (Date.now() - started) / 1000;
      const path =
        api.datasetPath(name, { cacheDir: result.dir, dataDir: result.dir, env: io.env }) ?? result.dir;
      out.json({
        type: 'download',
        name,
        path,
        downloaded: result.downloaded.length,
        cached: result.cached.length,
        bytes: result.bytes,
        sha256: info.sha256,
        seconds,
      });
      out.line(
        `${name}: ${result.downloaded.length} file(s) downloaded, ${result.cached.length} already cached; sha256 verified; ${path}`,
      );
    }
    return 0;
  },
};

/** Loads a built-in dataset by name or a custom one from a path, with the CLI's error messages. */
export async function loadForCli(
  nameOrPath: string,
  options: { dataDir?: string; env: Record<string, string | undefined>; download?: boolean },
) {
  const api = await datasetsApi();
  const names = builtinNames(api.listDatasets());
  const looksLikePath = /[/\\]|\.txt$|^\.\.?$|^~/.test(nameOrPath);
  if (!looksLikePath && !names.includes(nameOrPath)) {
    const hint = closest(nameOrPath, names);
    throw new CliError(
      `unknown dataset '${nameOrPath}'${hint ? `; did you mean '${hint}'?` : ''} (built-in: ${names.join(', ')}, or a path to a text file or folder)`,
    );
  }
  try {
    return await api.loadDataset(nameOrPath, {
      dataDir: options.dataDir,
      env: options.env,
      download: options.download ?? false,
      retries: 1,
      timeoutMs: 15_000,
    });
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'OFFLINE' || (code === 'NOT_FOUND' && names.includes(nameOrPath))) {
      const why = options.download ? ' and the download failed' : '';
      throw new CliError(
        `dataset '${nameOrPath}' is not available offline${why}; run 'makemore datasets download ${nameOrPath}' on a machine with internet, or set MAKEMORE_DATA_DIR to a folder holding ${api.datasetInfo(nameOrPath).files[0]?.path}`,
        { cause: error },
      );
    }
    throw error;
  }
}

/** The `datasets` subcommands. */
export const datasetsCommands: Command[] = [datasetsList, datasetsInfo, datasetsDownload, datasetsPath];
