-- Machine tokens (client credentials) have no grant, family, user or team, and
-- most tokens have no team: these four indexes hold only the rows that have
-- one, so issuing a machine token maintains four indexes fewer and any other
-- token one fewer. Every query on these columns compares them with a value
-- (`"teamId" = ?`), which implies IS NOT NULL, so it still uses them.
-- Partial indexes cannot be declared in prisma/schema.prisma; they live here
-- only (see the model's comment).

-- DropIndex
DROP INDEX "AccessToken_grantId_idx";
DROP INDEX "AccessToken_familyId_idx";
DROP INDEX "AccessToken_userId_createdAt_jti_idx";
DROP INDEX "AccessToken_teamId_createdAt_jti_idx";

-- CreateIndex
CREATE INDEX "AccessToken_grantId_idx" ON "AccessToken"("grantId") WHERE "grantId" IS NOT NULL;
CREATE INDEX "AccessToken_familyId_idx" ON "AccessToken"("familyId") WHERE "familyId" IS NOT NULL;
CREATE INDEX "AccessToken_userId_createdAt_jti_idx" ON "AccessToken"("userId", "createdAt", "jti") WHERE "userId" IS NOT NULL;
CREATE INDEX "AccessToken_teamId_createdAt_jti_idx" ON "AccessToken"("teamId", "createdAt", "jti") WHERE "teamId" IS NOT NULL;
