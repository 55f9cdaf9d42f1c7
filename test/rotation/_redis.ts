/**
 * Redis helpers of the rotation tests: "does this credential log in" as a fresh raw RESP
 * connection that sends AUTH and PING (independent of the ioredis client the rotator uses),
 * commands as a server's admin, and fresh ACL users with a known password per case.
 */
import { randomBytes } from 'node:crypto';
import { createConnection } from 'node:net';
import { Redis } from 'ioredis';

let seq = 0;

/** A password with every character class, unique per call. */
export function freshRedisPassword(): string {
  return `Rds-${randomBytes(12).toString('hex')}-Q7!`;
}

/** One RESP command as bytes. */
function resp(args: readonly string[]): string {
  return `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
}

/**
 * Whether `password` (of `user`, or of the default user when undefined) logs in at `port` now:
 * true when AUTH answers OK and PING answers PONG, false when AUTH is refused.
 */
export function redisLogsIn(port: number, user: string | undefined, password: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let reply = '';
    socket.setTimeout(5000, () => {
      socket.destroy();
      reject(new Error(`no answer from Redis at port ${port}`));
    });
    socket.once('error', reject);
    socket.once('connect', () => socket.write(resp(['AUTH', ...(user === undefined ? [] : [user]), password]) + resp(['PING'])));
    socket.on('data', (data) => {
      reply += data.toString();
      const lines = reply.split('\r\n');
      if (lines.length < 3) return;
      socket.destroy();
      const [auth, ping] = lines as [string, string];
      if (auth === '+OK' && ping === '+PONG') resolve(true);
      else if (/^-(WRONGPASS|ERR invalid password|ERR AUTH)/.test(auth)) resolve(false);
      else reject(new Error(`unexpected Redis replies: ${auth.slice(0, 40)} / ${ping.slice(0, 40)}`));
    });
  });
}

/** Runs one command as `user`/`password` (undefined user: the default user) and returns its reply. */
export async function redisAs(port: number, user: string | undefined, password: string, ...args: string[]): Promise<unknown> {
  const client = new Redis({ host: '127.0.0.1', port, lazyConnect: true, protocol: 2, retryStrategy: () => null, maxRetriesPerRequest: 0, enableReadyCheck: false });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.call('AUTH', ...(user === undefined ? [] : [user]), password);
    return await client.call(args[0] as string, ...args.slice(1));
  } finally {
    client.disconnect();
  }
}

/** Creates a new ACL user with `password` and `rules` (default: every key and command); returns its name. */
export async function createRedisUser(port: number, admin: { user: string; password: string }, password: string, rules: readonly string[] = ['~*', '&*', '+@all']): Promise<string> {
  const name = `app${process.pid}_${++seq}`;
  await redisAs(port, admin.user, admin.password, 'ACL', 'SETUSER', name, 'on', `>${password}`, ...rules);
  return name;
}
