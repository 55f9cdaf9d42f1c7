/**
 * The embedded store's SQL schema, as numbered migrations run in order when a store opens.
 * The SQL is kept portable (no SQLite-only types) so a PostgreSQL store can share it; the SQL
 * layer only moves bytes: every value column is a sealed blob from the barrier.
 */

/** Migrations, in order; index + 1 is the schema version. Never edit a released migration. */
export const MIGRATIONS: readonly string[] = [
  `CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
   CREATE TABLE sealed_keys (kind TEXT PRIMARY KEY, sealed BLOB NOT NULL);
   CREATE TABLE data_keys (
     id INTEGER PRIMARY KEY, keyring_version INTEGER NOT NULL, wrapped BLOB NOT NULL,
     uses INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL);
   CREATE TABLE secrets (
     env TEXT NOT NULL, name TEXT NOT NULL, created_at TEXT NOT NULL,
     deleted_at TEXT, purge_after TEXT, PRIMARY KEY (env, name));
   CREATE TABLE versions (
     env TEXT NOT NULL, name TEXT NOT NULL, version INTEGER NOT NULL, data_key_id INTEGER NOT NULL,
     sealed BLOB NOT NULL, fingerprint BLOB NOT NULL, created_at TEXT NOT NULL, actor TEXT NOT NULL,
     rotate_by TEXT, PRIMARY KEY (env, name, version));
   CREATE TABLE stages (
     env TEXT NOT NULL, name TEXT NOT NULL, stage TEXT NOT NULL, version INTEGER NOT NULL,
     PRIMARY KEY (env, name, stage));
   CREATE TABLE audit (
     seq INTEGER PRIMARY KEY, at TEXT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
     env TEXT, name TEXT, version INTEGER, outcome TEXT NOT NULL, detail TEXT, mac BLOB NOT NULL);`,
];
