/** Sources: each webhook's unique URL, to copy into the sender's settings; a new URL on demand (Admin). */
import { useState } from 'react';
import { ConfirmDialog, Empty, PageHeader, Section, useNotice } from '../components.js';
import { useAction, useLoad } from '../hooks.js';
import { useSession } from '../session.js';

/** A read-only URL with a Copy button (falls back to selecting the text). */
function CopyField({ value, label }: { value: string; label: string }) {
  const [copied, setCopied] = useState(false);
  const id = `copy-${label.replace(/\W+/g, '-')}`;
  return (
    <div className="copy-field">
      <input id={id} readOnly value={value} aria-label={label} onFocus={(e) => e.target.select()} className="mono" />
      <button
        type="button"
        onClick={async () => {
          try {
            await navigator.clipboard.writeText(value);
            setCopied(true);
            window.setTimeout(() => setCopied(false), 2000);
          } catch {
            (document.getElementById(id) as HTMLInputElement | null)?.select();
          }
        }}
      >
        {copied ? 'Copied' : 'Copy'}
      </button>
    </div>
  );
}

/** The Sources screen. */
export function SourcesScreen() {
  const { api, isAdmin } = useSession();
  const sources = useLoad(() => api.sources.list(), []);
  const [doomed, setDoomed] = useState<string | null>(null);
  const [notice, notify] = useNotice();
  const rotate = useAction(async (name: string) => {
    await api.sources.rotateToken(name);
    notify(`${name} has a new URL. The old one stopped working.`);
    sources.reload();
  });
  return (
    <div>
      <PageHeader title="Sources" />
      {notice}
      <p className="muted">
        A webhook Source turns each HTTP POST with a JSON body to its URL into an event; an Event Grid Source takes Azure Event Grid deliveries.
        A Source URL carries an unguessable token: treat it like a password.
        {!isAdmin && ' Only an Admin sees the URLs.'}
      </p>
      <Section
        what="Sources"
        load={sources}
        empty={(rows) => (rows.length === 0 ? <Empty>No Sources yet. Define a webhook Source in code to get a URL here.</Empty> : null)}
      >
        {(rows) => (
          <table data-testid="sources">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Type</th>
                <th scope="col">Event Types</th>
                <th scope="col">Verification</th>
                <th scope="col">URL</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((source) => (
                <tr key={source.name}>
                  <th scope="row">
                    {source.name}
                    {!source.enabled && <div className="muted small">disabled</div>}
                    {source.description && <div className="muted small">{source.description}</div>}
                  </th>
                  <td>{source.type}</td>
                  <td>{source.eventTypes.join(', ')}</td>
                  <td className="small">
                    {source.signature
                      ? `${source.signature.scheme === 'github' ? 'GitHub X-Hub-Signature-256' : 'Standard Webhooks'} (secret ${source.signature.secrets.join(', ')})`
                      : source.sharedKeySecret
                        ? `shared key (secret ${source.sharedKeySecret})`
                        : 'none'}
                  </td>
                  <td className="url-cell">
                    {source.urls.length === 0 ? (
                      <span className="muted">{isAdmin ? 'no URL issued yet' : 'hidden: only an Admin sees Source URLs'}</span>
                    ) : (
                      <>
                        {source.urls.map((url, i) => (
                          <CopyField key={url} value={url} label={i === 0 ? `URL of ${source.name}` : `URL of ${source.name} for ${url.split('/').pop()}`} />
                        ))}
                        <button type="button" className="link small" onClick={() => setDoomed(source.name)}>
                          Issue a new URL
                        </button>
                      </>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Section>
      <ConfirmDialog
        open={doomed !== null}
        title={`Issue a new URL for ${doomed ?? ''}?`}
        confirmLabel="Issue a new URL"
        danger
        busy={rotate.busy}
        error={rotate.error}
        onCancel={() => {
          setDoomed(null);
          rotate.clearError();
        }}
        onConfirm={() => doomed && void rotate.run(doomed).then((ok) => ok && setDoomed(null))}
      >
        <p>The current URL answers 404 at once. Every sender must be given the new one.</p>
      </ConfirmDialog>
    </div>
  );
}
