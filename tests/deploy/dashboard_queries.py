#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Checks the Grafana dashboards of contrib/grafana (run by check_dashboards.sh).

  dashboard_queries.py lint [--heatmaps FILE]... DASH...
      the dashboards' structure: uid, title, schemaVersion, no __inputs, the datasource and
      instance variables, every panel's and target's datasource, units, panel types, heatmaps
  dashboard_queries.py rules OUT DASH...
      writes every query (template variables replaced by valid values) as a recording rule
      into the rules file OUT, for `promtool check rules`
  dashboard_queries.py names EXAMPLES_DIR SCRAPE DASH...
      every metric a query names is defined by an example's YAML, by the exporter (the text
      format scrape SCRAPE) or by Prometheus itself; the labels used exist on those metrics
  dashboard_queries.py mutate KIND SRC DST
      writes a copy of dashboard SRC broken in one way (KIND: datasource, syntax, undefined,
      label), to prove that the checks above fail

Problems are printed one a line as `FILE: panel N "TITLE": problem`; the exit code is 1 when
there is any, 2 on bad usage or unreadable input.
"""

import glob
import json
import os
import re
import sys

# Units the dashboards may use (Grafana unit ids); anything else is probably a typo.
UNITS = {"s", "ms", "µs", "ns", "bytes", "decbytes", "bits", "ops", "iops", "pps", "reqps",
         "rps", "wps", "percent", "percentunit", "short", "none"}
PANEL_TYPES = {"timeseries", "heatmap", "stat", "table", "gauge", "bargauge", "text", "row"}
DS_UIDS = {"${datasource}", "$datasource"}
# Series Prometheus adds to every target.
PROMETHEUS_METRICS = ("up", "scrape_duration_seconds", "scrape_samples_scraped",
                      "scrape_series_added", "scrape_samples_post_metric_relabeling")
TARGET_LABELS = {"instance", "job"}

# Grafana's interval variables and the values they stand for in a check.
BUILTINS = {"__rate_interval": "5m", "__interval": "5m", "__range": "5m",
            "__interval_ms": "300000", "__range_ms": "300000", "__range_s": "300"}
VAR_RE = re.compile(r"\$\{(\w+)(?::[^}]*)?\}|\$(\w+)|\[\[(\w+)(?::[^\]]*)?\]\]")

KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "bool", "offset",
            "and", "or", "unless", "atan2", "inf", "nan"}
# Aggregation operators: their grouping clause may come before the parenthesis.
AGGREGATIONS = {"sum", "min", "max", "avg", "group", "stddev", "stdvar", "count",
                "count_values", "bottomk", "topk", "quantile", "limitk", "limit_ratio"}
GROUPING = {"by", "without", "on", "ignoring", "group_left", "group_right"}
IDENT_RE = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
LABEL_RE = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
NUMBER_RE = re.compile(r"(0x[0-9a-fA-F]+|[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)"
                       r"(?:[smhdwy]|ms)*(?:[0-9]+(?:[smhdwy]|ms))*")
MATCH_OP_RE = re.compile(r"=~|!~|!=|=")


class ExprError(Exception):
    pass


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def panels(dash):
    """Every panel, those nested in collapsed rows included."""
    for p in dash.get("panels", []):
        yield p
        for q in p.get("panels", []) or []:
            yield q


def where(path, p):
    return '%s: panel %s "%s"' % (os.path.basename(path), p.get("id"), p.get("title", ""))


def var_query(v):
    q = v.get("query")
    if isinstance(q, dict):
        q = q.get("query", "")
    return q or ""


def ds_uid(ds):
    if isinstance(ds, dict):
        return ds.get("uid")
    return ds


# ---------------------------------------------------------------------------------------
# lint


def lint_one(path, dash, heatmaps_needed):
    probs = []
    name = os.path.basename(path)
    if not isinstance(dash.get("uid"), str) or not dash["uid"]:
        probs.append(f"{name}: no uid")
    if not dash.get("title"):
        probs.append(f"{name}: no title")
    if not isinstance(dash.get("schemaVersion"), int) or dash["schemaVersion"] < 36:
        probs.append(f"{name}: schemaVersion {dash.get('schemaVersion')!r} < 36")
    for key in ("__inputs", "__requires", "__elements"):
        if key in dash:
            probs.append(f"{name}: has {key} (an export for sharing; files and provisioning "
                         "need the plain model)")
    if "${DS_" in json.dumps(dash):
        probs.append(f"{name}: names an import input ${{DS_...}}")
    tvars = {v.get("name"): v for v in dash.get("templating", {}).get("list", [])}
    ds = tvars.get("datasource")
    if not ds or ds.get("type") != "datasource" or ds.get("query") != "prometheus":
        probs.append(f"{name}: no datasource variable (type datasource, query prometheus)")
    inst = tvars.get("instance")
    if not inst or inst.get("type") != "query" or \
            not re.fullmatch(r"label_values\(.+,\s*instance\s*\)", var_query(inst)):
        probs.append(f"{name}: no instance variable (query label_values(..., instance))")
    for vname, v in tvars.items():
        if v.get("type") == "query" and ds_uid(v.get("datasource")) not in DS_UIDS:
            probs.append(f"{name}: variable {vname}: datasource is not $datasource")
    ids = set()
    heatmaps = 0
    for p in panels(dash):
        w = where(path, p)
        ptype = p.get("type")
        if ptype not in PANEL_TYPES:
            probs.append(f"{w}: type {ptype!r}")
        if p.get("id") in ids or not isinstance(p.get("id"), int):
            probs.append(f"{w}: id missing or not unique")
        ids.add(p.get("id"))
        if not p.get("title"):
            probs.append(f"{w}: no title")
        if "gridPos" not in p:
            probs.append(f"{w}: no gridPos")
        if ptype == "row":
            continue
        if ds_uid(p.get("datasource")) not in DS_UIDS:
            probs.append(f"{w}: datasource {p.get('datasource')!r} is not ${{datasource}}")
        targets = p.get("targets") or []
        if ptype != "text" and not targets:
            probs.append(f"{w}: no targets")
        refs = set()
        for t in targets:
            if "datasource" in t and ds_uid(t["datasource"]) not in DS_UIDS:
                probs.append(f"{w}: target {t.get('refId')}: datasource is not ${{datasource}}")
            if not t.get("expr", "").strip():
                probs.append(f"{w}: target {t.get('refId')}: no expr")
            if not t.get("refId") or t["refId"] in refs:
                probs.append(f"{w}: target refId {t.get('refId')!r} missing or repeated")
            refs.add(t.get("refId"))
        if targets:
            unit = p.get("fieldConfig", {}).get("defaults", {}).get("unit")
            if not unit:
                probs.append(f"{w}: no unit in fieldConfig.defaults")
            elif unit not in UNITS:
                probs.append(f"{w}: unit {unit!r} not among {sorted(UNITS)}")
        if ptype == "heatmap":
            heatmaps += 1
            if p.get("options", {}).get("calculate") is not False:
                probs.append(f"{w}: heatmap computes buckets itself (options.calculate)")
            for t in targets:
                expr = t.get("expr", "")
                if t.get("format") != "heatmap":
                    probs.append(f"{w}: heatmap target {t.get('refId')} is not format heatmap")
                if not re.search(r"_bucket\b", expr) or \
                        not re.search(r"\bby\s*\(\s*le\s*\)", expr):
                    probs.append(f"{w}: heatmap target {t.get('refId')} is not "
                                 "sum by (le) of _bucket series")
    if name in heatmaps_needed and heatmaps == 0:
        probs.append(f"{name}: no heatmap panel")
    return probs


def cmd_lint(args):
    need = set()
    while args and args[0] == "--heatmaps":
        need.add(os.path.basename(args[1]))
        args = args[2:]
    probs = []
    uids = {}
    for path in args:
        try:
            dash = load(path)
        except (OSError, ValueError) as e:
            probs.append(f"{os.path.basename(path)}: not JSON: {e}")
            continue
        probs += lint_one(path, dash, need)
        uid = dash.get("uid")
        if uid in uids:
            probs.append(f"{os.path.basename(path)}: uid {uid!r} also in {uids[uid]}")
        uids[uid] = os.path.basename(path)
    for p in probs:
        print(p)
    return 1 if probs else 0


# ---------------------------------------------------------------------------------------
# Queries


def substitute(expr):
    """The expression with Grafana's variables replaced: intervals by 5m, template variables
    by .* inside strings (label matchers). A variable elsewhere is an error."""
    out = []
    i = 0
    quote = None
    while i < len(expr):
        c = expr[i]
        if quote:
            if c == "\\" and quote != "`":
                out.append(expr[i:i + 2])
                i += 2
                continue
            if c == quote:
                quote = None
        elif c in "\"'`":
            quote = c
        m = VAR_RE.match(expr, i) if c in "$[" else None
        if m:
            var = m.group(1) or m.group(2) or m.group(3)
            if var in BUILTINS:
                out.append(BUILTINS[var])
            elif quote:
                out.append(".*")
            else:
                raise ExprError(f"template variable {m.group(0)} outside a label matcher")
            i = m.end()
            continue
        out.append(c)
        i += 1
    return "".join(out)


def queries(path):
    """(where, refId, expression) of every target, and of every label_values() variable."""
    dash = load(path)
    name = os.path.basename(path)
    for v in dash.get("templating", {}).get("list", []):
        if v.get("type") != "query":
            continue
        q = var_query(v)
        m = re.fullmatch(r"\s*label_values\((.*),\s*([a-zA-Z_]\w*)\s*\)\s*", q, re.S)
        if m:
            yield f'{name}: variable {v.get("name")}', "var_" + v.get("name"), m.group(1), \
                m.group(2)
        elif q:
            yield f'{name}: variable {v.get("name")}', "var_" + v.get("name"), q, None
    for p in panels(dash):
        for t in p.get("targets") or []:
            if t.get("expr"):
                yield where(path, p), f'panel_{p.get("id")}_{t.get("refId")}', t["expr"], None


def cmd_rules(args):
    out, paths = args[0], args[1:]
    probs = []
    lines = ["# Every query of the dashboards as a recording rule, for promtool check rules.",
             "groups:"]
    for path in paths:
        uid = re.sub(r"[^a-zA-Z0-9_]", "_", load(path).get("uid", "dashboard"))
        lines += [f"  - name: {json.dumps(os.path.basename(path))}", "    rules:"]
        for w, ref, expr, _ in queries(path):
            try:
                e = substitute(expr)
            except ExprError as err:
                probs.append(f"{w}: {err}")
                continue
            lines += [f"      - record: dashboard:{uid}_{ref}", f"        expr: {json.dumps(e)}"]
    with open(out, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    for p in probs:
        print(p)
    return 1 if probs else 0


# ---------------------------------------------------------------------------------------
# Metric and label names


def skip_string(s, i):
    q = s[i]
    i += 1
    while i < len(s) and s[i] != q:
        i += 2 if s[i] == "\\" and q != "`" else 1
    if i >= len(s):
        raise ExprError("unterminated string")
    return i + 1


def skip_ws(s, i):
    while i < len(s):
        if s[i].isspace():
            i += 1
        elif s[i] == "#":
            while i < len(s) and s[i] != "\n":
                i += 1
        else:
            break
    return i


def matchers(s, i):
    """Parses {name op "value", ...} at s[i] == '{': returns ([(name, op, value)], end)."""
    out = []
    i += 1
    while True:
        i = skip_ws(s, i)
        if i < len(s) and s[i] == "}":
            return out, i + 1
        if i < len(s) and s[i] in "\"'`":
            j = skip_string(s, i)
            name = s[i + 1:j - 1]
            i = j
        else:
            m = LABEL_RE.match(s, i)
            if not m:
                raise ExprError(f"bad label matcher at {s[i:i + 20]!r}")
            name, i = m.group(0), m.end()
        i = skip_ws(s, i)
        m = MATCH_OP_RE.match(s, i)
        if not m:
            raise ExprError(f"no matcher operator after {name!r}")
        op = m.group(0)
        i = skip_ws(s, m.end())
        if i >= len(s) or s[i] not in "\"'`":
            raise ExprError(f"label {name!r}: value is not a string")
        j = skip_string(s, i)
        out.append((name, op, s[i + 1:j - 1]))
        i = skip_ws(s, j)
        if i < len(s) and s[i] == ",":
            i += 1


def label_list(s, i):
    """Parses (a, b, ...) at s[i] == '(': returns ([labels], end)."""
    j = s.find(")", i)
    if j < 0:
        raise ExprError("unterminated label list")
    labels = [x.strip() for x in s[i + 1:j].split(",") if x.strip()]
    for lb in labels:
        if not LABEL_RE.fullmatch(lb):
            raise ExprError(f"bad label {lb!r} in a grouping")
    return labels, j + 1


def parse(s):
    """The selectors (metric, [label names]) and grouping labels of a PromQL expression."""
    selectors = []
    grouping = []
    i = 0
    while True:
        i = skip_ws(s, i)
        if i >= len(s):
            break
        c = s[i]
        if c in "\"'`":
            i = skip_string(s, i)
        elif c == "[":
            j = s.find("]", i)
            if j < 0:
                raise ExprError("unterminated range")
            i = j + 1
        elif c == "{":
            ms, i = matchers(s, i)
            names = [v for n, op, v in ms if n == "__name__" and op == "="]
            if not names:
                raise ExprError("a selector without a metric name")
            selectors.append((names[0], [n for n, _, _ in ms if n != "__name__"]))
        elif c.isdigit() or (c == "." and s[i + 1:i + 2].isdigit()):
            m = NUMBER_RE.match(s, i)
            i = m.end() if m and m.end() > i else i + 1
        elif IDENT_RE.match(s, i):
            m = IDENT_RE.match(s, i)
            word, i = m.group(0), m.end()
            j = skip_ws(s, i)
            nxt = s[j] if j < len(s) else ""
            if word.lower() in KEYWORDS:
                if word.lower() in GROUPING and nxt == "(":
                    labels, i = label_list(s, j)
                    grouping += labels
            elif nxt == "(" or word in AGGREGATIONS:
                pass  # a function or an aggregation
            else:
                labels = []
                if nxt == "{":
                    ms, i = matchers(s, j)
                    labels = [n for n, _, _ in ms]
                selectors.append((word, labels))
        else:
            i += 1
    return selectors, grouping


# ---------------------------------------------------------------------------------------
# The examples' YAML: a reader for the subset they use (block mappings and sequences, one-line
# flow collections, anchors and aliases, quoted and plain scalars, comments), so that the
# check needs no Python module beyond the standard library.


class YamlError(ValueError):
    pass


def yaml_scalar(text):
    if text[:1] == '"':
        return json.loads(text)
    if text[:1] == "'":
        return text[1:-1].replace("''", "'")
    if re.fullmatch(r"[-+]?[0-9]+", text):
        return int(text)
    if re.fullmatch(r"0x[0-9a-fA-F]+", text):
        return int(text, 16)
    if re.fullmatch(r"[-+]?([0-9]+\.[0-9]*|\.[0-9]+|[0-9]+)([eE][-+]?[0-9]+)?", text):
        return float(text)
    low = text.lower()
    if low in ("true", "false"):
        return low == "true"
    if low in ("null", "~", ""):
        return None
    return text


def yaml_strip_comment(line):
    quote = None
    for i, c in enumerate(line):
        if quote:
            if c == quote:
                quote = None
        elif c in "\"'":
            quote = c
        elif c == "#" and (i == 0 or line[i - 1].isspace()):
            return line[:i]
    return line


class YamlReader:
    def __init__(self, text):
        self.lines = []
        for raw in text.splitlines():
            if raw.strip() == "---":
                if self.lines:
                    break
                continue
            line = yaml_strip_comment(raw).rstrip()
            if line.strip():
                if "\t" in line[:len(line) - len(line.lstrip())]:
                    raise YamlError(f"tab in indentation: {raw!r}")
                self.lines.append([len(line) - len(line.lstrip()), line.strip()])
        self.anchors = {}
        self.i = 0

    def doc(self):
        if not self.lines:
            return None
        v = self.node(self.lines[0][0])
        if self.i < len(self.lines):
            raise YamlError(f"unexpected line: {self.lines[self.i][1]!r}")
        return v

    def node(self, ind):
        text = self.lines[self.i][1]
        if text == "-" or text.startswith("- "):
            return self.seq(ind)
        return self.mapping(ind)

    def value(self, text, ind):
        """The value after `key:` or `- ` (text, possibly empty), the block below if none."""
        anchor = None
        m = re.match(r"&(\S+)\s*", text)
        if m:
            anchor, text = m.group(1), text[m.end():]
        if text.startswith("*"):
            if text[1:] not in self.anchors:
                raise YamlError(f"unknown alias {text}")
            v = self.anchors[text[1:]]
        elif text[:1] in ("[", "{"):
            v = self.flow(text)
        elif text:
            v = yaml_scalar(text)
        elif self.i < len(self.lines) and (self.lines[self.i][0] > ind or (
                self.lines[self.i][0] == ind and self.lines[self.i][1][:1] == "-")):
            v = self.node(self.lines[self.i][0])
        else:
            v = None
        if anchor:
            self.anchors[anchor] = v
        return v

    def seq(self, ind):
        out = []
        while self.i < len(self.lines) and self.lines[self.i][0] == ind and \
                (self.lines[self.i][1] == "-" or self.lines[self.i][1].startswith("- ")):
            rest = self.lines[self.i][1][1:]
            col = ind + 1 + len(rest) - len(rest.lstrip())
            rest = rest.strip()
            m = re.match(r"&(\S+)\s+", rest)
            anchor = None
            if m and re.match(r"[^\s{\[\"'][^:]*:(\s|$)", rest[m.end():]):
                anchor, rest = m.group(1), rest[m.end():]
                col += m.end()
            if re.match(r"[^\s{\[\"'*&][^:]*:(\s|$)", rest):
                self.lines[self.i] = [col, rest]  # a mapping starting on the dash's line
                v = self.mapping(col)
                if anchor:
                    self.anchors[anchor] = v
            else:
                self.i += 1
                v = self.value(rest, ind)
            out.append(v)
        return out

    def mapping(self, ind):
        out = {}
        while self.i < len(self.lines) and self.lines[self.i][0] == ind:
            text = self.lines[self.i][1]
            m = re.match(r"(\"[^\"]*\"|'[^']*'|[^\s:][^:]*?)\s*:(\s+|$)(.*)", text)
            if not m or text.startswith("- "):
                raise YamlError(f"not a mapping entry: {text!r}")
            self.i += 1
            out[yaml_scalar(m.group(1))] = self.value(m.group(3), ind)
        if self.i < len(self.lines) and self.lines[self.i][0] > ind:
            raise YamlError(f"bad indentation: {self.lines[self.i][1]!r}")
        return out

    def flow(self, text):
        v, pos = self.flow_node(text, 0)
        if text[pos:].strip():
            raise YamlError(f"trailing text in {text!r}")
        return v

    def flow_node(self, s, pos):
        while pos < len(s) and s[pos] == " ":
            pos += 1
        if pos < len(s) and s[pos] in "[{":
            close = "]" if s[pos] == "[" else "}"
            out = [] if close == "]" else {}
            pos += 1
            while True:
                while pos < len(s) and s[pos] in " ,":
                    pos += 1
                if pos >= len(s):
                    raise YamlError(f"unterminated flow collection: {s!r}")
                if s[pos] == close:
                    return out, pos + 1
                if close == "]":
                    v, pos = self.flow_node(s, pos)
                    out.append(v)
                else:
                    k, pos = self.flow_node(s, pos)
                    if pos >= len(s) or s[pos] != ":":
                        raise YamlError(f"no ':' after key {k!r} in {s!r}")
                    v, pos = self.flow_node(s, pos + 1)
                    out[k] = v
        if pos < len(s) and s[pos] in "\"'":
            q = s[pos]
            end = pos + 1
            while end < len(s) and s[end] != q:
                end += 2 if q == '"' and s[end] == "\\" else 1
            return yaml_scalar(s[pos:end + 1]), end + 1
        m = re.compile(r"[^,\]}]*?(?=\s*(?:,|\]|\}|:\s|:$|$))").match(s, pos)
        return yaml_scalar(m.group(0).strip()), m.end()


def yaml_load(path):
    with open(path, encoding="utf-8") as f:
        return YamlReader(f.read()).doc()


def yaml_metrics(examples):
    """{metric name: label set} of the counters and histograms of every examples/*.yaml."""
    out = {}
    for path in sorted(glob.glob(os.path.join(examples, "*.yaml"))):
        doc = yaml_load(path) or {}
        metrics = doc.get("metrics") or {}
        for c in metrics.get("counters") or []:
            labels = {lb["name"] for lb in c.get("labels") or []}
            out.setdefault("ebpf_exporter_" + c["name"], set()).update(labels)
        for h in metrics.get("histograms") or []:
            names = [lb["name"] for lb in h.get("labels") or []]
            # the bucket label is the last one, or the one before a trailing cpu
            bucket = len(names) - 2 if len(names) >= 2 and names[-1] == "cpu" else len(names) - 1
            labels = set(names[:bucket] + names[bucket + 1:])
            base = "ebpf_exporter_" + h["name"]
            out.setdefault(base + "_bucket", set()).update(labels | {"le"})
            out.setdefault(base + "_sum", set()).update(labels)
            out.setdefault(base + "_count", set()).update(labels)
    return out


SAMPLE_RE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s")
SAMPLE_LABEL_RE = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="(?:[^"\\]|\\.)*"')
SUFFIXES = {"histogram": ("_bucket", "_sum", "_count"), "summary": ("", "_sum", "_count"),
            "gaugehistogram": ("_bucket", "_gsum", "_gcount")}


def scrape_metrics(path):
    """{metric name: label set or None (no sample seen)} of a text-format scrape."""
    out = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("# TYPE "):
                _, _, fam, typ = line.split(None, 3)
                for suf in SUFFIXES.get(typ.strip(), ("",)):
                    out.setdefault(fam + suf, None)
            elif not line.startswith("#") and line.strip():
                m = SAMPLE_RE.match(line)
                if not m:
                    continue
                labels = set(SAMPLE_LABEL_RE.findall(m.group(3) or ""))
                if out.get(m.group(1)) is None:
                    out[m.group(1)] = set()
                out[m.group(1)] |= labels
    return out


def cmd_names(args):
    examples, scrape, paths = args[0], args[1], args[2:]
    defined = {}
    from_yaml = yaml_metrics(examples)
    for src in (from_yaml, scrape_metrics(scrape),
                {m: set() for m in PROMETHEUS_METRICS}):
        for name, labels in src.items():
            if name in defined and (defined[name] is None or labels is None):
                defined[name] = None
            elif name in defined:
                defined[name] |= labels
            else:
                defined[name] = None if labels is None else set(labels)
    if not any(n.startswith("ebpf_exporter_") and n not in from_yaml
               for n in defined):
        print(f"{scrape}: no ebpf_exporter_ family of the exporter's own")
        return 2
    probs = []
    n_queries = n_names = 0
    for path in paths:
        for w, _, expr, var_label in queries(path):
            n_queries += 1
            try:
                sels, grouping = parse(substitute(expr))
            except ExprError as err:
                probs.append(f"{w}: {err}: {expr}")
                continue
            if var_label:
                grouping.append(var_label)
            if not sels:
                probs.append(f"{w}: names no metric: {expr}")
            known = set(TARGET_LABELS)
            for metric, labels in sels:
                n_names += 1
                if metric not in defined:
                    probs.append(f"{w}: metric {metric} is defined by no example, not by the "
                                 "exporter and not by Prometheus")
                    continue
                have = defined[metric]
                if have is None:
                    known = None
                    continue
                if known is not None:
                    known |= have
                for lb in labels:
                    if lb not in have and lb not in TARGET_LABELS:
                        probs.append(f"{w}: {metric} has no label {lb} "
                                     f"(it has {', '.join(sorted(have)) or 'none'})")
            for lb in grouping:
                if known is not None and lb not in known:
                    probs.append(f"{w}: label {lb} is on none of the metrics of: {expr}")
    for p in probs:
        print(p)
    print(f"checked {n_names} metric names in {n_queries} queries against "
          f"{len(defined)} defined names", file=sys.stderr)
    return 1 if probs else 0


# ---------------------------------------------------------------------------------------
# Broken copies for the checks' own tests


def cmd_mutate(args):
    kind, src, dst = args
    dash = load(src)
    target = next(p for p in panels(dash) if p.get("targets"))
    t = target["targets"][0]
    if kind == "datasource":
        target["datasource"] = {"type": "prometheus", "uid": "prometheus-1"}
        del target["fieldConfig"]["defaults"]["unit"]
    elif kind == "syntax":
        t["expr"] = "sum(rate(ebpf_exporter_timer_starts_total[$__rate_interval])"
    elif kind == "undefined":
        t["expr"] = 'rate(ebpf_exporter_no_such_metric_total{instance=~"$instance"}' \
                    '[$__rate_interval])'
    elif kind == "label":
        t["expr"] = 'sum by (no_such_label) (rate(ebpf_exporter_timer_starts_total' \
                    '{instance=~"$instance", function="x"}[$__rate_interval]))'
    else:
        print(f"unknown kind {kind}", file=sys.stderr)
        return 2
    with open(dst, "w", encoding="utf-8") as f:
        json.dump(dash, f, indent=2)
    return 0


def main(argv):
    cmds = {"lint": (cmd_lint, 1), "rules": (cmd_rules, 2), "names": (cmd_names, 3),
            "mutate": (cmd_mutate, 3)}
    if len(argv) < 2 or argv[1] not in cmds or len(argv) - 2 < cmds[argv[1]][1]:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        return cmds[argv[1]][0](argv[2:])
    except (OSError, ValueError) as e:
        print(f"{argv[1]}: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
