/**
 * Private PostgreSQL and Redis servers for tests and benchmarks that need password
 * authentication: each starts from the installed binaries in its own temp directory on a free
 * loopback port, and is torn down however the process ends. PostgreSQL gets a fresh cluster
 * (initdb with scram-sha-256 for every connection and a superuser password; as root, initdb and
 * postgres run as the `postgres` user through `runuser`, since PostgreSQL refuses to run as
 * root). Redis runs with persistence off, optionally from a config file or with an ACL file so
 * that CONFIG REWRITE and ACL SAVE have somewhere to write.
 *
 * Robustness: a start waits until the server answers (a real login for PostgreSQL, a PING for
 * Redis) and retries on another port when the chosen one was taken meanwhile; a server that
 * dies while starting fails with the tail of its log. Every server lives in its own process
 * group, killed by stop(), by an exit or signal handler of this process, and, should this
 * process be killed with SIGKILL, by a watchdog shell that outlives it by at most a second.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, openSync, closeSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A running private PostgreSQL. */
export interface PostgresServer {
  readonly host: '127.0.0.1';
  readonly port: number;
  /** The superuser (`postgres`) and its password. */
  readonly superuser: string;
  readonly password: string;
  /** The cluster's temp directory (data in `data/`, server log in `postgres.log`). */
  readonly dir: string;
  /** A connection URL; defaults to the superuser, its password and database `postgres`. Parts are percent-encoded. */
  url(user?: string, password?: string, database?: string): string;
  /** Everything the server logged so far. */
  log(): string;
  /** Stops the server (fast shutdown, then SIGKILL) and removes its directory. Idempotent. */
  stop(): Promise<void>;
}

/** Options of {@link startPostgres}. */
export interface PostgresOptions {
  /** Extra server settings (`-c name=value`), e.g. `{ log_statement: 'all' }`. */
  readonly settings?: Readonly<Record<string, string>>;
}

/** A running private Redis. */
export interface RedisServer {
  readonly host: '127.0.0.1';
  readonly port: number;
  readonly dir: string;
  /** The config file the server was started from, when asked for. */
  readonly configFile?: string;
  /** The ACL file, when asked for. */
  readonly aclFile?: string;
  /** A connection URL; user and password optional, percent-encoded. */
  url(user?: string, password?: string): string;
  /** Stops the server and starts it again from the same files and port, as a reboot would. */
  restart(): Promise<void>;
  /** Stops the server and removes its directory. Idempotent. */
  stop(): Promise<void>;
}

/** Options of {@link startRedis}. */
export interface RedisOptions {
  /** Extra command-line arguments (`['--requirepass', 'x']`). */
  readonly args?: readonly string[];
  /** Start from a config file (lines given, or empty), so CONFIG REWRITE can persist changes. */
  readonly config?: string;
  /** Start with an ACL file of these lines (may be empty), so ACL SAVE can persist users. */
  readonly acl?: string;
}

/** Why PostgreSQL tests cannot run here, or false when they can: for `test(name, { skip: postgresMissing() }, ...)`. */
export function postgresMissing(): string | false {
  const bin = postgresBin();
  if (bin === undefined) return 'PostgreSQL server binaries (initdb, postgres) are not installed';
  if (isRoot() && (which('runuser') === undefined || !userExists('postgres'))) return 'running as root needs runuser and a postgres user to start PostgreSQL';
  return false;
}

/** Why Redis tests cannot run here, or false when they can. */
export function redisMissing(): string | false {
  return which('redis-server') === undefined ? 'redis-server is not installed' : false;
}

/** A TCP port free on 127.0.0.1 at the time of asking. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * Starts a fresh PostgreSQL cluster (scram-sha-256 everywhere) on a free port of 127.0.0.1.
 *
 * @example
 * const pg = await startPostgres();
 * try { const client = new pg.Client(server.url()); ... } finally { await pg.stop(); }
 */
export async function startPostgres(options: PostgresOptions = {}): Promise<PostgresServer> {
  const bin = postgresBin();
  if (bin === undefined) throw new Error('PostgreSQL is not installed');
  const dir = mkdtempSync(join(tmpdir(), 'coffer-pg-'));
  const password = `pw-${Math.random().toString(36).slice(2)}-${Date.now().toString(36)}`;
  try {
    if (isRoot()) chownSync(dir, uidOf('postgres'), gidOf('postgres'));
    const pwfile = join(dir, 'pwfile');
    writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
    if (isRoot()) chownSync(pwfile, uidOf('postgres'), gidOf('postgres'));
    const init = spawnSync(...asPostgres(join(bin, 'initdb'), ['-D', join(dir, 'data'), '-A', 'scram-sha-256', '-U', 'postgres', `--pwfile=${pwfile}`, '--no-sync', '-E', 'UTF8', '--locale=C']), { encoding: 'utf8' });
    rmSync(pwfile, { force: true });
    if (init.status !== 0) throw new Error(`initdb failed (${init.status}): ${(init.stderr || init.stdout || '').slice(-2000)}`);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const settings = { listen_addresses: '127.0.0.1', unix_socket_directories: dir, fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off', shared_buffers: '16MB', max_connections: '40', ...options.settings };
  const logPath = join(dir, 'postgres.log');
  const url = (port: number) => (user = 'postgres', pw = password, database = 'postgres') => `postgres://${encodeURIComponent(user)}:${encodeURIComponent(pw)}@127.0.0.1:${port}/${encodeURIComponent(database)}`;
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const args = ['-D', join(dir, 'data'), '-p', String(port), ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`])];
    const server = launch(...asPostgres(join(bin, 'postgres'), args), dir, logPath, 'SIGINT');
    const ready = await waitUntil(server, () => postgresAnswers(url(port)()));
    if (ready) {
      return { host: '127.0.0.1', port, superuser: 'postgres', password, dir, url: url(port), log: () => readText(logPath), stop: () => server.stop(true) };
    }
    const log = readText(logPath);
    await server.stop(attempt >= 3 || !/could not bind|already in use/i.test(log));
    if (attempt >= 3 || !/could not bind|already in use/i.test(log)) throw new Error(`PostgreSQL did not start: ${log.slice(-2000)}`);
  }
}

/**
 * Starts redis-server on a free port of 127.0.0.1 with persistence off.
 *
 * @example
 * const redis = await startRedis({ acl: '' });
 */
export async function startRedis(options: RedisOptions = {}): Promise<RedisServer> {
  const bin = which('redis-server');
  if (bin === undefined) throw new Error('redis-server is not installed');
  const dir = mkdtempSync(join(tmpdir(), 'coffer-redis-'));
  const configFile = options.config === undefined ? undefined : join(dir, 'redis.conf');
  const aclFile = options.acl === undefined ? undefined : join(dir, 'users.acl');
  if (configFile !== undefined) writeFileSync(configFile, options.config ?? '', { mode: 0o600 });
  if (aclFile !== undefined) writeFileSync(aclFile, options.acl ?? '', { mode: 0o600 });
  const logPath = join(dir, 'redis.log');
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const args = [
      ...(configFile ? [configFile] : []),
      '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no', '--logfile', '',
      ...(aclFile ? ['--aclfile', aclFile] : []),
      ...(options.args ?? []),
    ];
    let server = launch(bin, args, dir, logPath, 'SIGTERM');
    const ready = await waitUntil(server, () => redisAnswers(port));
    const url = (user?: string, password?: string) => `redis://${user === undefined && password === undefined ? '' : `${encodeURIComponent(user ?? '')}:${encodeURIComponent(password ?? '')}@`}127.0.0.1:${port}`;
    const restart = async () => {
      await server.stop(false);
      server = launch(bin, args, dir, logPath, 'SIGTERM');
      if (!(await waitUntil(server, () => redisAnswers(port)))) throw new Error(`redis-server did not restart: ${readText(logPath).slice(-2000)}`);
    };
    if (ready) {
      return { host: '127.0.0.1', port, dir, ...(configFile ? { configFile } : {}), ...(aclFile ? { aclFile } : {}), url, restart, stop: () => server.stop(true) };
    }
    const log = readText(logPath);
    const taken = /address already in use/i.test(log);
    await server.stop(attempt >= 3 || !taken);
    if (attempt >= 3 || !taken) throw new Error(`redis-server did not start: ${log.slice(-2000)}`);
  }
}

/** A launched server process: its group, its watchdog, and how to stop it. */
interface Launched {
  readonly child: ChildProcess;
  exited(): boolean;
  /** Stops the process group (gently, then SIGKILL); `removeDir` also deletes the server's directory. */
  stop(removeDir: boolean): Promise<void>;
}

const live = new Set<() => void>();
let handlersInstalled = false;

/** Kills every live server synchronously: on exit, and on SIGINT/SIGTERM before dying of it. */
function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  const killAll = () => {
    for (const kill of [...live]) kill();
  };
  process.once('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      killAll();
      process.kill(process.pid, signal);
    });
  }
}

function launch(file: string, args: readonly string[], dir: string, logPath: string, gentle: NodeJS.Signals): Launched {
  installHandlers();
  const log = openSync(logPath, 'a');
  if (isRoot() && file === 'runuser') chownSync(logPath, uidOf('postgres'), gidOf('postgres'));
  const child = spawn(file, args, { detached: true, stdio: ['ignore', log, log], cwd: dir });
  closeSync(log);
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => { exited = true; resolve(); }));
  child.once('error', () => { exited = true; });
  // Outlives a SIGKILL of this process by at most a second: kills the server's group, removes its directory.
  const watchdog = spawn('sh', ['-c', 'while kill -0 "$1" 2>/dev/null; do sleep 1; done; kill -KILL "-$2" 2>/dev/null; rm -rf -- "$3"', 'coffer-test-watchdog', String(process.pid), String(child.pid), dir], { detached: true, stdio: 'ignore' });
  watchdog.unref();
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, signal);
    } catch {
      // already gone
    }
  };
  const killNow = () => {
    signalGroup('SIGKILL');
    try {
      if (watchdog.pid !== undefined) process.kill(-watchdog.pid, 'SIGKILL');
    } catch {
      // already gone
    }
    rmSync(dir, { recursive: true, force: true });
  };
  live.add(killNow);
  let stopping: Promise<void> | undefined;
  return {
    child,
    exited: () => exited,
    stop: (removeDir) => (stopping ??= (async () => {
      if (!exited) {
        signalGroup(gentle);
        const timer = setTimeout(() => signalGroup('SIGKILL'), 10_000);
        await exit;
        clearTimeout(timer);
      }
      signalGroup('SIGKILL');
      live.delete(killNow);
      try {
        if (watchdog.pid !== undefined) process.kill(-watchdog.pid, 'SIGKILL');
      } catch {
        // already gone
      }
      if (removeDir) rmSync(dir, { recursive: true, force: true });
    })()),
  };
}

/** Polls `answers` until it is true (ready), the process exits, or 30 s pass. */
async function waitUntil(server: Launched, answers: () => Promise<boolean>): Promise<boolean> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (server.exited()) return false;
    if (await answers()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

async function postgresAnswers(url: string): Promise<boolean> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** True once the server answers a PING (PONG, or NOAUTH when a password is required). */
function redisAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let reply = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(2000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (data) => {
      reply += data.toString();
      if (reply.includes('\r\n')) done(/^(\+PONG|-NOAUTH)/.test(reply));
    });
  });
}

/** The directory holding initdb and postgres: on PATH, else the newest /usr/lib/postgresql/N/bin. */
function postgresBin(): string | undefined {
  const onPath = which('initdb');
  if (onPath !== undefined && which('postgres') !== undefined) return onPath.slice(0, onPath.lastIndexOf('/'));
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
  return versions.map((v) => join(root, v, 'bin')).find((d) => existsSync(join(d, 'initdb')) && existsSync(join(d, 'postgres')));
}

/** As root, runs a PostgreSQL binary as the postgres user; otherwise as is. */
function asPostgres(file: string, args: readonly string[]): [string, string[]] {
  return isRoot() ? ['runuser', ['-u', 'postgres', '--', file, ...args]] : [file, [...args]];
}

function which(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin').split(':')) {
    if (dir !== '' && existsSync(join(dir, command))) return join(dir, command);
  }
  return undefined;
}

function isRoot(): boolean {
  return process.getuid?.() === 0;
}

function userExists(name: string): boolean {
  return spawnSync('id', ['-u', name]).status === 0;
}

function uidOf(name: string): number {
  return Number(spawnSync('id', ['-u', name], { encoding: 'utf8' }).stdout.trim());
}

function gidOf(name: string): number {
  return Number(spawnSync('id', ['-g', name], { encoding: 'utf8' }).stdout.trim());
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}
