// A server without an administrator says how to get in (docs/deploy.md#first-run):
// with local login on, it prints a one-time setup link — the only place that
// token ever appears — and otherwise names the other ways.
import type { AppContext } from '../context.ts';
import { SETUP_TOKEN_TTL_SECONDS, administratorExists, issueSetupToken } from '../db/setup-token.ts';
import { log } from './logger.ts';

export const SETUP_PATH = '/setup';

/** `${issuer}/setup#token=…`: in the fragment, so no proxy's access log or Referer carries it. */
export function setupLink(issuer: string, token: string): string {
  return `${issuer}${SETUP_PATH}#token=${token}`;
}

export async function announceFirstRun(ctx: AppContext): Promise<void> {
  if (await administratorExists(ctx.db)) return;
  const cli = 'npx gatehouse admin create --email you@example.com --password-stdin';
  if (!ctx.config.localLogin) {
    log('warn', `no administrator exists yet: create one with \`${cli}\`, or list yourself in GATEHOUSE_ADMIN_EMAILS / GATEHOUSE_ADMIN_GROUPS and sign in through single sign-on`);
    return;
  }
  const issued = await issueSetupToken(ctx.db);
  if (!issued) return;
  const minutes = SETUP_TOKEN_TTL_SECONDS / 60;
  const link = setupLink(ctx.config.issuer, issued.token);
  log('info', `no administrator exists yet: open ${link} within ${minutes} minutes to create one (the link works once; restart for a new one), or run \`${cli}\``, {
    setup_link_expires_at: issued.expiresAt.toISOString(),
  });
  // Someone at a terminal (`npm start`) gets it in plain words too, not only inside a JSON line.
  if (process.stderr.isTTY) {
    process.stderr.write(`\n  No administrator exists yet. Open this link within ${minutes} minutes to create one:\n\n    ${link}\n\n`);
  }
}
