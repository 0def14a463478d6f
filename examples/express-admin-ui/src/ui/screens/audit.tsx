/** The audit log: who changed what, newest first (Admin only on the hub). */
import { useState } from 'react';
import { AuditTarget } from '@nexomatic/core';
import { Empty, PageHeader, Section, Time } from '../components.js';
import { useLoad } from '../hooks.js';
import { useSession } from '../session.js';

/** The Audit log screen. */
export function AuditScreen() {
  const { api, isAdmin } = useSession();
  const [target, setTarget] = useState<AuditTarget | ''>('');
  const [cursors, setCursors] = useState<string[]>([]);
  const cursor = cursors.at(-1);
  const page = useLoad(
    () => (isAdmin ? api.audit({ ...(target ? { target } : {}), ...(cursor ? { cursor } : {}) }) : Promise.resolve(null)),
    [target, cursor, isAdmin],
    cursor ? null : 5000,
  );
  return (
    <div>
      <PageHeader title="Audit log" />
      {!isAdmin ? (
        <p className="muted">The audit log is for Admins: sign in with an Admin token to read it.</p>
      ) : (
        <>
          <form className="filters" aria-label="Filter the audit log" onSubmit={(e) => e.preventDefault()}>
            <label>
              What
              <select
                value={target}
                onChange={(e) => {
                  setCursors([]);
                  setTarget(e.target.value as AuditTarget | '');
                }}
              >
                <option value="">Everything</option>
                {AuditTarget.options.map((t) => (
                  <option key={t}>{t}</option>
                ))}
              </select>
            </label>
          </form>
          <Section what="the audit log" load={page} empty={(p) => (p && p.items.length === 0 ? <Empty>Nothing recorded yet.</Empty> : null)}>
            {(p) =>
              p && (
                <>
                  <table data-testid="audit">
                    <thead>
                      <tr>
                        <th scope="col">When</th>
                        <th scope="col">Who</th>
                        <th scope="col">Did</th>
                        <th scope="col">To</th>
                        <th scope="col">Details</th>
                      </tr>
                    </thead>
                    <tbody>
                      {p.items.map((r) => (
                        <tr key={r.id}>
                          <td>
                            <Time iso={r.at} />
                          </td>
                          <td className="mono">{r.actor}</td>
                          <td>{r.action}</td>
                          <td>
                            {r.target} <strong>{r.name}</strong>
                          </td>
                          <td className="mono small wrap">{r.details ? JSON.stringify(r.details) : ''}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                  <div className="pager">
                    <button type="button" disabled={cursors.length === 0} onClick={() => setCursors((c) => c.slice(0, -1))}>
                      Newer
                    </button>
                    <button type="button" disabled={!p.nextCursor} onClick={() => p.nextCursor && setCursors((c) => [...c, p.nextCursor!])}>
                      Older
                    </button>
                  </div>
                </>
              )
            }
          </Section>
        </>
      )}
    </div>
  );
}
