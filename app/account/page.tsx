import type { Metadata } from 'next';
import { Card } from '@/components/ui/card';
import { PageHeader } from '@/components/ui/page-header';
import { requireUser } from '@/lib/server/auth/current-user';

export const metadata: Metadata = { title: 'Your account' };

export default async function AccountPage() {
  const user = await requireUser();
  const rows: [string, string][] = [
    ['Email', user.email],
    ['Username', user.username],
    ['Role', user.isAdmin ? 'Administrator' : 'Member'],
    ['Signed in via', user.createdVia.replace('_', ' ')],
    ['Member since', user.createdAt.toISOString().slice(0, 10)],
  ];
  return (
    <div>
      <PageHeader title="Your account" description="Who Gatehouse knows you as." />
      <Card title="Profile">
        <dl className="grid grid-cols-[10rem_1fr] gap-y-2 text-sm">
          {rows.map(([label, value]) => (
            <div key={label} className="contents">
              <dt className="text-slate-500">{label}</dt>
              <dd className="text-slate-900" data-testid={`profile-${label.toLowerCase().replaceAll(' ', '-')}`}>{value}</dd>
            </div>
          ))}
        </dl>
      </Card>
    </div>
  );
}
