'use client';
// One QueryClient per browser tab (midday's makeQueryClient): lists fetch their
// pages through server actions and are invalidated after mutations.
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { useState, type ReactNode } from 'react';

export function makeQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      // Admin data changes under our feet (other admins, token use): refetch on focus, keep 10 s.
      queries: { staleTime: 10_000, retry: 1, refetchOnWindowFocus: true },
    },
  });
}

export function QueryProvider({ children }: { children: ReactNode }) {
  const [client] = useState(makeQueryClient);
  return <QueryClientProvider client={client}>{children}</QueryClientProvider>;
}
