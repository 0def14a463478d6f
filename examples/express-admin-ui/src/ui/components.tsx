/** Small building blocks every screen uses: states, badges, panels, times, JSON, notices. */
import { useEffect, useId, useState, type ReactNode } from 'react';
import type { Loaded } from './hooks.js';

/** An error said in plain words, with what to do about it. */
export function plainWords(error: Error): string {
  const code = (error as { code?: string }).code;
  const message = error.message;
  if (message.startsWith('hub unreachable') || message.includes('Failed to fetch') || message.includes('NetworkError')) {
    return 'The hub could not be reached. Check that it is running and try again.';
  }
  switch (code) {
    case 'UNAUTHENTICATED':
      return 'The hub did not accept your token. It may have expired or been revoked: sign in again.';
    case 'FORBIDDEN':
      return 'Only an Admin can do this. You are signed in as a Viewer.';
    case 'NOT_FOUND':
      return `Not found: ${message}`;
    case 'VALIDATION':
      return `Please check the form: ${message}`;
    case 'CONFLICT':
      return `That cannot be done right now: ${message}`;
    case 'RATE_LIMITED':
    case 'QUEUE_FULL':
      return `The hub is busy: ${message}. Try again in a moment.`;
    case 'INTERNAL':
      return 'Something went wrong inside the hub. Try again; if it keeps happening, check the hub\'s log.';
    default:
      return message;
  }
}

/** An error box; `role="alert"` so screen readers announce it. */
export function ErrorBox({ error, onRetry }: { error: Error | undefined; onRetry?: () => void }) {
  if (!error) return null;
  return (
    <div className="error" role="alert">
      <span>{plainWords(error)}</span>
      {onRetry && (
        <button type="button" className="link" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}

/** What a screen shows while its first load runs. */
export function Loading({ what }: { what: string }) {
  return (
    <p className="muted" role="status" aria-live="polite">
      Loading {what}…
    </p>
  );
}

/** What a screen shows when there is nothing to list, and how to get something. */
export function Empty({ children }: { children: ReactNode }) {
  return <div className="empty">{children}</div>;
}

/** Loading, error or content, for one load. */
export function Section<T>({
  what,
  load,
  empty,
  children,
}: {
  what: string;
  load: Loaded<T>;
  empty?: (data: T) => ReactNode | null;
  children: (data: T) => ReactNode;
}) {
  if (load.data === undefined) {
    return load.error ? <ErrorBox error={load.error} onRetry={load.reload} /> : <Loading what={what} />;
  }
  const nothing = empty?.(load.data);
  return (
    <>
      <ErrorBox error={load.error} onRetry={load.reload} />
      {nothing ?? children(load.data)}
    </>
  );
}

/** A list's load: loading, error, `empty` when the list has no rows, else `children` with the rows. */
export function ListSection<T>({
  what,
  load,
  empty,
  children,
}: {
  what: string;
  load: Loaded<T[]>;
  empty: ReactNode;
  children: (rows: T[]) => ReactNode;
}) {
  return (
    <Section what={what} load={load} empty={(rows) => (rows.length === 0 ? empty : null)}>
      {children}
    </Section>
  );
}

/** A titled panel of a screen: a `<section>` named by its `<h2>`. */
export function Panel({
  title,
  id,
  headingClassName,
  children,
}: {
  title: ReactNode;
  /** The section's own id, for links to it (`#logs`). */
  id?: string;
  headingClassName?: string;
  children?: ReactNode;
}) {
  const headingId = useId();
  return (
    <section className="panel" aria-labelledby={headingId} id={id}>
      <h2 id={headingId} className={headingClassName}>
        {title}
      </h2>
      {children}
    </section>
  );
}

/** An event state or sink status as a coloured badge (the word is always there, not just a colour). */
export function Badge({ value }: { value: string }) {
  return <span className={`badge badge-${value.toLowerCase()}`}>{value}</span>;
}

/** A page title with optional actions on the right. */
export function PageHeader({ title, children }: { title: string; children?: ReactNode }) {
  useEffect(() => {
    document.title = `${title} · Nexomatic admin`;
  }, [title]);
  return (
    <header className="page-header">
      <h1 tabIndex={-1}>{title}</h1>
      <div className="page-actions">{children}</div>
    </header>
  );
}

/** Pretty JSON, in a scrollable block. */
export function Json({ value, label }: { value: unknown; label: string }) {
  return (
    <pre className="json" aria-label={label} tabIndex={0}>
      {value === undefined ? '—' : JSON.stringify(value, null, 2)}
    </pre>
  );
}

/** A time as "12:03:04" today or "3 Nov 12:03" before, with the full ISO time on hover. */
export function Time({ iso }: { iso: string | null | undefined }) {
  if (!iso) return <span className="muted">—</span>;
  const date = new Date(iso);
  const today = new Date().toDateString() === date.toDateString();
  const text = today
    ? date.toLocaleTimeString(undefined, { hour12: false })
    : date.toLocaleString(undefined, { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', hour12: false });
  return (
    <time dateTime={iso} title={date.toISOString()}>
      {text}
    </time>
  );
}

/** "5 s ago", "3 min ago", for a last-seen time. */
export function Ago({ iso }: { iso: string }) {
  const seconds = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  const text = seconds < 60 ? `${seconds} s ago` : seconds < 3600 ? `${Math.round(seconds / 60)} min ago` : `${Math.round(seconds / 3600)} h ago`;
  return (
    <time dateTime={iso} title={new Date(iso).toISOString()}>
      {text}
    </time>
  );
}

/** A short-lived notice ("RESET sent to sink-1"), announced politely. */
export function useNotice(): [ReactNode, (text: string) => void] {
  const [text, setText] = useState<string | null>(null);
  useEffect(() => {
    if (!text) return;
    const timer = window.setTimeout(() => setText(null), 6000);
    return () => window.clearTimeout(timer);
  }, [text]);
  const node = (
    <div className="notice" role="status" aria-live="polite">
      {text}
    </div>
  );
  return [node, setText];
}

/** Why a control is disabled for a Viewer, as a tooltip and for screen readers. */
export const VIEWER_HINT = 'Only an Admin can do this';

/** The props of a control only an Admin may use: disabled for a Viewer (or while `disabled`), with {@link VIEWER_HINT} as its tooltip. */
export function adminOnly(isAdmin: boolean, disabled = false): { disabled: boolean; title: string | undefined } {
  return { disabled: !isAdmin || disabled, title: isAdmin ? undefined : VIEWER_HINT };
}
