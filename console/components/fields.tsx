import type { Child } from 'hono/jsx';

/** A labelled input with its hint and, after a refused save, the API's message for it. */
export function TextField(props: {
  id: string;
  name?: string;
  label: string;
  value?: string;
  type?: 'text' | 'password' | 'url' | 'number';
  required?: boolean;
  hint?: Child;
  error?: string;
  step?: string;
  min?: string;
  max?: string;
  list?: string;
  autocomplete?: string;
}) {
  const described = [props.hint ? `${props.id}-hint` : '', props.error ? `${props.id}-error` : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      <input
        id={props.id}
        name={props.name ?? props.id}
        type={props.type ?? 'text'}
        value={props.value ?? ''}
        required={props.required}
        step={props.step}
        min={props.min}
        max={props.max}
        list={props.list}
        autocomplete={props.autocomplete}
        aria-describedby={described}
        aria-invalid={props.error ? 'true' : undefined}
      />
      {props.hint && (
        <p class="hint" id={`${props.id}-hint`}>
          {props.hint}
        </p>
      )}
      <FieldError id={props.id} error={props.error} />
    </div>
  );
}

export function FieldError({ id, error }: { id: string; error?: string }) {
  if (!error) return null;
  return (
    <p class="error-text" id={`${id}-error`}>
      {error}
    </p>
  );
}

export interface Option {
  value: string;
  label: string;
}

export function SelectField(props: { id: string; name?: string; label: string; options: Option[]; value?: string; required?: boolean; empty?: string; error?: string; hint?: Child }) {
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      <select id={props.id} name={props.name ?? props.id} required={props.required} aria-invalid={props.error ? 'true' : undefined} aria-describedby={props.hint ? `${props.id}-hint` : undefined}>
        {props.empty !== undefined && <option value="">{props.empty}</option>}
        {props.options.map((o) => (
          <option value={o.value} selected={o.value === props.value}>
            {o.label}
          </option>
        ))}
      </select>
      {props.hint && (
        <p class="hint" id={`${props.id}-hint`}>
          {props.hint}
        </p>
      )}
      <FieldError id={props.id} error={props.error} />
    </div>
  );
}
