'use client';
/**
 * "Sign in with wallet": shown only when the browser has a Solana or Sui wallet
 * (lib/browser-wallets.ts). The wallet's address gets a single-use challenge
 * (wallet_challenge), the wallet signs its exact text, wallet_sign_in verifies the signature and
 * answers a Firebase custom token, and Firebase Auth signs in with it: from then on the user is
 * an ordinary Auth user (the ID token on every call, the listeners), whose uid is the one the
 * server keeps for that wallet. Locally the token is the Auth emulator's; in production
 * firebase-admin signs it.
 */
import { signInWithCustomToken } from 'firebase/auth';
import { useEffect, useState } from 'react';

import { watchBrowserWallets, type BrowserWallet } from '@/lib/browser-wallets';
import { useSession } from '@/lib/session';

export function WalletSignIn() {
  const { api, auth } = useSession();
  const [wallets, setWallets] = useState<BrowserWallet[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => watchBrowserWallets(setWallets), []);

  const signIn = async (wallet: BrowserWallet) => {
    setError(null);
    setBusy(true);
    try {
      const address = await wallet.connect();
      const challenge = await api.call('wallet_challenge', { body: { chain: wallet.chain, address, scheme: 'ed25519' } });
      if (!challenge.ok) throw challenge.error;
      const signature = await wallet.sign(challenge.data.message);
      const signedIn = await api.call('wallet_sign_in', { body: {
        chain: wallet.chain, address: challenge.data.address, nonce: challenge.data.nonce, signature,
        scheme: 'ed25519' } });
      if (!signedIn.ok) throw signedIn.error;
      await signInWithCustomToken(auth, signedIn.data.custom_token);
    } catch (err) {
      const e = err as { code?: string; message?: string };
      setError(e.code ? `${e.code}: ${e.message}` : String(err));
    } finally {
      setBusy(false);
    }
  };

  if (wallets.length === 0) return null;
  return (
    <section className="card" data-testid="wallet-sign-in">
      <h2>Sign in with wallet</h2>
      <div className="row">
        {wallets.map((w) => (
          <button key={`${w.chain}:${w.name}`} type="button" disabled={busy} onClick={() => signIn(w)}>
            Sign in with wallet: {w.name} ({w.chain === 'sui' ? 'Sui' : 'Solana'})
          </button>
        ))}
      </div>
      {error && <p className="error" role="alert" data-testid="wallet-sign-in-error">{error}</p>}
    </section>
  );
}
