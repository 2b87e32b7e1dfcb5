// Prisma CLI configuration. Gatehouse applies its own SQL migrations
// (lib/server/db/migrate.ts); the CLI is used only for `prisma generate`.
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
});
