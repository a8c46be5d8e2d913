'use client';
import { useParams } from 'next/navigation';

import { CreatorPage } from '@/components/CreatorPage';
import { SignedIn } from '@/components/SignIn';
import { useSession } from '@/lib/session';

export default function Creator() {
  const { user } = useSession();
  const { uid } = useParams<{ uid: string }>();
  return <SignedIn>{user && <CreatorPage uid={user.uid} creator={uid} />}</SignedIn>;
}
