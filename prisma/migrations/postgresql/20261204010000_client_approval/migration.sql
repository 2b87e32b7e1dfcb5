-- A self-registered client (dynamic or metadata document) that an admin has
-- approved: under GATEHOUSE_REGISTRATION=approval only such clients (and
-- admin-made ones) may be used, and only such clients get authorization
-- errors redirected without asking the user (RFC 9700 §4.11.2).

-- AlterTable
ALTER TABLE "Client" ADD COLUMN "approvedAt" TIMESTAMP(3);
ALTER TABLE "Client" ADD COLUMN "approvedBy" TEXT;
