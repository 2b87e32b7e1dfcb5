-- private_key_jwt client authentication (RFC 7523 §2.2): an admin-made
-- client's public keys, pasted as a JWK Set, or the URL it publishes them at.

-- AlterTable
ALTER TABLE "Client" ADD COLUMN "jwks" TEXT;
ALTER TABLE "Client" ADD COLUMN "jwksUri" TEXT;
