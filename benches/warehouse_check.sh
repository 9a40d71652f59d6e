#!/usr/bin/env bash
# Proves the sharded warehouse export with a real engine: generates a corpus,
# splits it into overlapping shards (files in two shards are copies across
# shards), exports each shard as Parquet and NDJSON, runs the README's DuckDB SQL
# ("Sharded runs") on the union of the shards, and compares the totals and
# breakdowns with `summary --format json` of all shards, exactly.
#
#   bash benches/warehouse_check.sh                     # 3000 reports, 4 shards
#   REPORTS=20000 SHARDS=6 SEED=7 bash benches/warehouse_check.sh
#   PROFILE=debug bash benches/warehouse_check.sh       # no release build
#
# DuckDB comes from PyPI into a virtual environment of its own
# ($CARGO_TARGET_DIR/duckdb-venv) when it is not there yet.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
profile="${PROFILE:-release}"
reports="${REPORTS:-3000}"
shards="${SHARDS:-4}"
seed="${SEED:-1}"
data="${CHECK_DATA:-$target/warehouse-check}"
venv="$target/duckdb-venv"

if ! "$venv/bin/python" -c 'import duckdb' 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet duckdb
fi

flag=()
[ "$profile" = release ] && flag=(--release)
cargo build "${flag[@]}" --locked --example gen_corpus --bin tlsrpt-analyzer >&2
bin="$target/$profile/tlsrpt-analyzer"

rm -rf "$data"
mkdir -p "$data"
"$target/$profile/examples/gen_corpus" --reports "$reports" --seed "$seed" --layout mixed \
  --out "$data/corpus" >&2

# Each file goes to one shard, and one file in three to another one as well.
python3 - "$data" "$shards" "$seed" <<'PY'
import os, random, shutil, sys
data, shards, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = random.Random(seed)
corpus = os.path.join(data, "corpus")
files = sorted(os.path.relpath(os.path.join(d, f), corpus)
               for d, _, names in os.walk(corpus) for f in names)
for name in files:
    homes = {rng.randrange(shards)}
    if rng.random() < 1 / 3:
        homes.add(rng.randrange(shards))
    for shard in homes:
        target = os.path.join(data, "split", f"shard-{shard}", name)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copyfile(os.path.join(corpus, name), target)
PY

inputs=()
for ((shard = 0; shard < shards; shard++)); do
  input="$data/split/shard-$shard"
  mkdir -p "$input"
  inputs+=("$input")
  "$bin" export --format parquet,ndjson --shard "$shard" --out "$data/shards/shard-$shard" \
    "$input" 2>> "$data/export.log"
done
"$bin" summary --format json "${inputs[@]}" > "$data/summary.json"

"$venv/bin/python" - "$data" README.md <<'PY'
import json, os, re, sys
import duckdb

data, readme = sys.argv[1], open(sys.argv[2]).read()
# The SQL block after the marker in the README, as a reader would copy it.
sql = re.search(r"<!-- shard-sql:duckdb -->\s*```sql\n(.*?)```", readme, re.S).group(1)
summary = json.load(open(f"{data}/summary.json"))
os.chdir(data)  # the SQL reads shards/*/...

def rows(con, view, keys):
    cursor = con.execute(f"SELECT * FROM {view}")
    names = [d[0] for d in cursor.description]
    return sorted((dict(zip(names, row)) for row in cursor.fetchall()),
                  key=lambda r: tuple(str(r[k]) for k in keys))

def expected(name, keys):
    return sorted(summary[name], key=lambda r: tuple(str(r[k]) for k in keys))

def check(label, sql):
    con = duckdb.connect()
    con.execute(sql)
    failures = []
    totals = rows(con, "totals", [])[0]
    for key, value in totals.items():
        if summary[key] != value:
            failures.append(f"{key}: summary {summary[key]}, SQL {value}")
    for view, keys in [("by_result_type", ["result_type"]), ("by_organization", ["organization"]),
                       ("by_policy", ["policy_type", "policy_domain"]), ("by_day", ["day"])]:
        got, want = rows(con, view, keys), expected(view, keys)
        if got != want:
            failures.append(f"{view}: {len(want)} rows in summary, {len(got)} from SQL, differing")
    print(f"{label}: {totals['reports']} reports, {len(rows(con, 'by_day', ['day']))} days:",
          "equal" if not failures else "DIFFERENT")
    for failure in failures:
        print("  ", failure)
    return not failures

ndjson = re.sub(r"read_parquet\('shards/\*/([a-z-]+)/\*/\*\.parquet', hive_partitioning = true\)",
                r"read_json('shards/*/\1.ndjson', format = 'newline_delimited')", sql)
print(f"summary of all shards: {summary['reports']} reports, {summary['duplicates']} copies dropped")
ok = check("Parquet", sql) & check("NDJSON", ndjson)
sys.exit(0 if ok else 1)
PY
