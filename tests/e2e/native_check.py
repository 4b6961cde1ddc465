# SPDX-License-Identifier: MIT
"""Checks a delimited protobuf scrape of the histograms config against its text scrape.

usage: native_check.py PB_MODULE_DIR SCRAPE.bin SCRAPE.prom [NOT_BEFORE NOT_AFTER [SCRAPE.om]]
PB_MODULE_DIR holds prometheus/metrics_pb2.py (protoc --python_out of the repository's
proto/prometheus/metrics.proto). For every ebpf_exporter_e2e_ histogram: the classic buckets,
count and sum equal the text format's; the families named in NATIVE also carry a schema 0
native histogram whose buckets equal the classic ones bucket by bucket (the le = 0 bucket of
exp2zero as the zero bucket), the others carry none. Given NOT_BEFORE and NOT_AFTER (seconds
since the epoch), every counter and histogram has a created timestamp in that range; given an
OpenMetrics scrape SCRAPE.om too, every histogram's created timestamp equals its `_created`
sample there (and every such sample has its series here). Prints one line per problem
and exits 1 if there is any.
"""
import math
import re
import sys

sys.path.insert(0, sys.argv[1])
from google.protobuf.internal.decoder import _DecodeVarint  # noqa: E402
from prometheus import metrics_pb2  # noqa: E402

# Power-of-two multipliers (1 or absent): native beside classic.
NATIVE = {"e2e_pcpu_cpu", "e2e_one_bucket", "e2e_helper_exp2zero", "e2e_helper_pcpu"}
# Multipliers 1e-6, 1e-9, 0.001, linear and fixed: classic only.
CLASSIC = {"e2e_exp2_seconds", "e2e_exp2zero_seconds", "e2e_linear", "e2e_fixed_seconds",
           "e2e_pcpu_sum_seconds", "e2e_merged", "e2e_helper_exp2_seconds"}
PREFIX = "ebpf_exporter_"
problems = []


def problem(msg):
    problems.append(msg)
    print(msg)


def families(data):
    off = 0
    while off < len(data):
        size, off = _DecodeVarint(data, off)
        mf = metrics_pb2.MetricFamily()
        mf.ParseFromString(data[off:off + size])
        off += size
        yield mf


def go_float(v):
    """The text format's float formatting for the values compared here."""
    if math.isinf(v):
        return "+Inf" if v > 0 else "-Inf"
    r = repr(float(v))
    if r.endswith(".0"):
        r = r[:-2]
    m = re.fullmatch(r"(-?[0-9.]+)e([-+]?)0*([0-9]+)", r)
    if m:
        r = "%se%s%02d" % (m.group(1), m.group(2) or "+", int(m.group(3)))
    return r


def text_lines(path):
    with open(path) as f:
        return {line.rstrip("\n") for line in f if line.startswith(PREFIX + "e2e_")}


def labels_of(m, extra=""):
    parts = ['%s="%s"' % (lp.name, lp.value) for lp in m.label]
    if extra:
        parts.append(extra)
    return "{" + ",".join(parts) + "}" if parts else ""


def native_buckets(h):
    """{native index: count} from the positive spans and deltas."""
    out, idx, count, d = {}, 0, 0, 0
    for n, span in enumerate(h.positive_span):
        idx = span.offset if n == 0 else idx + span.offset
        for _ in range(span.length):
            count += h.positive_delta[d]
            d += 1
            if count:
                out[idx] = count
            idx += 1
    if d != len(h.positive_delta):
        problem("%d deltas for %d span buckets" % (len(h.positive_delta), d))
    return out


def check_histogram(short, mf, m, text, created_range):
    h = m.histogram
    where = "%s%s" % (mf.name, labels_of(m))
    prev, classic, zero = 0, {}, None
    for b in h.bucket:
        c = b.cumulative_count - prev
        prev = b.cumulative_count
        line = "%s_bucket%s %d" % (mf.name, labels_of(m, 'le="%s"' % go_float(b.upper_bound)),
                                   b.cumulative_count)
        if line not in text:
            problem("%s: no text line %r" % (where, line))
        if b.upper_bound == 0:
            zero = c
            continue
        mant, exp = math.frexp(b.upper_bound)
        if mant == 0.5 and c:
            classic[exp - 1] = c
    for suffix, v in (("_count", str(h.sample_count)), ("_sum", go_float(h.sample_sum))):
        line = "%s%s%s %s" % (mf.name, suffix, labels_of(m), v)
        if line not in text:
            problem("%s: no text line %r" % (where, line))
    if short in NATIVE:
        if not h.HasField("schema") or h.schema != 0:
            problem("%s: no schema 0" % where)
        if h.zero_threshold != 0:
            problem("%s: zero_threshold %r" % (where, h.zero_threshold))
        if h.zero_count != (zero or 0):
            problem("%s: zero_count %d, classic le=0 bucket %r" % (where, h.zero_count, zero))
        got = native_buckets(h)
        if got != classic:
            problem("%s: native buckets %r, classic %r" % (where, got, classic))
        if h.negative_span or h.negative_delta:
            problem("%s: negative buckets" % where)
    elif short in CLASSIC:
        if (h.HasField("schema") or h.HasField("zero_threshold") or h.HasField("zero_count")
                or h.positive_span or h.positive_delta):
            problem("%s: native fields on a classic-only histogram" % where)
    else:
        problem("%s: family not expected" % where)
    check_created(where, h, created_range)


# OpenMetrics `<series>_created` values by series (name and labels), when given.
om_created = None


def read_om_created(path):
    out = {}
    with open(path) as f:
        for line in f:
            m = re.match(r"(%se2e_[a-z0-9_]+)_created(\{[^}]*\})? (\S+)$" % PREFIX, line)
            if m:
                out[m.group(1) + (m.group(2) or "")] = float(m.group(3))
    return out


def check_created(where, msg, created_range):
    if created_range is None:
        return
    if not msg.HasField("created_timestamp"):
        problem("%s: no created_timestamp" % where)
        return
    t = msg.created_timestamp.seconds + msg.created_timestamp.nanos / 1e9
    if om_created is not None:
        om = om_created.pop(where, None)
        if om is None or abs(om - t) > 1e-6:
            problem("%s: created %.9f, OpenMetrics _created %r" % (where, t, om))
    if not created_range[0] <= t <= created_range[1]:
        problem("%s: created %.3f not in [%s, %s]" % ((where, t) + created_range))


def main():
    with open(sys.argv[2], "rb") as f:
        data = f.read()
    text = text_lines(sys.argv[3])
    global om_created
    created_range = (float(sys.argv[4]), float(sys.argv[5])) if len(sys.argv) > 5 else None
    if len(sys.argv) > 6:
        om_created = read_om_created(sys.argv[6])
        if not om_created:
            problem("no _created sample in %s" % sys.argv[6])
    seen = set()
    for mf in families(data):
        if not mf.name.startswith(PREFIX + "e2e_"):
            continue
        short = mf.name[len(PREFIX):]
        if mf.type == metrics_pb2.HISTOGRAM:
            seen.add(short)
            for m in mf.metric:
                check_histogram(short, mf, m, text, created_range)
        elif mf.type == metrics_pb2.COUNTER:
            for m in mf.metric:
                check_created(mf.name + labels_of(m), m.counter, created_range)
    for series in sorted(om_created or {}):
        problem("%s: _created in OpenMetrics, no such series in protobuf" % series)
    for short in sorted((NATIVE | CLASSIC) - seen):
        problem("%s%s: no histogram family" % (PREFIX, short))
    sys.exit(1 if problems else 0)


main()
