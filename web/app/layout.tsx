/**
 * The root layout: reads the runtime configuration on the server (lib/config.ts) for each
 * request and hands it to the browser's session. No font or asset is fetched from the internet.
 */
import type { Metadata } from 'next';
import { connection } from 'next/server';
import type { ReactNode } from 'react';

import { Nav } from '@/components/Nav';
import { readConfig } from '@/lib/config';
import { SessionProvider } from '@/lib/session';

import './globals.css';

export const metadata: Metadata = { title: 'Mintbook', description: 'Tokens, markets, creators' };

export default async function RootLayout({ children }: { children: ReactNode }) {
  await connection(); // the configuration is the running server's, not the build's
  return (
    <html lang="en">
      <body>
        <SessionProvider config={readConfig()}>
          <Nav />
          <main>{children}</main>
        </SessionProvider>
      </body>
    </html>
  );
}
