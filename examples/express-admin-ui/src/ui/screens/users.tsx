/** Users and tokens: who may use the hub, with which Role. Admins manage; Viewers see the users. */
import { useState } from 'react';
import type { Role } from '@nexomatic/core';
import type { UserRow } from '../api.js';
import { adminOnly, Badge, Empty, ErrorBox, PageHeader, Panel, Time, useNotice } from '../components.js';
import { ConfirmDialog, useConfirm } from '../confirm.js';
import { ActionForm, Select } from '../forms.js';
import { useAction, useLoad } from '../hooks.js';
import { useSession } from '../session.js';
import { ACTIONS_COLUMN, DataTable } from '../table.js';

const ROLES: Role[] = ['Admin', 'Viewer'];

/** The Users and tokens screen. */
export function UsersScreen() {
  const { api, isAdmin } = useSession();
  const users = useLoad(() => api.users.list(), []);
  const [notice, notify] = useNotice();
  const change = useAction(async (id: string, role: Role) => {
    await api.users.update(id, { role });
    notify('Role changed. The user’s tokens act with the new role at once.');
    users.reload();
  });
  const remove = useConfirm(async (user: UserRow) => {
    await api.users.delete(user.id);
    notify('User deleted and their tokens revoked.');
    users.reload();
  });
  return (
    <div>
      <PageHeader title="Users and tokens" />
      {notice}
      <ErrorBox error={change.error} />
      <Panel title="Users">
        {isAdmin && <NewUserForm onCreated={() => users.reload()} />}
        <DataTable
          what="users"
          load={users}
          empty={<Empty>No users yet.</Empty>}
          testId="users"
          columns={['Name', 'Role', 'Created', ACTIONS_COLUMN]}
          row={(user) => (
            <tr key={user.id}>
              <th scope="row">{user.name}</th>
              <td>
                <select
                  aria-label={`Role of ${user.name}`}
                  value={user.role}
                  {...adminOnly(isAdmin, change.busy)}
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
                <button type="button" className="danger small" {...adminOnly(isAdmin)} onClick={() => remove.ask(user)}>
                  Delete
                </button>
              </td>
            </tr>
          )}
        />
      </Panel>
      {isAdmin ? (
        <Tokens />
      ) : (
        <Panel title="API tokens">
          <p className="muted">Only an Admin can see and manage API tokens.</p>
        </Panel>
      )}
      <ConfirmDialog {...remove.dialog} title={`Delete ${remove.target?.name ?? ''}?`} confirmLabel="Delete user" danger>
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
    <ActionForm className="inline-form" label="Add a user" action={create} submit="Add user" disabled={!name.trim()} onSubmit={() => void create.run()}>
      <label>
        Name or e-mail
        <input value={name} onChange={(e) => setName(e.target.value)} required />
      </label>
      <Select label="Role" value={role} options={ROLES} onChange={setRole} />
    </ActionForm>
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
  const create = useAction(async () => {
    const { token } = await api.tokens.create({ name: name.trim(), role, ...(userId ? { userId } : {}) });
    setCreated(token);
    setName('');
    tokens.reload();
  });
  const revoke = useConfirm(async (token: { id: string; name: string }) => {
    await api.tokens.revoke(token.id);
    tokens.reload();
  });
  return (
    <Panel title="API tokens">
      <ActionForm className="inline-form" label="Create a token" action={create} submit="Create token" disabled={!name.trim()} onSubmit={() => void create.run()}>
        <label>
          Name
          <input value={name} onChange={(e) => setName(e.target.value)} required placeholder="e.g. ci-deploy" />
        </label>
        <Select label="Role" value={role} options={ROLES} onChange={setRole} />
        <Select
          label="For user"
          value={userId}
          any="nobody (a service token)"
          options={(users.data ?? []).map((u) => ({ value: u.id, label: u.name }))}
          onChange={setUserId}
        />
      </ActionForm>
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
      <DataTable
        what="tokens"
        load={tokens}
        empty={<Empty>No tokens yet.</Empty>}
        testId="tokens"
        columns={['Name', 'Role', 'User', 'Created', 'Expires', 'State', ACTIONS_COLUMN]}
        row={(t) => {
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
                  <button type="button" className="danger small" onClick={() => revoke.ask(t)}>
                    Revoke
                  </button>
                )}
              </td>
            </tr>
          );
        }}
      />
      <ConfirmDialog {...revoke.dialog} title={`Revoke the token ${revoke.target?.name ?? ''}?`} confirmLabel="Revoke token" danger>
        <p>Whatever uses it is refused from its next call. This cannot be undone.</p>
      </ConfirmDialog>
    </Panel>
  );
}
