'use client';
/**
 * Sign-in with Firebase Auth: email and password (the Auth emulator locally, Firebase Auth in
 * production: the same SDK calls), a Solana or Sui browser wallet when one is present
 * (WalletSignIn), plus, in a local build only, "sign in as" any uid.
 */
import { createUserWithEmailAndPassword, signInWithEmailAndPassword } from 'firebase/auth';
import { useState } from 'react';

import { WalletSignIn } from '@/components/WalletSignIn';
import { useSession } from '@/lib/session';

export function SignIn() {
  const { auth, local, config } = useSession();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);

  const submit = async (create: boolean) => {
    setError(null);
    try {
      if (create) await createUserWithEmailAndPassword(auth, email, password);
      else await signInWithEmailAndPassword(auth, email, password);
    } catch (err) {
      setError((err as { code?: string }).code ?? String(err));
    }
  };

  return (
    <div className="stack">
      <section className="card">
        <h2>Sign in</h2>
        <form className="stack" onSubmit={(e) => { e.preventDefault(); submit(false); }}>
          <input type="email" aria-label="email" placeholder="email" autoComplete="username"
                 value={email} onChange={(e) => setEmail(e.target.value)} required />
          <input type="password" aria-label="password" placeholder="password"
                 autoComplete="current-password" value={password}
                 onChange={(e) => setPassword(e.target.value)} required />
          <div className="row">
            <button type="submit">Sign in</button>
            <button type="button" className="secondary" onClick={() => submit(true)}>Create account</button>
          </div>
        </form>
        {error && <p className="error" role="alert" data-testid="sign-in-error">{error}</p>}
      </section>
      <WalletSignIn />
      {local && config.local && <local.DevSignIn auth={auth} local={config.local} />}
    </div>
  );
}

/** The page's content for a signed-in user, or the sign-in form. */
export function SignedIn({ children }: { children: React.ReactNode }) {
  const { user } = useSession();
  if (user === undefined) return <p className="muted">Loading…</p>;
  if (user === null) return <SignIn />;
  return <>{children}</>;
}
