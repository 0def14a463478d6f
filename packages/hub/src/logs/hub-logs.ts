import { NexomaticError, parse, type LogRecord, type Logger } from '@nexomatic/core';
import type { HubStore } from '../store/port.js';
import { Archiver, type ArchiveSummary } from './archiver.js';
import type { ResolvedLogsOptions } from './options.js';
import { LogQueryInput, toLogQuery, type LogPage } from './query.js';
import { LogService, type TailRequest } from './service.js';

/**
 * The hub's Logs as `hub.logs`: queries over live and archived records, live tails, and the
 * archiver (started with the hub when `logs.archive` is set).
 */
export class HubLogs {
  /** Ingest, queries and tails; shared with the engine and the API. */
  readonly service: LogService;
  private readonly archiver: Archiver | undefined;

  constructor(
    store: HubStore,
    options: ResolvedLogsOptions,
    logger: Logger,
    private readonly defaultTenantId: string,
  ) {
    this.service = new LogService(store, options.archive, logger);
    this.archiver = options.archive ? new Archiver(store, options.archive, options, logger) : undefined;
  }

  /**
   * A page of a tenant's log records (the default tenant's unless `tenantId`), live and archived
   * alike. Pass the page's `nextCursor` as `cursor` for the next one.
   */
  async query(query: LogQueryInput, tenantId = this.defaultTenantId): Promise<LogPage> {
    return this.service.query(tenantId, toLogQuery(parse(LogQueryInput, query, 'log query')));
  }

  /** Follows an event's records, stored ones first, until `signal` aborts. */
  tail(request: TailRequest, signal: AbortSignal, tenantId = this.defaultTenantId): AsyncGenerator<LogRecord> {
    return this.service.tail(tenantId, request, signal);
  }

  /**
   * Archives now every record past retention (as the timer does), and says what moved; a
   * `VALIDATION` error when no `logs.archive` is configured.
   */
  async archiveNow(now?: Date): Promise<ArchiveSummary> {
    if (!this.archiver) throw new NexomaticError('VALIDATION', 'no logs.archive is configured');
    return this.archiver.run(now);
  }

  /** Starts the archive timer, if there is an archive. */
  start(): void {
    this.archiver?.start();
  }

  /** Stops the archive timer and waits for a run under way. */
  async close(): Promise<void> {
    await this.archiver?.close();
  }
}
