/**
 * The Mintbook app's Next.js configuration.
 *
 * - The root is the repository, so the app compiles `../clients/ts` (the generated client) as
 *   its own source (Turbopack refuses files outside its root).
 * - `MINTBOOK_WEB_DIST_DIR` puts a build elsewhere than `.next`: the tests keep the local build
 *   and the production-config build (scanned for secrets) side by side.
 * - `@mintbook/dev-tools` is lib/local.tsx (emulators, dev sign-in, test cards) in a local build
 *   (NEXT_PUBLIC_MINTBOOK_LOCAL=1) and lib/local-off.ts (nothing) in any other: a production
 *   bundle has no dev sign-in, which a build-time condition alone did not achieve (Turbopack
 *   kept the dynamically imported chunk).
 * - Nothing is fetched at build time (no next/font, no remote images); telemetry is switched off
 *   by NEXT_TELEMETRY_DISABLED=1 wherever the repository runs next (Makefile, dev/web.py).
 */
import path from 'node:path';
import type { NextConfig } from 'next';

const repositoryRoot = path.resolve(__dirname, '..');

const local = process.env.NEXT_PUBLIC_MINTBOOK_LOCAL === '1';

const config: NextConfig = {
  distDir: process.env.MINTBOOK_WEB_DIST_DIR || '.next',
  turbopack: {
    root: repositoryRoot,
    resolveAlias: { '@mintbook/dev-tools': local ? './lib/local.tsx' : './lib/local-off.ts' },
  },
  outputFileTracingRoot: repositoryRoot,
  poweredByHeader: false,
  reactStrictMode: true,
  images: { unoptimized: true },
};

export default config;
