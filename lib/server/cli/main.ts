// The Gatehouse CLI: bootstrap tasks for operators.
import { readFile } from 'node:fs/promises';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ZodError } from 'zod';
import { ConfigError, getConfig, parseDurationSeconds } from '../../config.ts';
import { getDb } from '../db/client.ts';
import { pruneUnusedDynamicClients } from '../clients/prune-dynamic-clients.ts';
import { MigrationError, applyMigrations } from '../db/migrate.ts';
import { countLiveAccessTokensByKid, listSigningKeys } from '../db/signing-keys.ts';
import { createClient } from '../clients/create-client.ts';
import { dpopBoundOf } from '../clients/client-settings.ts';
import { activateSigningKey, publishSigningKey, retireExpiredSigningKeys, retireSigningKeyNow, rotateSigningKey } from '../keys/signing-keys.ts';
import { bootstrap, resolveProcessSecret, seedDatabase, StartupError } from '../runtime/bootstrap.ts';
import { errorSummary, log, useCliLogging } from '../runtime/logger.ts';
import { AdminCreateError, createAdmin } from '../users/create-admin.ts';
import { CliError, fail, say, table } from './output.ts';

const USAGE = `usage: gatehouse <command>

  serve [--dev]                      run the server (migrates SQLite first)
  check                              validate the configuration and exit
  migrate                            apply database migrations, create the first signing key
  admin create --email E [--password-stdin]
                                     create or promote an administrator
  client create --name N [--redirect-uri U]... [--confidential] [--grant G]...
                [--jwks-file F | --jwks-uri U] [--scope S] [--introspect] [--dpop-bound] [--json]
                                     register an OAuth client (prints its secret once);
                                     with a JWK Set file or URL it is key-based
                                     (private_key_jwt) and has no secret; --dpop-bound
                                     requires DPoP proofs and key-bound tokens (RFC 9449)
  clients prune [--idle D] [--dry-run]
                                     delete dynamically registered clients unused for D
                                     (e.g. 30d; default GATEHOUSE_DYNAMIC_CLIENT_MAX_IDLE)
                                     that have no live grant
  keys list                          signing keys, their status and live tokens
  keys rotate                        start signing with a new key at once (the old one retires)
  keys rotate --stage                publish a new key in JWKS without signing with it yet
  keys activate --kid=K              make the published (pending) key K the signer
  keys retire [--kid=K]              drop retiring keys older than the access-token lifetime,
                                     or retire (or discard a pending) key K now
`;

const CLI_ACTOR = { type: 'system', label: 'cli' } as const;

function options<T extends ParseArgsConfig['options']>(args: string[], spec: T) {
  try {
    return parseArgs({ args, options: spec, allowPositionals: false, strict: true }).values;
  } catch (error) {
    throw new CliError(`${(error as Error).message}\n\n${USAGE}`, 2);
  }
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) throw new CliError('--password-stdin reads the password from standard input; pipe it in');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

/** Configuration, secret and a migrated database, for commands that need them. */
async function prepareDatabase() {
  const config = getConfig();
  const secret = resolveProcessSecret(config);
  const db = getDb(config.database.url);
  return { config, secret, db };
}

async function migrate(): Promise<void> {
  const { config, secret, db } = await prepareDatabase();
  say(`migrating ${config.database.provider === 'sqlite' ? config.database.sqlitePath : 'PostgreSQL'} …`);
  const { applied, alreadyApplied } = await applyMigrations(config.database.url, { log: (m: string) => say(`  ${m}`) });
  say(applied.length ? `applied ${applied.length} migration(s); ${alreadyApplied} were already applied` : `up to date (${alreadyApplied} migration(s) applied)`);
  const kid = await seedDatabase(db, secret);
  if (kid) say(`created the first signing key ${kid}`);
}

async function adminCreate(args: string[]): Promise<void> {
  const values = options(args, { email: { type: 'string' }, 'password-stdin': { type: 'boolean' } });
  if (!values.email) throw new CliError('admin create needs --email', 2);
  const password = values['password-stdin'] ? await readStdin() : undefined;
  const { db } = await bootstrap();
  const { user, created } = await createAdmin(db, { email: values.email, password }, CLI_ACTOR);
  say(`${created ? 'created' : 'updated'} administrator ${user.email} (username ${user.username})${password ? ' with a local password' : ''}`);
}

async function clientsPrune(args: string[]): Promise<void> {
  const v = options(args, { idle: { type: 'string' }, 'dry-run': { type: 'boolean' } });
  const configured = getConfig().dynamicClientMaxIdle;
  const idleSeconds = v.idle === undefined ? configured : parseDurationSeconds(v.idle);
  if (idleSeconds === null) {
    throw new CliError(v.idle === undefined ? 'clients prune needs --idle (e.g. --idle 30d) or GATEHOUSE_DYNAMIC_CLIENT_MAX_IDLE' : `--idle "${v.idle}" is not a duration (use seconds, or 15m, 12h, 30d)`, 2);
  }
  const { db } = await bootstrap();
  const dryRun = Boolean(v['dry-run']);
  const { count } = await pruneUnusedDynamicClients(db, { idleSeconds, dryRun, actor: CLI_ACTOR, reason: 'cli' });
  const what = `dynamic client${count === 1 ? '' : 's'} unused for ${v.idle ?? `${idleSeconds}s`} and without a live grant`;
  say(dryRun ? `${count} ${what} would be pruned (dry run: nothing deleted)` : `pruned ${count} ${what}`);
}

async function clientCreate(args: string[]): Promise<void> {
  const v = options(args, {
    name: { type: 'string' },
    'redirect-uri': { type: 'string', multiple: true },
    confidential: { type: 'boolean' },
    grant: { type: 'string', multiple: true },
    scope: { type: 'string' },
    introspect: { type: 'boolean' },
    'dpop-bound': { type: 'boolean' },
    'jwks-file': { type: 'string' },
    'jwks-uri': { type: 'string' },
    json: { type: 'boolean' },
  });
  if (!v.name) throw new CliError('client create needs --name', 2);
  const jwks = v['jwks-file'] === undefined ? undefined : await readFile(v['jwks-file'], 'utf8').catch(() => {
    throw new CliError(`cannot read --jwks-file ${v['jwks-file']}`, 2);
  });
  const { db } = await bootstrap();
  const { client, clientSecret } = await createClient(
    db,
    {
      name: v.name,
      redirectUris: v['redirect-uri'] ?? [],
      confidential: Boolean(v.confidential),
      grantTypes: (v.grant ?? []) as never,
      scope: v.scope ?? '',
      canIntrospect: Boolean(v.introspect),
      dpopBound: Boolean(v['dpop-bound']),
      jwks,
      jwksUri: v['jwks-uri'],
    },
    CLI_ACTOR,
  );
  if (v.json) {
    say(JSON.stringify({ client_id: client.clientId, client_secret: clientSecret ?? undefined, name: client.name, redirect_uris: client.redirectUris, grant_types: client.grantTypes, token_endpoint_auth_method: client.tokenEndpointAuthMethod, jwks_uri: client.jwksUri ?? undefined, scope: client.scope, dpop_bound_access_tokens: dpopBoundOf(client.metadata) || undefined }));
    return;
  }
  say(`created client "${client.name}"`);
  say(`  client_id:     ${client.clientId}`);
  if (clientSecret) say(`  client_secret: ${clientSecret}   (shown once; store it now)`);
  if (client.tokenEndpointAuthMethod === 'private_key_jwt') say(`  auth method:   private_key_jwt (${client.jwksUri ? `keys at ${client.jwksUri}` : `${client.jwks?.keys.length ?? 0} pasted key(s)`}; no secret)`);
  say(`  grant types:   ${client.grantTypes.join(', ')}`);
  if (dpopBoundOf(client.metadata)) say('  DPoP:          required (access tokens bound to the client\'s key)');
  if (client.redirectUris.length) say(`  redirect URIs: ${client.redirectUris.join(', ')}`);
}

async function keys(verb: string | undefined, args: string[]): Promise<void> {
  if (verb === 'list') {
    options(args, {});
    const { db, config } = await bootstrap();
    await retireExpiredSigningKeys(db, config.ttl.accessToken, CLI_ACTOR);
    const [all, live] = [await listSigningKeys(db), await countLiveAccessTokensByKid(db)];
    say(table(['KID', 'ALG', 'STATUS', 'CREATED', 'LIVE TOKENS'], all.map((k) => [k.kid, k.alg, k.status, k.createdAt.toISOString(), String(live.get(k.kid) ?? 0)])));
  } else if (verb === 'rotate') {
    const v = options(args, { stage: { type: 'boolean' } });
    const { db, secret } = await bootstrap();
    if (v.stage) {
      const published = await publishSigningKey(db, secret, CLI_ACTOR);
      if (!published.ok) throw new CliError(published.message);
      say(`published ${published.kid} in JWKS (pending); once resource servers have refreshed their JWKS, run \`gatehouse keys activate --kid=${published.kid}\``);
      return;
    }
    const { kid, retiring } = await rotateSigningKey(db, secret, CLI_ACTOR);
    say(`now signing with ${kid}${retiring.length ? `; retiring ${retiring.join(', ')} (still published until tokens it signed expire)` : ''}`);
  } else if (verb === 'activate') {
    const v = options(args, { kid: { type: 'string' } });
    if (!v.kid) throw new CliError('keys activate needs --kid=K', 2);
    const { db } = await bootstrap();
    const activated = await activateSigningKey(db, v.kid, CLI_ACTOR);
    if (!activated.ok) throw new CliError(activated.message);
    say(`now signing with ${v.kid}${activated.retiring.length ? `; retiring ${activated.retiring.join(', ')} (still published until tokens it signed expire)` : ''}`);
  } else if (verb === 'retire') {
    const v = options(args, { kid: { type: 'string' } });
    const { db, config } = await bootstrap();
    if (v.kid) {
      const retired = await retireSigningKeyNow(db, v.kid, CLI_ACTOR);
      if (!retired.ok) throw new CliError(retired.message);
      say(`retired ${v.kid}${retired.liveTokens ? ` (${retired.liveTokens} access token(s) it signed were still live and no longer verify)` : ''}`);
      return;
    }
    const retired = await retireExpiredSigningKeys(db, config.ttl.accessToken, CLI_ACTOR);
    say(retired.length ? `retired ${retired.join(', ')}` : 'no retiring key is old enough to retire');
  } else {
    throw new CliError(`unknown keys command "${verb ?? ''}"\n\n${USAGE}`, 2);
  }
}

async function serve(args: string[]): Promise<void> {
  const values = options(args, { dev: { type: 'boolean' } });
  const ctx = await bootstrap();
  // Loaded only here: Next.js is heavy and the other commands don't need it.
  const { startHttpServer } = await import('../runtime/http-server.ts');
  const server = await startHttpServer(ctx, { dev: Boolean(values.dev) });
  const stop = (signal: string) => {
    log('info', `received ${signal}, shutting down`);
    server.close().then(() => process.exit(0), () => process.exit(1));
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  await new Promise(() => {});
}

export async function main(argv: string[]): Promise<number> {
  const [command, sub, ...rest] = argv;
  // stdout carries a command's result (e.g. `client create --json`); the server logs to stdout as usual.
  if (command !== 'serve') useCliLogging();
  try {
    switch (command) {
      case 'check':
        getConfig();
        say('configuration OK');
        return 0;
      case 'serve':
        await serve([sub, ...rest].filter((a): a is string => a !== undefined));
        return 0;
      case 'migrate':
        await migrate();
        break;
      case 'admin':
        if (sub !== 'create') throw new CliError(`unknown admin command "${sub ?? ''}"\n\n${USAGE}`, 2);
        await adminCreate(rest);
        break;
      case 'client':
      case 'clients':
        if (sub === 'create') await clientCreate(rest);
        else if (sub === 'prune') await clientsPrune(rest);
        else throw new CliError(`unknown ${command} command "${sub ?? ''}"\n\n${USAGE}`, 2);
        break;
      case 'keys':
        await keys(sub, rest);
        break;
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        say(USAGE);
        return command === undefined ? 2 : 0;
      default:
        throw new CliError(`unknown command "${command}"\n\n${USAGE}`, 2);
    }
    await getDb(getConfig().database.url).close();
    return 0;
  } catch (error) {
    return report(error);
  }
}

function report(error: unknown): number {
  if (error instanceof CliError) {
    fail(error.message);
    return error.exitCode;
  }
  if (error instanceof ConfigError) {
    fail(`configuration: ${error.message}`);
    return 78; // EX_CONFIG
  }
  if (error instanceof ZodError) {
    fail(error.issues.map((i) => i.message).join('; '));
    return 2;
  }
  if (error instanceof AdminCreateError || error instanceof StartupError || error instanceof MigrationError) {
    fail(error.message);
    return 1;
  }
  fail(`unexpected error: ${errorSummary(error)}`);
  return 1;
}
