/** Event Types, Actions and Sink Types: read-only views of the definitions applied in code. */
import type { ReactNode } from 'react';
import type { Parameter } from '@nexomatic/core';
import { Badge, Empty, PageHeader } from '../components.js';
import { listDefinitions, type DefinitionsByKind } from '../definitions.js';
import { useLoad } from '../hooks.js';
import { Link } from '../router.js';
import { useSession } from '../session.js';
import { DataTable, RowHeader, type Column } from '../table.js';

const DEFINED_IN_CODE = 'Definitions are applied in code (hub.apply or nexomatic definitions apply), so they stay in version control.';

/** Parameters in one line each; a SECRET shows its key only. */
function ParameterList({ parameters }: { parameters: readonly Parameter[] }) {
  if (parameters.length === 0) return <span className="muted">none</span>;
  return (
    <ul className="plain">
      {parameters.map((p) => (
        <li key={p.name}>
          <code>{p.name}</code> {p.type}{' '}
          {p.type === 'STATIC' ? <code>{JSON.stringify(p.value)}</code> : p.type === 'DATA' ? <code>payload.{p.path}</code> : <span>secret <code>{p.key}</code></span>}
        </li>
      ))}
    </ul>
  );
}

/** A link to an Event Type on the Event Types screen, or a muted dash for none. */
function EventTypeLink({ name }: { name: string | undefined }) {
  return name ? <Link to={`/event-types#${encodeURIComponent(name)}`}>{name}</Link> : <span className="muted">—</span>;
}

/** A screen listing the Event Types or the Actions, one table row each. */
function DefinitionsScreen<K extends 'eventType' | 'action'>({
  kind,
  title,
  columns,
  row,
}: {
  kind: K;
  /** The screen's title, also what it lists ("Event Types"). */
  title: string;
  columns: readonly Column[];
  row: (definition: DefinitionsByKind[K]) => ReactNode;
}) {
  const { api } = useSession();
  const definitions = useLoad(() => listDefinitions(api, kind), [kind]);
  return (
    <div>
      <PageHeader title={title} />
      <p className="muted">{DEFINED_IN_CODE}</p>
      <DataTable what={title} load={definitions} empty={<Empty>No {title} yet. {DEFINED_IN_CODE}</Empty>} columns={columns} row={row} />
    </div>
  );
}

/** The Event Types screen. */
export function EventTypesScreen() {
  return (
    <DefinitionsScreen
      kind="eventType"
      title="Event Types"
      columns={['Name', 'Sink Type', 'Action', 'Source Types', 'Parameters', 'Policy']}
      row={(t) => (
        <tr key={t.name} id={t.name}>
          <RowHeader name={<Link to={`/events?eventType=${encodeURIComponent(t.name)}`}>{t.name}</Link>} description={t.description} />
          <td>{t.sinkType}</td>
          <td>
            <Link to={`/actions#${encodeURIComponent(t.action)}`}>{t.action}</Link>
          </td>
          <td>{t.sourceTypes.join(', ')}</td>
          <td>
            <ParameterList parameters={t.parameters} />
          </td>
          <td className="small">
            priority {t.priority}, {t.retry.maxAttempts} attempt{t.retry.maxAttempts === 1 ? '' : 's'}, timeout {Math.round(t.timeoutMs / 1000)} s
          </td>
        </tr>
      )}
    />
  );
}

/** The Actions screen. */
export function ActionsScreen() {
  return (
    <DefinitionsScreen
      kind="action"
      title="Actions"
      columns={['Name', 'Module', 'On Success', 'On Failure', 'Parameters']}
      row={(a) => (
        <tr key={a.name} id={a.name}>
          <RowHeader name={a.name} description={a.description} />
          <td className="mono">{a.module}</td>
          <td>
            <EventTypeLink name={a.onSuccess} />
          </td>
          <td>
            <EventTypeLink name={a.onFailure} />
          </td>
          <td>
            <ParameterList parameters={a.parameters} />
          </td>
        </tr>
      )}
    />
  );
}

/** The Sink Types screen: what each kind of agent runs, and whether one is connected. */
export function SinkTypesScreen() {
  const { api } = useSession();
  const rows = useLoad(async () => {
    const [types, sinks, starving] = await Promise.all([listDefinitions(api, 'sinkType'), api.client.sinks.list(), api.starving()]);
    return types.map((type) => ({
      type,
      online: sinks.filter((s) => s.sinkType === type.name && s.status === 'ONLINE').length,
      waiting: starving.find((s) => s.sinkType === type.name)?.count ?? 0,
    }));
  }, [], 3000);
  return (
    <div>
      <PageHeader title="Sink Types" />
      <p className="muted">
        A sink connects with its Sink Type as <code>CLIENT_ID</code> and that Sink Type&apos;s <code>CLIENT_SECRET</code> (issued by the hub&apos;s
        operator; only its hash is kept, so it is never shown here).
      </p>
      <DataTable
        what="Sink Types"
        load={rows}
        empty={<Empty>No Sink Types yet. {DEFINED_IN_CODE}</Empty>}
        testId="sink-types"
        columns={['Name (CLIENT_ID)', 'Runtimes', 'Modules', 'Sink version', 'Sinks online', 'Waiting with no sink']}
        row={({ type: t, online, waiting }) => (
          <tr key={t.name}>
            <RowHeader name={<code>{t.name}</code>} description={t.description} />
            <td>{t.runtimes.join(', ')}</td>
            <td>{t.modules.length === 0 ? <span className="muted">any</span> : t.modules.join(', ')}</td>
            <td>{t.sinkVersion ?? <span className="muted">any</span>}</td>
            <td>{online > 0 ? online : <Badge value="OFFLINE" />}</td>
            <td>{waiting > 0 ? <strong className="warn-text">{waiting} events</strong> : <span className="muted">none</span>}</td>
          </tr>
        )}
      />
    </div>
  );
}
