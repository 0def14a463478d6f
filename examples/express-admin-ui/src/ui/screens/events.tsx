/** Events: filters in the URL, live updates by polling, paging, and firing an event (Admin). */
import { useState } from 'react';
import { EventState, SourceType, type EventQuery } from '@nexomatic/core';
import { Badge, Empty, ErrorBox, PageHeader, Section, Time, VIEWER_HINT } from '../components.js';
import { listDefinitions } from '../definitions.js';
import { duration } from '../format.js';
import { useAction, useLoad } from '../hooks.js';
import { Link, navigate, useLocation } from '../router.js';
import { useSession } from '../session.js';

/** The filters kept in the URL's query string. */
type Filter = 'state' | 'eventType' | 'sourceType' | 'rootEventId' | 'sinkId' | 'since';

/** The "created within" choices, in milliseconds. */
const SINCE: Record<string, { label: string; ms: number }> = {
  '1h': { label: 'the last hour', ms: 3_600_000 },
  '24h': { label: 'the last 24 hours', ms: 86_400_000 },
  '7d': { label: 'the last 7 days', ms: 7 * 86_400_000 },
};

/** The events list. */
export function EventsScreen() {
  const { api, isAdmin } = useSession();
  const { query } = useLocation();
  const [live, setLive] = useState(true);
  const [cursors, setCursors] = useState<string[]>([]);
  const filter: EventQuery = { limit: 50 };
  const state = EventState.safeParse(query.get('state'));
  if (state.success) filter.state = state.data;
  const sourceType = SourceType.safeParse(query.get('sourceType'));
  if (sourceType.success) filter.sourceType = sourceType.data;
  if (query.get('eventType')) filter.eventType = query.get('eventType')!;
  if (query.get('rootEventId')) filter.rootEventId = query.get('rootEventId')!;
  if (query.get('sinkId')) filter.sinkId = query.get('sinkId')!;
  const since = SINCE[query.get('since') ?? ''];
  const cursor = cursors.at(-1);
  const key = query.toString();
  const events = useLoad(
    () =>
      api.client.events.list({
        ...filter,
        ...(since ? { createdFrom: new Date(Date.now() - since.ms).toISOString() } : {}),
        ...(cursor ? { cursor } : {}),
      }),
    [key, cursor],
    live && !cursor ? 1000 : null,
  );
  const eventTypes = useLoad(() => listDefinitions(api, 'eventType'), []);

  const setFilter = (name: Filter, value: string) => {
    const next = new URLSearchParams(query);
    if (value) next.set(name, value);
    else next.delete(name);
    setCursors([]);
    const search = next.toString();
    navigate(`/events${search ? `?${search}` : ''}`, { replace: true });
  };

  return (
    <div>
      <PageHeader title="Events">
        <label className="inline">
          <input type="checkbox" checked={live} onChange={(e) => setLive(e.target.checked)} /> Live
        </label>
      </PageHeader>
      {isAdmin ? <FireForm eventTypes={eventTypes.data?.map((t) => t.name) ?? []} /> : null}
      <form className="filters" aria-label="Filter events" onSubmit={(e) => e.preventDefault()}>
        <label>
          State
          <select value={filter.state ?? ''} onChange={(e) => setFilter('state', e.target.value)}>
            <option value="">Any</option>
            {EventState.options.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <label>
          Event Type
          <select value={filter.eventType ?? ''} onChange={(e) => setFilter('eventType', e.target.value)}>
            <option value="">Any</option>
            {(eventTypes.data ?? []).map((t) => (
              <option key={t.name}>{t.name}</option>
            ))}
          </select>
        </label>
        <label>
          Source Type
          <select value={filter.sourceType ?? ''} onChange={(e) => setFilter('sourceType', e.target.value)}>
            <option value="">Any</option>
            {SourceType.options.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <label>
          Created within
          <select value={since ? query.get('since')! : ''} onChange={(e) => setFilter('since', e.target.value)}>
            <option value="">Any time</option>
            {Object.entries(SINCE).map(([value, { label }]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </label>
        {filter.sinkId && (
          <span className="chip">
            On sink {filter.sinkId.slice(0, 8)}…{' '}
            <button type="button" className="link" onClick={() => setFilter('sinkId', '')} aria-label="Clear the sink filter">
              ×
            </button>
          </span>
        )}
        {filter.rootEventId && (
          <span className="chip">
            Chain of {filter.rootEventId.slice(0, 8)}…{' '}
            <button type="button" className="link" onClick={() => setFilter('rootEventId', '')} aria-label="Clear the chain filter">
              ×
            </button>
          </span>
        )}
      </form>
      <Section
        what="events"
        load={events}
        empty={(page) =>
          page.items.length === 0 ? (
            <Empty>{key ? 'No event matches these filters.' : 'No events yet. Fire one, or let a Source or Schedule fire them.'}</Empty>
          ) : null
        }
      >
        {(page) => (
          <>
            <table className="events-table" data-testid="events-table">
              <thead>
                <tr>
                  <th scope="col">State</th>
                  <th scope="col">Event Type</th>
                  <th scope="col">Created</th>
                  <th scope="col">Duration</th>
                  <th scope="col">Attempt</th>
                  <th scope="col">Source</th>
                  <th scope="col">Event</th>
                </tr>
              </thead>
              <tbody>
                {page.items.map((event) => (
                  <tr key={event.id} data-event-id={event.id}>
                    <td>
                      <Badge value={event.state} />
                    </td>
                    <td>{event.eventType}</td>
                    <td>
                      <Time iso={event.createdAt} />
                    </td>
                    <td>{duration(event)}</td>
                    <td>
                      {event.attempt}/{event.maxAttempts}
                    </td>
                    <td>{event.source.type}</td>
                    <td>
                      <Link to={`/events/${event.id}`} className="mono">
                        {event.id.slice(0, 8)}
                      </Link>
                      {event.parentEventId && <span className="muted"> (follow-on)</span>}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            <div className="pager">
              <button type="button" disabled={cursors.length === 0} onClick={() => setCursors((c) => c.slice(0, -1))}>
                Newer
              </button>
              <button type="button" disabled={!page.nextCursor} onClick={() => page.nextCursor && setCursors((c) => [...c, page.nextCursor!])}>
                Older
              </button>
              {cursor && <span className="muted">Live updates pause while you look at older pages.</span>}
            </div>
          </>
        )}
      </Section>
    </div>
  );
}

/** Fires one event of a chosen Event Type with a JSON payload, then opens it. */
function FireForm({ eventTypes }: { eventTypes: string[] }) {
  const { api, isAdmin } = useSession();
  const [eventType, setEventType] = useState('');
  const [payload, setPayload] = useState('{}');
  const [problem, setProblem] = useState<string | null>(null);
  const fire = useAction(async () => {
    const event = await api.client.fire({ eventType: eventType || eventTypes[0]!, payload: JSON.parse(payload) as Record<string, never> });
    navigate(`/events/${event.id}`);
  });
  return (
    <details className="panel fire">
      <summary>Fire an event</summary>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          try {
            const parsed: unknown = JSON.parse(payload);
            if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
          } catch {
            setProblem('The payload must be a JSON object, e.g. {"name": "Ada"}.');
            return;
          }
          setProblem(null);
          void fire.run();
        }}
      >
        <label>
          Event Type
          <select name="eventType" value={eventType || eventTypes[0] || ''} onChange={(e) => setEventType(e.target.value)} required>
            {eventTypes.map((name) => (
              <option key={name}>{name}</option>
            ))}
          </select>
        </label>
        <label>
          Payload (JSON)
          <textarea name="payload" rows={3} value={payload} onChange={(e) => setPayload(e.target.value)} spellCheck={false} />
        </label>
        {problem && (
          <p className="error" role="alert">
            {problem}
          </p>
        )}
        <ErrorBox error={fire.error} />
        <button type="submit" className="primary" disabled={!isAdmin || fire.busy || eventTypes.length === 0} title={isAdmin ? undefined : VIEWER_HINT}>
          {fire.busy ? 'Firing…' : 'Fire event'}
        </button>
      </form>
    </details>
  );
}
