/** Sinks: status, last seen, version, runtimes, running tasks, and control signals (Admin, confirmed). */
import { useState } from 'react';
import type { ControlSignal, SinkView } from '@nexomatic/core';
import { Ago, Badge, ConfirmDialog, Empty, PageHeader, Section, useNotice, VIEWER_HINT } from '../components.js';
import { useAction, useLoad } from '../hooks.js';
import { Link } from '../router.js';
import { useSession } from '../session.js';

const SIGNALS: Array<{ signal: ControlSignal; label: string; explain: string; danger: boolean }> = [
  { signal: 'RESET', label: 'Reset', explain: 'Graceful restart: running tasks finish, then the sink restarts its executors and reconnects.', danger: false },
  { signal: 'KILL', label: 'Kill', explain: 'Graceful shutdown: running tasks finish, then the sink process exits. Someone must start it again.', danger: true },
  {
    signal: 'FORCE_KILL',
    label: 'Force kill',
    explain: 'Immediate shutdown: running tasks are killed at once and end ERROR with code KILLED, then the sink exits.',
    danger: true,
  },
];

/** The Sinks screen. */
export function SinksScreen() {
  const { api, isAdmin } = useSession();
  const sinks = useLoad(() => api.client.sinks.list(), [], 2000);
  const [pending, setPending] = useState<{ sink: SinkView; signal: ControlSignal } | null>(null);
  const [notice, notify] = useNotice();
  const send = useAction(async (sink: SinkView, signal: ControlSignal) => {
    await api.client.sinks.control(sink.id, signal);
    notify(`${signal} sent to ${sink.name}.`);
    sinks.reload();
  });
  const chosen = pending ? SIGNALS.find((s) => s.signal === pending.signal)! : null;

  return (
    <div>
      <PageHeader title="Sinks" />
      {notice}
      <Section
        what="sinks"
        load={sinks}
        empty={(rows) =>
          rows.length === 0 ? (
            <Empty>
              No sink has connected yet. Start one where your modules live: <code>HUB_URL=… CLIENT_ID=… CLIENT_SECRET=… nexomatic-sink run</code>
            </Empty>
          ) : null
        }
      >
        {(rows) => (
          <table data-testid="sinks">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Status</th>
                <th scope="col">Sink Type</th>
                <th scope="col">Last seen</th>
                <th scope="col">Version</th>
                <th scope="col">Runtimes</th>
                <th scope="col">Running</th>
                <th scope="col">Control</th>
              </tr>
            </thead>
            <tbody>
              {[...rows]
                .sort((a, b) => Number(b.status !== 'OFFLINE') - Number(a.status !== 'OFFLINE') || a.name.localeCompare(b.name))
                .map((sink) => (
                  <tr key={sink.id} data-sink-name={sink.name}>
                    <th scope="row">
                      {sink.name}
                      <div className="muted small mono" title={sink.id}>
                        {sink.id.slice(0, 8)}
                        {sink.tenantId ? ' · pinned to this tenant' : ''}
                      </div>
                      <Link to={`/events?sinkId=${sink.id}`} className="small">
                        Its events
                      </Link>
                    </th>
                    <td>
                      <Badge value={sink.status} />
                    </td>
                    <td>{sink.sinkType}</td>
                    <td>
                      <Ago iso={sink.lastSeenAt} />
                    </td>
                    <td>{sink.version}</td>
                    <td>{sink.runtimes.join(', ')}</td>
                    <td>
                      {sink.running} of {sink.concurrency}
                    </td>
                    <td className="actions">
                      <div className="button-row">
                        {SIGNALS.map(({ signal, label, danger }) => (
                          <button
                            key={signal}
                            type="button"
                            className={danger ? 'danger small' : 'small'}
                            disabled={!isAdmin || sink.status === 'OFFLINE'}
                            title={!isAdmin ? VIEWER_HINT : sink.status === 'OFFLINE' ? 'The sink is not connected' : `Send ${signal}`}
                            aria-label={`${label} ${sink.name}`}
                            onClick={() => setPending({ sink, signal })}
                          >
                            {label}
                          </button>
                        ))}
                      </div>
                    </td>
                  </tr>
                ))}
            </tbody>
          </table>
        )}
      </Section>
      <ConfirmDialog
        open={pending !== null}
        title={pending ? `Send ${pending.signal} to ${pending.sink.name}?` : ''}
        confirmLabel={chosen ? `Send ${chosen.signal}` : 'Send'}
        danger={chosen?.danger}
        busy={send.busy}
        error={send.error}
        onCancel={() => {
          setPending(null);
          send.clearError();
        }}
        onConfirm={() => pending && void send.run(pending.sink, pending.signal).then((ok) => ok && setPending(null))}
      >
        {chosen && pending && (
          <p>
            {chosen.explain} It runs {pending.sink.running} task{pending.sink.running === 1 ? '' : 's'} now.
          </p>
        )}
      </ConfirmDialog>
    </div>
  );
}
