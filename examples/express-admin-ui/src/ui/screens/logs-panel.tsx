/** The Log of an event: structured records and raw output, per attempt, tailed live while it runs. */
import { useState } from 'react';
import { LogLevel, type EventRecord } from '@nexomatic/core';
import { Empty, ListSection, Panel, Time } from '../components.js';
import { FilterBar, Select } from '../forms.js';
import { isFinished } from '../format.js';
import { useEventLogs } from '../live-logs.js';
import { useSession } from '../session.js';
import { Table } from '../table.js';

/** The logs section of the event detail screen. */
export function LogsPanel({ event }: { event: EventRecord }) {
  const { api } = useSession();
  const [chosen, setChosen] = useState<number | null>(null);
  const [level, setLevel] = useState('');
  const [text, setText] = useState('');
  const attempt = chosen ?? Math.max(1, event.attempt);
  const live = !isFinished(event);
  // While the event runs, records arrive as the sink reports them; when it finishes, one read of all.
  const logs = useEventLogs(api, event, attempt);
  const needle = text.trim().toLowerCase();
  return (
    <Panel id="logs" title={<>Logs {live && <span className="live-dot" aria-label="live" />}</>}>
      <FilterBar label="Filter logs">
        <Select
          label="Attempt"
          value={String(attempt)}
          options={Array.from({ length: Math.max(1, event.attempt) }, (_, i) => String(i + 1))}
          onChange={(value) => setChosen(Number(value))}
          disabled={event.attempt <= 1}
        />
        <Select label="Level" value={level} any="Any" options={LogLevel.options} onChange={setLevel} />
        <label>
          Text
          <input type="search" value={text} onChange={(e) => setText(e.target.value)} placeholder="Search messages" />
        </label>
      </FilterBar>
      <ListSection
        what="logs"
        load={logs}
        empty={
          <Empty>{event.attempt === 0 ? 'No logs yet: the event has not started.' : live ? 'Waiting for the first log records…' : 'This attempt wrote no logs.'}</Empty>
        }
      >
        {(rows) => {
          const shown = rows.filter((r) => (!level || r.level === level) && (!needle || r.message.toLowerCase().includes(needle)));
          return shown.length === 0 ? (
            <Empty>No log record matches these filters.</Empty>
          ) : (
            <Table className="logs" testId="logs" columns={['Time', 'Level', 'Stream', 'Message', 'Fields']}>
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
            </Table>
          );
        }}
      </ListSection>
    </Panel>
  );
}
