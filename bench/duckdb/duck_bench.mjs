// DuckDB, the benchmark peer: runs the same work as lfhost's bench programs on the same
// rows (NDJSON written by bench_export_ndjson) in the same run, one thread, and prints a
// Markdown table. Loading the NDJSON is not timed; every timed step is the best of 3.
//
//   node duck_bench.mjs table ROWS.ndjson WORKDIR   append (Parquet per codec, DuckDB's
//                                                   own file) and scans
//   node duck_bench.mjs expr ROWS.ndjson EXPRS.tsv  count_if of each predicate
import { DuckDBInstance } from '@duckdb/node-api';
import { readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

const COLUMNS = `{
  event_id: 'VARCHAR', event_type: 'VARCHAR', ts: 'TIMESTAMP',
  user: 'STRUCT(user_id BIGINT, email VARCHAR, session_id VARCHAR, logged_in BOOLEAN)',
  page: 'STRUCT(url VARCHAR, referrer VARCHAR, title VARCHAR)',
  device: 'STRUCT(kind VARCHAR, os VARCHAR, browser VARCHAR, user_agent VARCHAR)',
  geo: 'STRUCT(country VARCHAR, city VARCHAR, lat DOUBLE, lon DOUBLE)',
  properties: 'MAP(VARCHAR, VARCHAR)', amount: 'DOUBLE'}`;

const [mode, ndjson, arg] = process.argv.slice(2);
if (!['table', 'expr'].includes(mode) || !ndjson || !arg) {
  console.error('usage: node duck_bench.mjs table|expr ROWS.ndjson WORKDIR|EXPRS.tsv');
  process.exit(2);
}

const sq = (s) => `'${s.replaceAll("'", "''")}'`;

async function best(con, sql, before) {
  let ms = Infinity, result;
  for (let i = 0; i < 3; i++) {
    if (before) await before();
    const t0 = process.hrtime.bigint();
    result = await con.runAndReadAll(sql);
    ms = Math.min(ms, Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return { ms, rows: result.getRows() };
}

const db = await DuckDBInstance.create(':memory:');
const con = await db.connect();
await con.run('SET threads TO 1');
await con.run(`CREATE TABLE ev AS SELECT * FROM read_json(${sq(ndjson)},
  format = 'newline_delimited', columns = ${COLUMNS})`);
const n = Number((await con.runAndReadAll('SELECT count(*) FROM ev')).getRows()[0][0]);
const version = (await con.runAndReadAll('SELECT version()')).getRows()[0][0];
const rate = (ms) => `${(n / ms / 1e3).toFixed(2)} M`;
const line = (cells) => console.log(`| ${cells.join(' | ')} |`);

console.log(`DuckDB ${version} (@duckdb/node-api), 1 thread, ${n} rows loaded from ${ndjson}\n`);

if (mode === 'table') {
  line(['work', 'ms', 'rows/s', 'MB/s', 'file MB']);
  line(['---', '---', '---', '---', '---']);
  for (const codec of ['uncompressed', 'snappy', 'zstd']) {
    const file = join(arg, `ev_${codec}.parquet`);
    const r = await best(con, `COPY ev TO ${sq(file)} (FORMAT parquet, COMPRESSION ${codec})`,
      async () => rmSync(file, { force: true }));
    const mb = statSync(file).size / 1e6;
    line([`append: Parquet, ${codec}`, r.ms.toFixed(0), rate(r.ms), (mb / r.ms * 1e3).toFixed(1),
      mb.toFixed(1)]);
  }
  const dbfile = join(arg, 'ev.duckdb');
  const r = await best(con, `ATTACH ${sq(dbfile)} AS f; CREATE TABLE f.ev AS SELECT * FROM ev;
    CHECKPOINT f; DETACH f`, async () => {
    rmSync(dbfile, { force: true });
    rmSync(`${dbfile}.wal`, { force: true });
  });
  const mb = statSync(dbfile).size / 1e6;
  line(['append: DuckDB table file, checkpointed', r.ms.toFixed(0), rate(r.ms),
    (mb / r.ms * 1e3).toFixed(1), mb.toFixed(1)]);
  const pq = sq(join(arg, 'ev_snappy.parquet'));
  // hash(row) forces every column of every row to be read and decoded.
  const all = await best(con, `SELECT count(*), sum(hash(t)) FROM read_parquet(${pq}) t`);
  line(['scan Parquet (snappy), all columns', all.ms.toFixed(0), rate(all.ms), '', '']);
  const three = await best(con,
    `SELECT count(event_id), max(ts), count(hash(user)) FROM read_parquet(${pq})`);
  line(['scan Parquet (snappy), 3 columns', three.ms.toFixed(0), rate(three.ms), '', '']);
  if (Number(all.rows[0][0]) !== n) throw new Error(`scan returned ${all.rows[0][0]} rows`);
} else {
  const exprs = readFileSync(arg, 'utf8').split('\n').filter((l) => l && !l.startsWith('#'))
    .map((l) => l.split('\t'));
  line(['expectation', 'expression', 'ms', 'row-evaluations/s', 'passing rows']);
  line(['---', '---', '---', '---', '---']);
  for (const [name, expr] of exprs) {
    const r = await best(con, `SELECT count_if(${expr}) FROM ev`);
    line([name, `\`${expr}\``, r.ms.toFixed(1), rate(r.ms), String(r.rows[0][0])]);
  }
  const list = exprs.map(([, e]) => `count_if(${e})`).join(', ');
  const r = await best(con, `SELECT ${list} FROM ev`);
  line(['all five', '', r.ms.toFixed(1), `${(exprs.length * n / r.ms / 1e3).toFixed(2)} M`, '']);
}
