/** Tables: column headings, a row's heading cell, and a list's load shown as a table. */
import type { ReactNode } from 'react';
import { ListSection } from './components.js';
import type { Loaded } from './hooks.js';

/** A column heading: its text, or `{ hidden }` for a heading only screen readers hear. */
export type Column = string | { hidden: string };

/** The heading of a column of buttons. */
export const ACTIONS_COLUMN: Column = { hidden: 'Actions' };

/** A table with one row of column headings; `children` are its body rows. */
export function Table({
  columns,
  testId,
  className,
  children,
}: {
  columns: readonly Column[];
  /** Its `data-testid`. */
  testId?: string;
  className?: string;
  children: ReactNode;
}) {
  return (
    <table className={className} data-testid={testId}>
      <thead>
        <tr>
          {columns.map((column) =>
            typeof column === 'string' ? (
              <th key={column} scope="col">
                {column}
              </th>
            ) : (
              <th key={column.hidden} scope="col">
                <span className="visually-hidden">{column.hidden}</span>
              </th>
            ),
          )}
        </tr>
      </thead>
      <tbody>{children}</tbody>
    </table>
  );
}

/** A list's load as a table: loading, error, `empty` when there are no rows, else one `row(item)` per item. */
export function DataTable<T>({
  what,
  load,
  empty,
  columns,
  testId,
  className,
  row,
}: {
  /** What is loading, in words ("users"). */
  what: string;
  load: Loaded<T[]>;
  empty: ReactNode;
  columns: readonly Column[];
  testId?: string;
  className?: string;
  /** One body row (with its `key`). */
  row: (item: T) => ReactNode;
}) {
  return (
    <ListSection what={what} load={load} empty={empty}>
      {(items) => (
        <Table columns={columns} testId={testId} className={className}>
          {items.map(row)}
        </Table>
      )}
    </ListSection>
  );
}

/** A row's heading cell: its name, any `children` under it, then its description, muted. */
export function RowHeader({ name, description, children }: { name: ReactNode; description?: string | null | undefined; children?: ReactNode }) {
  return (
    <th scope="row">
      {name}
      {children}
      {description && <div className="muted small">{description}</div>}
    </th>
  );
}
