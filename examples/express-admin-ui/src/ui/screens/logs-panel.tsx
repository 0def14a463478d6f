/** The Log of an event: structured records and raw output, per attempt, live while it runs. */
import { useState } from 'react';
import { LogLevel, type EventRecord } from '@nexomatic/core';
import { Empty, Section, Time } from '../components.js';
import { isFinished } from '../format.js';
import { useLoad } from '../hooks.js';
import { useSession } from '../session.js';

/** The logs section of the event detail screen. */
export function LogsPanel({ event }: { event: EventRecord }) {
  const { api } = useSession();
  const [chosen, setChosen] = useState<number | null>(null);
  const [level, setLevel] = useState('');
  const [text, setText] = useState('');
  const attempt = chosen ?? Math.max(1, event.attempt);
  const live = !isFinished(event);
  // While the event runs, poll; when it finishes, the state change reloads once more.
  const logs = useLoad(() => api.eventLogs(event.id, attempt), [event.id, attempt, event.state], live ? 1000 : null);
  const needle = text.trim().toLowerCase();
  return (
    <section className="panel" aria-labelledby="logs-heading" id="logs">
      <h2 id="logs-heading">Logs {live && <span className="live-dot" aria-label="live" />}</h2>
      <form className="filters" aria-label="Filter logs" onSubmit={(e) => e.preventDefault()}>
        <label>
          Attempt
          <select value={attempt} onChange={(e) => setChosen(Number(e.target.value))} disabled={event.attempt <= 1}>
            {Array.from({ length: Math.max(1, event.attempt) }, (_, i) => i + 1).map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
        <label>
          Level
          <select value={level} onChange={(e) => setLevel(e.target.value)}>
            <option value="">Any</option>
            {LogLevel.options.map((l) => (
              <option key={l}>{l}</option>
            ))}
          </select>
        </label>
        <label>
          Text
          <input type="search" value={text} onChange={(e) => setText(e.target.value)} placeholder="Search messages" />
        </label>
      </form>
      <Section
        what="logs"
        load={logs}
        empty={(rows) =>
          rows.length === 0 ? (
            <Empty>{event.attempt === 0 ? 'No logs yet: the event has not started.' : live ? 'Waiting for the first log records…' : 'This attempt wrote no logs.'}</Empty>
          ) : null
        }
      >
        {(rows) => {
          const shown = rows.filter((r) => (!level || r.level === level) && (!needle || r.message.toLowerCase().includes(needle)));
          return shown.length === 0 ? (
            <Empty>No log record matches these filters.</Empty>
          ) : (
            <table className="logs" data-testid="logs">
              <thead>
                <tr>
                  <th scope="col">Time</th>
                  <th scope="col">Level</th>
                  <th scope="col">Stream</th>
                  <th scope="col">Message</th>
                  <th scope="col">Fields</th>
                </tr>
              </thead>
              <tbody>
                {shown.map((r) => (
                  <tr key={`${r.attempt}-${r.seq}`} className={`level-${r.level}`}>
                    <td>
                      <Time iso={r.time} />
                    </td>
                    <td>{r.level}</td>
                    <td>{r.stream}</td>
                    <td className="mono wrap">{r.message}</td>
                    <td className="mono wrap">{r.fields ? JSON.stringify(r.fields) : ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          );
        }}
      </Section>
    </section>
  );
}
