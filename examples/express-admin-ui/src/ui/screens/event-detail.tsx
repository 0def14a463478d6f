/** One event: state live, payload, parameters (secrets masked), result, error, attempts, chain and logs. */
import { useState } from 'react';
import { readPath, type ActionDefinition, type EventRecord, type EventTypeDefinition, type Parameter } from '@nexomatic/core';
import { ChainGraph } from '../chain-graph.js';
import { Badge, Empty, Json, PageHeader, Panel, Section, Time, useNotice } from '../components.js';
import { ConfirmDialog, useConfirm } from '../confirm.js';
import { listDefinitions } from '../definitions.js';
import { duration, isFinished } from '../format.js';
import { useLoad } from '../hooks.js';
import { Link, navigate } from '../router.js';
import { useSession } from '../session.js';
import { DataTable } from '../table.js';
import { LogsPanel } from './logs-panel.js';

/** The event detail screen. */
export function EventDetail({ id }: { id: string }) {
  const { api } = useSession();
  const [finished, setFinished] = useState(false);
  const event = useLoad(
    async () => {
      const found = await api.client.events.get(id);
      setFinished(isFinished(found));
      return found;
    },
    [id],
    finished ? 5000 : 1000,
  );
  return (
    <div>
      <PageHeader title={`Event ${id.slice(0, 8)}`}>{event.data && <EventActions event={event.data} onChange={event.reload} />}</PageHeader>
      <Section what="the event" load={event}>
        {(data) => <EventBody event={data} />}
      </Section>
    </div>
  );
}

function EventBody({ event }: { event: EventRecord }) {
  return (
    <>
      <Panel
        headingClassName="with-badge"
        title={
          <>
            {event.eventType} <span data-testid="event-state"><Badge value={event.state} /></span>
          </>
        }
      >
        <dl className="facts">
          <dt>Event Type</dt>
          <dd>
            <Link to={`/event-types#${encodeURIComponent(event.eventType)}`}>{event.eventType}</Link>
          </dd>
          <dt>Sink Type</dt>
          <dd>{event.sinkType}</dd>
          <dt>Module</dt>
          <dd className="mono">{event.module}</dd>
          <dt>Attempts</dt>
          <dd>
            {event.attempt} of at most {event.maxAttempts}
          </dd>
          <dt>Sink</dt>
          <dd>{event.sinkId ? <Link to={`/events?sinkId=${event.sinkId}`}>{event.sinkId.slice(0, 8)}</Link> : <span className="muted">none yet</span>}</dd>
          <dt>Source</dt>
          <dd>
            {event.source.type}
            {event.source.id ? ` (${event.source.id})` : ''}
          </dd>
          <dt>Created</dt>
          <dd>
            <Time iso={event.createdAt} />
          </dd>
          <dt>Started</dt>
          <dd>
            <Time iso={event.startedAt} />
          </dd>
          <dt>Finished</dt>
          <dd>
            <Time iso={event.finishedAt} />
          </dd>
          <dt>Duration</dt>
          <dd>{duration(event)}</dd>
          <dt>Priority</dt>
          <dd>{event.priority}</dd>
          <dt>Timeout</dt>
          <dd>{Math.round(event.timeoutMs / 1000)} s</dd>
          {event.rerunOf && (
            <>
              <dt>Re-run of</dt>
              <dd>
                <Link to={`/events/${event.rerunOf}`}>{event.rerunOf.slice(0, 8)}</Link>
              </dd>
            </>
          )}
          {event.notBefore && (
            <>
              <dt>Not before</dt>
              <dd>
                <Time iso={event.notBefore} />
              </dd>
            </>
          )}
        </dl>
      </Panel>

      <div className="columns">
        <Panel title="Payload">
          <Json value={event.payload} label="Payload" />
        </Panel>
        <Panel title="Outcome">
          {!isFinished(event) && <p className="muted">The event is {event.state}; its outcome appears here when it finishes.</p>}
          {event.error && (
            <div className="error-block" data-testid="event-error">
              <strong>{event.error.code}</strong>: {event.error.message}
              {event.error.details !== undefined && <Json value={event.error.details} label="Error details" />}
            </div>
          )}
          {event.warnings.length > 0 && (
            <ul className="warnings">
              {event.warnings.map((w, i) => (
                <li key={i}>{w}</li>
              ))}
            </ul>
          )}
          {isFinished(event) && event.result !== null && <Json value={event.result} label="Result" />}
        </Panel>
      </div>

      <Parameters event={event} />
      <Chain event={event} />
      <LogsPanel event={event} />
    </>
  );
}

/** The Parameters the event's Event Type and Action inject; SECRET ones only by reference, masked. */
function Parameters({ event }: { event: EventRecord }) {
  const { api } = useSession();
  const defs = useLoad(async () => {
    const [types, actions] = await Promise.all([listDefinitions(api, 'eventType'), listDefinitions(api, 'action')]);
    const type = types.find((t: EventTypeDefinition) => t.name === event.eventType);
    const action = actions.find((a: ActionDefinition) => a.name === type?.action);
    return [...(action?.parameters ?? []), ...(type?.parameters ?? [])];
  }, [event.eventType]);
  return (
    <Panel title="Parameters">
      <DataTable
        what="parameters"
        load={defs}
        empty={<Empty>This Event Type and its Action take no Parameters.</Empty>}
        testId="parameters"
        columns={['Name', 'Type', 'Value at run time']}
        row={(p: Parameter) => (
          <tr key={`${p.type}-${p.name}`}>
            <td className="mono">{p.name}</td>
            <td>{p.type}</td>
            <td>{parameterValue(p, event)}</td>
          </tr>
        )}
      />
    </Panel>
  );
}

function parameterValue(p: Parameter, event: EventRecord) {
  if (p.type === 'STATIC') return <code>{JSON.stringify(p.value)}</code>;
  if (p.type === 'DATA') {
    const value = readPath(event.payload, p.path);
    return (
      <>
        <code>{value === undefined ? 'missing' : JSON.stringify(value)}</code> <span className="muted">from payload.{p.path}</span>
      </>
    );
  }
  return (
    <>
      <span className="masked" aria-label="hidden secret value">
        ••••••••
      </span>{' '}
      <span className="muted">
        Secret <code>{p.key}</code>, resolved by the sink at run time
      </span>
    </>
  );
}

function Chain({ event }: { event: EventRecord }) {
  const { api } = useSession();
  const chain = useLoad(() => api.chain(event.rootEventId), [event.rootEventId, event.state], null);
  return (
    <Panel title="Chain">
      <Section what="the chain" load={chain}>
        {(events) =>
          events.length <= 1 ? (
            <p className="muted">No follow-on events: this event is a chain of one.</p>
          ) : (
            <>
              <ChainGraph events={events} currentId={event.id} />
              <p>
                <Link to={`/events?rootEventId=${event.rootEventId}`}>List the {events.length} events of this chain</Link>
              </p>
            </>
          )
        }
      </Section>
    </Panel>
  );
}

function EventActions({ event, onChange }: { event: EventRecord; onChange(): void }) {
  const { api, isAdmin } = useSession();
  const [notice, notify] = useNotice();
  const act = useConfirm(async (what: 'cancel' | 'rerun') => {
    if (what === 'cancel') {
      await api.client.events.cancel(event.id);
      notify('The event was cancelled.');
      onChange();
    } else {
      const next = await api.client.events.rerun(event.id);
      navigate(`/events/${next.id}`);
    }
  });
  if (!isAdmin) return null;
  const cancelling = act.target === 'cancel';
  return (
    <>
      {notice}
      {event.state === 'QUEUED' && (
        <button type="button" className="danger" onClick={() => act.ask('cancel')}>
          Cancel event
        </button>
      )}
      {isFinished(event) && (
        <button type="button" onClick={() => act.ask('rerun')}>
          Re-run
        </button>
      )}
      <ConfirmDialog
        {...act.dialog}
        title={cancelling ? 'Cancel this event?' : 'Re-run this event?'}
        confirmLabel={cancelling ? 'Cancel event' : 'Re-run'}
        danger={cancelling}
      >
        {cancelling ? <p>It will end ERROR with code CANCELLED and never run.</p> : <p>A new event with the same payload is fired, linked to this one.</p>}
      </ConfirmDialog>
    </>
  );
}
