/** Events: filters in the URL, live updates by polling, paging, and firing an event (Admin). */
import { useState } from 'react';
import { EventState, SourceType, type EventQuery } from '@nexomatic/core';
import { Badge, Empty, PageHeader, Section, Time } from '../components.js';
import { listDefinitions } from '../definitions.js';
import { ActionForm, FilterBar, Select } from '../forms.js';
import { duration } from '../format.js';
import { useAction, useLoad } from '../hooks.js';
import { Pager, usePages } from '../pager.js';
import { Link, navigate, useLocation } from '../router.js';
import { useSession } from '../session.js';
import { Table } from '../table.js';

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
  const pages = usePages();
  const filter: EventQuery = { limit: 50 };
  const state = EventState.safeParse(query.get('state'));
  if (state.success) filter.state = state.data;
  const sourceType = SourceType.safeParse(query.get('sourceType'));
  if (sourceType.success) filter.sourceType = sourceType.data;
  if (query.get('eventType')) filter.eventType = query.get('eventType')!;
  if (query.get('rootEventId')) filter.rootEventId = query.get('rootEventId')!;
  if (query.get('sinkId')) filter.sinkId = query.get('sinkId')!;
  const since = SINCE[query.get('since') ?? ''];
  const { cursor } = pages;
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
    pages.reset();
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
      <FilterBar label="Filter events">
        <Select label="State" value={filter.state ?? ''} any="Any" options={EventState.options} onChange={(v) => setFilter('state', v)} />
        <Select
          label="Event Type"
          value={filter.eventType ?? ''}
          any="Any"
          options={(eventTypes.data ?? []).map((t) => t.name)}
          onChange={(v) => setFilter('eventType', v)}
        />
        <Select label="Source Type" value={filter.sourceType ?? ''} any="Any" options={SourceType.options} onChange={(v) => setFilter('sourceType', v)} />
        <Select
          label="Created within"
          value={since ? query.get('since')! : ''}
          any="Any time"
          options={Object.entries(SINCE).map(([value, { label }]) => ({ value, label }))}
          onChange={(v) => setFilter('since', v)}
        />
        {filter.sinkId && <FilterChip text={`On sink ${filter.sinkId.slice(0, 8)}…`} what="sink" onClear={() => setFilter('sinkId', '')} />}
        {filter.rootEventId && <FilterChip text={`Chain of ${filter.rootEventId.slice(0, 8)}…`} what="chain" onClear={() => setFilter('rootEventId', '')} />}
      </FilterBar>
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
            <Table className="events-table" testId="events-table" columns={['State', 'Event Type', 'Created', 'Duration', 'Attempt', 'Source', 'Event']}>
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
            </Table>
            <Pager pages={pages} nextCursor={page.nextCursor}>
              {cursor && <span className="muted">Live updates pause while you look at older pages.</span>}
            </Pager>
          </>
        )}
      </Section>
    </div>
  );
}

/** A filter that has no control of its own (it comes from a link), with a button that clears it. */
function FilterChip({ text, what, onClear }: { text: string; what: string; onClear(): void }) {
  return (
    <span className="chip">
      {text}{' '}
      <button type="button" className="link" onClick={onClear} aria-label={`Clear the ${what} filter`}>
        ×
      </button>
    </span>
  );
}

/** Fires one event of a chosen Event Type with a JSON payload, then opens it. */
function FireForm({ eventTypes }: { eventTypes: string[] }) {
  const { api } = useSession();
  const [eventType, setEventType] = useState('');
  const [payload, setPayload] = useState('{}');
  const fire = useAction(async () => {
    const event = await api.client.fire({ eventType: eventType || eventTypes[0]!, payload: JSON.parse(payload) as Record<string, never> });
    navigate(`/events/${event.id}`);
  });
  return (
    <details className="panel fire">
      <summary>Fire an event</summary>
      <ActionForm
        action={fire}
        submit="Fire event"
        busyLabel="Firing…"
        disabled={eventTypes.length === 0}
        check={() => (isJsonObject(payload) ? null : 'The payload must be a JSON object, e.g. {"name": "Ada"}.')}
        onSubmit={() => void fire.run()}
      >
        <Select name="eventType" label="Event Type" value={eventType || eventTypes[0] || ''} options={eventTypes} onChange={setEventType} required />
        <label>
          Payload (JSON)
          <textarea name="payload" rows={3} value={payload} onChange={(e) => setPayload(e.target.value)} spellCheck={false} />
        </label>
      </ActionForm>
    </details>
  );
}

/** Whether `text` is a JSON object (not an array, not null). */
function isJsonObject(text: string): boolean {
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed);
  } catch {
    return false;
  }
}
