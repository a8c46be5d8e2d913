'use client';
import { Buy } from '@/components/Buy';
import { SignedIn } from '@/components/SignIn';
import { useSession } from '@/lib/session';

export default function BuyPage() {
  const { user } = useSession();
  return <SignedIn>{user && <Buy uid={user.uid} />}</SignedIn>;
}
