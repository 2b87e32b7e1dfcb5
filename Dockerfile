# syntax=docker/dockerfile:1
# Gatehouse container image.
#
#   docker build -t gatehouse .
#   docker run -p 3000:3000 -v gatehouse-data:/app/data \
#     -e GATEHOUSE_ISSUER=https://auth.example.com gatehouse
#
# Stage 1 installs every dependency, generates the Prisma clients and builds
# Next.js, then prunes node_modules to production dependencies (the native
# builds of better-sqlite3 and argon2 stay). Stage 2 is the runtime: no
# compilers, no dev dependencies, a non-root user, SQLite data on a volume.
# SQLite databases are migrated by `serve` on start; for PostgreSQL run
# `node bin/gatehouse.mjs migrate` (e.g. a Kubernetes Job) before rolling out.

# Node.js 24 is the Active LTS line (Node.js 20 left maintenance on 2026-04-30).
# package.json's `engines` stays at >=20.9: nothing depends on a newer runtime,
# and the test suite also runs on Node.js 20.
ARG NODE_IMAGE=node:24-bookworm-slim

# ---------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS builder
WORKDIR /app
ENV NEXT_TELEMETRY_DISABLED=1

# For native modules without a prebuilt binary for this platform
# (better-sqlite3 falls back to node-gyp).
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ ca-certificates \
 && rm -rf /var/lib/apt/lists/*

# Dependencies first, so this layer is cached while only sources change. The
# postinstall script generates both Prisma clients from prisma/.
COPY package.json package-lock.json prisma.config.ts ./
COPY scripts ./scripts
COPY prisma ./prisma
RUN npm ci --no-audit --no-fund

COPY . .
# `npm run build` = generate the Prisma clients (lib/server/db/generated) + next build.
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund \
 && rm -rf .next/cache

# ---------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
WORKDIR /app
ENV NODE_ENV=production \
    NEXT_TELEMETRY_DISABLED=1 \
    PORT=3000 \
    DATABASE_URL=file:./data/gatehouse.db

# The application files belong to root and are read-only to the server; it
# writes only to /app/data (SQLite, the generated secret) and .next/cache.
COPY --from=builder /app/package.json /app/package-lock.json /app/next.config.ts /app/tsconfig.json ./
COPY --from=builder /app/node_modules ./node_modules
COPY --from=builder /app/.next ./.next
COPY --from=builder /app/bin ./bin
# lib includes the generated Prisma clients (lib/server/db/generated).
COPY --from=builder /app/lib ./lib
COPY --from=builder /app/app ./app
COPY --from=builder /app/components ./components
# Static files Next.js serves at the root (/favicon.ico, /icon.svg).
COPY --from=builder /app/public ./public
# prisma/migrations holds the SQL that `serve` (SQLite) and `migrate` apply.
COPY --from=builder /app/prisma ./prisma

RUN mkdir -p /app/data /app/.next/cache \
 && chown node:node /app/data /app/.next/cache

# The official image's unprivileged user (uid 1000).
USER node
VOLUME ["/app/data"]
EXPOSE 3000

# /healthz is answered by the node:http layer itself (no database, no Next.js).
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]

# Node is PID 1 and handles SIGTERM itself: it stops accepting, finishes the
# requests in flight (up to 10 s) and closes its pools before exiting 0.
STOPSIGNAL SIGTERM
CMD ["node", "bin/gatehouse.mjs", "serve"]
