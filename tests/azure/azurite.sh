#!/usr/bin/env bash
# Starts and stops Azurite's Blob service (npm package pinned in package.json) for tests.
#
#   azurite.sh start DIR [--https CERT KEY] [--oauth]
#   azurite.sh stop DIR
#
# start: runs azurite-blob on 127.0.0.1 on a free port with in-memory persistence, waits
# until it answers, and writes DIR/endpoint ("http(s)://127.0.0.1:PORT/devstoreaccount1"),
# DIR/azurite.pid and DIR/azurite.log. --oauth (needs --https) is Azurite's "--oauth basic":
# Bearer tokens are accepted. Exits non-zero when Azurite cannot start, so that a CTest
# fixture using it fails rather than skips. stop: ends that process (by its pid only).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cmd=${1:-}
dir=${2:-}
[[ -n "$cmd" && -n "$dir" ]] || { echo "usage: $0 start|stop DIR [...]" >&2; exit 2; }
shift 2

stop() {
  local pidf="$dir/azurite.pid"
  [[ -f "$pidf" ]] || return 0
  local pid
  pid=$(cat "$pidf")
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$pidf" "$dir/endpoint"
}

# The HTTP status of GET URL ("000" when nothing answers), through Node (already needed
# for Azurite) rather than the curl CLI, which a fresh Debian does not have. CA: optional.
http_status() {
  node -e '
    const [url, ca] = process.argv.slice(1);
    const mod = url.startsWith("https:") ? require("https") : require("http");
    const opts = ca ? { ca: require("fs").readFileSync(ca) } : {};
    const req = mod.get(url, opts, (r) => { console.log(r.statusCode); process.exit(0); });
    req.on("error", () => { console.log("000"); process.exit(0); });
    req.setTimeout(2000, () => { console.log("000"); process.exit(0); });
  ' "$1" "${2:-}"
}

free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close();});'
}

start() {
  local scheme=http ca="" extra=()
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --https) scheme=https; extra+=(--cert "$2" --key "$3"); ca=$2; shift 3 ;;
      --oauth) extra+=(--oauth basic); shift ;;
      *) echo "azurite.sh: unknown option $1" >&2; exit 2 ;;
    esac
  done
  local bin="$here/node_modules/azurite/dist/src/blob/main.js"
  if [[ ! -f "$bin" ]]; then
    echo "azurite.sh: Azurite is not installed: run 'npm ci' in $here" >&2
    exit 1
  fi
  mkdir -p "$dir/data"
  stop
  # A free port can be taken between the probe and Azurite's listen: try a few.
  for _ in 1 2 3; do
    local port
    port=$(free_port)
    (cd "$dir/data" && exec setsid node "$bin" --blobHost 127.0.0.1 --blobPort "$port" --inMemoryPersistence \
      --skipApiVersionCheck --loose --disableTelemetry "${extra[@]}" \
      >"$dir/azurite.log" 2>&1 </dev/null) &
    echo $! >"$dir/azurite.pid"
    local url="$scheme://127.0.0.1:$port/devstoreaccount1"
    for _ in $(seq 100); do
      # Any HTTP answer (403 without credentials) means the service is up.
      if [[ "$(http_status "$url?comp=list" "$ca")" != 000 ]]; then
        echo "$url" >"$dir/endpoint"
        echo "azurite.sh: Blob service at $url (pid $(cat "$dir/azurite.pid"))"
        return 0
      fi
      kill -0 "$(cat "$dir/azurite.pid")" 2>/dev/null || break
      sleep 0.1
    done
    stop
  done
  echo "azurite.sh: Azurite did not start; log:" >&2
  cat "$dir/azurite.log" >&2 || true
  exit 1
}

case "$cmd" in
  start) start "$@" ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop DIR [...]" >&2; exit 2 ;;
esac
