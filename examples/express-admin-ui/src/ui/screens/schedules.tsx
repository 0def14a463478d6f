/** Schedules: cron expression, time zone and the next runs, from the hub. */
import { Empty, PageHeader } from '../components.js';
import { useLoad } from '../hooks.js';
import { Link } from '../router.js';
import { useSession } from '../session.js';
import { DataTable } from '../table.js';

const RUNS = 3;

const when = (iso: string, timeZone: string) =>
  new Date(iso).toLocaleString(undefined, { timeZone, weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', hour12: false });

/** The Schedules screen. */
export function SchedulesScreen() {
  const { api } = useSession();
  const schedules = useLoad(async () => {
    const rows = await api.schedules.list();
    return Promise.all(
      [...rows]
        .sort((a, b) => a.name.localeCompare(b.name))
        .map(async (schedule) => ({ schedule, runs: schedule.enabled ? await api.schedules.preview(schedule.cron, schedule.timeZone, RUNS) : [] })),
    );
  }, []);
  return (
    <div>
      <PageHeader title="Schedules" />
      <p className="muted">A Schedule fires its Event Type at the times of its cron expression (minute hour day-of-month month day-of-week), in its time zone.</p>
      <DataTable
        what="Schedules"
        load={schedules}
        empty={<Empty>No Schedules yet. Define them in code with the other definitions.</Empty>}
        testId="schedules"
        columns={['Name', 'Event Type', 'Cron', 'Time zone', 'State', 'Next runs (in its time zone)']}
        row={({ schedule, runs }) => (
          <tr key={schedule.name}>
            <th scope="row">{schedule.name}</th>
            <td>
              <Link to={`/events?eventType=${encodeURIComponent(schedule.eventType)}`}>{schedule.eventType}</Link>
            </td>
            <td>
              <code>{schedule.cron}</code>
            </td>
            <td>{schedule.timeZone}</td>
            <td>{schedule.enabled ? 'enabled' : <span className="muted">disabled</span>}</td>
            <td>
              {!schedule.enabled ? (
                <span className="muted">none while disabled</span>
              ) : runs.length === 0 ? (
                <span className="muted">never: no date matches</span>
              ) : (
                <ol className="plain runs" data-testid={`runs-${schedule.name}`}>
                  {runs.map((iso) => (
                    <li key={iso}>
                      <time dateTime={iso} title={iso}>
                        {when(iso, schedule.timeZone)}
                      </time>
                    </li>
                  ))}
                </ol>
              )}
              {schedule.pinnedSinkId && <div className="muted small">pinned to sink {schedule.pinnedSinkId.slice(0, 8)}</div>}
            </td>
          </tr>
        )}
      />
    </div>
  );
}
