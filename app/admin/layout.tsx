// Admin shell: the section navigation. The layout's check only spares a render;
// every page, data read and server action checks the admin again itself.
import type { ReactNode } from 'react';
import { AdminNav } from '@/components/admin/admin-nav';
import { requireAdmin } from '@/lib/server/auth/current-user';

export default async function AdminLayout({ children }: { children: ReactNode }) {
  await requireAdmin();
  return (
    <div className="grid gap-8 md:grid-cols-[11rem_1fr]">
      <AdminNav />
      <div className="min-w-0">{children}</div>
    </div>
  );
}
