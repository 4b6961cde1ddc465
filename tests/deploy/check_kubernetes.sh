# SPDX-License-Identifier: MIT
# contrib/kubernetes: every object validates against the Kubernetes and Prometheus Operator
# OpenAPI schemas (the npm packages kubernetes-models and @kubernetes-models/prometheus-operator,
# installed for the run in the work directory) and broken copies do not; every kustomization
# lists files that exist; the DaemonSet is not privileged, drops every capability and adds
# BPF, PERFMON and SYSLOG only, mounts the cgroup tree and tracefs read-only, tolerates every
# taint, has an HTTP readiness probe and CPU and memory requests and limits; and the exporter
# run with the DaemonSet's arguments and exactly its capabilities (as uid 0, as in the pod)
# attaches every program of the examples it names.
#
# Sourced by run.sh, which calls check_kubernetes; uses its globals and e2e's lib.sh helpers.
# shellcheck shell=bash disable=SC2154

K8_DIR=$ROOT/contrib/kubernetes
K8_PORT=19975
K8_PID=
K8_PY=/usr/bin/python3

k8_stop()
{
	bg_stop "$K8_PID"
	K8_PID=
}

# k8_ds EXPR: a Python expression over the DaemonSet `d`, its pod spec `p` and its container
# `c` (all dicts), printed; JSON-parsed YAML via the validator's own yaml package.
k8_ds()
{
	node --input-type=module -e '
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
const [modules, file] = process.argv.slice(1);
const { parse } = await import(pathToFileURL(join(modules, "yaml/dist/index.js")));
console.log(JSON.stringify(parse(readFileSync(file, "utf8"))));' "$WORK/k8s/node_modules" \
		"$K8_DIR/base/daemonset.yaml" >"$WORK/k8s/ds.json" 2>/dev/null &&
		"$K8_PY" -c 'import json, sys
d = json.load(open(sys.argv[1])); p = d["spec"]["template"]["spec"]; c = p["containers"][0]
print(eval(sys.argv[2]))' "$WORK/k8s/ds.json" "$1"
}

check_kubernetes()
{
	local out files caps args configs name prom=$WORK/k8.prom n bad=0 kind got

	if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
		fail "kubernetes: node and npm are not installed (make deps installs them)"
		return
	fi
	mkdir -p "$WORK/k8s"
	if ! out=$(timeout 300 npm install --no-audit --no-fund --no-save --prefix "$WORK/k8s" \
		kubernetes-models @kubernetes-models/prometheus-operator yaml 2>&1); then
		fail "kubernetes: npm installs the schema packages (the npm registry must be reachable)" \
			"$(tail -n 5 <<<"$out")"
		return
	fi
	pass "kubernetes: the schema packages are installed in the work directory"
	mapfile -t files < <(find "$K8_DIR" -name '*.yaml' | sort)
	out=$(node "$HERE/validate-k8s.mjs" "$WORK/k8s/node_modules" "${files[@]}")
	if [ $? -eq 0 ]; then
		pass "kubernetes: every object validates ($(tail -n 1 <<<"$out"))"
	else
		fail "kubernetes: every object validates" "$out"
	fi
	printf '%s\n' "$out" | grep -v '^objects:' | sed 's/^/    /'
	for kind in Namespace ServiceAccount DaemonSet PodMonitor Service ServiceMonitor; do
		check "kubernetes: a $kind is among them" grep -q "^ok $kind " <<<"$out"
	done

	# Broken copies are rejected: a string port, an unknown kind, a missing resource.
	sed 's/containerPort: 9435/containerPort: "metrics"/' "$K8_DIR/base/daemonset.yaml" \
		>"$WORK/k8s/bad-ds.yaml"
	printf 'apiVersion: v1\nkind: Frobnicator\nmetadata: {name: x}\n' >"$WORK/k8s/bad-kind.yaml"
	printf 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [gone.yaml]\n' \
		>"$WORK/k8s/kustomization.yaml"
	out=$(node "$HERE/validate-k8s.mjs" "$WORK/k8s/node_modules" "$WORK/k8s/bad-ds.yaml" \
		"$WORK/k8s/bad-kind.yaml" "$WORK/k8s/kustomization.yaml")
	check "kubernetes: ... and broken copies do not ($(tail -n 1 <<<"$out"))" \
		grep -qx 'objects: 0 valid, 3 invalid' <<<"$out"

	# The DaemonSet's facts.
	check "kubernetes: the DaemonSet is not privileged and cannot escalate" \
		[ "$(k8_ds 'c["securityContext"]["privileged"], c["securityContext"]["allowPrivilegeEscalation"]')" = "(False, False)" ]
	check "kubernetes: ... drops ALL capabilities" \
		[ "$(k8_ds 'c["securityContext"]["capabilities"]["drop"]')" = "['ALL']" ]
	caps=$(k8_ds '",".join(sorted(c["securityContext"]["capabilities"]["add"]))')
	check "kubernetes: ... adds BPF, PERFMON and SYSLOG only ($caps)" [ "$caps" = BPF,PERFMON,SYSLOG ]
	check "kubernetes: ... mounts /sys/fs/cgroup and /sys/kernel/tracing read-only from the host" \
		[ "$(k8_ds 'sorted((m["mountPath"], m.get("readOnly"), [v["hostPath"]["path"] for v in p["volumes"] if v["name"] == m["name"]][0]) for m in c["volumeMounts"])')" = \
		"[('/sys/fs/cgroup', True, '/sys/fs/cgroup'), ('/sys/kernel/tracing', True, '/sys/kernel/tracing')]" ]
	check "kubernetes: ... tolerates every taint" \
		[ "$(k8_ds 'p["tolerations"]')" = "[{'operator': 'Exists'}]" ]
	check "kubernetes: ... has an HTTP readiness probe on the metrics port" \
		[ "$(k8_ds 'c["readinessProbe"]["httpGet"]["port"], [q["name"] for q in c["ports"]]')" = "('metrics', ['metrics'])" ]
	check "kubernetes: ... has CPU and memory requests and limits" \
		[ "$(k8_ds 'sorted(c["resources"]["requests"]), sorted(c["resources"]["limits"])')" = "(['cpu', 'memory'], ['cpu', 'memory'])" ]
	args=$(k8_ds '"\n".join(c["args"])')
	configs=$(sed -n 's/^--config.names=//p' <<<"$args")
	for name in ${configs//,/ }; do
		if [ ! -f "$ROOT/examples/$name.yaml" ] || grep -q "^$name	" "$ROOT/tests/e2e/skip.txt"; then
			bad=1
			echo "    $name: not an example, or one that cannot attach everywhere"
		fi
	done
	check "kubernetes: the DaemonSet runs examples that exist and attach everywhere ($configs)" \
		[ "${configs:+set}/$bad" = set/0 ]

	# The DaemonSet's arguments with exactly its capabilities, as uid 0 like the pod.
	caps=$(tr 'A-Z' 'a-z' <<<"$caps" | sed 's/^/+/; s/,/,+/g')
	mapfile -t args < <(sed -e "s|^--config.dir=/examples|--config.dir=$ROOT/examples|" \
		-e "s|^--web.listen-address=.*|--web.listen-address=127.0.0.1:$K8_PORT|" <<<"$args")
	OTEL_TRACES_EXPORTER=none setpriv --inh-caps=-all --bounding-set="-all,$caps" \
		--no-new-privs "$BUILD/ebpf_exporter" "${args[@]}" >"$WORK/k8.log" 2>&1 &
	K8_PID=$!
	cleanup_add k8_stop
	bg_wait_http "$K8_PORT" "$K8_PID"
	curl -s --max-time 10 -o "$prom" "http://127.0.0.1:$K8_PORT/metrics"
	got=$(sed -n 's/.*Started with capabilities: "\(.*\)=[eip]*".*/\1/p' "$WORK/k8.log" | tr ',' '\n' |
		sort | tr '\n' ',')
	check "kubernetes: with the DaemonSet's capabilities the exporter holds exactly those (${got%,})" \
		[ "$got" = cap_bpf,cap_perfmon,cap_syslog, ]
	n=0
	for name in ${configs//,/ }; do
		has_line "$prom" "ebpf_exporter_enabled_configs{name=\"$name\"} 1" && n=$((n + 1))
	done
	check "kubernetes: ... enables every config of the DaemonSet ($n)" \
		[ "$n" -eq "$(tr ',' '\n' <<<"$configs" | grep -c .)" ]
	check "kubernetes: ... and attaches every program" \
		sh -c "grep -q '^ebpf_exporter_ebpf_program_attached' '$prom' && ! grep -qE '^ebpf_exporter_ebpf_program_attached\{.*\} 0' '$prom'"
	k8_stop
}
