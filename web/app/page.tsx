'use client';
import { SignedIn } from '@/components/SignIn';
import { Wallet } from '@/components/Wallet';
import { useSession } from '@/lib/session';

export default function WalletPage() {
  const { user } = useSession();
  return <SignedIn>{user && <Wallet uid={user.uid} />}</SignedIn>;
}
