#!/usr/bin/env bash
# Installs everything, serves the bundled replica of voachinese.com on 127.0.0.1 and crawls
# all of it through the spider's normal sources (feeds, sitemaps, section listings).
# The feed lands in ./data/feeds/voa-<UTC timestamp>.jsonl. Extra arguments go to `scrapy crawl`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh

size=${REPLICA_SIZE:-300}
seed_doc=tests/fixtures/seed/000_643a62e685c401ee.txt
seed_args=()
[[ -f $seed_doc ]] && seed_args=(--seed-doc "$seed_doc")

log=$(mktemp)
python3 -m newscrawl.replica --size "$size" "${seed_args[@]}" --port 0 >"$log" &
replica=$!
trap 'kill $replica 2>/dev/null' EXIT
for _ in $(seq 100); do
    grep -q '^serving ' "$log" && break
    sleep 0.1
done
base_url=$(sed -n 's/^serving //p' "$log")
[[ -n $base_url ]] || { echo "replica did not start:"; cat "$log"; exit 1; }
echo "replica of voachinese.com ($size articles) at $base_url"

python3 -m scrapy crawl voa -a base_url="$base_url" "$@"
ls -l data/feeds | tail -n 1
