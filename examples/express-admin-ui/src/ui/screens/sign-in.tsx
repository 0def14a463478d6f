/** Sign in with an API token; the hub tells whether it is an Admin's or a Viewer's. */
import { useState } from 'react';
import { ErrorBox } from '../components.js';

/** The sign-in form. */
export function SignIn({ error, onToken }: { error: Error | undefined; onToken(token: string): void }) {
  const [value, setValue] = useState('');
  return (
    <main className="centered">
      <form
        className="card sign-in"
        onSubmit={(event) => {
          event.preventDefault();
          if (value.trim()) onToken(value.trim());
        }}
      >
        <h1>Sign in to Nexomatic</h1>
        <p className="muted">
          Paste an API token (<code>nxm_…</code>). The quickstart prints an Admin token; an Admin creates more on the Users
          and tokens screen. The token stays in this browser tab only.
        </p>
        <ErrorBox error={error} />
        <label htmlFor="token">API token</label>
        <input
          id="token"
          name="token"
          type="password"
          autoComplete="off"
          spellCheck={false}
          value={value}
          onChange={(event) => setValue(event.target.value)}
          autoFocus
          required
        />
        <button type="submit" className="primary">
          Sign in
        </button>
      </form>
    </main>
  );
}
