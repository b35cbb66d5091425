/**
 * React bindings (`@lambda-auth-api/client/react`): the client in context
 * and the session as React state. React is an optional peer dependency, the
 * only import of this entry point; plain `createElement`, so no JSX setup.
 *
 *   <AuthProvider client={auth}><App /></AuthProvider>
 *   const { status, user } = useSession();     // "loading" | "signed-in" | "signed-out"
 *   const auth = useAuthClient();              // auth.signIn(...), auth.signOut(), auth.me.get()
 *
 * The state follows `onSessionChange`: a signin, refresh or signout shows at
 * once, a session the API ended as soon as the client's next call finds it
 * refused; in other tabs too when the client shares its storage
 * (localStorageStorage()).
 */
import { createContext, createElement, useContext, useMemo, useSyncExternalStore, type ReactElement, type ReactNode } from "react";
import type { AuthClient } from "./auth-client.js";
import type { StoredSession } from "./session.js";
import type { User } from "./types.js";

/** What `useSession` answers. "loading" until the stored session has been read (the storage may be asynchronous). */
export type SessionState =
  | { status: "loading"; session: null; user: null }
  | { status: "signed-out"; session: null; user: null }
  | { status: "signed-in"; session: StoredSession; user: User };

// Constants, so that hearing "signed out" twice (a change, then the ended notice) renders nothing new.
const LOADING: SessionState = { status: "loading", session: null, user: null };
const SIGNED_OUT: SessionState = { status: "signed-out", session: null, user: null };

interface SessionStore {
  subscribe(onStoreChange: () => void): () => void;
  getSnapshot(): SessionState;
}

/**
 * The session as an external store for `useSyncExternalStore`. The client
 * has no synchronous read (`getSession()` is a promise), so the store keeps
 * the last state it saw, listens to the client while React listens to it,
 * and reads the storage once each time it starts listening.
 */
function sessionStore(client: AuthClient): SessionStore {
  let state = LOADING;
  const listeners = new Set<() => void>();
  let stopListening: (() => void) | undefined;
  /** Bumped by every change heard and every start: a read of the storage counts only if nothing newer came since it began. */
  let version = 0;

  const set = (session: StoredSession | null) => {
    version += 1;
    const next: SessionState = session ? { status: "signed-in", session, user: session.user } : SIGNED_OUT;
    if (next === state) return;
    state = next;
    for (const listener of listeners) listener();
  };

  const start = () => {
    const offChange = client.onSessionChange(set);
    // Already covered by onSessionChange(null); listened to as well so the state cannot miss an ended session.
    const offEnded = client.onSessionEnded(() => set(null));
    stopListening = () => {
      offChange();
      offEnded();
      stopListening = undefined;
    };
    const readAt = ++version;
    const settle = (session: StoredSession | null) => {
      // Dropped when React stopped listening (unmounted) or heard something newer meanwhile.
      if (stopListening && version === readAt) set(session);
    };
    // A storage that fails to read holds no usable session.
    client.getSession().then(settle, () => settle(null));
  };

  return {
    subscribe(listener) {
      listeners.add(listener);
      if (listeners.size === 1) start();
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0) stopListening?.();
      };
    },
    getSnapshot: () => state,
  };
}

interface AuthContextValue {
  client: AuthClient;
  store: SessionStore;
}

const AuthContext = createContext<AuthContextValue | null>(null);

/** Makes `client` (one AuthClient for the app, created outside React) available to `useAuthClient` and `useSession` below it. */
export function AuthProvider({ client, children }: { client: AuthClient; children?: ReactNode }): ReactElement {
  const value = useMemo(() => ({ client, store: sessionStore(client) }), [client]);
  // `.Provider` rather than the context itself, which React 18 cannot render.
  return createElement(AuthContext.Provider, { value }, children);
}

function useAuthContext(hook: string): AuthContextValue {
  const value = useContext(AuthContext);
  if (!value) throw new Error(`${hook} must be used inside <AuthProvider client={...}>`);
  return value;
}

/** The AuthClient of the nearest `AuthProvider`: signIn, signOut, me, mfa, passkeys, admin... */
export function useAuthClient(): AuthClient {
  return useAuthContext("useAuthClient").client;
}

/**
 * The current session, its user and a status, re-rendering when it changes
 * (here or in another tab). "loading" on the first render, and on the server
 * (where no session is known).
 */
export function useSession(): SessionState {
  const { store } = useAuthContext("useSession");
  return useSyncExternalStore(store.subscribe, store.getSnapshot, () => LOADING);
}
