'use client';
import { Admin } from '@/components/Admin';
import { SignedIn } from '@/components/SignIn';
import { useSession } from '@/lib/session';

export default function AdminPage() {
  const { user } = useSession();
  return <SignedIn>{user && <Admin />}</SignedIn>;
}
