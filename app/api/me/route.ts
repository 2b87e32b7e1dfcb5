// GET /api/me — the signed-in user, or null.
import { getCurrentUser } from '@/lib/server/auth/current-user';

export const dynamic = 'force-dynamic';

export async function GET() {
  const user = await getCurrentUser();
  return Response.json(
    { user: user && { id: user.id, email: user.email, username: user.username, isAdmin: user.isAdmin, createdVia: user.createdVia } },
    { headers: { 'Cache-Control': 'no-store' } },
  );
}
