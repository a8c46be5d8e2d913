'use client';
import { Leaderboard } from '@/components/Leaderboard';
import { SignedIn } from '@/components/SignIn';
import { useSession } from '@/lib/session';

export default function LeaderboardPage() {
  const { user } = useSession();
  return <SignedIn>{user && <Leaderboard uid={user.uid} />}</SignedIn>;
}
