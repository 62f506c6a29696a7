#!/usr/bin/env bash
# `kourse serve` under load, on loopback only: requests per second and
# latency percentiles (wrk --latency) for a page and for a 404, while 200
# live-reload listeners (/__kourse/events) stay open.
#
#   benches/serve-load.sh               # the bundled course, wrk -t2 -c32 -d15s
#   KOURSE_LOAD_COURSE=DIR KOURSE_LOAD_PAGE=/a/b.html benches/serve-load.sh
#   KOURSE_LOAD_LISTENERS=200 KOURSE_LOAD_ARGS="-t2 -c32 -d15s" ...
#
# Needs wrk (Debian: apt-get install wrk) and python3. Every process it
# starts is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

COURSE=${KOURSE_LOAD_COURSE:-.}
PAGE=${KOURSE_LOAD_PAGE:-/docker-to-kubernetes/first-pod.html}
MISSING=/no/such/page.html
LISTENERS=${KOURSE_LOAD_LISTENERS:-200}
WRK_ARGS=${KOURSE_LOAD_ARGS:--t2 -c32 -d15s}

command -v wrk >/dev/null || { echo "wrk is missing (apt-get install wrk)" >&2; exit 2; }
command -v python3 >/dev/null || { echo "python3 is missing" >&2; exit 2; }

cargo build --release --quiet --bin kourse

work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do
    kill "$p" 2>/dev/null || true
  done
  for p in "${pids[@]}"; do
    wait "$p" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BASE="http://127.0.0.1:$PORT"

target/release/kourse serve -C "$COURSE" --bind 127.0.0.1 --port "$PORT" -q >"$work/serve.log" 2>&1 &
pids+=($!)

# Up when the page answers (the first build comes first).
for _ in $(seq 1 600); do
  if python3 - "$PORT" "$PAGE" <<'EOF' 2>/dev/null; then break; fi
import http.client, sys
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=1)
c.request("GET", sys.argv[2])
sys.exit(0 if c.getresponse().status == 200 else 1)
EOF
  if ! kill -0 "${pids[0]}" 2>/dev/null; then
    echo "kourse serve ended:" >&2; cat "$work/serve.log" >&2; exit 1
  fi
  sleep 0.2
done

# The listeners: one process holding N event streams open, reading them.
cat >"$work/listeners.py" <<'EOF'
import selectors, socket, sys, time
port, n, ready = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
sel = selectors.DefaultSelector()
hello = 0
seen = {}
for _ in range(n):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(b"GET /__kourse/events HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\n\r\n")
    s.setblocking(False)
    seen[s] = b""
    sel.register(s, selectors.EVENT_READ)
deadline = time.time() + 30
while hello < n and time.time() < deadline:
    for key, _ in sel.select(timeout=1):
        data = key.fileobj.recv(65536)
        if not data:
            sel.unregister(key.fileobj)
            continue
        if seen[key.fileobj] is not None:
            seen[key.fileobj] += data
            if b"event: hello" in seen[key.fileobj]:
                seen[key.fileobj] = None
                hello += 1
with open(ready, "w") as f:
    f.write(str(hello))
while True:  # keep reading (keep-alive comments) until killed
    for key, _ in sel.select(timeout=1):
        if not key.fileobj.recv(65536):
            sel.unregister(key.fileobj)
    with open(ready + ".now", "w") as f:
        f.write(str(len(sel.get_map())))
EOF
python3 "$work/listeners.py" "$PORT" "$LISTENERS" "$work/ready" &
pids+=($!)
for _ in $(seq 1 300); do
  [ -s "$work/ready" ] && break
  sleep 0.1
done
open=$(cat "$work/ready" 2>/dev/null || echo 0)
echo "kourse serve on $BASE ($COURSE); live-reload listeners open: $open of $LISTENERS"
[ "$open" = "$LISTENERS" ] || { echo "not every listener got its hello" >&2; exit 1; }

status() {
  python3 - "$PORT" "$1" <<'EOF'
import http.client, sys
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=5)
c.request("GET", sys.argv[2])
print(c.getresponse().status)
EOF
}
[ "$(status "$PAGE")" = 200 ] || { echo "$PAGE is not a page of the course" >&2; exit 1; }
[ "$(status "$MISSING")" = 404 ] || { echo "$MISSING does not give 404" >&2; exit 1; }

for what in "page $PAGE" "404 $MISSING"; do
  set -- $what
  echo
  echo "== $1: GET $2, wrk $WRK_ARGS --latency, $open listeners open"
  # shellcheck disable=SC2086
  wrk $WRK_ARGS --latency "$BASE$2"
done

sleep 1.5
echo
echo "live-reload listeners still connected after the load: $(cat "$work/ready.now" 2>/dev/null || echo '?') of $LISTENERS"
