// duckdb_run.mjs - run SQL files on DuckDB (in memory) and print the rows of the last
// statement as a JSON array of objects; integers are printed exactly (no float rounding).
// Usage: NODE_PATH=$DUCKDB_NODE_MODULES node duckdb_run.mjs FILE.sql... (cwd = the files' base)
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
const require = createRequire(import.meta.url);
const { DuckDBInstance } = require('@duckdb/node-api');

function json(v) {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number' || typeof v === 'boolean') return JSON.stringify(v);
  if (typeof v === 'string') return JSON.stringify(v);
  return JSON.stringify(String(v));
}
const db = await DuckDBInstance.create(':memory:');
const con = await db.connect();
const sql = process.argv.slice(2).map((f) => readFileSync(f, 'utf8')).join('\n;\n');
const extracted = await con.extractStatements(sql);
let reader = null;
for (let i = 0; i < extracted.count; i++) {
  const prepared = await extracted.prepare(i);
  reader = await prepared.runAndReadAll();
}
const names = reader ? reader.columnNames() : [];
const rows = reader ? reader.getRows() : [];
const out = rows.map((r) => '{' + names.map((n, i) => JSON.stringify(n) + ':' + json(r[i])).join(',') + '}');
process.stdout.write('[' + out.join(',\n') + ']\n');
