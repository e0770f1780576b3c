/**
 * Form fields bound to one field of a run spec by its dotted path (`optimizer.lr`). Each shows the value
 * the spec has, or the one resolving it filled in, and the message of a `RunSpecError` that names its
 * path right under it, so a wrong value is explained where it was typed.
 */
import type { ComponentChildren } from 'preact';
import { useId } from 'preact/hooks';

/** What a bound field needs from the form: a value by path, a setter, and the error for a path. */
export interface SpecBinding {
  get(path: string): unknown;
  set(path: string, value: unknown): void;
  error(path: string): string | null;
}

function SpecField(props: {
  label: string;
  path: string;
  bind: SpecBinding;
  children: (id: string, describedBy: string | undefined) => ComponentChildren;
}) {
  const id = useId();
  const message = props.bind.error(props.path);
  const errorId = `${id}-error`;
  return (
    <div class="field" data-field={props.path}>
      <label for={id}>{props.label}</label>
      {props.children(id, message ? errorId : undefined)}
      {message && (
        <span class="field-error" id={errorId} role="alert" data-testid={`error-${props.path}`}>
          {message}
        </span>
      )}
    </div>
  );
}

/** A number. An empty box leaves the field out of the spec, so that its default applies. */
export function SpecNumber(props: {
  label: string;
  path: string;
  bind: SpecBinding;
  min?: number;
  max?: number;
  step?: number | 'any';
  /** Shown, and stored, as this string when the box holds 0 (e.g. `auto` for `model.blockSize`). */
  zeroMeans?: string;
}) {
  const value = props.bind.get(props.path);
  const shown =
    typeof value === 'number' ? value : props.zeroMeans !== undefined && value === props.zeroMeans ? 0 : '';
  return (
    <SpecField label={props.label} path={props.path} bind={props.bind}>
      {(id, describedBy) => (
        <input
          id={id}
          type="number"
          value={shown}
          min={props.min}
          max={props.max}
          step={props.step ?? 'any'}
          aria-describedby={describedBy}
          aria-invalid={describedBy ? true : undefined}
          onInput={(event) => {
            const input = event.currentTarget as HTMLInputElement;
            if (input.value === '') return props.bind.set(props.path, undefined);
            const n = input.valueAsNumber;
            if (!Number.isFinite(n)) return;
            props.bind.set(props.path, props.zeroMeans !== undefined && n === 0 ? props.zeroMeans : n);
          }}
        />
      )}
    </SpecField>
  );
}

/** One of a few strings. */
export function SpecSelect(props: {
  label: string;
  path: string;
  bind: SpecBinding;
  options: readonly string[];
  /** Called instead of `bind.set`, e.g. to start a section afresh when its `type` changes. */
  onChange?: (value: string) => void;
}) {
  const value = String(props.bind.get(props.path) ?? '');
  return (
    <SpecField label={props.label} path={props.path} bind={props.bind}>
      {(id, describedBy) => (
        <select
          id={id}
          value={value}
          aria-describedby={describedBy}
          onChange={(event) => {
            const next = (event.currentTarget as HTMLSelectElement).value;
            if (props.onChange) props.onChange(next);
            else props.bind.set(props.path, next === '' ? undefined : next);
          }}
        >
          {value === '' && <option value="">default</option>}
          {(props.options.includes(value) || value === '' ? props.options : [value, ...props.options]).map(
            (o) => (
              <option key={o} value={o}>
                {o}
              </option>
            ),
          )}
        </select>
      )}
    </SpecField>
  );
}

/** A true/false field. */
export function SpecCheck(props: { label: string; path: string; bind: SpecBinding }) {
  const id = useId();
  const message = props.bind.error(props.path);
  return (
    <div class="field" data-field={props.path}>
      <label class="check" for={id}>
        <input
          id={id}
          type="checkbox"
          checked={props.bind.get(props.path) === true}
          onChange={(event) => props.bind.set(props.path, (event.currentTarget as HTMLInputElement).checked)}
        />
        {props.label}
      </label>
      {message && (
        <span class="field-error" role="alert" data-testid={`error-${props.path}`}>
          {message}
        </span>
      )}
    </div>
  );
}

/**
 * Free text, turned into the spec's value by `parse` (e.g. a list of milestones, or `all` or a number)
 * and back by `format`.
 */
export function SpecText(props: {
  label: string;
  path: string;
  bind: SpecBinding;
  parse?: (text: string) => unknown;
  format?: (value: unknown) => string;
  placeholder?: string;
}) {
  const value = props.bind.get(props.path);
  const shown = props.format ? props.format(value) : value === undefined ? '' : String(value);
  return (
    <SpecField label={props.label} path={props.path} bind={props.bind}>
      {(id, describedBy) => (
        <input
          id={id}
          type="text"
          value={shown}
          placeholder={props.placeholder}
          aria-describedby={describedBy}
          onChange={(event) => {
            const text = (event.currentTarget as HTMLInputElement).value;
            props.bind.set(props.path, props.parse ? props.parse(text) : text);
          }}
        />
      )}
    </SpecField>
  );
}
