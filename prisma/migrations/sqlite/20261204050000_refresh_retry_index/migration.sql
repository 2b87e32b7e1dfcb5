-- A rotated refresh token keeps its successor's sealed token response only for
-- the reuse grace window (GATEHOUSE_REFRESH_REUSE_GRACE); a scheduled sweep
-- clears the records whose window is over (`"retryCipher" IS NOT NULL AND
-- "rotatedAt" <= ?`). This index holds only the rows that still have a record,
-- so the sweep reads those and nothing else. Partial indexes cannot be declared
-- in prisma/schema.prisma; this one lives here only (see the model's comment).

-- CreateIndex
CREATE INDEX "RefreshToken_retry_rotatedAt_idx" ON "RefreshToken"("rotatedAt") WHERE "retryCipher" IS NOT NULL;
