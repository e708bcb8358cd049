import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, type SqliteDatabase } from 'kysely';
import pg from 'pg';
import { GroupCommit, type GroupedWrite } from './group-commit.js';
import type { Database } from './tables.js';

export type Dialect = 'sqlite' | 'postgres';

export interface Store {
  db: Kysely<Database>;
  dialect: Dialect;
  /** Runs a small independent write in a transaction shared with its neighbours (group-commit.ts). */
  grouped<T>(write: GroupedWrite<T>): Promise<T>;
  close(): Promise<void>;
}

// PostgreSQL returns int8 as a string; every int8 Kardia stores is a time or a count that fits.
pg.types.setTypeParser(20, (value) => Number.parseInt(value, 10));

/**
 * Opens the database named by a URL: `sqlite:<path>` (or `sqlite::memory:`) or
 * `postgres://...`. A `schema` query parameter on a PostgreSQL URL selects the search path, so
 * several isolated databases can share one server (the tests use this).
 */
export function openStore(url: string): Store {
  if (url.startsWith('sqlite:')) return openSqlite(url.slice('sqlite:'.length));
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) return openPostgres(url);
  throw new Error(`unsupported database URL scheme (use sqlite: or postgres://)`);
}

function openSqlite(path: string): Store {
  const file = path === ':memory:' || path === '' ? ':memory:' : resolve(path);
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const database = new SQLite(file);
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  database.pragma('foreign_keys = ON');
  database.pragma('busy_timeout = 5000');
  // The query planner picks among index plans by table statistics (sqlite.org/lang_analyze.html):
  // without them, a patient's search in a large database walked every resource of the type by
  // date. PRAGMA optimize gathers them from a sample when the database opens and every hour
  // after, as SQLite advises for long-lived connections; PostgreSQL's autovacuum does the same.
  database.pragma('analysis_limit = 400');
  database.pragma('optimize = 0x10002');
  const optimizer = setInterval(() => database.pragma('optimize'), 3_600_000);
  optimizer.unref();
  const db = new Kysely<Database>({
    dialect: new SqliteDialect({
      database: withStatementCache(database, () => clearInterval(optimizer)),
    }),
  });
  return storeOf(db, 'sqlite');
}

function storeOf(db: Kysely<Database>, dialect: Dialect): Store {
  const group = new GroupCommit(db, dialect === 'sqlite');
  return { db, dialect, grouped: (write) => group.run(write), close: () => db.destroy() };
}

/**
 * Kysely prepares every query anew; better-sqlite3 statements can be reused, and preparing is a
 * measurable share of a token request. Statements are kept per SQL text, up to a bound. A
 * statement being iterated (a streamed query) is busy, so streams get a fresh one.
 */
function withStatementCache(database: SQLite.Database, onClose: () => void): SqliteDatabase {
  const cache = new Map<string, SQLite.Statement>();
  return {
    close: () => {
      onClose();
      database.close();
    },
    prepare(sql: string) {
      let statement = cache.get(sql);
      if (!statement || statement.busy) {
        statement = database.prepare(sql);
        if (cache.size >= 500) cache.delete(cache.keys().next().value as string);
        cache.set(sql, statement);
      }
      return statement;
    },
  };
}

function openPostgres(url: string): Store {
  const parsed = new URL(url);
  const schema = parsed.searchParams.get('schema');
  parsed.searchParams.delete('schema');
  const pool = new pg.Pool({
    connectionString: parsed.toString(),
    max: 10,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  // An idle client that loses its connection must not crash the process.
  pool.on('error', () => undefined);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return storeOf(db, 'postgres');
}

/** Shown in logs and errors: the URL without credentials. */
export function describeDatabase(url: string): string {
  if (url.startsWith('sqlite:')) return url;
  try {
    const parsed = new URL(url);
    parsed.password = '';
    parsed.username = parsed.username ? `${parsed.username}` : '';
    return parsed.toString();
  } catch {
    return 'postgres://(unparsable)';
  }
}
