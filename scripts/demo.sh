#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# CityEdge demo: one day of a coastal city with a typhoon in the afternoon,
# replayed through the daemon, its pipelines, its journal and a real MQTT
# broker, and shown as a city platform sees it.
#
#   scripts/demo.sh                 install what is missing, build, run until Ctrl-C
#   scripts/demo.sh --duration 30s  stop by itself
#   scripts/demo.sh --speed 4320    replay faster (default 1440: a day per minute)
#   scripts/demo.sh --no-broker     start without a broker: events wait in the journal,
#                                   then the broker appears and the backlog drains
#   scripts/demo.sh --build-dir DIR use an existing build (skips install and build)
#   scripts/demo.sh --summary-json FILE   write the platform's final counts as JSON
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)

duration=0
speed=1440
no_broker=0
build_dir=
summary_json=
usage() { sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) duration=${2:?--duration needs a value like 30s}; shift 2 ;;
    --speed) speed=${2:?--speed needs a number}; shift 2 ;;
    --no-broker) no_broker=1; shift ;;
    --build-dir) build_dir=${2:?--build-dir needs a folder}; shift 2 ;;
    --summary-json) summary_json=${2:?--summary-json needs a file}; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "demo: unknown option '$1'" >&2; usage >&2; exit 64 ;;
  esac
done

seconds() {  # "30s", "2m" or a plain number of seconds
  case "$1" in
    *m) echo $(( ${1%m} * 60 )) ;;
    *s) echo "${1%s}" ;;
    *[!0-9]*|'') echo "demo: --duration takes a value like 30s or 2m, not '$1'" >&2; exit 64 ;;
    *) echo "$1" ;;
  esac
}
duration_s=$(seconds "$duration")
case "$speed" in *[!0-9.]*|'') echo "demo: --speed takes a number, not '$speed'" >&2; exit 64 ;; esac

say() { printf '\033[1m[demo]\033[0m %s\n' "$*"; }

if [ -z "$build_dir" ]; then
  say "installing what is missing (Debian packages)"
  bash "$here/scripts/install-deps.sh" >/dev/null
  build_dir="$here/build-release"
  say "building (Release) in $build_dir"
  cmake -S "$here" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >/dev/null
  cmake --build "$build_dir" -j"$(nproc)" --target cityedged cityedge cityedge_proto_python >/dev/null
fi
build_dir=$(cd "$build_dir" && pwd)
daemon="$build_dir/daemon/app/cityedged"
proto_py="$build_dir/proto/python"
[ -x "$daemon" ] || { echo "demo: $daemon not found; build first" >&2; exit 1; }
python=/usr/bin/python3
[ -x "$python" ] || python=python3
mosquitto=$(command -v mosquitto || echo /usr/sbin/mosquitto)

state=$(mktemp -d "${TMPDIR:-/tmp}/cityedge-demo.XXXXXX")
pids=()
cleanup() {
  trap - INT TERM EXIT
  [ -n "${daemon_pid:-}" ] && kill -TERM "$daemon_pid" 2>/dev/null && wait "$daemon_pid" 2>/dev/null || true
  [ -n "${sub_pid:-}" ] && kill -INT "$sub_pid" 2>/dev/null && wait "$sub_pid" 2>/dev/null || true
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if grep -qiE '\b(error|critical)\b' "$state/cityedged.log" 2>/dev/null; then
    say "daemon errors (full log: $state/cityedged.log):"
    grep -iE '\b(error|critical)\b' "$state/cityedged.log" | tail -n 5
  else
    rm -rf "$state"
  fi
  say "stopped"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port=$("$python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$python" "$here/scripts/make-demo-day.py" -o "$state"
"$python" "$here/scripts/make-thermal-sequence.py" -o "$state/thermal" --drift 0.4
sed -e "s#tcp://127.0.0.1:1883#tcp://127.0.0.1:$port#" -e "s#rate: 1440#rate: $speed#" \
  "$here/config/demo.yaml" > "$state/cityedged.yaml"
printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\n' "$port" > "$state/mosquitto.conf"

start_broker() {
  "$mosquitto" -c "$state/mosquitto.conf" > "$state/mosquitto.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 50); do
    "$python" -c "import socket; socket.create_connection(('127.0.0.1', $port), 0.2)" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "demo: mosquitto did not start (see $state/mosquitto.log)" >&2
  exit 1
}
start_platform() {
  # Raw readings are counted in the summary; printing each would bury the alarms.
  local args=(--broker "127.0.0.1:$port" --proto-path "$proto_py" --summary-every 10
              --show alarm,detection,health,gap)
  [ -n "$summary_json" ] && args+=(--summary-json "$summary_json")
  "$python" -u "$here/docs/examples/platform_subscriber.py" "${args[@]}" &
  sub_pid=$!
}

if [ "$no_broker" = 0 ]; then
  say "broker on 127.0.0.1:$port; the city platform subscribes to cityedge/+/events/#"
  start_broker
  start_platform
  sleep 0.5
fi
say "cityedged starts: gateway demo-gw-01 replays a day at ${speed}x (log: $state/cityedged.log)"
# CITYEDGE_EMULATOR (cross builds' tests): qemu-user runs an ARM daemon.
# shellcheck disable=SC2086
(cd "$state" && exec ${CITYEDGE_EMULATOR:-} "$daemon" --config cityedged.yaml > cityedged.log 2>&1) &
daemon_pid=$!

if [ "$no_broker" = 1 ]; then
  wait_s=15
  [ "$duration_s" -gt 0 ] && wait_s=$(( duration_s / 3 > 0 ? duration_s / 3 : 1 ))
  say "no broker yet: events are journaled on the box for ${wait_s}s (nothing is lost)"
  sleep "$wait_s"
  say "the broker comes up on 127.0.0.1:$port: the backlog drains, marked historical, live events first"
  start_broker
  start_platform
fi

if [ -x "$build_dir/daemon/cli/cityedge" ]; then
  say "technician CLI, in another terminal: $build_dir/daemon/cli/cityedge --socket $state/control.sock status"
fi
started=$(date +%s)
while kill -0 "$daemon_pid" 2>/dev/null; do
  if [ "$duration_s" -gt 0 ] && [ $(( $(date +%s) - started )) -ge "$duration_s" ]; then break; fi
  sleep 0.5
done
kill -0 "$daemon_pid" 2>/dev/null || { say "cityedged exited early:"; tail -n 20 "$state/cityedged.log"; exit 1; }
