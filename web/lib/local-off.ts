/**
 * What `@mintbook/dev-tools` is in a production build (next.config.ts aliases it here unless
 * NEXT_PUBLIC_MINTBOOK_LOCAL=1): nothing. The dev sign-in and the emulator connections in
 * lib/local.tsx are then not in the bundle at all, which tests/e2e/test_web_bundle.py checks.
 */
export const devTools = null;
