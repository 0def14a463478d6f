/** The dashboard: events by state, throughput, sinks online, Sink Types starving for a sink. */
import { EVENT_STATES_IN_ORDER } from '../format.js';
import { bucketByMinute, ThroughputChart } from '../chart.js';
import { Badge, Empty, PageHeader, Section } from '../components.js';
import { useLoad } from '../hooks.js';
import { Link } from '../router.js';
import { useSession } from '../session.js';

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
      <section aria-labelledby="counts-title" className="panel">
        <h2 id="counts-title">Events by state</h2>
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
      </section>

      <section aria-labelledby="throughput-heading" className="panel">
        <h2 id="throughput-heading">Throughput</h2>
        <Section what="throughput" load={recent}>
          {(page) => (
            <>
              <ThroughputChart buckets={bucketByMinute(page.items, MINUTES)} />
              {page.nextCursor && <p className="muted">Showing the newest 1000 events of the last {MINUTES} minutes.</p>}
            </>
          )}
        </Section>
      </section>

      <div className="columns">
        <section aria-labelledby="sinks-heading" className="panel">
          <h2 id="sinks-heading">Sinks online</h2>
          <Section
            what="sinks"
            load={sinks}
            empty={(rows) =>
              rows.length === 0 ? (
                <Empty>
                  No sink has connected yet. Start one with <code>nexomatic-sink run</code> (see <Link to="/sink-types">Sink Types</Link>).
                </Empty>
              ) : null
            }
          >
            {(rows) => {
              const online = rows.filter((s) => s.status === 'ONLINE');
              return (
                <>
                  <p className="big-number" data-testid="sinks-online">
                    {online.length} <span className="muted">of {rows.length} online</span>
                  </p>
                  <ul className="plain">
                    {rows.map((sink) => (
                      <li key={sink.id}>
                        <Badge value={sink.status} /> {sink.name} <span className="muted">({sink.sinkType}, {sink.running} running)</span>
                      </li>
                    ))}
                  </ul>
                </>
              );
            }}
          </Section>
        </section>

        <section aria-labelledby="starving-heading" className="panel">
          <h2 id="starving-heading">Waiting with no sink</h2>
          <Section
            what="Sink Types"
            load={starving}
            empty={(rows) => (rows.length === 0 ? <Empty>Every Sink Type with waiting events has a sink online.</Empty> : null)}
          >
            {(rows) => (
              <table data-testid="starving">
                <thead>
                  <tr>
                    <th scope="col">Sink Type</th>
                    <th scope="col">Events waiting</th>
                  </tr>
                </thead>
                <tbody>
                  {rows.map((row) => (
                    <tr key={row.sinkType}>
                      <td>{row.sinkType}</td>
                      <td>
                        <Link to={`/events?state=QUEUED`}>{row.count}</Link>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </Section>
        </section>
      </div>
    </div>
  );
}
