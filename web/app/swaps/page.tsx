'use client';
import { SignedIn } from '@/components/SignIn';
import { Swaps } from '@/components/Swaps';
import { useSession } from '@/lib/session';

export default function SwapsPage() {
  const { user } = useSession();
  return <SignedIn>{user && <Swaps uid={user.uid} />}</SignedIn>;
}
