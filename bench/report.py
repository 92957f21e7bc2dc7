#!/usr/bin/env python3
"""Regenerate the tables and plots of docs/benchmarks.md from raw results.

    python3 bench/report.py [RESULTS_DIR [DOCS_DIR]]

RESULTS_DIR (default bench/results) holds what bench/run.sh wrote:
machine.tsv, codec.tsv, python.tsv, instr.tsv, reject.tsv, pipeline.tsv
(any may be missing).  The text between the markers
<!-- generated:begin --> and <!-- generated:end --> in DOCS_DIR/benchmarks.md
is replaced; plots go to DOCS_DIR/benchmarks/*.png (matplotlib, Agg).
Nothing is measured here.
"""
import os
import re
import sys
from collections import OrderedDict, defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
RES = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "results")
DOCS = sys.argv[2] if len(sys.argv) > 2 else os.path.join(HERE, "..", "docs")
IMG = os.path.join(DOCS, "benchmarks")

ORDERS = ["orders1", "orders5", "orders50", "orders_escape", "orders_unicode", "orders_spaced"]
IMPL_ORDER = ["topicgen", "simdjson-ondemand", "simdjson-dom", "rapidjson-sax", "rapidjson-dom",
              "cjson", "jansson", "msgspec", "orjson+convert", "orjson"]


def rows(name):
    path = os.path.join(RES, name)
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [line.rstrip("\n").split("\t") for line in f if line.strip()]


machine = OrderedDict((r[0], r[1]) for r in rows("machine.tsv") if len(r) >= 2)
corpora = OrderedDict()
rounds = defaultdict(list)  # (impl, corpus, mode) -> one dict per round
for r in rows("codec.tsv") + rows("python.tsv"):
    if r[0] == "corpus":
        corpora[r[1]] = dict(schema=r[2], count=int(r[3]), total=int(r[4]), max=int(r[5]), what=r[6])
    elif r[0] == "result":
        rounds[(r[1], r[2], r[3])].append(dict(
            count=int(r[4]), avg=float(r[5]), ns=float(r[6]), ns_min=float(r[7]),
            allocs=None if r[9] == "-" else float(r[9]), rss=int(r[10])))


def merge(rs):
    """One result from the rounds: the best of their best times (the figure
    ratios and MB/s use: interference on the shared machine only ever adds
    time), the median of their median times, the most allocations and
    memory seen."""
    ns = sorted(x["ns"] for x in rs)[len(rs) // 2]
    ns_min = min(x["ns_min"] for x in rs)
    allocs = [x["allocs"] for x in rs if x["allocs"] is not None]
    return dict(count=rs[0]["count"], avg=rs[0]["avg"], ns=ns, ns_min=ns_min,
                mbs=rs[0]["avg"] / ns_min * 1e3, allocs=max(allocs) if allocs else None,
                rss=max(x["rss"] for x in rs), rounds=len(rs))


results = {k: merge(v) for k, v in rounds.items()}  # (impl, corpus, mode) -> dict
instr = {}
for r in rows("instr.tsv"):
    if r[0] == "instr" and r[5]:
        instr[(r[1], r[2], r[3])] = int(r[5]) / int(r[4])
reject = defaultdict(dict)
reject_cases = []
for r in rows("reject.tsv"):
    if r[0] == "reject":
        reject[r[1]][r[2]] = r[3]
        if r[2] not in reject_cases:
            reject_cases.append(r[2])
pipeline = [r for r in rows("pipeline.tsv") if r and r[0] in ("pipeline", "pipeconf", "piperound")]

impls = [i for i in IMPL_ORDER if any(k[0] == i for k in results)]
impls += sorted({k[0] for k in results} - set(impls))


LABELS = {("rapidjson-dom", "encode"): "rapidjson (Writer)",
          ("orjson", "decode"): "orjson (to dicts, no schema checks)",
          ("orjson", "encode"): "orjson (from dicts)"}


def label(i, mode):
    return LABELS.get((i, mode), i)


def fmt(v, nd=0):
    if v is None:
        return "-"
    if nd == 0:
        return "{:,.0f}".format(v)
    return "{:,.{}f}".format(v, nd)


def table(mode, corpus):
    ref = results.get(("topicgen", corpus, mode))
    out = ["| implementation | ns/msg (best) | ns/msg (median) | MB/s (best) | time vs topicgen "
           "(best; median) | instructions/msg | allocs/msg | peak RSS (KB) |",
           "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for i in impls:
        x = results.get((i, corpus, mode))
        if not x:
            continue
        ratio = "1.00x" if i == "topicgen" else (
            "%.2fx; %.2fx" % (x["ns_min"] / ref["ns_min"], x["ns"] / ref["ns"]) if ref else "-")
        ins = instr.get((i, corpus, mode))
        out.append("| %s | %s | %s | %s | %s | %s | %s | %s |" % (
            label(i, mode), fmt(x["ns_min"]), fmt(x["ns"]), fmt(x["mbs"], 1), ratio, fmt(ins),
            fmt(x["allocs"], 2) if x["allocs"] is not None else "-", fmt(x["rss"])))
    return "\n".join(out)


def plot(mode, fname, title, corpus_list):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except Exception as e:  # pragma: no cover
        print("report.py: no matplotlib (%s): plots not regenerated" % e, file=sys.stderr)
        return False
    cs = [c for c in corpus_list if any((i, c, mode) in results for i in impls)]
    im = [i for i in impls if any((i, c, mode) in results for c in cs)]
    if not cs or not im:
        return False
    fig, ax = plt.subplots(figsize=(13, 5.2))
    width = 0.8 / len(im)
    for k, i in enumerate(im):
        xs, ys = [], []
        for j, c in enumerate(cs):
            x = results.get((i, c, mode))
            if x:
                xs.append(j + k * width)
                ys.append(x["mbs"])
        ax.bar(xs, ys, width, label=label(i, mode))
    ax.set_xticks([j + width * (len(im) - 1) / 2 for j in range(len(cs))])
    ax.set_xticklabels(cs)
    ax.set_ylabel("MB/s (best trial, higher is better)")
    ax.set_title(title)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.005, 1.0))
    fig.tight_layout()
    os.makedirs(IMG, exist_ok=True)
    fig.savefig(os.path.join(IMG, fname), dpi=90)
    plt.close(fig)
    return True


def plot_instr(fname):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except Exception:
        return False
    cs = [c for c in ORDERS if ("topicgen", c, "decode") in instr]
    im = [i for i in impls if any((i, c, "decode") in instr for c in cs)]
    if not cs or not im:
        return False
    fig, ax = plt.subplots(figsize=(13, 5.2))
    width = 0.8 / len(im)
    for k, i in enumerate(im):
        xs, ys = [], []
        for j, c in enumerate(cs):
            v = instr.get((i, c, "decode"))
            if v and c in corpora:
                xs.append(j + k * width)
                ys.append(v / (corpora[c]["total"] / corpora[c]["count"]))
        ax.bar(xs, ys, width, label=i)
    ax.set_xticks([j + width * (len(im) - 1) / 2 for j in range(len(cs))])
    ax.set_xticklabels(cs)
    ax.set_ylabel("instructions per input byte (callgrind, lower is better)")
    ax.set_title("Decode: instructions per byte")
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.005, 1.0))
    fig.tight_layout()
    os.makedirs(IMG, exist_ok=True)
    fig.savefig(os.path.join(IMG, fname), dpi=90)
    plt.close(fig)
    return True


def pipe_rounds(rs):
    """The per-round lines of a pipeline_bench run: (round, typed us, raw us,
    typed/raw CPU ratio, typed msgs/s, raw msgs/s)."""
    return [(int(r[1]), float(r[2]), float(r[3]), float(r[4]), float(r[5]), float(r[6]))
            for r in rs if r and r[0] == "piperound" and len(r) >= 7]


def pipe_ratio(rs):
    """The typed/raw CPU-per-message ratio of a pipeline_bench run: median
    with [min, max] over its rounds, beside the median rounds' throughput
    ratio; None without one.  Older results (no per-round lines) give their
    single ratio line as it was."""
    for r in rs:
        if r and r[0] == "pipeline" and r[1] == "ratio":
            if len(r) >= 8:
                med, lo, hi, tput = float(r[4]), float(r[5]), float(r[6]), float(r[7])
                n = len(pipe_rounds(rs))
                return dict(text="CPU %.2fx [%.2f, %.2f] over %d rounds; throughput %.1f%% of raw"
                            % (med, lo, hi, n, tput), ok=med <= 1.10)
            return dict(text=r[2] + " (one ratio, no per-round CPU)", ok=None)
    return None


def pipe_table(g, rs):
    """The pipeline tables of one run: the median rounds per variant, then
    every round's CPU per message and throughput."""
    g.append("| variant | messages | msgs/s | MB/s | p50 latency (us) | p99 latency (us) | CPU s per 1M msgs |")
    g.append("|---|---:|---:|---:|---:|---:|---:|")
    for r in rs:
        if r[0] == "pipeline" and r[1] != "ratio":
            g.append("| %s | %s | %s | %s | %s | %s | %s |" % tuple(r[1:8]))
    p = pipe_ratio(rs)
    if p:
        g.append("\nTyped/raw: %s.\n" % p["text"])
    rounds = pipe_rounds(rs)
    if rounds:
        g.append("| round | typed CPU us/msg | raw CPU us/msg | typed/raw CPU | typed msgs/s | raw msgs/s |")
        g.append("|---:|---:|---:|---:|---:|---:|")
        for k, t, w, ratio, tm, wm in rounds:
            g.append("| %d | %.2f | %.2f | %.2fx | %.0f | %.0f |" % (k, t, w, ratio, tm, wm))
    g.append("")


def targets():
    """Each target of issues 4 and 19, computed from the same run."""
    out = ["| target | measured | met? |", "|---|---|---|"]

    def ns(i, c, m, key="ns_min"):
        x = results.get((i, c, m))
        return x[key] if x else None

    def median_ratio(a, b, c, m):
        x, y = ns(a, c, m, "ns"), ns(b, c, m, "ns")
        return "; median %.2fx" % (x / y) if x and y else ""

    def line(name, value, ok):
        out.append("| %s | %s | %s |" % (name, value, "-" if ok is None else ("yes" if ok else "**no**")))

    for c in corpora:  # issue 19: the faster of simdjson's two parsers, on every corpus
        t, ti = ns("topicgen", c, "decode"), instr.get(("topicgen", c, "decode"))
        peers = [(ns(p, c, "decode"), instr.get((p, c, "decode")), p)
                 for p in ("simdjson-ondemand", "simdjson-dom") if ns(p, c, "decode")]
        if not t or not peers:
            continue
        best, best_i, who = min(peers)
        fewest = min((i for _, i, _ in peers if i), default=None)
        line("decode >= faster of simdjson On-Demand and DOM (%s)" % c,
             "time %.2fx of %s's%s%s" % (
                 t / best, who, median_ratio("topicgen", who, c, "decode"),
                 "; instructions %.2fx of the fewer" % (ti / fewest) if ti and fewest else ""),
             t <= best and (not ti or not fewest or ti <= fewest))
    for c in ("orders5", "orders50", "orders1"):
        t = ns("topicgen", c, "decode")
        for r in ("rapidjson-sax", "rapidjson-dom"):
            v = ns(r, c, "decode")
            if t and v:
                line("decode >= 4x RapidJSON (%s, %s)" % (r, c),
                     "%.2fx%s" % (v / t, median_ratio(r, "topicgen", c, "decode")), v / t >= 4)
    for c in ("orders5", "orders50", "orders1"):
        t, v = ns("topicgen", c, "encode"), ns("rapidjson-dom", c, "encode")
        if t and v:
            line("encode >= 2x RapidJSON Writer (%s)" % c,
                 "%.2fx%s" % (v / t, median_ratio("rapidjson-dom", "topicgen", c, "encode")), v / t >= 2)
    x = results.get(("topicgen", "orders_unknown", "decode"))
    if x:  # issue 19: the skip path on a document that is mostly an unknown member
        line("skip path >= 2 GB/s (orders_unknown decode, best trial)", "%.0f MB/s" % x["mbs"],
             x["mbs"] >= 2000)
    for c in corpora:  # issue 19: encode at least 2x msgspec on every corpus
        t, m = ns("topicgen", c, "encode"), ns("msgspec", c, "encode")
        if t and m:
            line("encode >= 2x msgspec (%s)" % c,
                 "%.2fx%s" % (m / t, median_ratio("msgspec", "topicgen", c, "encode")), m / t >= 2)
    t, m = ns("topicgen", "workflow_large", "decode"), ns("msgspec", "workflow_large", "decode")
    if t and m:  # issue 19: free-form json payloads
        line("decode >= 2x msgspec (workflow_large: ~4 kB free-form json)",
             "%.2fx%s" % (m / t, median_ratio("msgspec", "topicgen", "workflow_large", "decode")),
             m / t >= 2)
    allocs = [x["allocs"] for (i, c, m), x in results.items() if i == "topicgen"]
    if allocs:
        line("0 allocations per message (topicgen, all corpora, decode and encode)",
             "max %.3f" % max(allocs), max(allocs) == 0)
    for c in ORDERS + ["workflow_small", "workflow_large", "crm_mix"]:
        t, m = ns("topicgen", c, "decode"), ns("msgspec", c, "decode")
        if t and m:
            line("decode >= 20x msgspec (%s)" % c,
                 "%.1fx%s" % (m / t, median_ratio("msgspec", "topicgen", c, "decode")), m / t >= 20)
    for where, rs in (("mock", rows("pipeline.tsv")), ("real broker", rows("pipeline_real.tsv"))):
        p = pipe_ratio(rs)
        if p:
            line("typed CPU per message <= 1.10x raw (%s)" % where, p["text"], p["ok"])
    return "\n".join(out)


def generated():
    g = []
    g.append("### Machine and configuration (from `%s/machine.tsv`)\n" % os.path.relpath(RES, os.path.join(DOCS, "..")))
    g.append("| | |\n|---|---|")
    for k, v in machine.items():
        g.append("| %s | %s |" % (k, v.replace("|", "/")))
    g.append("")
    if corpora:
        g.append("### Corpora (seed %s)\n" % re.sub(r".*seed=(\d+).*", r"\1", machine.get("settings", "seed=42")))
        g.append("| corpus | schema | content | messages | total bytes | avg bytes | max bytes |")
        g.append("|---|---|---|---:|---:|---:|---:|")
        for c, d in corpora.items():
            g.append("| %s | %s | %s | %d | %s | %s | %s |" % (
                c, d["schema"], d["what"], d["count"], fmt(d["total"]), fmt(d["total"] / d["count"]), fmt(d["max"])))
        g.append("")
    g.append("### Targets\n")
    g.append(targets())
    g.append("")
    for mode in ("decode", "encode"):
        for c in list(corpora):
            if not any((i, c, mode) in results for i in impls):
                continue
            d = corpora[c]
            g.append("### %s: %s (%s, %d messages, avg %s bytes)\n" % (
                mode.capitalize(), c, d["what"], d["count"], fmt(d["total"] / d["count"])))
            g.append(table(mode, c))
            g.append("")
    if reject:
        im = [i for i in impls if i in reject]
        g.append("### What each decoder rejects (invalid orders documents)\n")
        g.append("| case | " + " | ".join(im) + " |")
        g.append("|---|" + "---|" * len(im))
        for case in reject_cases:
            g.append("| %s | %s |" % (case, " | ".join(reject[i].get(case, "-") for i in im)))
        g.append("")
    if pipeline:
        g.append("### Pipeline (from `pipeline.tsv`)\n")
        conf = [r for r in pipeline if r[0] == "pipeconf"]
        for r in conf:
            g.append("- %s: %s" % (r[1], r[2]))
        g.append("")
        pipe_table(g, pipeline)
    real = [r for r in rows("pipeline_real.tsv") if r and r[0] in ("pipeline", "pipeconf", "piperound")]
    if real:
        g.append("### Pipeline against a real broker (from `pipeline_real.tsv`)\n")
        g.append("Kafka from `scripts/kafka-broker.sh` (a JVM on the same 2 cores as the "
                 "clients), `pipeline_bench --bootstrap`; topics created beforehand with 1 partition.\n")
        for r in real:
            if r[0] == "pipeconf":
                g.append("- %s: %s" % (r[1], r[2]))
        g.append("")
        pipe_table(g, real)
    pics = []
    if plot("decode", "decode_orders.png", "Decode into orders_OrderEvent (same checks for all)", ORDERS):
        pics.append("![decode MB/s, orders corpora](benchmarks/decode_orders.png)")
    if plot("encode", "encode_orders.png", "Encode orders_OrderEvent to JSON", ORDERS):
        pics.append("![encode MB/s, orders corpora](benchmarks/encode_orders.png)")
    if plot("decode", "decode_other.png", "Decode: workflow and crm (topicgen vs Python)",
            ["workflow_small", "workflow_large", "crm_mix"]):
        pics.append("![decode MB/s, workflow and crm corpora](benchmarks/decode_other.png)")
    if plot_instr("instructions_orders.png"):
        pics.append("![decode instructions per byte](benchmarks/instructions_orders.png)")
    if pics:
        g.append("### Plots\n")
        g.extend(p + "\n" for p in pics)
    return "\n".join(g)


def main():
    md = os.path.join(DOCS, "benchmarks.md")
    text = open(md).read() if os.path.exists(md) else \
        "# Benchmarks\n\n<!-- generated:begin -->\n<!-- generated:end -->\n"
    begin, end = "<!-- generated:begin -->", "<!-- generated:end -->"
    if begin not in text or end not in text:
        sys.exit("report.py: %s has no generated markers" % md)
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    body = "\n<!-- Written by bench/report.py from %s; do not edit by hand. -->\n\n%s\n" % (
        os.path.relpath(RES, os.path.join(DOCS, "..")), generated())
    with open(md, "w") as f:
        f.write(head + begin + body + end + tail)
    print("report.py: updated %s" % md)


if __name__ == "__main__":
    main()
