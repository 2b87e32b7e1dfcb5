-- Client ID Metadata Document URLs an administrator blocked by deleting their
-- client: the client resolver reads this before fetching anything, so a
-- deleted metadata-document client does not come back on its next request.

-- CreateTable
CREATE TABLE "BlockedClientDocument" (
    "url" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "blockedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "blockedBy" TEXT
);
