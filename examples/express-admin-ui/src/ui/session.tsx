/** The signed-in token and its role, kept in sessionStorage for this browser tab. */
import { createContext, useContext } from 'react';
import type { Api, Session } from './api.js';

const STORAGE_KEY = 'nexomatic.token';

/** The token of this tab, or null. */
export function storedToken(): string | null {
  return window.sessionStorage.getItem(STORAGE_KEY);
}

/** Keeps the token for this tab (sessionStorage: gone when the tab closes). */
export function storeToken(token: string | null): void {
  if (token === null) window.sessionStorage.removeItem(STORAGE_KEY);
  else window.sessionStorage.setItem(STORAGE_KEY, token);
}

/** What every screen gets: the API and who is signed in. */
export interface SignedIn extends Session {
  api: Api;
  isAdmin: boolean;
  signOut(): void;
}

const SessionContext = createContext<SignedIn | null>(null);

/** Provides the signed-in session to the screens. */
export const SessionProvider = SessionContext.Provider;

/** The signed-in session (screens render only when signed in). */
export function useSession(): SignedIn {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside a signed-in screen');
  return session;
}
