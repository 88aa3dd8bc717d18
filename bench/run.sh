#!/usr/bin/env bash
# Builds the release tree and runs the benchmarks on one core, printing their tables:
#   bench/run.sh [--rows N]     (rows for the append bench, default 1000000)
# The build tree is build/ (BENCH_BUILD_DIR overrides it).
# bench_avro_write exists only where pkg-config finds Avro C (libavro-dev). DuckDB, the
# peer every figure is compared with, comes from npm (bench/duckdb, pinned by its
# package-lock.json) and runs the same work on the same rows in the same run.
set -euo pipefail
cd "$(dirname "$0")/.."
rows=()
if [ $# -gt 0 ]; then
  [ $# -eq 2 ] && [ "$1" = --rows ] || { echo "usage: bench/run.sh [--rows N]" >&2; exit 2; }
  rows=(--rows "$2")
fi
dir=${BENCH_BUILD_DIR:-build}
bash scripts/build.sh "$dir"
bin=$dir/bin

echo "## Arrow <-> Avro binary (bench_avro_codec)"
echo
"$bin/bench_avro_codec"
echo
echo "## Arrow -> Avro encoding alone, bytes checked against a reference (bench_avro_encode)"
echo
"$bin/bench_avro_encode"
echo
echo "## Block checksums and snappy: zlib/libsnappy against lfh_crc32/lfh_snappy (bench_crc32, bench_snappy)"
echo
"$bin/bench_crc32"
"$bin/bench_snappy"
echo
echo "## Avro container append (bench_avro_write)"
echo
if [ -x "$bin/bench_avro_write" ]; then
  "$bin/bench_avro_write" "${rows[@]}"
else
  echo "skipped: Avro C not found by pkg-config (apt-get install libavro-dev, then rebuild)"
fi
echo
echo "## Iceberg table append and scan, per codec, to \$TMPDIR (bench_table)"
echo
"$bin/bench_table" "${rows[@]}"
echo
echo "## lfproduce: events generated and written as NDJSON files (bench_produce)"
echo
"$bin/bench_produce"
echo
echo "## DuckDB on the same rows: Parquet and DuckDB-file appends, Parquet scans (bench/duckdb)"
echo
(cd bench/duckdb && npm ci --no-audit --no-fund --silent)
work=$(mktemp -d "${TMPDIR:-/tmp}/lfh-bench-duckdb.XXXXXX")
trap 'rm -rf "$work"' EXIT
"$bin/bench_export_ndjson" "$work/rows.ndjson" "${rows[@]}"
node bench/duckdb/duck_bench.mjs table "$work/rows.ndjson" "$work"
if [ -x "$bin/bench_expr" ]; then
  echo
  echo "## Expectations over the same rows: lfhost (bench_expr), then DuckDB"
  echo
  "$bin/bench_expr" bench/clickstream_expectations.tsv "${rows[@]}"
  echo
  node bench/duckdb/duck_bench.mjs expr "$work/rows.ndjson" bench/clickstream_expectations.tsv
fi
echo
echo "## Bronze ingest: lfproduce files -> lfhost run (autoloader) vs DuckDB read_ndjson (bench/bronze_bench.sh)"
echo
bash bench/bronze_bench.sh "$bin" "${rows[1]:-1000000}"
echo
echo "## Bronze JSON decoding on one core: lfb_json vs jansson (bench_bronze_json)"
echo
"$bin/bench_bronze_json"
