#!/usr/bin/env bash
# The main job: set up, build, and run the clickstream pipeline on local disk.
# Until the pipeline engine lands (issue 6) the main job validates bundles/dev.yml,
# the pipeline it will run.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh build
build/bin/lfhost --version
build/bin/lfhost validate bundles/dev.yml
