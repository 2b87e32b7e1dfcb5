-- Client ID Metadata Document URLs an administrator blocked by deleting their
-- client: the client resolver reads this before fetching anything, so a
-- deleted metadata-document client does not come back on its next request.

-- CreateTable
CREATE TABLE "BlockedClientDocument" (
    "url" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "blockedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "blockedBy" TEXT,

    CONSTRAINT "BlockedClientDocument_pkey" PRIMARY KEY ("url")
);
