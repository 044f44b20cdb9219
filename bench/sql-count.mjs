// Preload for bench/sql-cost.ts (`node --import`): counts the SQL statements the daemon's main thread
// sends through node-postgres, by their first 70 characters, into the file $SQL_COUNT_FILE.
import { renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import process from 'node:process';
import { setInterval } from 'node:timers';
import { isMainThread } from 'node:worker_threads';

if (isMainThread && process.env.SQL_COUNT_FILE) {
  const pg = createRequire(import.meta.url)('pg');
  const counts = new Map();
  const query = pg.Client.prototype.query;
  pg.Client.prototype.query = function (config, values, cb) {
    const text = typeof config === 'string' ? config : (config?.text ?? '');
    const key = text.replace(/\s+/g, ' ').trim().slice(0, 70);
    counts.set(key, (counts.get(key) ?? 0) + 1);
    return query.call(this, config, values, cb);
  };
  const file = process.env.SQL_COUNT_FILE;
  setInterval(() => {
    try {
      writeFileSync(`${file}.${process.pid}`, JSON.stringify(Object.fromEntries(counts)));
      renameSync(`${file}.${process.pid}`, file);
    } catch {
      /* the bench has removed its folder */
    }
  }, 250).unref();
}
