#!/usr/bin/env bash
# Runs BTC on this machine without Docker: a private PostgreSQL cluster, the migrations, the worker and the API
# (and with --offline the CoinGecko simulator). Ctrl-C or SIGTERM stops everything it started.
#
#   ./run.sh [--offline] [--port 8000] [--api-replicas N]
#
# --api-replicas N (1 to 16, default 1): N API processes on loopback ports of their own behind Caddy on --port, which
# sends each request to a ready one (proxy/Caddyfile; Caddy from apt-get install caddy).
# Environment: BTC_DATA_DIR (default .data, or /var/lib/btc/… when the postgres user cannot enter the checkout),
# BTC_PG_PORT (default: a free port), COINGECKO_API_KEY, DASHBOARD_PASSWORD (default: generated and printed).
set -euo pipefail
cd "$(dirname "$0")"

offline=false
api_port=8000
api_replicas=1
while [ $# -gt 0 ]; do
    case "$1" in
        --offline) offline=true ;;
        --port) api_port="${2:?--port needs a number}"; shift ;;
        --api-replicas) api_replicas="${2:-}"; shift $(( $# > 1 ? 1 : 0 )) ;;
        -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "Unknown option '$1': use --offline, --port N and --api-replicas N." >&2; exit 2 ;;
    esac
    shift
done
if ! [[ "$api_replicas" =~ ^[0-9]+$ ]] || [ "$api_replicas" -lt 1 ] || [ "$api_replicas" -gt 16 ]; then
    echo "--api-replicas needs a whole number from 1 to 16, not '$api_replicas'." >&2
    exit 2
fi
caddy_bin=""
if [ "$api_replicas" -gt 1 ]; then
    caddy_bin=$(command -v caddy || true)
    [ -n "$caddy_bin" ] || { echo "--api-replicas $api_replicas needs Caddy in front of the replicas, and there is none on PATH: install it (apt-get install caddy) and run again." >&2; exit 2; }
fi

fail() { echo "run.sh: $*" >&2; exit 1; }
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() { local p=$1; while port_in_use "$p"; do p=$((p + 1)); done; echo "$p"; }

command -v dotnet >/dev/null || fail "the .NET SDK is missing: install .NET 10 (https://dot.net) and run again."
# PATH may hold only links to initdb and pg_ctl; the folder they point into has psql and createdb too.
initdb_path=$(command -v initdb 2>/dev/null || ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n1 || true)
pg_bin=$(dirname "$(readlink -f "${initdb_path:-/nonexistent}")")
[ -x "$pg_bin/initdb" ] && [ -x "$pg_bin/pg_ctl" ] || fail "no PostgreSQL server binaries (initdb, pg_ctl): install the PostgreSQL server (apt-get install postgresql)."
port_in_use "$api_port" && fail "port $api_port is in use: stop what listens there or choose another with --port."

as_postgres=()
if [ "$(id -u)" -eq 0 ]; then
    # initdb and pg_ctl refuse to run as root.
    as_postgres=(runuser -u postgres --)
fi
pg() { "${as_postgres[@]}" "$pg_bin/$1" "${@:2}"; }
# Whether the user the server runs as can reach a folder (every folder above it must let it in).
reachable() { [ ${#as_postgres[@]} -eq 0 ] || runuser -u postgres -- test -x "$1"; }

if [ -n "${BTC_DATA_DIR:-}" ]; then
    data_dir=$(mkdir -p "$BTC_DATA_DIR" && cd "$BTC_DATA_DIR" && pwd)
    reachable "$(dirname "$data_dir")" || fail "the postgres user cannot enter $(dirname "$data_dir"), where BTC_DATA_DIR lies: choose a folder every user can reach, e.g. BTC_DATA_DIR=/var/lib/btc."
elif reachable "$PWD"; then
    data_dir="$PWD/.data"
else
    # A checkout under a private folder (/root/btc): the server cannot live in it, so it lives beside the
    # system's own clusters, one folder per checkout.
    data_dir="/var/lib/btc/$(basename "$PWD")-$(printf '%s' "$PWD" | sha256sum | cut -c1-8)"
    echo "The postgres user cannot enter $PWD; BTC's data lives in $data_dir (set BTC_DATA_DIR to choose)."
fi
mkdir -p "$data_dir/logs"
pg_data="$data_dir/postgres"
pg_port=${BTC_PG_PORT:-$(free_port 55432)}
port_in_use "$pg_port" && fail "port $pg_port (BTC_PG_PORT) is in use."

if [ ! -f "$pg_data/PG_VERSION" ]; then
    echo "Creating a PostgreSQL cluster in $pg_data"
    mkdir -p "$pg_data"
    [ ${#as_postgres[@]} -gt 0 ] && chown postgres "$data_dir" "$pg_data"
    pg initdb -D "$pg_data" -U postgres -A trust -E UTF8 --no-locale >/dev/null
fi

pids=()
names=()
cleanup() {
    trap - INT TERM EXIT
    echo "Stopping..."
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for _ in $(seq 1 300); do
        alive=0
        for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
        [ $alive -eq 0 ] && break
        sleep 0.1
    done
    for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
    pg pg_ctl stop -D "$pg_data" -m fast -w >/dev/null 2>&1 || true
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# TCP only: a Unix socket path is limited to 107 bytes, which a deep checkout exceeds.
[ ${#as_postgres[@]} -gt 0 ] && touch "$data_dir/postgres.log" && chown postgres "$data_dir/postgres.log"
pg pg_ctl start -w -D "$pg_data" -l "$data_dir/postgres.log" \
    -o "-p $pg_port -c listen_addresses=127.0.0.1 -c unix_socket_directories=''" >/dev/null \
    || { tail -n 20 "$data_dir/postgres.log" >&2; fail "PostgreSQL did not start (its last lines are above; all of them in $data_dir/postgres.log)."; }
"$pg_bin/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'btc'" | grep -q 1 \
    || "$pg_bin/createdb" -h 127.0.0.1 -p "$pg_port" -U postgres btc
export ConnectionStrings__Btc="Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=btc"

echo "Building..."
projects=(Btc.Migrations Btc.Worker Btc.Api)
$offline && projects+=(tools/CoinGecko.Simulator)
for project in "${projects[@]}"; do
    dotnet build "$project" -c Release --nologo -v quiet -clp:NoSummary >/dev/null || fail "the build of $project failed; run 'dotnet build $project' to see why."
done
dll() { echo "$1/bin/Release/net10.0/$(basename "$1").dll"; }

dotnet "$(dll Btc.Migrations)" >"$data_dir/logs/migrations.log" 2>&1 \
    || { tail -n 20 "$data_dir/logs/migrations.log" >&2; fail "the migrations failed (their last lines are above)."; }

# Each service runs in the background with its log lines prefixed, and kept in logs/<name>.log; $! is the service.
start() {
    local name=$1 dir=$2; shift 2
    (cd "$dir/bin/Release/net10.0" && exec dotnet "$@") > >(tee "$data_dir/logs/$name.log" | sed -u "s/^/[$name] /") 2>&1 &
    pids+=($!)
    names+=("$name")
}
# A program that is not ours (Caddy), the same way.
start_program() {
    local name=$1; shift
    "$@" > >(tee "$data_dir/logs/$name.log" | sed -u "s/^/[$name] /") 2>&1 &
    pids+=($!)
    names+=("$name")
}
# Names the service that failed and shows its last lines.
service_failed() {
    echo "run.sh: the $1 $2; its last lines ($data_dir/logs/$1.log):" >&2
    tail -n 15 "$data_dir/logs/$1.log" | sed 's/^/    /' >&2
    exit 1
}

if $offline; then
    sim_port=$(free_port 8100)
    # Every simulated coin gets a current price, so the first /stock already lists all 1,000 tracked coins.
    start simulator tools/CoinGecko.Simulator CoinGecko.Simulator.dll --urls "http://127.0.0.1:$sim_port" \
        --Simulator:OmittedShare=0 --Simulator:EmptyShare=0 --Simulator:StaleShare=0
    export CoinGecko__BaseUrl="http://127.0.0.1:$sim_port/api/v3" CoinGecko__CallsPerMinute=1000 COINGECKO_API_KEY=""
fi
export Dashboard__Password="${DASHBOARD_PASSWORD:-$(head -c 12 /dev/urandom | base64 | tr '+/' '-_')}"
# The worker serves no HTTP: it says it is up by touching this file once it has reached the database.
export Worker__HeartbeatFile="$data_dir/worker.alive"
rm -f "$Worker__HeartbeatFile"
start worker Btc.Worker Btc.Worker.dll
if [ "$api_replicas" -eq 1 ]; then
    api_ports=("$api_port")
    start api Btc.Api Btc.Api.dll --urls "http://127.0.0.1:$api_port"
else
    # Each replica on a free port of its own; Caddy on --port checks their /health/ready every 2 s and believes
    # nobody's X-Forwarded-For but its own.
    api_ports=()
    next_port=$((api_port + 1))
    for i in $(seq 1 "$api_replicas"); do
        next_port=$(free_port "$next_port")
        api_ports+=("$next_port")
        Api__TrustedProxies=127.0.0.1 start "api-$i" Btc.Api Btc.Api.dll --urls "http://127.0.0.1:$next_port"
        next_port=$((next_port + 1))
    done
    mkdir -p "$data_dir/caddy"
    upstreams=$(printf '127.0.0.1:%s ' "${api_ports[@]}")
    HOME="$data_dir/caddy" XDG_CONFIG_HOME="$data_dir/caddy" XDG_DATA_HOME="$data_dir/caddy" \
    BTC_SITE="http://:$api_port" BTC_BIND=127.0.0.1 BTC_API_DISCOVERY=list BTC_API_UPSTREAMS="${upstreams% }" \
        start_program proxy "$caddy_bin" run --adapter caddyfile --config "$PWD/proxy/Caddyfile"
fi

ready() { (exec 3<>"/dev/tcp/127.0.0.1/$1" && printf 'GET /health/ready HTTP/1.0\r\n\r\n' >&3 && head -n1 <&3 | grep -q ' 200 ') 2>/dev/null; }
# Every replica ready, and the port people use (the proxy's, with several) answering.
api_ready() { for p in "${api_ports[@]}"; do ready "$p" || return 1; done; ready "$api_port"; }
worker_ready() { [ -f "$Worker__HeartbeatFile" ]; }
deadline=$(( $(date +%s) + ${BTC_START_SECONDS:-120} ))
until api_ready && worker_ready; do
    for i in "${!pids[@]}"; do
        kill -0 "${pids[$i]}" 2>/dev/null || service_failed "${names[$i]}" "stopped during start-up"
    done
    if [ "$(date +%s)" -ge "$deadline" ]; then
        for i in "${!api_ports[@]}"; do
            name=api; [ "$api_replicas" -gt 1 ] && name="api-$((i + 1))"
            ready "${api_ports[$i]}" || service_failed "$name" "did not answer /health/ready within ${BTC_START_SECONDS:-120} s"
        done
        api_ready || service_failed proxy "did not pass /health/ready on to the API within ${BTC_START_SECONDS:-120} s"
        service_failed worker "did not reach the database within ${BTC_START_SECONDS:-120} s"
    fi
    sleep 0.2
done

cat <<INFO

BTC is running$($offline && echo " offline, against the CoinGecko simulator")$([ "$api_replicas" -gt 1 ] && echo ", $api_replicas API replicas behind Caddy"). Prices arrive within a minute.
  API        http://127.0.0.1:$api_port/stock
  API docs   http://127.0.0.1:$api_port/docs
  Dashboard  http://127.0.0.1:$api_port/hangfire   (from another machine: user admin, password $Dashboard__Password)
  Database   psql -h 127.0.0.1 -p $pg_port -U postgres btc
Ctrl-C stops everything.

INFO

# In the foreground until a service stops or we are told to stop.
wait -n "${pids[@]}" || true
for i in "${!pids[@]}"; do
    kill -0 "${pids[$i]}" 2>/dev/null || service_failed "${names[$i]}" "stopped unexpectedly"
done
