/** Sources: each webhook's unique URL, to copy into the sender's settings; a new URL on demand (Admin). */
import type { SourceRow } from '../api.js';
import { Empty, PageHeader, useNotice } from '../components.js';
import { ConfirmDialog, useConfirm } from '../confirm.js';
import { CopyField } from '../copy-field.js';
import { useLoad } from '../hooks.js';
import { useSession } from '../session.js';
import { DataTable, RowHeader } from '../table.js';

/** How deliveries to a Source are verified, in words. */
function verification(source: SourceRow): string {
  if (source.signature) {
    const scheme = source.signature.scheme === 'github' ? 'GitHub X-Hub-Signature-256' : 'Standard Webhooks';
    return `${scheme} (secret ${source.signature.secrets.join(', ')})`;
  }
  return source.sharedKeySecret ? `shared key (secret ${source.sharedKeySecret})` : 'none';
}

/** The Sources screen. */
export function SourcesScreen() {
  const { api, isAdmin } = useSession();
  const sources = useLoad(() => api.sources.list(), []);
  const [notice, notify] = useNotice();
  const rotate = useConfirm(async (name: string) => {
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
      <DataTable
        what="Sources"
        load={sources}
        empty={<Empty>No Sources yet. Define a webhook Source in code to get a URL here.</Empty>}
        testId="sources"
        columns={['Name', 'Type', 'Event Types', 'Verification', 'URL']}
        row={(source) => (
          <tr key={source.name}>
            <RowHeader name={source.name} description={source.description}>
              {!source.enabled && <div className="muted small">disabled</div>}
            </RowHeader>
            <td>{source.type}</td>
            <td>{source.eventTypes.join(', ')}</td>
            <td className="small">{verification(source)}</td>
            <td className="url-cell">
              {source.urls.length === 0 ? (
                <span className="muted">{isAdmin ? 'no URL issued yet' : 'hidden: only an Admin sees Source URLs'}</span>
              ) : (
                <>
                  {source.urls.map((url, i) => (
                    <CopyField key={url} value={url} label={i === 0 ? `URL of ${source.name}` : `URL of ${source.name} for ${url.split('/').pop()}`} />
                  ))}
                  <button type="button" className="link small" onClick={() => rotate.ask(source.name)}>
                    Issue a new URL
                  </button>
                </>
              )}
            </td>
          </tr>
        )}
      />
      <ConfirmDialog {...rotate.dialog} title={`Issue a new URL for ${rotate.target ?? ''}?`} confirmLabel="Issue a new URL" danger>
        <p>The current URL answers 404 at once. Every sender must be given the new one.</p>
      </ConfirmDialog>
    </div>
  );
}
