/**
 * Where the page finds the dataset files the build copied next to it, and the manifest that says which
 * ones are present. Loading and sha256 checking are @makemore/datasets' browser `loadDataset`.
 */
export interface DataManifest {
  present: Record<string, string[]>;
  missing: Record<string, string>;
  sourceDir: string | null;
}

/** The absolute URL of the served `data/` folder (works under any base path). */
export function dataBaseUrl(): string {
  return new URL('data/', document.baseURI).href;
}

let manifest: Promise<DataManifest> | null = null;

/** The build's dataset manifest; an empty one if the site was built without it. */
export function loadManifest(): Promise<DataManifest> {
  manifest ??= fetch(`${dataBaseUrl()}manifest.json`)
    .then((r) => (r.ok ? (r.json() as Promise<DataManifest>) : { present: {}, missing: {}, sourceDir: null }))
    .catch(() => ({ present: {}, missing: {}, sourceDir: null }));
  return manifest;
}
