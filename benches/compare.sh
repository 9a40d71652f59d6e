#!/usr/bin/env bash
# tlsrpt-analyzer and parsedmarc side by side, on the same generated inputs, in one
# run of both: wall time and peak RSS (GNU time), reports read, session totals and
# the speed ratio, with every difference in what they read accounted for.
#
#   bash benches/compare.sh
#
# Inputs (generated once into the data folder, then reused):
#   files20k/            20,000 reports as files: .json, .json.gz, .zip and .eml
#   mbox20k/reports.mbox 20,000 report e-mails in one mbox
#   mbox1g/reports.mbox  220,000 report e-mails, 1.09 GB (the one of mbox_1g.sh)
#   mbox20k-pm/, mbox1g-pm/
#                        the same mboxes without the messages parsedmarc stops at
#                        (its mbox loop gives up on the first SMTP TLS report it
#                        cannot parse), so that both tools can be timed on them
# parsedmarc comes from PyPI, installed into a virtual environment in the data folder.
#
# Environment:
#   BENCH_DATA         data folder (default: ${CARGO_TARGET_DIR:-target}/bench-data)
#   PARSEDMARC_BUDGET  seconds parsedmarc gets on each 1 GB mbox (default 420);
#                      when it does not finish, its throughput is taken from the
#                      messages it had read when stopped
#
# Prints a table and writes everything measured to DATA/compare.json.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
data="${BENCH_DATA:-$target/bench-data}"
budget="${PARSEDMARC_BUDGET:-420}"

cargo build --release --locked --example gen_corpus --example read_floor --bin tlsrpt-analyzer >&2
gen="$target/release/examples/gen_corpus"
mkdir -p "$data"

# A corpus is complete once the generator has written its expected totals, last.
corpus() { # name layout reports
  if [ ! -f "$data/$1.expected.json" ]; then
    rm -rf "${data:?}/$1"
    "$gen" --reports "$3" --layout "$2" --out "$data/$1"
  fi
}
corpus files20k files 20000
corpus mbox20k mbox 20000
corpus mbox1g mbox 220000

if [ ! -x "$data/venv/bin/parsedmarc" ]; then
  echo "installing parsedmarc into $data/venv" >&2
  python3 -m venv "$data/venv"
  "$data/venv/bin/pip" install --quiet parsedmarc
fi

# The mboxes without the messages parsedmarc stops at, found with its own functions
# applied as its parse_report_email applies them (without its slow full e-mail parse).
subset() { # name
  if [ ! -f "$data/$1-pm/filter.json" ]; then
    mkdir -p "$data/$1-pm"
    "$data/venv/bin/python" - "$data/$1/reports.mbox" "$data/$1-pm/reports.mbox" \
      > "$data/$1-pm/filter.json.tmp" <<'PY'
import base64, binascii, email, json, mmap, sys
from parsedmarc import (InvalidDMARCReport, ParserError, extract_report,
                        parse_smtp_tls_report_json)

def stops_parsedmarc(raw):
    """Whether parsedmarc's mbox loop stops at this message: the report part raises
    a ParserError that is not an InvalidDMARCReport, the one error it passes over."""
    msg = email.message_from_string(raw.decode("utf8", errors="replace"))
    for part in msg.walk():
        ctype = part.get_content_type().lower()
        payload = part.get_payload()
        payload = str(payload[0] if isinstance(payload, list) else payload)
        try:
            if ctype == "application/tlsrpt+json":
                if not payload.strip().startswith("{"):
                    payload = base64.b64decode(payload).decode("utf-8", errors="replace")
                parse_smtp_tls_report_json(payload)
                return False
            if ctype == "application/tlsrpt+gzip":
                parse_smtp_tls_report_json(extract_report(payload))
                return False
        except InvalidDMARCReport:
            return False
        except (ParserError, binascii.Error, ValueError):
            return True
    return False

source, target = sys.argv[1], sys.argv[2]
with open(source, "rb") as f:
    data = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
kept, dropped = 0, []
with open(target, "wb") as out:
    start = number = 0
    while start < len(data):
        end = data.find(b"\nFrom ", start)
        end = len(data) if end < 0 else end + 1
        number += 1
        message = data[start:end]
        if stops_parsedmarc(message.split(b"\n", 1)[-1]):
            dropped.append(number)
        else:
            out.write(message)
            kept += 1
        start = end
json.dump({"messages": kept + len(dropped), "kept": kept, "dropped": len(dropped),
           "first_dropped": dropped[0] if dropped else None}, sys.stdout)
PY
    mv "$data/$1-pm/filter.json.tmp" "$data/$1-pm/filter.json"
  fi
}
subset mbox20k
subset mbox1g

"$data/venv/bin/python" - "$target/release/tlsrpt-analyzer" "$data" "$budget" <<'PY'
import json, mailbox, mmap, os, re, shutil, subprocess, sys, threading, time

ours, data, budget = sys.argv[1], sys.argv[2], int(sys.argv[3])
parsedmarc = os.path.join(data, "venv", "bin", "parsedmarc")
work = os.path.join(data, "compare")
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)


def load():
    return float(open("/proc/loadavg").read().split()[0])


def gnu_time(path):
    text = open(path).read()
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", text)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
    secs = sum(float(x) * 60**i for i, x in enumerate(reversed(wall.group(1).split(":"))))
    return secs, int(rss.group(1)) * 1024


def child_of(parent):
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = open(f"/proc/{entry}/stat").read()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == parent:
                return int(entry)
    return None


def files_of(path):
    if not os.path.isdir(path):
        return [path]
    return [os.path.join(d, f) for d, _, fs in os.walk(path) for f in fs]


def size(path):
    return sum(os.path.getsize(f) for f in files_of(path))


def warm(inputs):
    """Reads the inputs once, so that each tool finds them in the page cache."""
    for path in (f for i in inputs for f in files_of(i)):
        with open(path, "rb") as handle:
            while handle.read(1 << 20):
                pass


def timed(name, command, limit=None, watch=None, inputs=()):
    """Runs command under GNU time, killed after `limit` seconds; returns the figures."""
    warm(inputs)
    time_file = os.path.join(work, name + ".time")
    before = load()
    with open(os.path.join(work, name + ".out"), "wb") as out, \
            open(os.path.join(work, name + ".err"), "wb") as err:
        started = time.time()
        process = subprocess.Popen(["/usr/bin/time", "-v", "-o", time_file] + command,
                                   stdout=out, stderr=err)
        child = None
        while child is None and process.poll() is None:
            child = child_of(process.pid)
        progress = watch(child, started) if watch and child else None
        killed = False
        try:
            status = process.wait(timeout=limit)
        except subprocess.TimeoutExpired:
            # Stopped directly, so that GNU time still reports what it used.
            os.kill(child, 9)
            killed = True
            status = process.wait()
    wall, rss = gnu_time(time_file)
    return {"command": command, "status": status, "killed_after_s": limit if killed else None,
            "wall_s": wall, "peak_rss_bytes": rss, "load_before": before,
            "progress": progress() if progress else None}


def our_run(name, inputs):
    run = timed(name, [ours, "summary", "--format", "json"] + inputs, inputs=inputs)
    summary = json.load(open(os.path.join(work, name + ".out")))
    run.update(reports=summary["reports"], successful=summary["successful_sessions"],
               failed=summary["failed_sessions"], problems=len(summary["problems"]))
    return run


def floor(folder):
    """Listing the folder and reading its files on every core, decoding nothing (the
    best of three runs, and with a stat per file as loading does)."""
    tool = os.path.join(os.path.dirname(ours), "examples", "read_floor")
    runs = {}
    for stat in (False, True):
        warm([folder])
        outs = [json.loads(subprocess.run([tool, folder] + (["--stat"] if stat else []),
                                          capture_output=True, text=True, check=True).stdout)
                for _ in range(3)]
        runs["with_stat" if stat else "read_only"] = min(o["wall_s"] for o in outs)
    return runs


def count(value):
    return int(value) if str(value).strip() else 0


def pm_reports(out_dir):
    path = os.path.join(out_dir, "smtp_tls.json")
    return json.load(open(path)) if os.path.exists(path) else None


def pm_run(name, args, inputs, limit=None, watch=None):
    out_dir = os.path.join(work, name + "-output")
    run = timed(name, [parsedmarc, "--offline", "--silent", "-o", out_dir] + args,
                limit=limit, watch=watch, inputs=inputs)
    reports = pm_reports(out_dir)
    err = open(os.path.join(work, name + ".err"), errors="replace").read()
    run["finished"] = reports is not None
    run["last_error_line"] = next(
        (l for l in reversed(err.splitlines()) if l.strip() and not l.startswith("\t")), "")
    if reports is not None:
        run.update(
            reports=len(reports),
            successful=sum(count(p["successful_session_count"]) for r in reports for p in r["policies"]),
            failed=sum(count(p["failed_session_count"]) for r in reports for p in r["policies"]))
    else:
        run.update(reports=None, successful=None, failed=None)
    return run, reports, err


def mbox_watch(mbox):
    """Follows parsedmarc through an mbox: it reads the whole file twice (to find the
    messages, once in is_mbox and once to list them), then message by message; the
    file position of its handle then marks the last message read."""
    real, size = os.path.realpath(mbox), os.path.getsize(mbox)

    def watch(pid, started):
        state = {"phase": 0, "last": None, "parse_start": None, "pos": 0, "at": started}

        def position(pid):
            try:
                for fd in os.listdir(f"/proc/{pid}/fd"):
                    try:
                        if os.readlink(f"/proc/{pid}/fd/{fd}") == real:
                            info = open(f"/proc/{pid}/fdinfo/{fd}").read()
                            return int(re.search(r"pos:\s+(\d+)", info).group(1))
                    except OSError:
                        continue
            except OSError:
                return "gone"
            return None

        def loop():
            while True:
                pos = position(pid)
                if pos == "gone":
                    return
                last = state["last"]
                if pos is None and last is not None:
                    state["phase"] += 1  # the handle was closed: one pass done
                elif pos is not None and last is not None and pos < last - size // 2:
                    state["phase"] += 1  # back to the start: the next pass
                # The passes read whole blocks; a message read ends anywhere.
                if pos is not None and (state["phase"] >= 2 or (pos % 4096 and pos < size)):
                    if state["parse_start"] is None:
                        state["parse_start"] = time.time()
                    state["pos"], state["at"] = pos, time.time()
                state["last"] = pos
                time.sleep(0.02)

        thread = threading.Thread(target=loop, daemon=True)
        thread.start()

        def result():
            thread.join(timeout=2)
            pos = state["pos"]
            with open(mbox, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as m:
                read = (1 if pos > 0 else 0) + m[:pos].count(b"\nFrom ") if pos else 0
                total = 1 + m[:].count(b"\nFrom ")
            return {"bytes_read": pos, "messages_read": read, "messages": total, "bytes": size,
                    "parse_started_s": (state["parse_start"] - started) if state["parse_start"] else None,
                    "last_seen_s": state["at"] - started}
        return result
    return watch


def our_reports(name, inputs):
    """Our reports, one row each, with where they were read (export, not timed)."""
    out_dir = os.path.join(work, name + "-export")
    subprocess.run([ours, "export", "--format", "json", "--out", out_dir] + inputs,
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return json.load(open(os.path.join(out_dir, "reports.json")))


def account(name, inputs, pm_list, pm_err, folder=None):
    """Sorts every report parsedmarc did not read by the reason, from its own messages."""
    ours_rows = our_reports(name, inputs)
    theirs = {(r["organization_name"], str(r["report_id"])): r for r in pm_list or []}
    failed = {}
    for line in pm_err.splitlines():
        m = re.search(r"Failed to parse (.+?) - (.*)$", line)
        if m:
            failed[os.path.realpath(m.group(1))] = m.group(2)
    reasons, sessions_differ, matched = {}, 0, set()
    for row in ours_rows:
        key = (row["organization"], str(row["report_id"]))
        if key in theirs:
            matched.add(key)
            r = theirs[key]
            pm_ok = sum(count(p["successful_session_count"]) for p in r["policies"])
            pm_failed = sum(count(p["failed_session_count"]) for p in r["policies"])
            if (pm_ok, pm_failed) != (row["successful_sessions"], row["failed_sessions"]):
                sessions_differ += 1
            continue
        path = os.path.realpath(row["source"].split(" › ")[0])
        if path in failed:
            reason = "error: " + re.sub(r"\d+", "N", failed[path])[:160]
        elif folder is not None and len(mailbox.mbox(path).keys()) > 0:
            reason = ("taken for an mbox (a line of the e-mail starts with 'From '); "
                      "nothing read from it, a warning hidden by --silent")
        else:
            reason = "unexplained"
        entry = reasons.setdefault(reason, {"reports": 0, "successful": 0, "failed": 0,
                                            "organizations": {}})
        entry["reports"] += 1
        entry["successful"] += row["successful_sessions"]
        entry["failed"] += row["failed_sessions"]
        org = row["organization"]
        entry["organizations"][org] = entry["organizations"].get(org, 0) + 1
    extra = len(set(theirs) - matched)
    return {"missing": reasons, "extra_in_parsedmarc": extra,
            "sessions_differ_in_common_reports": sessions_differ}


def compare(name, label, inputs, pm_args, limit=None, watch=None, folder=False):
    print(f"[{time.strftime('%H:%M:%S')}] {label}: tlsrpt-analyzer ...", file=sys.stderr)
    mine = our_run(name + "-ours", inputs)
    print(f"[{time.strftime('%H:%M:%S')}] {label}: parsedmarc ...", file=sys.stderr)
    theirs, pm_list, pm_err = pm_run(name + "-parsedmarc", pm_args, inputs, limit=limit,
                                     watch=watch(inputs[0]) if watch else None)
    case = {"name": name, "label": label, "inputs": inputs, "ours": mine, "parsedmarc": theirs,
            "input_bytes": sum(size(i) for i in inputs)}
    same = (theirs["finished"] and theirs["reports"] == mine["reports"]
            and theirs["successful"] == mine["successful"] and theirs["failed"] == mine["failed"])
    case["same_counts"] = same
    if folder:
        case["floor"] = floor(inputs[0])
    if theirs["finished"]:
        case["ratio"] = theirs["wall_s"] / mine["wall_s"]
        if not same:
            case["account"] = account(name, inputs, pm_list, pm_err, folder=folder)
    elif theirs["killed_after_s"] and theirs["progress"] and theirs["progress"]["messages_read"]:
        p = theirs["progress"]
        case["parsedmarc_throughput"] = {
            "messages_per_s": p["messages_read"] / theirs["wall_s"],
            "bytes_per_s": p["bytes_read"] / theirs["wall_s"]}
        ours_bps = case["input_bytes"] / mine["wall_s"]
        case["ratio"] = ours_bps / (p["bytes_read"] / theirs["wall_s"])
    return case


def mib(b):
    return f"{b / 2**20:.0f} MiB"


def show(case):
    mine, theirs = case["ours"], case["parsedmarc"]
    print(f"\n{case['label']}  ({case['input_bytes'] / 1e6:,.0f} MB)")
    for tool, run in (("tlsrpt-analyzer", mine), ("parsedmarc", theirs)):
        counted = ("-" if run["reports"] is None else
                   f"{run['reports']:>7,} reports  {run['successful']:>12,} successful  {run['failed']:>10,} failed sessions")
        print(f"  {tool:<16} {run['wall_s']:>8.2f} s  {mib(run['peak_rss_bytes']):>8}  {counted}"
              f"   (load {run['load_before']:.2f})")
    if not theirs["finished"]:
        p = theirs["progress"]
        if theirs["killed_after_s"] and p:
            print(f"  parsedmarc stopped after its {budget} s budget: it had read {p['messages_read']:,} of "
                  f"{p['messages']:,} messages ({p['bytes_read'] / 1e6:,.0f} of {p['bytes'] / 1e6:,.0f} MB), "
                  f"parsing from {p['parse_started_s'] or 0:.0f} s on")
            t = case.get("parsedmarc_throughput")
            if t:
                print(f"  parsedmarc throughput over its run: {t['messages_per_s']:,.0f} messages/s, "
                      f"{t['bytes_per_s'] / 1e6:.2f} MB/s; tlsrpt-analyzer: "
                      f"{mine['reports'] / mine['wall_s']:,.0f} reports/s, "
                      f"{case['input_bytes'] / mine['wall_s'] / 1e6:,.0f} MB/s")
        else:
            print(f"  parsedmarc stopped with exit status {theirs['status']} and wrote no output, so it read "
                  f"none of the {mine['reports']:,} reports: {theirs['last_error_line'][:160]}")
    if "ratio" in case and theirs["finished"]:
        print(f"  speed ratio (parsedmarc time / tlsrpt-analyzer time): {case['ratio']:,.0f}x")
    if "floor" in case:
        f = case["floor"]
        print(f"  listing and reading the files alone, decoding nothing: {f['read_only']:.3f} s "
              f"({f['with_stat']:.3f} s with a stat per file); 1/100 of parsedmarc's time: "
              f"{theirs['wall_s'] / 100:.3f} s")
    elif "ratio" in case:
        print(f"  speed ratio (tlsrpt-analyzer MB/s / parsedmarc MB/s): {case['ratio']:,.0f}x")
    if theirs["finished"]:
        print("  same reports and session totals: " + ("yes" if case["same_counts"] else "NO"))
    acc = case.get("account")
    if acc:
        for reason, e in sorted(acc["missing"].items(), key=lambda kv: -kv[1]["reports"]):
            orgs = ", ".join(f"{o} {n:,}" for o, n in sorted(e["organizations"].items()))
            print(f"    not read by parsedmarc: {e['reports']:,} reports ({e['successful']:,} successful, "
                  f"{e['failed']:,} failed sessions): {reason} [{orgs}]")
        missing = acc["missing"].values()
        explained = (mine["reports"] - sum(e["reports"] for e in missing) == theirs["reports"]
                     and mine["successful"] - sum(e["successful"] for e in missing) == theirs["successful"]
                     and mine["failed"] - sum(e["failed"] for e in missing) == theirs["failed"]
                     and acc["extra_in_parsedmarc"] == 0 and acc["sessions_differ_in_common_reports"] == 0
                     and "unexplained" not in acc["missing"])
        print("  every difference accounted for: " + ("yes" if explained else
              f"NO ({acc['extra_in_parsedmarc']} reports only in parsedmarc's output, "
              f"{acc['sessions_differ_in_common_reports']} common reports with other totals)"))
        case["accounted"] = explained


machine = {
    "cpus": os.cpu_count(),
    "cpu": next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?"),
    "memory_gib": round(int(open("/proc/meminfo").readline().split()[1]) / 2**20),
    "date": time.strftime("%Y-%m-%d %H:%M"),
    "parsedmarc": "parsedmarc " + subprocess.run([parsedmarc, "--version"], capture_output=True,
                                                 text=True).stdout.strip(),
}
d = lambda *p: os.path.join(data, *p)
filters = {n: json.load(open(d(n + "-pm", "filter.json"))) for n in ("mbox20k", "mbox1g")}
generated = {n: json.load(open(d(n + ".expected.json")))["reports"]
             for n in ("files20k", "mbox20k", "mbox1g")}
big = size(d("mbox1g", "reports.mbox")) / 1e9
# parsedmarc is given the folder with -r: without it, it reads no subfolder.
cases = [
    compare("files", f"{generated['files20k']:,} reports as .json, .json.gz, .zip and .eml files",
            [d("files20k")], ["-r", d("files20k")], limit=1800, folder=True),
    compare("mbox", f"{generated['mbox20k']:,} reports in one mbox",
            [d("mbox20k", "reports.mbox")], [d("mbox20k", "reports.mbox")], limit=1800),
    compare("mbox-pm", f"the same mbox without the {filters['mbox20k']['dropped']:,} messages parsedmarc stops at",
            [d("mbox20k-pm", "reports.mbox")], [d("mbox20k-pm", "reports.mbox")], limit=1800),
    compare("mbox1g", f"{generated['mbox1g']:,} reports in one {big:.2f} GB mbox",
            [d("mbox1g", "reports.mbox")], [d("mbox1g", "reports.mbox")], limit=budget,
            watch=mbox_watch),
    compare("mbox1g-pm", f"the {big:.2f} GB mbox without the {filters['mbox1g']['dropped']:,} messages parsedmarc stops at",
            [d("mbox1g-pm", "reports.mbox")], [d("mbox1g-pm", "reports.mbox")], limit=budget,
            watch=mbox_watch),
]
print(f"{machine['cpus']} CPUs ({machine['cpu']}), {machine['memory_gib']} GiB, "
      f"{machine['parsedmarc']}, {machine['date']}; one run of each tool per input")
for name, f in filters.items():
    print(f"{name}: parsedmarc stops at message {f['first_dropped']:,}; "
          f"{f['dropped']:,} of {f['messages']:,} messages stop it")
for case in cases:
    show(case)
json.dump({"machine": machine, "filters": filters, "cases": cases},
          open(d("compare.json"), "w"), indent=1)
print(f"\nall figures: {d('compare.json')}")
PY
