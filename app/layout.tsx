import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import { QueryProvider } from '@/components/query/query-provider';
import { SiteHeader } from '@/components/site-header';
import { getCurrentUser, getSignOutCsrfToken } from '@/lib/server/auth/current-user';
import './globals.css';

// Every page depends on who is asking, and on the per-request CSP nonce.
export const dynamic = 'force-dynamic';

export const metadata: Metadata = {
  title: { default: 'Gatehouse', template: '%s · Gatehouse' },
  description: 'OAuth 2.1 authorization server for MCP servers',
  referrer: 'no-referrer',
  // public/: the favicon for browsers that ask for /favicon.ico, the SVG for the rest.
  icons: { icon: [{ url: '/favicon.ico', sizes: '16x16 32x32 48x48' }, { url: '/icon.svg', type: 'image/svg+xml' }] },
};

export default async function RootLayout({ children }: { children: ReactNode }) {
  const user = await getCurrentUser();
  const signOutCsrf = user ? await getSignOutCsrfToken() : null;
  return (
    <html lang="en">
      <body className="min-h-screen bg-slate-50 font-sans text-slate-800 antialiased">
        <SiteHeader user={user} signOutCsrf={signOutCsrf} />
        <main className="mx-auto max-w-6xl px-4 py-8">
          <QueryProvider>{children}</QueryProvider>
        </main>
      </body>
    </html>
  );
}
