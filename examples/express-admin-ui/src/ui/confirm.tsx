/** Asking before a change: the confirmation dialog, and a hook that runs the change once confirmed. */
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { ErrorBox } from './components.js';
import { useAction } from './hooks.js';

/** What wires a {@link ConfirmDialog} to the change it confirms (see {@link useConfirm}). */
export interface ConfirmState {
  open: boolean;
  busy?: boolean;
  error?: Error | undefined;
  onConfirm(): void;
  onCancel(): void;
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
}: ConfirmState & {
  title: string;
  children: ReactNode;
  confirmLabel: string;
  danger?: boolean;
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

/** A change waiting for confirmation: what it is for, how to ask, and the dialog's wiring. */
export interface Confirming<T> {
  /** What the dialog asks about, or null while it is closed. */
  target: T | null;
  /** Opens the dialog for `target`. */
  ask(target: T): void;
  /** Spread onto a {@link ConfirmDialog}: open, busy, error, confirm (runs the change, closes on success) and cancel. */
  dialog: ConfirmState;
}

/** Runs `change(target)` only once the user confirms; a failure keeps the dialog open with the error. */
export function useConfirm<T>(change: (target: T) => Promise<unknown>): Confirming<T> {
  const [target, setTarget] = useState<T | null>(null);
  const action = useAction(change);
  return {
    target,
    ask: (next) => setTarget(() => next),
    dialog: {
      open: target !== null,
      busy: action.busy,
      error: action.error,
      onCancel: () => {
        setTarget(null);
        action.clearError();
      },
      onConfirm: () => {
        if (target !== null) void action.run(target).then((ok) => ok && setTarget(null));
      },
    },
  };
}
