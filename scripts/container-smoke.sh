#!/usr/bin/env bash
# Builds the newscrawl image with Podman and runs one scheduled round inside it against a
# replica served on the host's loopback, then checks the articles landed in the data volume.
#
#   bash scripts/container-smoke.sh        # about 5-10 minutes the first time (base + build)
#
# No Docker daemon and no pullable base image here: the base is built with debootstrap from the
# machine's own Debian mirror and imported. The build reaches only the package registries (Debian
# mirror, PyPI); the container at run time reaches only the host's loopback (--network host; the
# crawl replays every site host to the replica, and Chromium stays unused).
set -euo pipefail
cd "$(dirname "$0")/.."

BASE_IMAGE=localhost/debian-python:bookworm
IMAGE=localhost/newscrawl:smoke
WORK=${SMOKE_WORKDIR:-/tmp/newscrawl-container-smoke}
# Podman runs periodic health checks through systemd, absent here: the script runs the image's
# health command itself instead.
RUN_OPTIONS=(--runtime runc --ulimit nofile=20000:20000 --ulimit nproc=32768:32768 --no-healthcheck)
HOST_NET=(--network host)  # reaches the replica on the host's loopback

missing=()
for tool in podman buildah debootstrap runc; do command -v "$tool" >/dev/null || missing+=("$tool"); done
if ((${#missing[@]})); then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
mkdir -p "$WORK"

apt_mirror() {  # the Debian mirror this machine's apt uses
    grep -hoE '(https?://[^ ]+/debian)/?( |$)' /etc/apt/sources.list /etc/apt/sources.list.d/* 2>/dev/null \
        | grep -v security | head -1 | tr -d ' '
    grep -hE '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' | grep -E '/debian/?$' | head -1
}

if ! podman image exists "$BASE_IMAGE"; then
    mirror=$(apt_mirror | head -1)
    echo "== base: debootstrap bookworm from $mirror"
    rm -rf "$WORK/rootfs"
    debootstrap --variant=minbase --include=python3,python3-venv,python3-pip,ca-certificates \
        bookworm "$WORK/rootfs" "$mirror" >"$WORK/debootstrap.log"
    tar -C "$WORK/rootfs" -c . | podman import - "$BASE_IMAGE"
    rm -rf "$WORK/rootfs"
fi

echo "== build $IMAGE"
# The host's CA bundle (its package index may sit behind a TLS proxy) and its pip index URLs,
# passed as build secrets: seen by pip in the build stage only, in no layer of any image.
pip_conf="$WORK/pip.conf"
{
    echo "[global]"
    python3 -m pip config list 2>/dev/null | sed -nE "s/^global\.(index-url|extra-index-url|trusted-host)='(https?:[^']*)'$/\1 = \2/p"
} >"$pip_conf"
podman build --format docker --isolation chroot --build-arg BASE="$BASE_IMAGE" \
    --secret id=ca_certs,src=/etc/ssl/certs/ca-certificates.crt --secret id=pip_conf,src="$pip_conf" \
    -t "$IMAGE" . >"$WORK/build.log" 2>&1 || { tail -40 "$WORK/build.log"; exit 1; }
podman image inspect "$IMAGE" --format 'image {{.Id}}: user {{.Config.User}}, healthcheck {{.Config.Healthcheck.Test}}, cmd {{.Config.Cmd}}, volumes {{.Config.Volumes}}'
secrets=$(podman run --rm "${RUN_OPTIONS[@]}" --network none "$IMAGE" sh -c 'ls /run/secrets 2>/dev/null; find / -xdev -name pip.conf 2>/dev/null' || true)
[[ -z "$secrets" ]] || { echo "FAIL: build secrets left in the image: $secrets"; exit 1; }

echo "== replica on the host loopback"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -m newscrawl.replica --size 20 --seed 3 --port "$port" >"$WORK/replica.log" 2>&1 &
replica=$!
trap 'kill "$replica" 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/robots.txt" >/dev/null && break; sleep 0.2; done

echo "== one scheduled round inside the container"
data="$WORK/data"
rm -rf "$data" && mkdir -p "$data" && chown 1000:1000 "$data"
podman run --rm "${RUN_OPTIONS[@]}" "${HOST_NET[@]}" -v "$data:/data" "$IMAGE" \
    python -m newscrawl.schedule --once -a base_url="http://127.0.0.1:$port" 2>"$WORK/run.log" \
    || { echo "FAIL: the round exited $?"; tail -30 "$WORK/run.log"; exit 1; }
grep -E '\[newscrawl.schedule' "$WORK/run.log"
podman run --rm "${RUN_OPTIONS[@]}" --network none -v "$data:/data" "$IMAGE" python -m newscrawl.schedule health

echo "== a second round with no network but the container's own loopback (the same replica inside)"
# Proof that a round needs nothing beyond loopback: with --network none nothing else exists.
podman run --rm "${RUN_OPTIONS[@]}" --network none -v "$data:/data" "$IMAGE" sh -c \
    "python -m newscrawl.replica --size 20 --seed 3 --port $port >/dev/null 2>&1 & \
     until python -c 'import urllib.request as u; u.urlopen(\"http://127.0.0.1:$port/robots.txt\")' 2>/dev/null; do sleep 0.3; done; \
     python -m newscrawl.schedule --once -a base_url=http://127.0.0.1:$port" 2>"$WORK/run2.log" \
    || { echo "FAIL: the second round exited $?"; tail -30 "$WORK/run2.log"; exit 1; }
grep -E '\[newscrawl.schedule' "$WORK/run2.log"

echo "== what landed in the volume"
python3 - "$data" "$port" <<'PY'
import json, sqlite3, sys
from pathlib import Path
from newscrawl.replica import ReplicaSite
data = Path(sys.argv[1])
expected = set(ReplicaSite(size=20, seed=3).article_ids())
stored = {row[0] for row in sqlite3.connect(data / "newscrawl.sqlite3").execute("SELECT article_id FROM articles")}
last = json.loads((data / "runs" / "last.json").read_text())
run = last["sites"]["voachinese"]
feeds = sorted((data / "runs").glob("*.jsonl"))
feed = [json.loads(line) for line in feeds[0].read_text().splitlines()]
print(f"last run: {run['run']} {run['status']}, articles {run['articles']}")
print(f"store: {len(stored)} articles of the replica's {len(expected)}; first run's feed: {len(feed)} items; "
      f"feeds: {len(feeds)}; missing: {sorted(expected - stored)}")
ok = stored == expected and len(feed) == len(expected) and len(feeds) == 1
sys.exit(0 if ok and run["status"] == "ok" and run["articles"]["new"] == 0 else 1)
PY
echo "== container smoke: OK"
