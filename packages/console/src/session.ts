import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Agent } from './types.js';

export interface Session {
  readonly agent: Agent;
  /** The login token for the realtime gateway (`?token=`); the REST API uses the HttpOnly cookie. */
  readonly token: string | null;
  readonly update: (agent: Agent) => void;
  readonly logout: () => void;
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (session === null) throw new Error('useSession outside a logged-in console');
  return session;
}

const TOKEN_KEY = 'parley.console.token';

/** Kept per tab (sessionStorage): a reload keeps the realtime link, closing the tab forgets it. */
export const tokenStore = {
  get: (): string | null => sessionStorage.getItem(TOKEN_KEY),
  set: (token: string): void => sessionStorage.setItem(TOKEN_KEY, token),
  clear: (): void => sessionStorage.removeItem(TOKEN_KEY),
};
