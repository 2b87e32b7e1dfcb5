// next-auth's own endpoints (session, csrf, sign-in callbacks).
import NextAuth from 'next-auth';
import { authOptions } from '@/lib/server/auth/options';

const handler = (req: Request, ctx: { params: Promise<{ nextauth: string[] }> }) => NextAuth(authOptions())(req, ctx);

export { handler as GET, handler as POST };
