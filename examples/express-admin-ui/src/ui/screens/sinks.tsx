/** Sinks: status, last seen, version, runtimes, running tasks, and control signals (Admin, confirmed). */
import type { ControlSignal, SinkView } from '@nexomatic/core';
import { Ago, Badge, Empty, PageHeader, useNotice, VIEWER_HINT } from '../components.js';
import { ConfirmDialog, useConfirm } from '../confirm.js';
import { useLoad } from '../hooks.js';
import { Link } from '../router.js';
import { useSession } from '../session.js';
import { DataTable } from '../table.js';

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

/** Connected sinks first, then by name. */
const byStatusThenName = (a: SinkView, b: SinkView) => Number(b.status !== 'OFFLINE') - Number(a.status !== 'OFFLINE') || a.name.localeCompare(b.name);

/** The Sinks screen. */
export function SinksScreen() {
  const { api, isAdmin } = useSession();
  const sinks = useLoad(async () => (await api.client.sinks.list()).sort(byStatusThenName), [], 2000);
  const [notice, notify] = useNotice();
  const send = useConfirm(async ({ sink, signal }: { sink: SinkView; signal: ControlSignal }) => {
    await api.client.sinks.control(sink.id, signal);
    notify(`${signal} sent to ${sink.name}.`);
    sinks.reload();
  });
  const pending = send.target;
  const chosen = pending ? SIGNALS.find((s) => s.signal === pending.signal)! : null;

  return (
    <div>
      <PageHeader title="Sinks" />
      {notice}
      <DataTable
        what="sinks"
        load={sinks}
        empty={
          <Empty>
            No sink has connected yet. Start one where your modules live: <code>HUB_URL=… CLIENT_ID=… CLIENT_SECRET=… nexomatic-sink run</code>
          </Empty>
        }
        testId="sinks"
        columns={['Name', 'Status', 'Sink Type', 'Last seen', 'Version', 'Runtimes', 'Running', 'Control']}
        row={(sink) => (
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
                    onClick={() => send.ask({ sink, signal })}
                  >
                    {label}
                  </button>
                ))}
              </div>
            </td>
          </tr>
        )}
      />
      <ConfirmDialog
        {...send.dialog}
        title={pending ? `Send ${pending.signal} to ${pending.sink.name}?` : ''}
        confirmLabel={chosen ? `Send ${chosen.signal}` : 'Send'}
        danger={chosen?.danger}
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
