-- The admin token list (newest first, filtered by user, client or team) reads
-- each kind with one ordered index range scan: the filter column first, then
-- the keyset (createdAt, id). Each composite index replaces the index it
-- extends, so issuing a token maintains as many full indexes as before; the
-- partial indexes below hold revoked rows only.

-- DropIndex
DROP INDEX "Grant_clientId_idx";
DROP INDEX "RefreshToken_grantId_idx";
DROP INDEX "AccessToken_clientId_idx";
DROP INDEX "AccessToken_userId_idx";
DROP INDEX "AccessToken_teamId_idx";
DROP INDEX "PersonalToken_userId_createdAt_idx";
DROP INDEX "AccessToken_createdAt_jti_idx";
DROP INDEX "PersonalToken_createdAt_id_idx";

-- CreateIndex
CREATE INDEX "Grant_userId_createdAt_id_idx" ON "Grant"("userId", "createdAt", "id");

-- CreateIndex
CREATE INDEX "Grant_clientId_createdAt_id_idx" ON "Grant"("clientId", "createdAt", "id");

-- CreateIndex
CREATE INDEX "RefreshToken_grantId_createdAt_id_idx" ON "RefreshToken"("grantId", "createdAt", "id");

-- CreateIndex
CREATE INDEX "AccessToken_clientId_createdAt_jti_idx" ON "AccessToken"("clientId", "createdAt", "jti");

-- CreateIndex
CREATE INDEX "AccessToken_userId_createdAt_jti_idx" ON "AccessToken"("userId", "createdAt", "jti");

-- CreateIndex
CREATE INDEX "AccessToken_teamId_createdAt_jti_idx" ON "AccessToken"("teamId", "createdAt", "jti");

-- CreateIndex
CREATE INDEX "PersonalToken_userId_createdAt_id_idx" ON "PersonalToken"("userId", "createdAt", "id");

-- CreateIndex
CREATE INDEX "PersonalToken_prefix_idx" ON "PersonalToken"("prefix");

-- The keyset index of access and personal tokens also carries their status
-- columns: a status filter ("active", "expired") is then checked in the index,
-- without reading the row of every token it passes over.
-- CreateIndex
CREATE INDEX "AccessToken_createdAt_jti_revokedAt_expiresAt_idx" ON "AccessToken"("createdAt", "jti", "revokedAt", "expiresAt");

-- CreateIndex
CREATE INDEX "PersonalToken_createdAt_id_revokedAt_expiresAt_idx" ON "PersonalToken"("createdAt", "id", "revokedAt", "expiresAt");

-- Revoked rows, newest first: "status: revoked" (and "reused", a part of it)
-- reads densely instead of filtering every live row. Partial indexes cannot be
-- declared in prisma/schema.prisma; they live here only (see the model comments).
CREATE INDEX "Grant_revoked_createdAt_id_idx" ON "Grant"("createdAt", "id") WHERE "revokedAt" IS NOT NULL;
CREATE INDEX "RefreshToken_revoked_createdAt_id_idx" ON "RefreshToken"("createdAt", "id") WHERE "revokedAt" IS NOT NULL;
CREATE INDEX "AccessToken_revoked_createdAt_jti_idx" ON "AccessToken"("createdAt", "jti") WHERE "revokedAt" IS NOT NULL;
CREATE INDEX "PersonalToken_revoked_createdAt_id_idx" ON "PersonalToken"("createdAt", "id") WHERE "revokedAt" IS NOT NULL;
