/** Users and tokens: who may use the hub, with which Role. Admins manage; Viewers see the users. */
import { useState } from 'react';
import type { Role } from '@nexomatic/core';
import { Badge, ConfirmDialog, Empty, ErrorBox, PageHeader, Section, Time, useNotice, VIEWER_HINT } from '../components.js';
import { useAction, useLoad } from '../hooks.js';
import { useSession } from '../session.js';

const ROLES: Role[] = ['Admin', 'Viewer'];

/** The Users and tokens screen. */
export function UsersScreen() {
  const { api, isAdmin } = useSession();
  const users = useLoad(() => api.users.list(), []);
  const [notice, notify] = useNotice();
  const [doomed, setDoomed] = useState<{ id: string; name: string } | null>(null);
  const change = useAction(async (id: string, role: Role) => {
    await api.users.update(id, { role });
    notify('Role changed. The user’s tokens act with the new role at once.');
    users.reload();
  });
  const remove = useAction(async (id: string) => {
    await api.users.delete(id);
    notify('User deleted and their tokens revoked.');
    users.reload();
  });
  return (
    <div>
      <PageHeader title="Users and tokens" />
      {notice}
      <ErrorBox error={change.error} />
      <section className="panel" aria-labelledby="users-heading">
        <h2 id="users-heading">Users</h2>
        {isAdmin && <NewUserForm onCreated={() => users.reload()} />}
        <Section what="users" load={users} empty={(rows) => (rows.length === 0 ? <Empty>No users yet.</Empty> : null)}>
          {(rows) => (
            <table data-testid="users">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Role</th>
                  <th scope="col">Created</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {rows.map((user) => (
                  <tr key={user.id}>
                    <th scope="row">{user.name}</th>
                    <td>
                      <select
                        aria-label={`Role of ${user.name}`}
                        value={user.role}
                        disabled={!isAdmin || change.busy}
                        title={isAdmin ? undefined : VIEWER_HINT}
                        onChange={(e) => void change.run(user.id, e.target.value as Role)}
                      >
                        {ROLES.map((r) => (
                          <option key={r}>{r}</option>
                        ))}
                      </select>
                    </td>
                    <td>
                      <Time iso={user.createdAt} />
                    </td>
                    <td>
                      <button
                        type="button"
                        className="danger small"
                        disabled={!isAdmin}
                        title={isAdmin ? undefined : VIEWER_HINT}
                        onClick={() => setDoomed({ id: user.id, name: user.name })}
                      >
                        Delete
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Section>
      </section>
      {isAdmin ? (
        <Tokens />
      ) : (
        <section className="panel">
          <h2>API tokens</h2>
          <p className="muted">Only an Admin can see and manage API tokens.</p>
        </section>
      )}
      <ConfirmDialog
        open={doomed !== null}
        title={`Delete ${doomed?.name ?? ''}?`}
        confirmLabel="Delete user"
        danger
        busy={remove.busy}
        error={remove.error}
        onCancel={() => {
          setDoomed(null);
          remove.clearError();
        }}
        onConfirm={() => doomed && void remove.run(doomed.id).then((ok) => ok && setDoomed(null))}
      >
        <p>Their tokens are revoked at once.</p>
      </ConfirmDialog>
    </div>
  );
}

function NewUserForm({ onCreated }: { onCreated(): void }) {
  const { api } = useSession();
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('Viewer');
  const create = useAction(async () => {
    await api.users.create({ name: name.trim(), role });
    setName('');
    onCreated();
  });
  return (
    <form className="inline-form" aria-label="Add a user" onSubmit={(e) => (e.preventDefault(), void create.run())}>
      <label>
        Name or e-mail
        <input value={name} onChange={(e) => setName(e.target.value)} required />
      </label>
      <label>
        Role
        <select value={role} onChange={(e) => setRole(e.target.value as Role)}>
          {ROLES.map((r) => (
            <option key={r}>{r}</option>
          ))}
        </select>
      </label>
      <button type="submit" className="primary" disabled={create.busy || !name.trim()}>
        Add user
      </button>
      <ErrorBox error={create.error} />
    </form>
  );
}

/** API tokens (Admin only): create (the value is shown this once), list, revoke. */
function Tokens() {
  const { api } = useSession();
  const tokens = useLoad(() => api.tokens.list(), []);
  const users = useLoad(() => api.users.list(), []);
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('Viewer');
  const [userId, setUserId] = useState('');
  const [created, setCreated] = useState<string | null>(null);
  const [doomed, setDoomed] = useState<{ id: string; name: string } | null>(null);
  const create = useAction(async () => {
    const { token } = await api.tokens.create({ name: name.trim(), role, ...(userId ? { userId } : {}) });
    setCreated(token);
    setName('');
    tokens.reload();
  });
  const revoke = useAction(async (id: string) => {
    await api.tokens.revoke(id);
    tokens.reload();
  });
  return (
    <section className="panel" aria-labelledby="tokens-heading">
      <h2 id="tokens-heading">API tokens</h2>
      <form className="inline-form" aria-label="Create a token" onSubmit={(e) => (e.preventDefault(), void create.run())}>
        <label>
          Name
          <input value={name} onChange={(e) => setName(e.target.value)} required placeholder="e.g. ci-deploy" />
        </label>
        <label>
          Role
          <select value={role} onChange={(e) => setRole(e.target.value as Role)}>
            {ROLES.map((r) => (
              <option key={r}>{r}</option>
            ))}
          </select>
        </label>
        <label>
          For user
          <select value={userId} onChange={(e) => setUserId(e.target.value)}>
            <option value="">nobody (a service token)</option>
            {(users.data ?? []).map((u) => (
              <option key={u.id} value={u.id}>
                {u.name}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" className="primary" disabled={create.busy || !name.trim()}>
          Create token
        </button>
        <ErrorBox error={create.error} />
      </form>
      {created && (
        <div className="created-token" role="status">
          <p>
            <strong>Copy this token now.</strong> It is shown this once; only its hash is kept.
          </p>
          <input readOnly value={created} aria-label="The new token" className="mono" onFocus={(e) => e.target.select()} />
          <button type="button" className="link" onClick={() => setCreated(null)}>
            I have copied it
          </button>
        </div>
      )}
      <Section what="tokens" load={tokens} empty={(rows) => (rows.length === 0 ? <Empty>No tokens yet.</Empty> : null)}>
        {(rows) => (
          <table data-testid="tokens">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Role</th>
                <th scope="col">User</th>
                <th scope="col">Created</th>
                <th scope="col">Expires</th>
                <th scope="col">State</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((t) => {
                const expired = t.expiresAt !== null && Date.parse(t.expiresAt) < Date.now();
                return (
                  <tr key={t.id}>
                    <th scope="row">{t.name}</th>
                    <td>{t.role}</td>
                    <td>{users.data?.find((u) => u.id === t.userId)?.name ?? <span className="muted">—</span>}</td>
                    <td>
                      <Time iso={t.createdAt} />
                    </td>
                    <td>{t.expiresAt ? <Time iso={t.expiresAt} /> : <span className="muted">never</span>}</td>
                    <td>{t.revokedAt ? <Badge value="REVOKED" /> : expired ? <Badge value="EXPIRED" /> : <Badge value="ACTIVE" />}</td>
                    <td>
                      {!t.revokedAt && (
                        <button type="button" className="danger small" onClick={() => setDoomed({ id: t.id, name: t.name })}>
                          Revoke
                        </button>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </Section>
      <ConfirmDialog
        open={doomed !== null}
        title={`Revoke the token ${doomed?.name ?? ''}?`}
        confirmLabel="Revoke token"
        danger
        busy={revoke.busy}
        error={revoke.error}
        onCancel={() => {
          setDoomed(null);
          revoke.clearError();
        }}
        onConfirm={() => doomed && void revoke.run(doomed.id).then((ok) => ok && setDoomed(null))}
      >
        <p>Whatever uses it is refused from its next call. This cannot be undone.</p>
      </ConfirmDialog>
    </section>
  );
}
