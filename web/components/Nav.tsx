'use client';
import Link from 'next/link';

import { useIsAdmin } from '@/lib/calls';
import { useSession } from '@/lib/session';

export function Nav() {
  const { user, signOut } = useSession();
  const admin = useIsAdmin();
  return (
    <nav className="nav">
      <strong>Mintbook</strong>
      <Link href="/">Wallet</Link>
      <Link href="/buy">Buy tokens</Link>
      <Link href="/markets">Markets</Link>
      <Link href="/exchange">Exchange</Link>
      <Link href="/swaps">Swaps</Link>
      <Link href="/portfolio">Portfolio</Link>
      {admin && <Link href="/admin">Admin</Link>}
      <span className="spacer" />
      {user && <span data-testid="signed-in-as">{user.email ?? user.uid}</span>}
      {user && <button type="button" className="secondary" onClick={signOut}>Sign out</button>}
    </nav>
  );
}
