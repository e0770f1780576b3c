/**
 * Where the page finds the dataset files the build copied next to it, and the manifest that says which
 * ones are present. Loading and sha256 checking are @makemore/datasets' browser `loadDataset`.
 */
import { useEffect, useState } from 'preact/hooks';

export interface DataManifest {
  present: Record<string, string[]>;
  missing: Record<string, string>;
}

/** The absolute URL of the served `data/` folder (works under any base path). */
export function dataBaseUrl(): string {
  return new URL('data/', document.baseURI).href;
}

let manifest: Promise<DataManifest> | null = null;

/** The build's dataset manifest; an empty one if the site was built without it. */
export function loadManifest(): Promise<DataManifest> {
  manifest ??= fetch(`${dataBaseUrl()}manifest.json`)
    .then((r) => (r.ok ? (r.json() as Promise<DataManifest>) : { present: {}, missing: {} }))
    .catch(() => ({ present: {}, missing: {} }));
  return manifest;
}

/** The built-in dataset names for a select, each marked when the build did not find its files. */
export function useDatasetOptions(
  names: readonly string[],
): { value: string; label: string; disabled: boolean }[] {
  const [missing, setMissing] = useState<Record<string, string>>({});
  useEffect(() => {
    loadManifest().then((m) => setMissing(m.missing));
  }, []);
  return names.map((name) =>
    missing[name]
      ? { value: name, label: `${name} (missing)`, disabled: true }
      : { value: name, label: name, disabled: false },
  );
}
