/** The audit log: who changed what, newest first (Admin only on the hub). */
import { useState } from 'react';
import { AuditTarget } from '@nexomatic/core';
import { Empty, PageHeader, Section, Time } from '../components.js';
import { FilterBar, Select } from '../forms.js';
import { useLoad } from '../hooks.js';
import { Pager, usePages } from '../pager.js';
import { useSession } from '../session.js';
import { Table } from '../table.js';

/** The Audit log screen. */
export function AuditScreen() {
  const { api, isAdmin } = useSession();
  const [target, setTarget] = useState<AuditTarget | ''>('');
  const pages = usePages();
  const { cursor } = pages;
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
          <FilterBar label="Filter the audit log">
            <Select
              label="What"
              value={target}
              any="Everything"
              options={AuditTarget.options}
              onChange={(value) => {
                pages.reset();
                setTarget(value);
              }}
            />
          </FilterBar>
          <Section what="the audit log" load={page} empty={(p) => (p && p.items.length === 0 ? <Empty>Nothing recorded yet.</Empty> : null)}>
            {(p) =>
              p && (
                <>
                  <Table testId="audit" columns={['When', 'Who', 'Did', 'To', 'Details']}>
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
                  </Table>
                  <Pager pages={pages} nextCursor={p.nextCursor} />
                </>
              )
            }
          </Section>
        </>
      )}
    </div>
  );
}
