/**
 * A run in the page's URL, so that a link (or an e2e test) opens the Train page with a run set up:
 *
 *   ?preset=<recipe>&steps=N&autostart=1    a recipe of @makemore/run, optionally shortened
 *   ?spec=<base64url of the JSON spec>      any (partial) run spec
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
  const bytes = new TextEncoder().encode(JSON.stringify(spec));
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
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
