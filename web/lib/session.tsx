'use client';
/**
 * The signed-in session: one Firebase app (Auth and Firestore) and one Mintbook client per page
 * load, shared through React context.
 *
 * - Every function call goes from the browser through clients/ts with the user's ID token
 *   (Firebase Auth's `getIdToken()`, which refreshes it before it expires); the Next server
 *   never calls the functions, so per-IP limits see each user's own address.
 * - Live state comes from Firestore listeners on the user's own documents, with the same user
 *   (the Firestore SDK takes the token from Auth).
 * - A local build (NEXT_PUBLIC_MINTBOOK_LOCAL=1) has `@mintbook/dev-tools` (lib/local.tsx): it
 *   points Auth and Firestore at the emulators and brings the dev-only sign-in and test-card
 *   payment. In any other build that name resolves to lib/local-off.ts (next.config.ts), so a
 *   production build contains none of it.
 */
import { createClient, type MintbookClient } from '@mintbook/client';
import { initializeApp, type FirebaseApp } from 'firebase/app';
import { getAuth, onIdTokenChanged, signOut, type Auth, type User } from 'firebase/auth';
import { getFirestore, type Firestore } from 'firebase/firestore';
import { createContext, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';

import type { AppConfig } from './config';

import { devTools } from '@mintbook/dev-tools';

export type LocalModule = NonNullable<typeof devTools>;

export interface Session {
  config: AppConfig;
  auth: Auth;
  db: Firestore;
  api: MintbookClient;
  /** undefined while Auth restores a session, null when signed out. */
  user: User | null | undefined;
  /** The local build's dev tools, null in a production build. */
  local: LocalModule | null;
  signOut: () => Promise<void>;
}

const SessionContext = createContext<Session | null>(null);

interface Firebase { app: FirebaseApp; auth: Auth; db: Firestore; local: LocalModule | null }

let firebase: Promise<Firebase> | null = null;

/** Once per page load: the emulators must be connected before Auth or Firestore is used. */
function startFirebase(config: AppConfig): Promise<Firebase> {
  firebase ??= Promise.resolve(devTools as LocalModule | null).then((local) => {
    const app = initializeApp(config.firebase);
    const auth = getAuth(app);
    const db = getFirestore(app);
    if (local && config.local) local.connectEmulators(auth, db, config.local);
    return { app, auth, db, local };
  });
  return firebase;
}

export function SessionProvider({ config, children }: { config: AppConfig; children: ReactNode }) {
  const [ready, setReady] = useState<Firebase | null>(null);
  const [user, setUser] = useState<User | null | undefined>(undefined);

  useEffect(() => {
    let unsubscribe = () => {};
    let live = true;
    startFirebase(config).then((started) => {
      if (!live) return;
      setReady(started);
      unsubscribe = onIdTokenChanged(started.auth, setUser);
    });
    return () => { live = false; unsubscribe(); };
  }, [config]);

  const api = useMemo(() => createClient({
    baseUrl: config.apiUrl,
    getIdToken: () => ready?.auth.currentUser?.getIdToken() ?? null,
  }), [config, ready]);

  if (!ready) return <p className="muted">Loading…</p>;
  const session: Session = {
    config, auth: ready.auth, db: ready.db, api, user, local: ready.local,
    signOut: () => signOut(ready.auth),
  };
  return <SessionContext.Provider value={session}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside SessionProvider');
  return session;
}
