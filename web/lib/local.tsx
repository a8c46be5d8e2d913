'use client';
/**
 * Dev-only parts of the app, in a local build only (NEXT_PUBLIC_MINTBOOK_LOCAL=1: `make dev`
 * and the tests). The app imports it as `@mintbook/dev-tools`, which next.config.ts resolves to
 * lib/local-off.ts (nothing) in any other build, so a production build has none of it
 * (tests/e2e/test_web_bundle.py scans for DEV_MARKER).
 *
 * - Auth and Firestore talk to the emulators of the local stack.
 * - "Sign in as": any uid, through the Auth emulator's custom-token sign-in with an unsigned
 *   token (the emulator accepts those; production Auth never would). The result is a real
 *   emulator session: its ID token is refreshed by the SDK before it expires, and the functions
 *   check it as they check any Auth emulator token.
 * - Payments: localstripe's Stripe.js stand-in is loaded before @stripe/stripe-js would fetch
 *   Stripe's own, and a 3-D Secure test card is put on the PaymentIntent by the dev server
 *   (`POST /_dev/test_card`, dev/pay.py), because the stand-in cannot turn a card form into a
 *   payment method; the browser then confirms it with `stripe.confirmCardPayment`.
 */
import { connectAuthEmulator, signInWithCustomToken, type Auth } from 'firebase/auth';
import { connectFirestoreEmulator, type Firestore } from 'firebase/firestore';
import { useState } from 'react';

import type { LocalConfig } from './config';

export const DEV_MARKER = 'mintbook-dev-sign-in';

export function connectEmulators(auth: Auth, db: Firestore, local: LocalConfig): void {
  if (local.authUrl) connectAuthEmulator(auth, local.authUrl, { disableWarnings: true });
  connectFirestoreEmulator(db, local.firestoreHost, local.firestorePort);
}

function base64url(value: object): string {
  return btoa(JSON.stringify(value)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** An unsigned custom token for `uid`: only the Auth emulator accepts it. */
function emulatorCustomToken(uid: string): string {
  const now = Math.floor(Date.now() / 1000);
  const issuer = 'firebase-auth-emulator@example.com';
  const payload = {
    iss: issuer, sub: issuer, uid, iat: now, exp: now + 3600,
    aud: 'https://identitytoolkit.googleapis.com/google.identity.identitytoolkit.v1.IdentityToolkit',
  };
  return `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(payload)}.`;
}

export function DevSignIn({ auth, local }: { auth: Auth; local: LocalConfig }) {
  const [uid, setUid] = useState('');
  const [error, setError] = useState<string | null>(null);
  const signInAs = async (who: string) => {
    setError(null);
    try {
      await signInWithCustomToken(auth, emulatorCustomToken(who));
    } catch (err) {
      setError(String(err));
    }
  };
  if (!local.authUrl) {
    return <p className="error">The local stack runs no Auth emulator: sign-in needs it.</p>;
  }
  return (
    <section className="card" data-testid={DEV_MARKER}>
      <h2>Sign in as (local stack only)</h2>
      <div className="row">
        {local.demoUsers.map((who) => (
          <button key={who} type="button" onClick={() => signInAs(who)}>{who}</button>
        ))}
      </div>
      <form className="row" onSubmit={(e) => { e.preventDefault(); if (uid) signInAs(uid); }}>
        <input aria-label="any uid" placeholder="any uid" value={uid}
               pattern="[^:/]+" onChange={(e) => setUid(e.target.value.trim())} />
        <button type="submit">Sign in as this uid</button>
      </form>
      {error && <p className="error">{error}</p>}
    </section>
  );
}

let standIn: Promise<void> | null = null;

/** localstripe's Stripe.js (it defines window.Stripe); loadStripe then uses it as is. */
export function loadStripeStandIn(local: LocalConfig): Promise<void> {
  standIn ??= new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = `${local.stripeUrl.replace(/\/+$/, '')}/js.stripe.com/v3/`;
    script.onload = () => resolve();
    script.onerror = () => reject(new Error(`localstripe's Stripe.js did not load from ${script.src}`));
    document.head.appendChild(script);
  });
  return standIn;
}

export const TEST_CARDS = [
  { id: '3ds', label: '4000 0027 6000 3184: 3-D Secure, then paid' },
  { id: '3ds-declined', label: '4000 0082 6000 3178: 3-D Secure, then declined' },
] as const;

/** Put a test card on the purchase's PaymentIntent (the dev server does it with the secret key);
 * an error message, or null once the PaymentIntent waits for the browser's 3-D Secure step. */
export async function attachTestCard(local: LocalConfig, purchaseId: string,
                                     card: string): Promise<string | null> {
  try {
    const response = await fetch(`${local.devServerUrl.replace(/\/+$/, '')}/_dev/test_card`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ purchase_id: purchaseId, card }),
    });
    const body = await response.json();
    return body.success ? null : body.errors?.[0]?.message ?? `HTTP ${response.status}`;
  } catch (err) {
    return String(err);
  }
}

export const devTools = { connectEmulators, DevSignIn, loadStripeStandIn, TEST_CARDS, attachTestCard };
