// The shared Redis connection (REDIS_URL), set up to fail fast: when Redis is
// away a command errors at once instead of queueing, so requests get a 503
// rather than hanging, and the client keeps reconnecting in the background.
import { Redis } from 'ioredis';
import { log } from './logger.ts';

const clients = new Map<string, Redis>();

export function getRedis(url: string): Redis {
  let client = clients.get(url);
  if (!client) {
    client = new Redis(url, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: 1000,
      commandTimeout: 1000,
      retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
    });
    let down = false;
    client.on('error', (error: Error) => {
      if (!down) log('warn', 'redis unavailable', { error: error.message });
      down = true;
    });
    client.on('ready', () => {
      if (down) log('info', 'redis available again');
      down = false;
    });
    clients.set(url, client);
  }
  return client;
}

export async function closeRedis(): Promise<void> {
  await Promise.all([...clients.values()].map((c) => c.quit().catch(() => c.disconnect())));
  clients.clear();
}
