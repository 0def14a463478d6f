/** Event Types, Actions and Sink Types: read-only views of the definitions applied in code. */
import type { Parameter } from '@nexomatic/core';
import { Badge, Empty, PageHeader, Section } from '../components.js';
import { listDefinitions } from '../definitions.js';
import { useLoad } from '../hooks.js';
import { Link } from '../router.js';
import { useSession } from '../session.js';

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

/** The Event Types screen. */
export function EventTypesScreen() {
  const { api } = useSession();
  const types = useLoad(() => listDefinitions(api, 'eventType'), []);
  return (
    <div>
      <PageHeader title="Event Types" />
      <p className="muted">{DEFINED_IN_CODE}</p>
      <Section what="Event Types" load={types} empty={(rows) => (rows.length === 0 ? <Empty>No Event Types yet. {DEFINED_IN_CODE}</Empty> : null)}>
        {(rows) => (
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Sink Type</th>
                <th scope="col">Action</th>
                <th scope="col">Source Types</th>
                <th scope="col">Parameters</th>
                <th scope="col">Policy</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((t) => (
                <tr key={t.name} id={t.name}>
                  <th scope="row">
                    <Link to={`/events?eventType=${encodeURIComponent(t.name)}`}>{t.name}</Link>
                    {t.description && <div className="muted small">{t.description}</div>}
                  </th>
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
              ))}
            </tbody>
          </table>
        )}
      </Section>
    </div>
  );
}

/** The Actions screen. */
export function ActionsScreen() {
  const { api } = useSession();
  const actions = useLoad(() => listDefinitions(api, 'action'), []);
  return (
    <div>
      <PageHeader title="Actions" />
      <p className="muted">{DEFINED_IN_CODE}</p>
      <Section what="Actions" load={actions} empty={(rows) => (rows.length === 0 ? <Empty>No Actions yet. {DEFINED_IN_CODE}</Empty> : null)}>
        {(rows) => (
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Module</th>
                <th scope="col">On Success</th>
                <th scope="col">On Failure</th>
                <th scope="col">Parameters</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((a) => (
                <tr key={a.name} id={a.name}>
                  <th scope="row">
                    {a.name}
                    {a.description && <div className="muted small">{a.description}</div>}
                  </th>
                  <td className="mono">{a.module}</td>
                  <td>{a.onSuccess ? <Link to={`/event-types#${encodeURIComponent(a.onSuccess)}`}>{a.onSuccess}</Link> : <span className="muted">—</span>}</td>
                  <td>{a.onFailure ? <Link to={`/event-types#${encodeURIComponent(a.onFailure)}`}>{a.onFailure}</Link> : <span className="muted">—</span>}</td>
                  <td>
                    <ParameterList parameters={a.parameters} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Section>
    </div>
  );
}

/** The Sink Types screen: what each kind of agent runs, and whether one is connected. */
export function SinkTypesScreen() {
  const { api } = useSession();
  const load = useLoad(async () => {
    const [types, sinks, starving] = await Promise.all([listDefinitions(api, 'sinkType'), api.client.sinks.list(), api.starving()]);
    return { types, sinks, starving };
  }, [], 3000);
  return (
    <div>
      <PageHeader title="Sink Types" />
      <p className="muted">
        A sink connects with its Sink Type as <code>CLIENT_ID</code> and that Sink Type&apos;s <code>CLIENT_SECRET</code> (issued by the hub&apos;s
        operator; only its hash is kept, so it is never shown here).
      </p>
      <Section what="Sink Types" load={load} empty={(d) => (d.types.length === 0 ? <Empty>No Sink Types yet. {DEFINED_IN_CODE}</Empty> : null)}>
        {({ types, sinks, starving }) => (
          <table data-testid="sink-types">
            <thead>
              <tr>
                <th scope="col">Name (CLIENT_ID)</th>
                <th scope="col">Runtimes</th>
                <th scope="col">Modules</th>
                <th scope="col">Sink version</th>
                <th scope="col">Sinks online</th>
                <th scope="col">Waiting with no sink</th>
              </tr>
            </thead>
            <tbody>
              {types.map((t) => {
                const online = sinks.filter((s) => s.sinkType === t.name && s.status === 'ONLINE').length;
                const waiting = starving.find((s) => s.sinkType === t.name)?.count ?? 0;
                return (
                  <tr key={t.name}>
                    <th scope="row">
                      <code>{t.name}</code>
                      {t.description && <div className="muted small">{t.description}</div>}
                    </th>
                    <td>{t.runtimes.join(', ')}</td>
                    <td>{t.modules.length === 0 ? <span className="muted">any</span> : t.modules.join(', ')}</td>
                    <td>{t.sinkVersion ?? <span className="muted">any</span>}</td>
                    <td>{online > 0 ? online : <Badge value="OFFLINE" />}</td>
                    <td>{waiting > 0 ? <strong className="warn-text">{waiting} events</strong> : <span className="muted">none</span>}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </Section>
    </div>
  );
}
