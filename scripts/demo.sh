#!/usr/bin/env bash
# The main job: set up, build, and run the clickstream pipeline end to end on local disk
# (the embedded default): lfproduce writes a fresh batch of nested JSON events into the
# landing zone, `lfhost deploy` creates the tables, `lfhost run` ingests the new files into
# the bronze Iceberg table exactly once, and the event log shows what happened.
# Everything lives under bundles/.lfhost/clickstream/dev (delete it to start over); each
# run of this script lands new files (a new start time and seed), so bronze grows.
# The silver and gold stages are separate plugins (issues 7-8); until they are built the
# update is limited to bronze with --refresh.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh build
lfhost=build/bin/lfhost
root=bundles/.lfhost/clickstream/dev

$lfhost --version
$lfhost validate bundles/dev.yml

echo "== lfproduce: 100000 events into $root/landing/events"
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
build/bin/lfproduce --out "$root/landing/events" --events 100000 --files 20 \
  --start-time "$now" --seed "$(date +%s)" --late-fraction 0.02 --late-max 5m \
  --duplicate-fraction 0.01 --malformed-fraction 0.005 --drift

echo "== deploy"
$lfhost deploy bundles/dev.yml

echo "== run (bronze; silver and gold need plugins that are not built yet)"
$lfhost run bundles/dev.yml --refresh bronze_events

echo "== run history"
$lfhost runs bundles/dev.yml
echo "== the newest flow_progress events"
$lfhost events bundles/dev.yml --type flow_progress --limit 3
echo "== bronze_events"
$lfhost table describe dev.clickstream.bronze_events --bundle bundles/dev.yml
$lfhost table show dev.clickstream.bronze_events --bundle bundles/dev.yml --limit 3
