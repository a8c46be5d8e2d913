'use client';
import { Portfolio } from '@/components/Portfolio';
import { SignedIn } from '@/components/SignIn';
import { useSession } from '@/lib/session';

export default function PortfolioPage() {
  const { user } = useSession();
  return <SignedIn>{user && <Portfolio uid={user.uid} />}</SignedIn>;
}
