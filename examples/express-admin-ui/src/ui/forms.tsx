/** Forms: a form that runs a change (check, busy, error), a labelled select, and a bar of filters. */
import { useState, type ReactNode } from 'react';
import { adminOnly, ErrorBox } from './components.js';
import { useSession } from './session.js';

/**
 * A form that runs a change on submit: `check` first (its problem is shown in plain words and
 * nothing is sent), then `onSubmit`. The submit button is disabled while `action` runs, while
 * `disabled`, and for a Viewer; the action's error shows under it.
 */
export function ActionForm({
  label,
  className,
  autoComplete,
  action,
  submit,
  busyLabel,
  disabled,
  check,
  onSubmit,
  children,
}: {
  /** The form's accessible name ("Add a user"). */
  label?: string;
  className?: string;
  autoComplete?: string;
  /** The state of the change (from `useAction`). */
  action: { busy: boolean; error: Error | undefined };
  /** The submit button's text. */
  submit: string;
  /** The submit button's text while the change runs. @default submit */
  busyLabel?: string;
  disabled?: boolean;
  /** What is wrong with the input, in plain words, or null when it can be sent. */
  check?: () => string | null;
  onSubmit(): void;
  children: ReactNode;
}) {
  const { isAdmin } = useSession();
  const [problem, setProblem] = useState<string | null>(null);
  return (
    <form
      className={className}
      aria-label={label}
      autoComplete={autoComplete}
      onSubmit={(event) => {
        event.preventDefault();
        const found = check?.() ?? null;
        setProblem(found);
        if (found === null) onSubmit();
      }}
    >
      {children}
      <button type="submit" className="primary" {...adminOnly(isAdmin, action.busy || disabled)}>
        {action.busy && busyLabel ? busyLabel : submit}
      </button>
      {problem && (
        <p className="error" role="alert">
          {problem}
        </p>
      )}
      <ErrorBox error={action.error} />
    </form>
  );
}

/** A choice of a select: its value and the words shown for it. */
export interface Choice<V extends string> {
  value: V;
  label: string;
}

/** A labelled `<select>`; `any` adds a first choice with the value `''` ("Any"). */
export function Select<V extends string>({
  label,
  value,
  options,
  onChange,
  any,
  name,
  required,
  disabled,
}: {
  label: string;
  value: V;
  /** The choices: a value shown as itself, or a {@link Choice}. */
  options: ReadonlyArray<V | Choice<V>>;
  onChange(value: NoInfer<V>): void;
  /** The words of the empty choice (value `''`, so `V` should include `''`), when there is one. */
  any?: string;
  name?: string;
  required?: boolean;
  disabled?: boolean;
}) {
  return (
    <label>
      {label}
      <select name={name} value={value} onChange={(e) => onChange(e.target.value as V)} required={required} disabled={disabled}>
        {any !== undefined && <option value="">{any}</option>}
        {options.map((option) =>
          typeof option === 'string' ? (
            <option key={option}>{option}</option>
          ) : (
            <option key={option.value} value={option.value}>
              {option.label}
            </option>
          ),
        )}
      </select>
    </label>
  );
}

/** A bar of filters: a form named `label` that never submits (each control applies at once). */
export function FilterBar({ label, children }: { label: string; children: ReactNode }) {
  return (
    <form className="filters" aria-label={label} onSubmit={(e) => e.preventDefault()}>
      {children}
    </form>
  );
}
