/**
 * The app's configuration, read on the server at request time (not baked in at build time), so
 * one build serves any stack: `make dev`, a test session on free ports, a deployment.
 *
 * Everything here is public (it is sent to the browser): the functions' URL, the Firebase web
 * config and Stripe's publishable key. Secrets never belong here; a test scans the production
 * bundle for them. `local` (the emulators' and localstripe's addresses) is read only by a local
 * build (NEXT_PUBLIC_MINTBOOK_LOCAL=1, set by `make dev` and the tests); a production build
 * ignores it and has no code that would use it.
 */
export interface LocalConfig {
  /** The Firestore emulator, host and port. */
  firestoreHost: string;
  firestorePort: number;
  /** The Firebase Auth emulator's URL, when the stack runs it. */
  authUrl: string | null;
  /** localstripe, which serves the Stripe.js stand-in at /js.stripe.com/v3/. */
  stripeUrl: string;
  /** The dev server (the functions' URL locally), for its dev-only test-card route. */
  devServerUrl: string;
  /** The demo users offered by "sign in as". */
  demoUsers: string[];
}

export interface AppConfig {
  apiUrl: string;
  firebase: { apiKey: string; authDomain: string; projectId: string };
  stripeKey: string;
  /** The transfer fee rate in basis points, the functions' MINTBOOK_TRANSFER_FEE_BPS (same
   * default): the send form's estimate. The receipt shows the fee actually charged. */
  transferFeeBps: number;
  local: LocalConfig | null;
}

function env(name: string, fallback = ''): string {
  return process.env[name]?.trim() || fallback;
}

function readLocal(apiUrl: string): LocalConfig | null {
  const firestore = env('MINTBOOK_LOCAL_FIRESTORE');
  if (!firestore) return null;
  const [host, port] = firestore.split(':');
  return {
    firestoreHost: host,
    firestorePort: Number(port),
    authUrl: env('MINTBOOK_LOCAL_AUTH') || null,
    stripeUrl: env('MINTBOOK_LOCAL_STRIPE', 'http://127.0.0.1:8420'),
    devServerUrl: apiUrl,
    demoUsers: env('MINTBOOK_DEMO_USERS', 'demo-alice,demo-bob,demo-carol,demo-admin').split(','),
  };
}

export function readConfig(): AppConfig {
  const apiUrl = env('MINTBOOK_API_URL', 'http://127.0.0.1:8080');
  const projectId = env('MINTBOOK_FIREBASE_PROJECT_ID', 'demo-mintbook');
  return {
    apiUrl,
    firebase: {
      apiKey: env('MINTBOOK_FIREBASE_API_KEY', 'demo-api-key'),
      authDomain: env('MINTBOOK_FIREBASE_AUTH_DOMAIN', `${projectId}.firebaseapp.com`),
      projectId,
    },
    stripeKey: env('MINTBOOK_STRIPE_PUBLISHABLE_KEY', 'pk_test_local'),
    transferFeeBps: Number(env('MINTBOOK_TRANSFER_FEE_BPS', '10')),
    local: process.env.NEXT_PUBLIC_MINTBOOK_LOCAL === '1' ? readLocal(apiUrl) : null,
  };
}
