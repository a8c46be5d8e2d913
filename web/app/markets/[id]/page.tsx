'use client';
import { useParams } from 'next/navigation';

import { MarketPage } from '@/components/MarketPage';
import { SignedIn } from '@/components/SignIn';
import { useSession } from '@/lib/session';

export default function Market() {
  const { user } = useSession();
  const { id } = useParams<{ id: string }>();
  return <SignedIn>{user && <MarketPage uid={user.uid} marketId={id} />}</SignedIn>;
}
