import type { AgendaBackend } from 'agenda';
import type { Connection } from '../connection.js';
import { SqliteJobRepository } from './repository.js';

/**
 * agenda's `AgendaBackend` on the SQLite store's own database: storage only (Agenda polls; no
 * notification channel, no persistent job log). The store owns the connection, so
 * `ownsConnection` is false and `disconnect()` leaves it open; closing the store closes it.
 */
export class SqliteAgendaBackend implements AgendaBackend {
  /** The backend's name, as dashboards show it. */
  readonly name = 'SQLite';
  /** Where the jobs are kept: the `agenda_jobs` table. */
  readonly repository: SqliteJobRepository;
  /** Always false: the store opened the database and closes it. */
  readonly ownsConnection = false;

  constructor(connection: Connection) {
    this.repository = new SqliteJobRepository(connection);
  }

  /** Never rejects (Agenda calls it without a `catch`): the table exists once the store is open. */
  async connect(): Promise<void> {
    await this.repository.connect();
  }

  /** Leaves the store's connection open. */
  async disconnect(): Promise<void> {}
}
