/** The dashboard: events by state, throughput, sinks online, Sink Types starving for a sink. */
import { EVENT_STATES_IN_ORDER } from '../format.js';
import { bucketByMinute, ThroughputChart } from '../chart.js';
import { Badge, Empty, ListSection, PageHeader, Panel, Section } from '../components.js';
import { useLoad } from '../hooks.js';
import { Link } from '../router.js';
import { useSession } from '../session.js';
import { DataTable } from '../table.js';

const MINUTES = 30;

/** The dashboard screen. */
export function Dashboard() {
  const { api } = useSession();
  const counts = useLoad(() => api.client.events.counts(), [], 2000);
  const recent = useLoad(
    () => api.client.events.list({ createdFrom: new Date(Date.now() - MINUTES * 60_000).toISOString(), limit: 1000 }),
    [],
    5000,
  );
  const sinks = useLoad(() => api.client.sinks.list(), [], 3000);
  const starving = useLoad(() => api.starving(), [], 3000);

  return (
    <div>
      <PageHeader title="Dashboard" />
      <Panel title="Events by state">
        <Section what="counts" load={counts}>
          {(data) => (
            <ul className="counts" data-testid="counts">
              {EVENT_STATES_IN_ORDER.map((state) => (
                <li key={state}>
                  <Link to={`/events?state=${state}`} className="count-card">
                    <span className="count">{data[state] ?? 0}</span>
                    <Badge value={state} />
                  </Link>
                </li>
              ))}
            </ul>
          )}
        </Section>
      </Panel>

      <Panel title="Throughput">
        <Section what="throughput" load={recent}>
          {(page) => (
            <>
              <ThroughputChart buckets={bucketByMinute(page.items, MINUTES)} />
              {page.nextCursor && <p className="muted">Showing the newest 1000 events of the last {MINUTES} minutes.</p>}
            </>
          )}
        </Section>
      </Panel>

      <div className="columns">
        <Panel title="Sinks online">
          <ListSection
            what="sinks"
            load={sinks}
            empty={
              <Empty>
                No sink has connected yet. Start one with <code>nexomatic-sink run</code> (see <Link to="/sink-types">Sink Types</Link>).
              </Empty>
            }
          >
            {(rows) => (
              <>
                <p className="big-number" data-testid="sinks-online">
                  {rows.filter((s) => s.status === 'ONLINE').length} <span className="muted">of {rows.length} online</span>
                </p>
                <ul className="plain">
                  {rows.map((sink) => (
                    <li key={sink.id}>
                      <Badge value={sink.status} /> {sink.name} <span className="muted">({sink.sinkType}, {sink.running} running)</span>
                    </li>
                  ))}
                </ul>
              </>
            )}
          </ListSection>
        </Panel>

        <Panel title="Waiting with no sink">
          <DataTable
            what="Sink Types"
            load={starving}
            empty={<Empty>Every Sink Type with waiting events has a sink online.</Empty>}
            testId="starving"
            columns={['Sink Type', 'Events waiting']}
            row={(row) => (
              <tr key={row.sinkType}>
                <td>{row.sinkType}</td>
                <td>
                  <Link to={`/events?state=QUEUED`}>{row.count}</Link>
                </td>
              </tr>
            )}
          />
        </Panel>
      </div>
    </div>
  );
}
