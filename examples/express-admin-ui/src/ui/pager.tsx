/** Paging newest first by cursor: the pages walked so far, and the Newer / Older buttons. */
import { useState, type ReactNode } from 'react';

/** The pages walked so far: the cursor of the page shown (none for the newest) and steps between them. */
export interface Pages {
  /** The cursor of the page shown; undefined on the newest page. */
  cursor: string | undefined;
  /** Whether the newest page is shown. */
  newest: boolean;
  /** Shows the page before, newer. */
  newer(): void;
  /** Shows the page at `cursor`, older. */
  older(cursor: string): void;
  /** Back to the newest page (when the filters change). */
  reset(): void;
}

/** Remembers the cursors walked, so Newer can go back. */
export function usePages(): Pages {
  const [cursors, setCursors] = useState<string[]>([]);
  return {
    cursor: cursors.at(-1),
    newest: cursors.length === 0,
    newer: () => setCursors((c) => c.slice(0, -1)),
    older: (cursor) => setCursors((c) => [...c, cursor]),
    reset: () => setCursors([]),
  };
}

/** Newer and Older buttons (Older while the page has a `nextCursor`), then `children`. */
export function Pager({ pages, nextCursor, children }: { pages: Pages; nextCursor: string | null | undefined; children?: ReactNode }) {
  return (
    <div className="pager">
      <button type="button" disabled={pages.newest} onClick={pages.newer}>
        Newer
      </button>
      <button type="button" disabled={!nextCursor} onClick={() => nextCursor && pages.older(nextCursor)}>
        Older
      </button>
      {children}
    </div>
  );
}
