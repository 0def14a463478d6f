/** Secrets: a write-only form. Values go to the hub and never come back: only keys and times are listed. */
import { useState } from 'react';
import { ConfirmDialog, Empty, ErrorBox, PageHeader, Section, Time, useNotice, VIEWER_HINT } from '../components.js';
import { useAction, useLoad } from '../hooks.js';
import { useSession } from '../session.js';

const KEY = /^[A-Za-z_][A-Za-z0-9_.-]{0,127}$/;

/** The Secrets screen. */
export function SecretsScreen() {
  const { api, isAdmin } = useSession();
  const secrets = useLoad(() => api.secrets.list(), []);
  const [notice, notify] = useNotice();
  const [doomed, setDoomed] = useState<string | null>(null);
  const remove = useAction(async (key: string) => {
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
      <Section
        what="secrets"
        load={secrets}
        empty={(rows) => (rows.length === 0 ? <Empty>No secrets yet.{isAdmin ? ' Add one with the form above.' : ''}</Empty> : null)}
      >
        {(rows) => (
          <table data-testid="secrets">
            <thead>
              <tr>
                <th scope="col">Key</th>
                <th scope="col">Value</th>
                <th scope="col">Master key version</th>
                <th scope="col">Created</th>
                <th scope="col">Updated</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((secret) => (
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
                    <button
                      type="button"
                      className="danger small"
                      disabled={!isAdmin}
                      title={isAdmin ? undefined : VIEWER_HINT}
                      aria-label={`Delete ${secret.key}`}
                      onClick={() => setDoomed(secret.key)}
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
      <ConfirmDialog
        open={doomed !== null}
        title={`Delete the secret ${doomed ?? ''}?`}
        confirmLabel="Delete secret"
        danger
        busy={remove.busy}
        error={remove.error}
        onCancel={() => {
          setDoomed(null);
          remove.clearError();
        }}
        onConfirm={() => doomed && void remove.run(doomed).then((ok) => ok && setDoomed(null))}
      >
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
  const [problem, setProblem] = useState<string | null>(null);
  const save = useAction(async (k: string, v: string) => {
    await api.secrets.put(k, v);
    onSaved(k);
  });
  return (
    <form
      className="panel inline-form"
      aria-label="Set a secret"
      autoComplete="off"
      onSubmit={(event) => {
        event.preventDefault();
        if (!KEY.test(key)) return setProblem('The key must start with a letter or _ and hold only letters, digits, _ . and -, e.g. GITHUB_TOKEN.');
        if (!value) return setProblem('Enter a value.');
        setProblem(null);
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
      <button type="submit" className="primary" disabled={save.busy}>
        {save.busy ? 'Saving…' : 'Save secret'}
      </button>
      {problem && (
        <p className="error" role="alert">
          {problem}
        </p>
      )}
      <ErrorBox error={save.error} />
    </form>
  );
}
