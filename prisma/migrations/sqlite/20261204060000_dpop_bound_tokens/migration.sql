-- DPoP (RFC 9449): the key a token is bound to, as its RFC 7638 thumbprint.
-- An access token carries it as `cnf.jkt` (§6); a public client's refresh
-- token is bound to it (§5) and refreshes only with a proof made with that key.
-- NULL = a bearer token, as every token issued before.

-- AlterTable
ALTER TABLE "RefreshToken" ADD COLUMN "jkt" TEXT;

-- AlterTable
ALTER TABLE "AccessToken" ADD COLUMN "jkt" TEXT;

-- A code bound to a key at the authorization endpoint (RFC 9449 §10, `dpop_jkt`)
-- is exchanged only with a proof made with that key.

-- AlterTable
ALTER TABLE "AuthorizationCode" ADD COLUMN "dpopJkt" TEXT;
