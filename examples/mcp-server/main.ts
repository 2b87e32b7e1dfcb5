// Runs the demo MCP server from environment variables:
//
//   GATEHOUSE_ISSUER=http://localhost:3000 \
//   MCP_RESOURCE=http://localhost:3120/mcp \
//   GATEHOUSE_INTROSPECT_CLIENT_ID=… GATEHOUSE_INTROSPECT_CLIENT_SECRET=… \
//   node --import tsx examples/mcp-server/main.ts
import { startDemoServer } from './server.ts';

const env = process.env;
const issuer = env.GATEHOUSE_ISSUER ?? 'http://localhost:3000';
const resource = env.MCP_RESOURCE ?? 'http://localhost:3120/mcp';
const port = Number(env.PORT ?? (new URL(resource).port || 3120));
const clientId = env.GATEHOUSE_INTROSPECT_CLIENT_ID;
const clientSecret = env.GATEHOUSE_INTROSPECT_CLIENT_SECRET;
const cacheTtlMs = Number(env.GATEHOUSE_INTROSPECT_CACHE_TTL_MS ?? 30_000);

if (Boolean(clientId) !== Boolean(clientSecret)) {
  console.error('set both GATEHOUSE_INTROSPECT_CLIENT_ID and GATEHOUSE_INTROSPECT_CLIENT_SECRET, or neither');
  process.exit(2);
}

const demo = await startDemoServer({
  port,
  issuer,
  resource,
  introspection: clientId && clientSecret ? { clientId, clientSecret, cacheTtlMs } : undefined,
  liveRevocation: env.GATEHOUSE_LIVE_REVOCATION === 'true',
  // Behind a proxy that serves this server under another origin or prefix: what DPoP proofs name.
  dpop: env.MCP_PUBLIC_URL ? { publicUrl: env.MCP_PUBLIC_URL } : undefined,
  log: (line) => console.log(line),
});

console.log(`demo MCP server on ${demo.url}`);
console.log(`  resource metadata: ${demo.verifier.resourceMetadataUrl}`);
console.log(`  authorization server: ${issuer}`);
console.log(`  DPoP-bound tokens: proofs checked against ${demo.verifier.publicUrl}<path>, algorithms ${demo.verifier.dpopAlgorithms.join(' ')}`);
console.log(clientId ? `  personal and team tokens: introspected, cached ${cacheTtlMs} ms` : '  personal and team tokens: not accepted (no introspection credentials)');

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    demo.close().then(() => process.exit(0));
  });
}
