/** Secrets: a write-only form. Values go to the hub and never come back: only keys and times are listed. */
import { useState } from 'react';
import { adminOnly, Empty, PageHeader, Time, useNotice } from '../components.js';
import { ConfirmDialog, useConfirm } from '../confirm.js';
import { ActionForm } from '../forms.js';
import { useAction, useLoad } from '../hooks.js';
import { useSession } from '../session.js';
import { ACTIONS_COLUMN, DataTable } from '../table.js';

const KEY = /^[A-Za-z_][A-Za-z0-9_.-]{0,127}$/;

/** The Secrets screen. */
export function SecretsScreen() {
  const { api, isAdmin } = useSession();
  const secrets = useLoad(() => api.secrets.list(), []);
  const [notice, notify] = useNotice();
  const remove = useConfirm(async (key: string) => {
    await api.secrets.delete(key);
    notify(`Secret ${key} deleted.`);
    secrets.reload();
  });
  return (
    <div>
      <PageHeader title="Secrets" />
      {notice}
      <p className="muted">
        Values are write-only: once saved, nobody can read them here or through the API. Sinks fetch them at run time for the tasks that
        reference them. To change a value, save the key again.
      </p>
      {isAdmin ? <SecretForm onSaved={(key) => (notify(`Secret ${key} saved. Its value is not shown again.`), secrets.reload())} /> : null}
      <DataTable
        what="secrets"
        load={secrets}
        empty={<Empty>No secrets yet.{isAdmin ? ' Add one with the form above.' : ''}</Empty>}
        testId="secrets"
        columns={['Key', 'Value', 'Master key version', 'Created', 'Updated', ACTIONS_COLUMN]}
        row={(secret) => (
          <tr key={secret.key}>
            <th scope="row" className="mono">
              {secret.key}
            </th>
            <td>
              <span className="masked" aria-label="hidden">
                ••••••••
              </span>
            </td>
            <td>{secret.keyVersion}</td>
            <td>
              <Time iso={secret.createdAt} />
            </td>
            <td>
              <Time iso={secret.updatedAt} />
            </td>
            <td>
              <button type="button" className="danger small" {...adminOnly(isAdmin)} aria-label={`Delete ${secret.key}`} onClick={() => remove.ask(secret.key)}>
                Delete
              </button>
            </td>
          </tr>
        )}
      />
      <ConfirmDialog {...remove.dialog} title={`Delete the secret ${remove.target ?? ''}?`} confirmLabel="Delete secret" danger>
        <p>Tasks whose Parameters reference it will fail until it is set again.</p>
      </ConfirmDialog>
    </div>
  );
}

/** Key and value; the value field is a password field, cleared as soon as it is sent. */
function SecretForm({ onSaved }: { onSaved(key: string): void }) {
  const { api } = useSession();
  const [key, setKey] = useState('');
  const [value, setValue] = useState('');
  const save = useAction(async (k: string, v: string) => {
    await api.secrets.put(k, v);
    onSaved(k);
  });
  return (
    <ActionForm
      className="panel inline-form"
      label="Set a secret"
      autoComplete="off"
      action={save}
      submit="Save secret"
      busyLabel="Saving…"
      check={() =>
        !KEY.test(key) ? 'The key must start with a letter or _ and hold only letters, digits, _ . and -, e.g. GITHUB_TOKEN.' : !value ? 'Enter a value.' : null
      }
      onSubmit={() => {
        const sent = value;
        setValue('');
        void save.run(key, sent).then((ok) => ok && setKey(''));
      }}
    >
      <h2>Set a secret</h2>
      <label>
        Key
        <input name="secret-key" value={key} onChange={(e) => setKey(e.target.value)} spellCheck={false} required />
      </label>
      <label>
        Value
        <input name="secret-value" type="password" autoComplete="new-password" value={value} onChange={(e) => setValue(e.target.value)} required />
      </label>
    </ActionForm>
  );
}
