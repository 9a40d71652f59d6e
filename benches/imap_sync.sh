#!/usr/bin/env bash
# Syncing an IMAP folder into a library, against parsedmarc's IMAP mode on the
# same folder of the same local Dovecot, in one run: the first sync of MESSAGES
# generated report e-mails (messages/s, peak memory), an incremental sync after
# 100 more arrive, then parsedmarc reading the folder (read-only: its test mode).
#
#   bash benches/imap_sync.sh                  # 20,000 messages
#   MESSAGES=2000 bash benches/imap_sync.sh
#
# Needs Dovecot (apt-get install dovecot-imapd); parsedmarc is installed into
# /root/venvs/parsedmarc when absent (PARSEDMARC=path/to/parsedmarc to use another).
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
messages="${MESSAGES:-20000}"
# The command line alone: the benchmark opens no window.
cargo build --release --locked --no-default-features --bin tlsrpt-analyzer >&2
bin="$target/release/tlsrpt-analyzer"
# The server and its filling are not measured: any build of the example will do
# (DOVECOT_BENCH=path to use one built already).
server="${DOVECOT_BENCH:-}"
if [ -z "$server" ]; then
  cargo build --release --locked --example dovecot_bench >&2
  server="$target/release/examples/dovecot_bench"
fi
parsedmarc="${PARSEDMARC:-/root/venvs/parsedmarc/bin/parsedmarc}"
if [ ! -x "$parsedmarc" ]; then
  python3 -m venv /root/venvs/parsedmarc
  /root/venvs/parsedmarc/bin/pip install -q parsedmarc
  parsedmarc=/root/venvs/parsedmarc/bin/parsedmarc
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "filling a private Dovecot with $messages messages (IMAP APPEND)..." >&2
coproc SERVER { "$server" "$messages" 1; }
read -r _ready port ca user password <&"${SERVER[0]}"
lib="$work/lib.sqlite"
url="imaps://$user@127.0.0.1:$port/INBOX"
"$bin" source add --library "$lib" "$url" --ca-file "$ca" > /dev/null
export TLSRPT_IMAP_PASSWORD="$password"

timed() { # name, command...: wall seconds and peak RSS into $work/NAME.time
  local name="$1"
  shift
  /usr/bin/time -f "%e %M" -o "$work/$name.time" "$@" > "$work/$name.out"
}
sync
timed first "$bin" sync --library "$lib"
echo "append 100" >&"${SERVER[1]}"
read -r _appended <&"${SERVER[0]}"
timed incremental "$bin" sync --library "$lib"
timed again "$bin" sync --library "$lib"
"$bin" summary --format json --library "$lib" > "$work/summary.json"

cat > "$work/parsedmarc.ini" <<INI
[general]
save_aggregate = False
save_forensic = False
save_smtp_tls = True
silent = True
# No network beyond the local server: no reverse DNS, no IP database download.
offline = True
always_use_local_files = True
output = $work/parsedmarc-out

[imap]
host = 127.0.0.1
port = $port
ssl = True
skip_certificate_verification = True
user = $user
password = $password

[mailbox]
reports_folder = INBOX
test = True
watch = False
# Its default (10) reads only the first 10 messages of a run in test mode.
batch_size = 0
INI
timed parsedmarc "$parsedmarc" -c "$work/parsedmarc.ini" || echo "parsedmarc failed" >&2
exec {SERVER[1]}>&-
wait "$SERVER_PID" || true

python3 - "$work" "$messages" <<'PY'
import json, os, sys
work, messages = sys.argv[1], int(sys.argv[2])
def timing(name):
    seconds, kib = open(f"{work}/{name}.time").read().split()[-2:]
    return float(seconds), int(kib) / 1024
def line(name):
    return open(f"{work}/{name}.out").read().strip()
first, first_mb = timing("first")
inc, inc_mb = timing("incremental")
again, _ = timing("again")
pm, pm_mb = timing("parsedmarc")
reports = json.load(open(f"{work}/summary.json"))["reports"]
pm_reports = None
out = f"{work}/parsedmarc-out/smtp_tls.json"
if os.path.exists(out):
    pm_reports = len(json.load(open(out)))
total = messages + 100
print(f"tlsrpt-analyzer first sync:   {messages} messages in {first:.2f} s = {messages / first:,.0f} messages/s, peak RSS {first_mb:.0f} MiB")
print(f"  {line('first')}")
print(f"tlsrpt-analyzer incremental:  100 new messages in {inc:.3f} s, peak RSS {inc_mb:.0f} MiB")
print(f"  {line('incremental')}")
print(f"tlsrpt-analyzer nothing new:  {again:.3f} s")
print(f"library holds {reports} reports (folder: {total} messages)")
print(f"parsedmarc (IMAP, test mode): {total} messages in {pm:.1f} s = {total / pm:,.0f} messages/s, peak RSS {pm_mb:.0f} MiB, {pm_reports} SMTP TLS reports written")
print(f"messages/s ratio (first sync vs parsedmarc): {(messages / first) / (total / pm):.1f}x")
PY
