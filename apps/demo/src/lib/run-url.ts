/**
 * A run in the page's URL, so that a link (or an e2e test) opens the Train page with a run set up:
 *
 *   ?preset=<recipe>&steps=N&autostart=1    a recipe of @makemore/run, optionally shortened
 *   ?spec=<base64url of the JSON spec>      any (partial) run spec
 *   ?spec=z.<base64url of deflate-raw JSON>  the same, compressed (what "Copy link" writes)
 *
 * `backend=cpu|wasm|webgpu` picks the worker's backend (read by the page's state, not here). `autostart=1`
 * starts training as soon as the backend is ready.
 */
import type { RunSpecInput } from '@makemore/run/spec';
import { getRecipe, mergeSpec } from '@makemore/run/spec';

/** What the URL asks for. */
export interface RunFromUrl {
  /** The recipe the form starts from (`custom` for a `?spec=` without one). */
  recipe: string;
  spec: RunSpecInput;
  autostart: boolean;
  /** Why the URL's run could not be read, for the page to show. */
  error?: string;
}

/** The spec as the `spec` parameter carries it: UTF-8 JSON in base64url, without padding. */
export function encodeSpecParam(spec: RunSpecInput): string {
  return toBase64Url(new TextEncoder().encode(JSON.stringify(spec)));
}

/** The prefix of a compressed `spec` parameter (`.` is not a base64url character, so nothing clashes). */
const COMPRESSED = 'z.';

const toBase64Url = (bytes: Uint8Array) => {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
};

/** The spec as a compressed `spec` parameter: `z.` and the deflate-raw bytes of its JSON in base64url. */
export async function encodeSpecParamCompressed(spec: RunSpecInput): Promise<string> {
  const stream = new Blob([JSON.stringify(spec)]).stream().pipeThrough(new CompressionStream('deflate-raw'));
  return COMPRESSED + toBase64Url(new Uint8Array(await new Response(stream).arrayBuffer()));
}

/** True when the query string's `spec` parameter is compressed (read it with {@link runFromUrlAsync}). */
export function hasCompressedSpec(search: string): boolean {
  return new URLSearchParams(search).get('spec')?.startsWith(COMPRESSED) ?? false;
}

/**
 * {@link runFromUrl} for any `spec` parameter: a compressed one is inflated first, then read as the
 * plain form.
 */
export async function runFromUrlAsync(search: string, fallbackRecipe: string): Promise<RunFromUrl | null> {
  const params = new URLSearchParams(search);
  const param = params.get('spec');
  if (param?.startsWith(COMPRESSED)) {
    try {
      const base64 = param.slice(COMPRESSED.length).replace(/-/g, '+').replace(/_/g, '/');
      const binary = atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4));
      const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
      const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('deflate-raw'));
      const json = await new Response(stream).text();
      params.set('spec', toBase64Url(new TextEncoder().encode(json)));
    } catch {
      params.set('spec', '!');
    }
  }
  return runFromUrl(params.toString(), fallbackRecipe);
}

/** Reads a `spec` parameter; throws an Error that says what is wrong with it. */
export function decodeSpecParam(param: string): RunSpecInput {
  let json: string;
  try {
    const base64 = param.replace(/-/g, '+').replace(/_/g, '/');
    const binary = atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4));
    json = new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
  } catch {
    throw new Error('the spec parameter is not base64url; encode the JSON spec with base64url');
  }
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    throw new Error(`the spec parameter is not JSON: ${(error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new Error('the spec parameter must hold a JSON object (a run spec)');
  return value as RunSpecInput;
}

/** The run a URL's query string asks for, or null when it names none. */
export function runFromUrl(search: string, fallbackRecipe: string): RunFromUrl | null {
  const params = new URLSearchParams(search);
  const preset = params.get('preset');
  const specParam = params.get('spec');
  const stepsParam = params.get('steps');
  const autostart = params.get('autostart') === '1';
  if (preset === null && specParam === null && stepsParam === null && !autostart) return null;
  let recipe = fallbackRecipe;
  let spec: RunSpecInput;
  try {
    if (specParam !== null) {
      spec = decodeSpecParam(specParam);
      recipe = typeof spec.recipe === 'string' ? spec.recipe : 'custom';
    } else {
      recipe = preset ?? fallbackRecipe;
      spec = { ...getRecipe(recipe).spec, recipe } as RunSpecInput;
    }
  } catch (error) {
    return {
      recipe: fallbackRecipe,
      spec: { ...getRecipe(fallbackRecipe).spec, recipe: fallbackRecipe } as RunSpecInput,
      autostart: false,
      error: `The URL's run cannot be read: ${(error as Error).message}.`,
    };
  }
  if (stepsParam !== null) {
    const steps = Number(stepsParam);
    if (!Number.isInteger(steps) || steps < 1) {
      return {
        recipe,
        spec,
        autostart: false,
        error: `steps=${stepsParam} in the URL must be a whole number >= 1.`,
      };
    }
    spec = mergeSpec(spec, { training: { steps } });
  }
  return { recipe, spec, autostart };
}
