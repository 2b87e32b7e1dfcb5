// What every server-side request needs: validated configuration, the database
// and the resolved secret. Bootstrap (lib/server/runtime/bootstrap.ts) resolves
// the secret before anything asks for it.
import { getConfig, type Config } from '../config.ts';
import { getDb, type Db } from './db/client.ts';
import type { RateLimiter } from './http/rate-limit.ts';

export type AppContext = {
  config: Config;
  db: Db;
  secret: string;
  /** Counts the rate limits; unset, the one the configuration implies (see rateLimiterOf). */
  rateLimiter?: RateLimiter;
};

export function getAppContext(): AppContext {
  const config = getConfig();
  if (!config.secret) {
    throw new Error('GATEHOUSE_SECRET is not resolved yet: start Gatehouse through `gatehouse serve`');
  }
  return { config, db: getDb(config.database.url), secret: config.secret };
}
