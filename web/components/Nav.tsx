'use client';
import Link from 'next/link';

import { useSession } from '@/lib/session';

export function Nav() {
  const { user, signOut } = useSession();
  return (
    <nav className="nav">
      <strong>Mintbook</strong>
      <Link href="/">Wallet</Link>
      <Link href="/buy">Buy tokens</Link>
      <span className="spacer" />
      {user && <span data-testid="signed-in-as">{user.email ?? user.uid}</span>}
      {user && <button type="button" className="secondary" onClick={signOut}>Sign out</button>}
    </nav>
  );
}
