#!/usr/bin/env bash
# Bronze ingest benchmark (issue 6): lfproduce writes N clickstream events as NDJSON files;
# `lfhost run` ingests them with the autoloader into a bronze Iceberg table (2 cores: the
# source decodes files on two threads); DuckDB's read_ndjson writes the same files to
# Parquet in the same run (bench/duckdb/duck_ingest.mjs). Best of 3 each.
#   bench/bronze_bench.sh BUILD_BIN_DIR [EVENTS]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=$(cd "$1" && pwd)
events=${2:-1000000}
work=$(mktemp -d "${TMPDIR:-/tmp}/lfh-bench-bronze.XXXXXX")
trap 'rm -rf "$work"' EXIT

"$bin/lfproduce" --out "$work/landing" --events "$events" --files 100 --seed 7 \
  --malformed-fraction 0.001 --quiet
bytes=$(du -sb "$work/landing" | cut -f1)
ddl=$(sed -n '/stage: autoloader/,/rescued_data_column/p' \
  "$here/../bundles/resources/clickstream_pipeline.yml" |
  sed -n '/schema: >-/,/rescued_data_column/p' | sed '1d;$d' | tr -s ' \n' ' ')

for codec in snappy deflate deflate-1; do
  level=""
  [ "$codec" = deflate-1 ] && level='write.avro.compression-level: "1"'
  cat >"$work/bench-$codec.yml" <<YML
bundle:
  name: bronze_bench_$codec
workspace:
  root_path: $work/ws-$codec
resources:
  pipelines:
    bench:
      name: bench
      catalog: bench
      schema: clickstream
      storage: $work/lake-$codec
      libraries:
        - plugin: lf_bronze
      datasets:
        bronze_events:
          type: streaming_table
          table_properties:
            write.avro.compression-codec: ${codec%-1}
            $level
      flows:
        ingest:
          target: bronze_events
          source:
            stage: autoloader
            options:
              path: $work/landing
              format: json
              schema: "$ddl"
              min_file_age: 0s
              max_files_per_trigger: 100
YML
  "$bin/lfhost" deploy "$work/bench-$codec.yml" >/dev/null
  best=""
  for i in 1 2 3; do
    flag=()
    [ "$i" -gt 1 ] && flag=(--full-refresh)
    out=$("$bin/lfhost" run "$work/bench-$codec.yml" "${flag[@]}" | tail -1)
    s=$(sed -n 's/.* seconds=\([0-9.]*\).*/\1/p' <<<"$out")
    rows=$(sed -n 's/.* rows=\([0-9]*\).*/\1/p' <<<"$out")
    [ "$rows" = "$events" ] || { echo "bronze bench: $rows rows for $events events: $out" >&2; exit 1; }
    if [ -z "$best" ] || awk "BEGIN{exit !($s < $best)}"; then best=$s; fi
  done
  printf '| lfhost run: autoloader -> Iceberg/Avro (%s) | %.0f | %s | %.2f M | %.0f |\n' \
    "$codec" "$(awk "BEGIN{print $best*1000}")" "$events" \
    "$(awk "BEGIN{print $events/$best/1e6}")" "$(awk "BEGIN{print $bytes/$best/1e6}")"
done
echo
(cd "$here/duckdb" && npm ci --no-audit --no-fund --silent)
node "$here/duckdb/duck_ingest.mjs" "$work/landing" "$work"
