/** Small building blocks every screen uses: states, badges, tables, dialogs, JSON. */
import { useEffect, useRef, useState, type ReactNode } from 'react';

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
  load: { data: T | undefined; error: Error | undefined; loading: boolean; reload(): void };
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

/**
 * A confirmation dialog (the native `<dialog>`: focus moves in, Escape cancels). Renders nothing
 * while `open` is false.
 */
export function ConfirmDialog({
  open,
  title,
  children,
  confirmLabel,
  danger,
  busy,
  error,
  onConfirm,
  onCancel,
}: {
  open: boolean;
  title: string;
  children: ReactNode;
  confirmLabel: string;
  danger?: boolean;
  busy?: boolean;
  error?: Error | undefined;
  onConfirm(): void;
  onCancel(): void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);
  return (
    <dialog
      ref={ref}
      className="dialog"
      aria-labelledby="dialog-title"
      onCancel={(event) => {
        event.preventDefault();
        onCancel();
      }}
    >
      {open && (
        <form
          method="dialog"
          onSubmit={(event) => {
            event.preventDefault();
            onConfirm();
          }}
        >
          <h2 id="dialog-title">{title}</h2>
          <div className="dialog-body">{children}</div>
          <ErrorBox error={error} />
          <div className="dialog-actions">
            <button type="button" onClick={onCancel} autoFocus>
              Cancel
            </button>
            <button type="submit" className={danger ? 'danger' : 'primary'} disabled={busy}>
              {busy ? 'Working…' : confirmLabel}
            </button>
          </div>
        </form>
      )}
    </dialog>
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
