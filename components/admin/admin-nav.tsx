'use client';
import Link from 'next/link';
import { usePathname } from 'next/navigation';

const sections: [href: string, label: string][] = [
  ['/admin', 'Dashboard'],
  ['/admin/clients', 'Clients'],
  ['/admin/users', 'Users'],
  ['/admin/teams', 'Teams'],
  ['/admin/workspaces', 'Workspaces'],
  ['/admin/scopes', 'Scopes'],
  ['/admin/resource-servers', 'Resource servers'],
  ['/admin/tokens', 'Tokens & grants'],
  ['/admin/keys', 'Signing keys'],
  ['/admin/audit', 'Audit log'],
  ['/admin/diagnostics', 'Sign-in diagnostics'],
];

export function AdminNav() {
  const pathname = usePathname();
  return (
    <nav aria-label="Administration" className="text-sm">
      <ul className="space-y-1">
        {sections.map(([href, label]) => {
          const current = href === '/admin' ? pathname === href : pathname.startsWith(href);
          return (
            <li key={href}>
              <Link href={href} aria-current={current ? 'page' : undefined} className={`block rounded-md px-3 py-1.5 ${current ? 'bg-indigo-50 font-medium text-indigo-800' : 'text-slate-700 hover:bg-slate-100'}`}>
                {label}
              </Link>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
