/**
 * PostgreSQL helpers of the rotation tests: statements as the superuser, fresh login roles with a
 * known password per case, and "does this credential log in" as a real login.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { PostgresServer } from '../_servers.js';

let seq = 0;

/** Runs SQL as the superuser of `server`. */
export async function superSql(server: PostgresServer, sql: string): Promise<void> {
  const client = new pg.Client(server.url());
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** A password safe inside an SQL literal, with every character class, unique per call. */
export function freshPassword(): string {
  return `Init-${randomBytes(12).toString('hex')}-Q7!`;
}

/** Creates `count` new LOGIN roles; the first gets `password`, the others none. Returns their names. */
export async function createRoles(server: PostgresServer, password: string, count = 2, extra = ''): Promise<string[]> {
  const id = ++seq;
  const names = Array.from({ length: count }, (_, i) => `app${process.pid}_${id}_${String.fromCharCode(97 + i)}`);
  await superSql(server, names.map((n, i) => `CREATE ROLE ${n} LOGIN ${extra} ${i === 0 ? `PASSWORD '${password}'` : ''};`).join(' '));
  return names;
}

/**
 * Whether `url` logs in now: true after `SELECT 1`, false when the server refuses the login
 * (wrong password, no password); other failures are thrown.
 */
export async function logsIn(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch (error) {
    if (['28P01', '28000'].includes(String((error as { code?: string }).code))) return false;
    throw error;
  } finally {
    await client.end().catch(() => undefined);
  }
}
