/** The shell: sign-in gate, navigation and the screen for the current path. */
import { useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { createApi, type Session } from './api.js';
import { ErrorBox, Loading } from './components.js';
import { Link, match, navigate, useLocation } from './router.js';
import { SessionProvider, storeToken, storedToken, type SignedIn } from './session.js';
import { SignIn } from './screens/sign-in.js';
import { Dashboard } from './screens/dashboard.js';
import { EventsScreen } from './screens/events.js';
import { EventDetail } from './screens/event-detail.js';
import { ActionsScreen, EventTypesScreen, SinkTypesScreen } from './screens/definitions.js';
import { SchedulesScreen } from './screens/schedules.js';
import { SourcesScreen } from './screens/sources.js';
import { SinksScreen } from './screens/sinks.js';
import { SecretsScreen } from './screens/secrets.js';
import { UsersScreen } from './screens/users.js';
import { AuditScreen } from './screens/audit.js';

const NAV: Array<{ group: string; items: Array<{ to: string; label: string }> }> = [
  { group: 'Overview', items: [{ to: '/', label: 'Dashboard' }] },
  {
    group: 'Automations',
    items: [
      { to: '/events', label: 'Events' },
      { to: '/event-types', label: 'Event Types' },
      { to: '/actions', label: 'Actions' },
      { to: '/schedules', label: 'Schedules' },
      { to: '/sources', label: 'Sources' },
    ],
  },
  {
    group: 'Agents',
    items: [
      { to: '/sinks', label: 'Sinks' },
      { to: '/sink-types', label: 'Sink Types' },
    ],
  },
  {
    group: 'Access',
    items: [
      { to: '/secrets', label: 'Secrets' },
      { to: '/users', label: 'Users and tokens' },
      { to: '/audit', label: 'Audit log' },
    ],
  },
];

const ROUTES: Array<[string, (params: Record<string, string>) => ReactNode]> = [
  ['/', () => <Dashboard />],
  ['/events', () => <EventsScreen />],
  ['/events/:id', ({ id }) => <EventDetail key={id} id={id!} />],
  ['/event-types', () => <EventTypesScreen />],
  ['/actions', () => <ActionsScreen />],
  ['/schedules', () => <SchedulesScreen />],
  ['/sources', () => <SourcesScreen />],
  ['/sinks', () => <SinksScreen />],
  ['/sink-types', () => <SinkTypesScreen />],
  ['/secrets', () => <SecretsScreen />],
  ['/users', () => <UsersScreen />],
  ['/audit', () => <AuditScreen />],
];

function Screen({ path }: { path: string }) {
  for (const [pattern, render] of ROUTES) {
    const params = match(pattern, path);
    if (params) return <>{render(params)}</>;
  }
  return (
    <div>
      <h1>Page not found</h1>
      <p>
        There is no screen at <code>{path}</code>. <Link to="/">Go to the dashboard</Link>.
      </p>
    </div>
  );
}

function isActive(to: string, path: string): boolean {
  return to === '/' ? path === '/' : path === to || path.startsWith(`${to}/`);
}

/** The whole UI. */
export function App() {
  const { path } = useLocation();
  const [token, setToken] = useState<string | null>(storedToken);
  const [session, setSession] = useState<Session | null>(null);
  const [error, setError] = useState<Error | undefined>(undefined);
  const api = useMemo(() => (token ? createApi(token) : null), [token]);
  // A signed-out token's client closes its WebSocket (live log tails), if it opened one.
  useEffect(() => () => void api?.client.close(), [api]);
  const lastPath = useRef(path);

  // After a client-side navigation, move focus to the new screen's heading, as a page load would.
  useEffect(() => {
    if (lastPath.current === path) return;
    lastPath.current = path;
    document.querySelector<HTMLElement>('#content h1')?.focus({ preventScroll: true });
  }, [path]);

  useEffect(() => {
    if (!api) return;
    let cancelled = false;
    setSession(null);
    setError(undefined);
    api.session().then(
      (found) => !cancelled && setSession(found),
      (err: Error) => {
        if (cancelled) return;
        setError(err);
        if ((err as { code?: string }).code === 'UNAUTHENTICATED') {
          storeToken(null);
          setToken(null);
        }
      },
    );
    return () => {
      cancelled = true;
    };
  }, [api]);

  const signedIn: SignedIn | null = useMemo(
    () =>
      api && session
        ? {
            ...session,
            api,
            isAdmin: session.role === 'Admin',
            signOut: () => {
              storeToken(null);
              setToken(null);
              setSession(null);
              navigate('/', { replace: true });
            },
          }
        : null,
    [api, session],
  );

  if (!token) {
    return (
      <SignIn
        error={error}
        onToken={(value) => {
          storeToken(value);
          setToken(value);
        }}
      />
    );
  }
  if (!signedIn) {
    return <main className="centered">{error ? <ErrorBox error={error} onRetry={() => setToken(storedToken())} /> : <Loading what="your session" />}</main>;
  }
  return (
    <SessionProvider value={signedIn}>
      <a className="skip-link" href="#content">
        Skip to content
      </a>
      <div className="layout">
        <nav className="sidebar" aria-label="Main">
          <div className="brand">Nexomatic</div>
          {NAV.map(({ group, items }) => (
            <div key={group} className="nav-group">
              <div className="nav-group-title">{group}</div>
              <ul>
                {items.map((item) => (
                  <li key={item.to}>
                    <Link to={item.to} aria-current={isActive(item.to, path) ? 'page' : undefined}>
                      {item.label}
                    </Link>
                  </li>
                ))}
              </ul>
            </div>
          ))}
        </nav>
        <div className="main">
          <header className="topbar">
            <span className="tenant" title={`Tenant ${signedIn.tenant.id}`}>
              {signedIn.tenant.name}
            </span>
            <span className={`role role-${signedIn.role.toLowerCase()}`} data-testid="role" title={`Signed in as ${signedIn.subject}`}>
              {signedIn.role}
            </span>
            <button type="button" className="link" onClick={signedIn.signOut}>
              Sign out
            </button>
          </header>
          {!signedIn.isAdmin && (
            <p className="readonly-banner" role="note">
              Read-only: you are signed in as a Viewer. An Admin can change things.
            </p>
          )}
          <main id="content" tabIndex={-1}>
            <Screen path={path} />
          </main>
        </div>
      </div>
    </SessionProvider>
  );
}
