/** Labelled form fields. Every input has a visible <label>, so screen readers and tests find it by name. */
import type { ComponentChildren } from 'preact';
import { useId } from 'preact/hooks';

/** A `.field` box: a visible <label> tied by a fresh id to the one control that `children` draws with it. */
function LabelledField(props: { label: string; children: (id: string) => ComponentChildren }) {
  const id = useId();
  return (
    <div class="field">
      <label for={id}>{props.label}</label>
      {props.children(id)}
    </div>
  );
}

export function NumberField(props: {
  label: string;
  value: number;
  onChange: (value: number) => void;
  min?: number;
  max?: number;
  step?: number | 'any';
  disabled?: boolean;
  name?: string;
}) {
  return (
    <LabelledField label={props.label}>
      {(id) => (
        <input
          id={id}
          name={props.name}
          type="number"
          value={props.value}
          min={props.min}
          max={props.max}
          step={props.step ?? 'any'}
          disabled={props.disabled}
          onInput={(event) => {
            const value = (event.currentTarget as HTMLInputElement).valueAsNumber;
            if (Number.isFinite(value)) props.onChange(value);
          }}
        />
      )}
    </LabelledField>
  );
}

export function SelectField<T extends string>(props: {
  label: string;
  value: T;
  options: readonly (T | { value: T; label: string; disabled?: boolean })[];
  onChange: (value: T) => void;
  disabled?: boolean;
}) {
  return (
    <LabelledField label={props.label}>
      {(id) => (
        <select
          id={id}
          value={props.value}
          disabled={props.disabled}
          onChange={(event) => props.onChange((event.currentTarget as HTMLSelectElement).value as T)}
        >
          {props.options.map((option) => {
            const o = typeof option === 'string' ? { value: option, label: option, disabled: false } : option;
            return (
              <option key={o.value} value={o.value} disabled={o.disabled}>
                {o.label}
              </option>
            );
          })}
        </select>
      )}
    </LabelledField>
  );
}

export function TextField(props: {
  label: string;
  value: string;
  onInput: (value: string) => void;
  placeholder?: string;
  disabled?: boolean;
}) {
  return (
    <LabelledField label={props.label}>
      {(id) => (
        <input
          id={id}
          type="text"
          value={props.value}
          placeholder={props.placeholder}
          disabled={props.disabled}
          onInput={(event) => props.onInput((event.currentTarget as HTMLInputElement).value)}
        />
      )}
    </LabelledField>
  );
}

export function Panel({ title, children, id }: { title: string; children: ComponentChildren; id?: string }) {
  return (
    <section class="panel" aria-label={title} id={id}>
      <h3>{title}</h3>
      {children}
    </section>
  );
}

/** An error message, announced to screen readers (`role="alert"`); nothing while there is none. */
export function ErrorAlert({ message }: { message: string | null | undefined }) {
  if (!message) return null;
  return (
    <p class="error" role="alert">
      {message}
    </p>
  );
}

/** Formats seconds as `1h 02m`, `3m 05s` or `12s`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '–';
  const s = Math.round(seconds);
  if (s >= 3600) return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${s}s`;
}
