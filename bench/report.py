#!/usr/bin/python3
"""bench/report.py: the host half of `make bench`.

Reads the guest's trials.jsonl + meta.json (bench/run.sh), adds the host's versions, and
writes the result JSON, the markdown table (ratios to openvswitch.ko) and the P3 plot.
Exit status 1 if the run is incomplete: a cell that should have a value has none (or an
error), or the written JSON does not load back. Nothing is asserted about speed.

usage: report.py TRIALS_DIR --json OUT.json --md OUT.md --png OUT.png
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

CONTENDERS = ["ours", "upstream", "bridge", "null"]
LABEL = {"ours": "openvswitch_rs.ko", "upstream": "openvswitch.ko", "bridge": "bridge", "null": "null redirect"}
OVS = ("ours", "upstream")
P3_MASKS = [1, 16, 64, 256]

# (scenario, cell, contenders that can express it, description, higher is better)
CELLS = [("P1", "1flow", CONTENDERS, "P1 one exact flow, one stream (pps)", True),
         ("P2", "1000flows32masks", OVS, "P2 1000 flows / 32 masks, 1000 src ports, cache on (pps)", True)]
for n in P3_MASKS:
    for c in ("off", "on"):
        CELLS.append(("P3", f"masks{n}-cache{c}", OVS, f"P3 {n} mask{'s' if n > 1 else ''}, hit on the last, cache {c} (pps)", True))
CELLS += [("P4", "install", OVS, "P4 flow install over netlink, batched (flows/s)", True),
          ("P5", "upcalls", OVS, "P5 misses delivered to a userspace listener (upcalls/s)", True),
          ("P8", "ct-commit-recirc", OVS, "P8 one UDP stream through ct(commit) and a recirculation (pps)", True),
          ("P7", "mem", OVS, "P7 kernel memory per installed flow (bytes, lower is better)", False)]


def cmd(*argv):
    try:
        return subprocess.run(argv, capture_output=True, text=True, check=False).stdout.strip().splitlines()[0]
    except (OSError, IndexError):
        return None


def fmt(v):
    if v >= 100000:
        return f"{v / 1000:.0f}k"
    if v >= 10000:
        return f"{v / 1000:.1f}k"
    return f"{v:.0f}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--json", required=True)
    ap.add_argument("--md", required=True)
    ap.add_argument("--png", required=True)
    a = ap.parse_args()

    trials = [json.loads(l) for l in open(os.path.join(a.dir, "trials.jsonl")) if l.strip()]
    meta = json.load(open(os.path.join(a.dir, "meta.json")))
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    meta.update({
        "git_describe": cmd("git", "-C", repo, "describe", "--always", "--dirty"),
        "rustc": cmd("rustc", "--version"),
        "clang": cmd("clang-19", "--version"),
        "host_date_utc": cmd("date", "-u", "+%Y-%m-%dT%H:%M:%SZ"),
    })

    problems = []
    cells = {}
    # The contenders this run loaded (make check's smoke run loads a subset).
    ran = meta.get("contenders", CONTENDERS)
    for scen, cell, who, desc, _ in CELLS:
        for c in CONTENDERS:
            ts = [t for t in trials if t["scenario"] == scen and t["cell"] == cell and t["contender"] == c]
            errs = [t["error"] for t in ts if "error" in t]
            vals = [t["value"] for t in ts if "value" in t]
            key = f"{scen}/{cell}/{c}"
            if c not in who or c not in ran:
                if vals:
                    problems.append(f"{key}: values for a contender that cannot express it or did not run")
                continue
            want = meta["p4_trials"] if scen in ("P4", "P7") else meta["trials"]
            if errs:
                problems.append(f"{key}: {errs[0]}")
            if len(vals) < want:
                problems.append(f"{key}: {len(vals)} of {want} trials have a value")
            if vals:
                cells[key] = {"min": min(vals), "median": statistics.median(vals), "max": max(vals), "n": len(vals)}

    result = {"meta": meta, "cells": cells, "trials": trials, "problems": problems}
    with open(a.json, "w") as f:
        json.dump(result, f, indent=1)
    try:  # the file as written must load back
        json.load(open(a.json))
    except ValueError as e:
        problems.append(f"{a.json}: not well-formed JSON: {e}")

    def med(key):
        return cells[key]["median"] if key in cells else None

    def cell_text(key, known):
        if not known:
            return "n/a"
        if key not in cells:
            return "**missing**"
        s = cells[key]
        return f"{fmt(s['median'])} ({fmt(s['min'])}–{fmt(s['max'])})"

    lines = []
    q = " (QUICK mode: short windows, few trials, not for quoting)" if meta["quick"] else ""
    lines.append(f"Guest kernel {meta['guest_kernel']}, {meta['cpus']} vCPUs under TCG, "
                 f"{meta['trials']} rounds × {meta['duration_s']} s windows (P4/P7: {meta['p4_trials']} × "
                 f"{meta['p4_flows']} flows), tree {meta['git_describe']}{q}.")
    lines.append("Cells: median (min–max) over the trials. Ratio: ours ÷ openvswitch.ko (medians).")
    lines.append("")
    lines.append("| scenario | " + " | ".join(LABEL[c] for c in CONTENDERS) + " | ours ÷ openvswitch.ko |")
    lines.append("|---" * (len(CONTENDERS) + 2) + "|")
    for scen, cell, who, desc, _ in CELLS:
        row = [cell_text(f"{scen}/{cell}/{c}", c in who) if c in ran else "not run" for c in CONTENDERS]
        o, u = med(f"{scen}/{cell}/ours"), med(f"{scen}/{cell}/upstream")
        ratio = f"{o / u:.2f}" if o and u else "n/a"
        lines.append(f"| {desc} | " + " | ".join(row) + f" | {ratio} |")
    # P6: each datapath's P1 rate over the null redirect's.
    null = med("P1/1flow/null")
    p6 = []
    for c in CONTENDERS:
        v = med(f"P1/1flow/{c}")
        p6.append(f"{v / null:.2f}" if v and null else "n/a")
    o, u = med("P1/1flow/ours"), med("P1/1flow/upstream")
    lines.append("| P6 P1 rate ÷ null redirect's P1 rate | " + " | ".join(p6) + " | " +
                 (f"{(o / null) / (u / null):.2f}" if o and u and null else "n/a") + " |")
    lines.append("")
    lines.append("P3 cost ratio, cost at N masks ÷ cost at 1 mask (cost = 1 / median pps):")
    lines.append("")
    lines.append("| masks | " + " | ".join(f"{LABEL[c]} cache {k}" for c in OVS for k in ("off", "on")) + " |")
    lines.append("|---" * 5 + "|")
    for n in P3_MASKS:
        row = []
        for c in OVS:
            for k in ("off", "on"):
                base, v = med(f"P3/masks1-cache{k}/{c}"), med(f"P3/masks{n}-cache{k}/{c}")
                row.append(f"{base / v:.2f}" if base and v else "n/a")
        lines.append(f"| {n} | " + " | ".join(row) + " |")
    spreads = sorted(((s["max"] - s["min"]) / s["median"], k) for k, s in cells.items() if s["median"] and s["n"] > 1)
    lines.append("")
    if spreads:
        lines.append(f"Noise, (max − min) ÷ median per cell: median {statistics.median(x for x, _ in spreads) * 100:.0f}%, "
                     f"largest {spreads[-1][0] * 100:.0f}% ({spreads[-1][1]}).")
    p5 = [t for t in trials if t["scenario"] == "P5" and "value" in t]
    for c in OVS:
        lost = [t.get("n_lost") for t in p5 if t["contender"] == c]
        if lost:
            lines.append(f"P5 {LABEL[c]}: n_lost per window {lost} (missed {[t.get('missed') for t in p5 if t['contender'] == c]}).")
    if problems:
        lines.append("")
        lines.append("Incomplete run: " + "; ".join(problems))
    md = "\n".join(lines) + "\n"
    with open(a.md, "w") as f:
        f.write(md)
    sys.stdout.write(md)

    try:
        plot(cells, meta, a.png)
    except Exception as e:  # noqa: BLE001 - a missing plot is a problem, not a crash
        problems.append(f"plot: {e}")

    if problems:
        print("bench: INCOMPLETE:\n  " + "\n  ".join(problems), file=sys.stderr)
        return 1
    print(f"bench: complete; wrote {a.json}, {a.md}, {a.png}", file=sys.stderr)
    return 0


def plot(cells, meta, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(7, 4.5), dpi=110)
    style = {"ours": ("tab:red", "o"), "upstream": ("tab:blue", "s")}
    for c in OVS:
        for k, ls in (("on", "-"), ("off", "--")):
            xs, ys, lo, hi = [], [], [], []
            for n in P3_MASKS:
                s = cells.get(f"P3/masks{n}-cache{k}/{c}")
                if s:
                    xs.append(n)
                    ys.append(s["median"] / 1000)
                    lo.append((s["median"] - s["min"]) / 1000)
                    hi.append((s["max"] - s["median"]) / 1000)
            if xs:
                col, mk = style[c]
                ax.errorbar(xs, ys, yerr=[lo, hi], color=col, marker=mk, linestyle=ls, capsize=3,
                            label=f"{LABEL[c]}, masks cache {k}")
    null = cells.get("P1/1flow/null")
    if null:
        ax.axhline(null["median"] / 1000, color="grey", linestyle=":", label="null redirect (P1)")
    ax.set_xscale("log", base=2)
    ax.set_xticks(P3_MASKS)
    ax.set_xticklabels([str(n) for n in P3_MASKS])
    ax.set_ylim(bottom=0)
    ax.set_xlabel("masks installed (the frames match only the last one added)")
    ax.set_ylabel("kpps delivered (median, bars: min–max)")
    q = ", QUICK" if meta["quick"] else ""
    ax.set_title(f"P3 mask scaling, 64-byte UDP, TCG guest {meta['guest_kernel']}{q}", fontsize=10)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8, loc="lower left")
    fig.tight_layout()
    fig.savefig(path)


if __name__ == "__main__":
    sys.exit(main())
