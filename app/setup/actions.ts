'use server';
// The /setup page's one action: the first administrator, with the one-time
// setup link's token (lib/server/users/first-admin-setup.ts). No session is
// needed (there is no administrator yet); Next.js checks the Origin (CSRF).
import { headers } from 'next/headers';
import { getAppContext } from '@/lib/server/context';
import { CLIENT_ADDRESS_HEADER } from '@/lib/server/runtime/client-address';
import { createFirstAdmin, type FirstAdminResult } from '@/lib/server/users/first-admin-setup';

export async function createFirstAdminAction(form: FormData): Promise<FirstAdminResult> {
  const app = getAppContext();
  if (!app.config.localLogin) return { ok: false, message: 'Local sign-in is turned off on this server (GATEHOUSE_LOCAL_LOGIN=false).' };
  const field = (name: string) => String(form.get(name) ?? '');
  const request = await headers();
  return createFirstAdmin(
    app.db,
    { token: field('token'), email: field('email'), password: field('password'), confirm: field('confirm') },
    { ip: request.get(CLIENT_ADDRESS_HEADER), userAgent: request.get('user-agent') },
  );
}
