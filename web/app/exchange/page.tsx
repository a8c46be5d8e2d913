'use client';
import { CreatorList } from '@/components/CreatorList';
import { SignedIn } from '@/components/SignIn';
import { useSession } from '@/lib/session';

export default function ExchangePage() {
  const { user } = useSession();
  return <SignedIn>{user && <CreatorList />}</SignedIn>;
}
