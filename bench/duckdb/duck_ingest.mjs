// DuckDB, the peer of the bronze ingest benchmark: reads the NDJSON files lfproduce wrote
// (the same files lfhost ingests, in the same run) with read_ndjson and the clickstream
// schema, and writes them to Parquet, on 2 threads. Malformed lines are skipped
// (ignore_errors) where lfhost keeps them in _rescued_data. Best of 3.
//
//   node duck_ingest.mjs LANDING_DIR WORKDIR
import { DuckDBInstance } from '@duckdb/node-api';
import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

// bundles/resources/clickstream_pipeline.yml's autoloader schema, in DuckDB's types.
const COLUMNS = `{
  event_id: 'VARCHAR', event_type: 'VARCHAR', event_ts: 'TIMESTAMP', session_id: 'VARCHAR',
  ip: 'VARCHAR', schema_version: 'INTEGER',
  user: 'STRUCT(user_id VARCHAR, email VARCHAR, country VARCHAR, plan VARCHAR)',
  page: 'STRUCT(url VARCHAR, referrer VARCHAR, title VARCHAR)',
  device: 'STRUCT(type VARCHAR, os VARCHAR, browser VARCHAR, user_agent VARCHAR)',
  geo: 'STRUCT(country VARCHAR, region VARCHAR, city VARCHAR)',
  utm: 'STRUCT(source VARCHAR, medium VARCHAR, campaign VARCHAR, term VARCHAR, content VARCHAR)',
  purchase: 'STRUCT(order_id VARCHAR, amount DOUBLE, currency VARCHAR, items INTEGER)',
  properties: 'MAP(VARCHAR, VARCHAR)'}`;

const [landing, work] = process.argv.slice(2);
if (!landing || !work) {
  console.error('usage: node duck_ingest.mjs LANDING_DIR WORKDIR');
  process.exit(2);
}
const sq = (s) => `'${s.replaceAll("'", "''")}'`;
const db = await DuckDBInstance.create(':memory:');
const con = await db.connect();
await con.run('SET threads TO 2');
const version = (await con.runAndReadAll('SELECT version()')).getRows()[0][0];
const src = `read_ndjson(${sq(join(landing, '*.json'))}, columns = ${COLUMNS},
  ignore_errors = true, maximum_object_size = 67108864)`;
const bytes = Number((await con.runAndReadAll(
  `SELECT sum(size) FROM read_blob(${sq(join(landing, '*.json'))})`)).getRows()[0][0]);

console.log(`DuckDB ${version} (@duckdb/node-api), 2 threads, ${(bytes / 1e6).toFixed(0)} MB of NDJSON\n`);
console.log('| work | ms | rows | events/s | MB/s |');
console.log('| --- | --- | --- | --- | --- |');
for (const codec of ['snappy', 'zstd']) {
  const file = join(work, `bronze_${codec}.parquet`);
  let ms = Infinity;
  for (let i = 0; i < 3; i++) {
    rmSync(file, { force: true });
    const t0 = process.hrtime.bigint();
    await con.run(`COPY (SELECT * FROM ${src}) TO ${sq(file)} (FORMAT parquet, COMPRESSION ${codec})`);
    ms = Math.min(ms, Number(process.hrtime.bigint() - t0) / 1e6);
  }
  const rows = Number((await con.runAndReadAll(
    `SELECT count(*) FROM read_parquet(${sq(file)})`)).getRows()[0][0]);
  console.log(`| read_ndjson -> Parquet (${codec}), ${(statSync(file).size / 1e6).toFixed(0)} MB | ` +
    `${ms.toFixed(0)} | ${rows} | ${(rows / ms / 1e3).toFixed(2)} M | ${(bytes / ms / 1e3).toFixed(0)} |`);
}
