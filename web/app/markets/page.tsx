'use client';
import { MarketList } from '@/components/MarketList';
import { MyForecasts, Notifications } from '@/components/MyForecasts';
import { SignedIn } from '@/components/SignIn';
import { useAssets } from '@/lib/live';
import { useSession } from '@/lib/session';

export default function MarketsPage() {
  const { user, db } = useSession();
  const assets = useAssets(db);
  return (
    <SignedIn>
      {user && (
        <div className="stack">
          <MarketList assets={assets} />
          <Notifications uid={user.uid} assets={assets} />
          <MyForecasts uid={user.uid} assets={assets} />
        </div>
      )}
    </SignedIn>
  );
}
