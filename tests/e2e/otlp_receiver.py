# SPDX-License-Identifier: MIT
"""A small OTLP trace receiver for the end-to-end tests (suite_tracing.sh).

It decodes what the exporter sends with Python's protobuf runtime and grpcio (Debian's
python3-protobuf and python3-grpcio), from Python modules that protoc generated out of the
repository's proto/ files at test time: an implementation independent of the exporter's
protobuf-c encoder and of its hand-written OTLP/JSON.

    otlp_receiver.py serve --pydir DIR --out FILE [--http-port P] [--grpc-port P]
                           [--mode-file FILE] [--tls-cert CERT --tls-key KEY]
                           [--ready-file FILE] [--grpc-identity-only]
    otlp_receiver.py check OUT_FILE EXPECT_JSON

serve: listens on 127.0.0.1 (OTLP/HTTP at /v1/traces for application/x-protobuf and
application/json, gzip or not; OTLP/gRPC TraceService/Export) and appends one JSON line per
request to --out: {"transport", "encoding", "gzip", "status", "headers", "spans": [...]}, each
span flattened (hex ids, attributes as a dict, its resource's attributes and its scope). Before
each request it reads --mode-file: empty or missing answers success; `status N` answers HTTP
status N (gRPC: UNAVAILABLE for 429/502/503/504, else INTERNAL), `retry-after S` adds a delay
(Retry-After, or a google.rpc.RetryInfo in grpc-status-details-bin), `partial N MESSAGE`
answers success with N rejected spans. Runs until SIGTERM.

check: compares the spans in OUT_FILE with EXPECT_JSON, a list of {"match": {...}, "want":
{...}} objects: exactly one span must have every `match` field, and it must have every `want`
field (attributes and resource compared as subsets; "start_age_s": [lo, hi] bounds the span's
start relative to now in seconds, "start_between": [lo, hi] in unix nanoseconds; "parent_of": NAME says its span id is the parent of the span named NAME
in the same trace). Prints one line per problem; exits 1 if there is any.
"""

import argparse
import base64
import gzip
import http.server
import json
import os
import signal
import sys
import threading
import time
from concurrent import futures

GRPC_METHOD = "/opentelemetry.proto.collector.trace.v1.TraceService/Export"


def load_modules(pydir):
    sys.path.insert(0, pydir)
    from opentelemetry.proto.collector.trace.v1 import trace_service_pb2  # noqa: E402
    from google.protobuf import json_format  # noqa: E402

    return trace_service_pb2, json_format


def anyvalue(v):
    kind = v.WhichOneof("value")
    return getattr(v, kind) if kind else None


def flatten(req):
    spans = []
    for rs in req.resource_spans:
        resource = {kv.key: anyvalue(kv.value) for kv in rs.resource.attributes}
        for ss in rs.scope_spans:
            for sp in ss.spans:
                spans.append(
                    {
                        "trace_id": sp.trace_id.hex(),
                        "span_id": sp.span_id.hex(),
                        "parent_span_id": sp.parent_span_id.hex(),
                        "name": sp.name,
                        "kind": sp.kind,
                        "flags": sp.flags,
                        "start": sp.start_time_unix_nano,
                        "end": sp.end_time_unix_nano,
                        "attributes": {kv.key: anyvalue(kv.value) for kv in sp.attributes},
                        "dropped_attributes": sp.dropped_attributes_count,
                        "events": [
                            {
                                "name": ev.name,
                                "time": ev.time_unix_nano,
                                "attributes": {kv.key: anyvalue(kv.value) for kv in ev.attributes},
                            }
                            for ev in sp.events
                        ],
                        "status": {"code": sp.status.code, "message": sp.status.message},
                        "resource": resource,
                        "scope": ss.scope.name,
                    }
                )
    return spans


def hex_ids_to_base64(obj):
    """OTLP/JSON carries ids as hex; protobuf's JSON mapping wants base64 for bytes."""
    if isinstance(obj, list):
        for item in obj:
            hex_ids_to_base64(item)
    elif isinstance(obj, dict):
        for key, val in obj.items():
            if key in ("traceId", "spanId", "parentSpanId") and isinstance(val, str):
                obj[key] = base64.b64encode(bytes.fromhex(val)).decode()
            else:
                hex_ids_to_base64(val)


def read_mode(path):
    mode = {"status": 200, "retry_after": None, "partial": None}
    if not path or not os.path.exists(path):
        return mode
    with open(path, encoding="utf-8") as f:
        for line in f:
            words = line.split(None, 2)
            if not words:
                continue
            if words[0] == "status":
                mode["status"] = int(words[1])
            elif words[0] == "retry-after":
                mode["retry_after"] = words[1]
            elif words[0] == "partial":
                mode["partial"] = (int(words[1]), words[2].strip() if len(words) > 2 else "")
    return mode


def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def field(num, payload):
    return varint(num << 3 | 2) + varint(len(payload)) + payload


def status_with_retry_info(code, message, seconds):
    """A google.rpc.Status with one RetryInfo detail, encoded by hand (wire format)."""
    duration = varint(1 << 3) + varint(int(seconds))
    retry_info = field(1, duration)
    any_msg = field(1, b"type.googleapis.com/google.rpc.RetryInfo") + field(2, retry_info)
    return varint(1 << 3) + varint(code) + field(2, message.encode()) + field(3, any_msg)


class Recorder:
    def __init__(self, out, mode_file, pb, json_format):
        self.out = out
        self.mode_file = mode_file
        self.pb = pb
        self.json_format = json_format
        self.lock = threading.Lock()

    def write(self, entry):
        entry["time"] = time.time()
        with self.lock:
            with open(self.out, "a", encoding="utf-8") as f:
                f.write(json.dumps(entry, sort_keys=True) + "\n")

    def response(self, partial):
        resp = self.pb.ExportTraceServiceResponse()
        if partial:
            resp.partial_success.rejected_spans = partial[0]
            resp.partial_success.error_message = partial[1]
        return resp


def make_http_handler(rec):
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *args):
            pass

        def reply(self, status, ctype, body, extra=None):
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            for k, v in (extra or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self):
            length = int(self.headers.get("Content-Length", "0"))
            raw = self.rfile.read(length)
            mode = read_mode(rec.mode_file)
            ctype = self.headers.get("Content-Type", "")
            encoding = "json" if ctype.startswith("application/json") else "protobuf"
            zipped = self.headers.get("Content-Encoding", "") == "gzip"
            entry = {
                "transport": "http",
                "path": self.path,
                "encoding": encoding,
                "gzip": zipped,
                "status": mode["status"],
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "spans": [],
            }
            if self.path != "/v1/traces":
                entry["status"] = 404
                rec.write(entry)
                self.reply(404, "text/plain", b"not found\n")
                return
            if mode["status"] != 200:
                rec.write(entry)
                extra = {"Retry-After": mode["retry_after"]} if mode["retry_after"] else None
                self.reply(mode["status"], "text/plain", b"unavailable for the test\n", extra)
                return
            try:
                data = gzip.decompress(raw) if zipped else raw
                req = rec.pb.ExportTraceServiceRequest()
                if encoding == "json":
                    obj = json.loads(data)
                    hex_ids_to_base64(obj)
                    rec.json_format.ParseDict(obj, req)
                else:
                    req.ParseFromString(data)
            except Exception as e:  # pylint: disable=broad-except
                entry["status"] = 400
                entry["error"] = str(e)
                rec.write(entry)
                self.reply(400, "text/plain", str(e).encode())
                return
            entry["spans"] = flatten(req)
            rec.write(entry)
            resp = rec.response(mode["partial"])
            if encoding == "json":
                body = rec.json_format.MessageToJson(resp).encode()
                self.reply(200, "application/json", body)
            else:
                self.reply(200, "application/x-protobuf", resp.SerializeToString())

    return Handler


def start_grpc(rec, port, tls, identity_only):
    import grpc  # noqa: E402

    def export(req, context):
        mode = read_mode(rec.mode_file)
        meta = {k: v for k, v in context.invocation_metadata() if isinstance(v, str)}
        entry = {
            "transport": "grpc",
            "encoding": "protobuf",
            "gzip": None,
            "status": mode["status"],
            "headers": meta,
            "spans": [],
        }
        if mode["status"] != 200:
            rec.write(entry)
            code = grpc.StatusCode.INTERNAL
            if mode["status"] in (429, 502, 503, 504):
                code = grpc.StatusCode.UNAVAILABLE
            if mode["retry_after"]:
                details = status_with_retry_info(code.value[0], "unavailable for the test", mode["retry_after"])
                context.set_trailing_metadata((("grpc-status-details-bin", details),))
            context.abort(code, "unavailable for the test")
        entry["spans"] = flatten(req)
        rec.write(entry)
        return rec.response(mode["partial"])

    handler = grpc.method_handlers_generic_handler(
        "opentelemetry.proto.collector.trace.v1.TraceService",
        {
            "Export": grpc.unary_unary_rpc_method_handler(
                export,
                request_deserializer=rec.pb.ExportTraceServiceRequest.FromString,
                response_serializer=rec.pb.ExportTraceServiceResponse.SerializeToString,
            )
        },
    )
    # identity only: a gzip-compressed request is refused, which proves it was compressed
    options = [("grpc.compression_enabled_algorithms_bitset", 1)] if identity_only else []
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4), options=options)
    server.add_generic_rpc_handlers((handler,))
    addr = f"127.0.0.1:{port}"
    if tls:
        with open(tls[0], "rb") as f:
            cert = f.read()
        with open(tls[1], "rb") as f:
            key = f.read()
        server.add_secure_port(addr, grpc.ssl_server_credentials(((key, cert),)))
    else:
        server.add_insecure_port(addr)
    server.start()
    return server


def serve(args):
    pb, json_format = load_modules(args.pydir)
    rec = Recorder(args.out, args.mode_file, pb, json_format)
    open(args.out, "a", encoding="utf-8").close()
    tls = (args.tls_cert, args.tls_key) if args.tls_cert else None
    httpd = grpc_server = None
    if args.http_port:
        httpd = http.server.ThreadingHTTPServer(("127.0.0.1", args.http_port), make_http_handler(rec))
        if tls:
            import ssl  # noqa: E402

            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(tls[0], tls[1])
            httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True)
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
    if args.grpc_port:
        grpc_server = start_grpc(rec, args.grpc_port, tls, args.grpc_identity_only)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    if args.ready_file:
        with open(args.ready_file, "w", encoding="utf-8") as f:
            f.write("ready\n")
    while not done.wait(0.2):
        pass
    if httpd:
        httpd.shutdown()
    if grpc_server:
        grpc_server.stop(0)


def load_spans(path):
    spans = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            spans.extend(json.loads(line)["spans"])
    return spans


def matches(span, match):
    for key, val in match.items():
        if key == "attributes":
            if any(span["attributes"].get(k) != v for k, v in val.items()):
                return False
        elif span.get(key) != val:
            return False
    return True


def check(args):
    spans = load_spans(args.out)
    with open(args.expect, encoding="utf-8") as f:
        expect = json.load(f)
    now = time.time_ns()
    problems = []
    for item in expect:
        found = [s for s in spans if matches(s, item["match"])]
        if len(found) != 1:
            problems.append(f"{len(found)} spans match {item['match']} (want 1)")
            continue
        span = found[0]
        for key, val in item.get("want", {}).items():
            if key in ("attributes", "resource"):
                for k, v in val.items():
                    if span[key].get(k) != v:
                        problems.append(f"{item['match']}: {key}[{k}] = {span[key].get(k)!r}, want {v!r}")
            elif key == "start_age_s":
                age = (now - span["start"]) / 1e9
                if not val[0] <= age <= val[1]:
                    problems.append(f"{item['match']}: started {age:.3f} s ago, want {val}")
            elif key == "start_between":
                if not val[0] <= span["start"] <= val[1]:
                    problems.append(f"{item['match']}: start {span['start']} not in {val}")
            elif key == "duration_ns":
                if span["end"] - span["start"] != val:
                    problems.append(f"{item['match']}: duration {span['end'] - span['start']}, want {val}")
            elif key == "parent_of":
                kids = [s for s in spans if s["name"] == val and s["trace_id"] == span["trace_id"]]
                if not kids or any(k["parent_span_id"] != span["span_id"] for k in kids):
                    problems.append(f"{item['match']}: not the parent of every {val!r} span in its trace")
            elif span.get(key) != val:
                problems.append(f"{item['match']}: {key} = {span.get(key)!r}, want {val!r}")
    for p in problems:
        print(p)
    return 1 if problems else 0


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("serve")
    s.add_argument("--pydir", required=True)
    s.add_argument("--out", required=True)
    s.add_argument("--http-port", type=int)
    s.add_argument("--grpc-port", type=int)
    s.add_argument("--mode-file")
    s.add_argument("--tls-cert")
    s.add_argument("--tls-key")
    s.add_argument("--ready-file")
    s.add_argument("--grpc-identity-only", action="store_true")
    c = sub.add_parser("check")
    c.add_argument("out")
    c.add_argument("expect")
    args = ap.parse_args()
    if args.cmd == "serve":
        serve(args)
        return 0
    return check(args)


if __name__ == "__main__":
    sys.exit(main())
