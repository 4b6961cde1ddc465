# SPDX-License-Identifier: MIT
# Histograms: the histograms program's maps, filled through the trigger with
# known buckets (out-of-range indexes and sum keys included), must give exactly the expected
# _bucket, _sum and _count lines for every bucket type, per-CPU maps with and without a `cpu`
# label and label sets merged after decoding. Invalid histogram configs stop the exporter
# with an error naming file, line, metric and rule. A real Prometheus server scrapes the
# exporter and computes histogram_quantile. The histogram examples (biolatency,
# softirq-latency, run-queue-latency) measure this machine.
# Sourced by run.sh, which calls suite_histograms; uses its globals and lib.sh's helpers.
# shellcheck shell=bash disable=SC2154

# Upper bounds of exp2 buckets 0..27 with multiplier 1e-6, as the exporter prints them.
HIST_EXP2_MICRO_LE="1e-06 2e-06 4e-06 8e-06 1.6e-05 3.2e-05 6.4e-05 0.000128 0.000256 0.000512
0.001024 0.002048 0.004096 0.008192 0.016384 0.032768 0.065536 0.131072 0.262144 0.524288
1.048576 2.097152 4.194304 8.388608 16.777216 33.554432 67.108864 134.217728"

# hist_b LABEL VALUE [JUNK]: the trigger's B argument for the raw kinds of histograms.bpf.c.
hist_b()
{
	echo $((${3:-0} << 40 | $1 << 32 | $2))
}

# The trigger calls behind hist_expect: kind:count:bucket index (or value):label and value.
hist_trigger()
{
	trigger "$CPU_A" \
		20:1:0:"$(hist_b 0 2)" 20:1:2:"$(hist_b 0 3)" 20:1:4:"$(hist_b 0 1000)" \
		20:1:9:"$(hist_b 0 7)" 20:1:0x8000000000000004:"$(hist_b 0 10)" \
		20:1:0xffffffffffffffff:"$(hist_b 0 10)" 20:1:4:"$(hist_b 1 1824)" \
		21:1:0:"$(hist_b 7 1)" 21:1:1:"$(hist_b 7 2)" 21:1:3:"$(hist_b 7 4)" \
		21:1:4:"$(hist_b 7 7)" 21:1:5:"$(hist_b 7 9)" \
		22:1:0:100 22:1:1:100 22:1:2:1 22:1:3:2 22:1:5:3 22:1:6:10 22:1:7:100 22:1:0xffff:1 \
		23:1:1:"$(hist_b 8 1)" 23:1:3:"$(hist_b 8 50)" 23:1:5:"$(hist_b 8 2)" \
		23:1:10:"$(hist_b 8 3)" 23:1:250:"$(hist_b 8 4)" 23:1:251:"$(hist_b 8 1000)" \
		23:1:252:"$(hist_b 8 9)" 23:1:0:"$(hist_b 8 7)" \
		24:1:0:"$(hist_b 1 1)" 24:1:1:"$(hist_b 1 2)" 24:1:3:"$(hist_b 1 5)" \
		25:1:1:2 25:1:4:3 \
		26:1:0:"$(hist_b 1 1)" 26:1:1:"$(hist_b 1 1)" 26:1:3:"$(hist_b 1 5)" \
		26:1:1:"$(hist_b 2 2 0xff)" 26:1:2:"$(hist_b 2 1 0xff)" 26:1:3:"$(hist_b 2 7 0xff)" \
		26:1:2:"$(hist_b 1 1 0x55)" 26:1:2:"$(hist_b 3 1 1)" \
		27:1:2:"$(hist_b 0 5)" 27:1:3:"$(hist_b 0 4)" 27:1:4:"$(hist_b 0 30)" \
		28:1:0:3 28:1:1:3 28:1:2:3 28:1:3:3 28:1:4:3 28:1:5:3 28:1:100:3 28:1:1000000:3 \
		29:1:0:4 29:1:1:4 29:1:2:4 29:1:3:4 29:1:4:4 29:1:5:4 29:1:9:4 \
		30:1:3:0 30:1:8:0 || return 1
	trigger "$CPU_B" \
		24:1:2:"$(hist_b 1 4)" 24:1:3:"$(hist_b 1 16)" 24:1:7:"$(hist_b 1 100)" \
		25:1:1:1 25:1:3:1 25:1:4:5 \
		30:1:1:0 30:1:0:0
}

# hist_series NAME LABELS "LE..." "COUNT..." SUM: the lines of one series from per-bucket
# (not cumulative) counts; LABELS are the other labels, printed before le.
hist_series()
{
	local name=$1 labels=$2 sum=$5 total=0 i sep=
	local -a le cnt

	read -r -a le <<<"$3"
	read -r -a cnt <<<"$4"
	[ -n "$labels" ] && sep=,
	for i in "${!le[@]}"; do
		total=$((total + cnt[i]))
		echo "${name}_bucket{${labels}${sep}le=\"${le[i]}\"} $total"
	done
	echo "${name}_bucket{${labels}${sep}le=\"+Inf\"} $total"
	if [ -n "$labels" ]; then
		echo "${name}_sum{$labels} $sum"
		echo "${name}_count{$labels} $total"
	else
		echo "${name}_sum $sum"
		echo "${name}_count $total"
	fi
}

# hist_cpu_series NAME LABELS "LE..." "COUNTS ON CPU_A" SUM_A "COUNTS ON CPU_B" SUM_B: one
# series per CPU (cpu label first, then LABELS), in the order the exporter sorts them.
hist_cpu_series()
{
	local name=$1 labels=$2 bounds=$3 c i sum
	local -a a b cnt

	read -r -a a <<<"$4"
	read -r -a b <<<"$6"
	for c in $(cpu_labels); do
		cnt=()
		sum=0
		for i in "${!a[@]}"; do
			cnt[i]=0
			[ "$c" -eq "$CPU_A" ] && cnt[i]=$((cnt[i] + a[i]))
			[ "$c" -eq "$CPU_B" ] && cnt[i]=$((cnt[i] + b[i]))
		done
		[ "$c" -eq "$CPU_A" ] && sum=$((sum + $5))
		[ "$c" -eq "$CPU_B" ] && sum=$((sum + $7))
		hist_series "$name" "cpu=\"$c\"${labels:+,}$labels" "$bounds" "${cnt[*]}" "$sum"
	done
}

hist_header()
{
	echo "# HELP ebpf_exporter_$1 $2"
	echo "# TYPE ebpf_exporter_$1 histogram"
}

# Every line the histograms config gives after hist_trigger, families in name order.
hist_expect()
{
	local p=ebpf_exporter_

	hist_header e2e_exp2_seconds 'exp2 histogram 0..3 x1e-6 (the worked example)'
	# {0:2, 2:3, 4(sum):1000, 9:7}; 2^63+4 and 2^64-1 are outside too.
	cat <<'EOF'
ebpf_exporter_e2e_exp2_seconds_bucket{op="read",le="1e-06"} 2
ebpf_exporter_e2e_exp2_seconds_bucket{op="read",le="2e-06"} 2
ebpf_exporter_e2e_exp2_seconds_bucket{op="read",le="4e-06"} 5
ebpf_exporter_e2e_exp2_seconds_bucket{op="read",le="8e-06"} 5
ebpf_exporter_e2e_exp2_seconds_bucket{op="read",le="+Inf"} 5
ebpf_exporter_e2e_exp2_seconds_sum{op="read"} 0.001
ebpf_exporter_e2e_exp2_seconds_count{op="read"} 5
ebpf_exporter_e2e_exp2_seconds_bucket{op="write",le="1e-06"} 0
ebpf_exporter_e2e_exp2_seconds_bucket{op="write",le="2e-06"} 0
ebpf_exporter_e2e_exp2_seconds_bucket{op="write",le="4e-06"} 0
ebpf_exporter_e2e_exp2_seconds_bucket{op="write",le="8e-06"} 0
ebpf_exporter_e2e_exp2_seconds_bucket{op="write",le="+Inf"} 0
ebpf_exporter_e2e_exp2_seconds_sum{op="write"} 0.0018239999999999999
ebpf_exporter_e2e_exp2_seconds_count{op="write"} 0
EOF
	hist_header e2e_exp2zero_seconds 'exp2zero histogram 0..3 x0.001'
	cat <<'EOF'
ebpf_exporter_e2e_exp2zero_seconds_bucket{kind="7",le="0"} 1
ebpf_exporter_e2e_exp2zero_seconds_bucket{kind="7",le="0.001"} 3
ebpf_exporter_e2e_exp2zero_seconds_bucket{kind="7",le="0.002"} 3
ebpf_exporter_e2e_exp2zero_seconds_bucket{kind="7",le="0.004"} 7
ebpf_exporter_e2e_exp2zero_seconds_bucket{kind="7",le="+Inf"} 7
ebpf_exporter_e2e_exp2zero_seconds_sum{kind="7"} 0.007
ebpf_exporter_e2e_exp2zero_seconds_count{kind="7"} 7
EOF
	hist_header e2e_fixed_seconds 'fixed histogram [1, 5, 10, 250] x0.001'
	cat <<'EOF'
ebpf_exporter_e2e_fixed_seconds_bucket{dev="8",le="0.001"} 1
ebpf_exporter_e2e_fixed_seconds_bucket{dev="8",le="0.005"} 3
ebpf_exporter_e2e_fixed_seconds_bucket{dev="8",le="0.01"} 6
ebpf_exporter_e2e_fixed_seconds_bucket{dev="8",le="0.25"} 10
ebpf_exporter_e2e_fixed_seconds_bucket{dev="8",le="+Inf"} 10
ebpf_exporter_e2e_fixed_seconds_sum{dev="8"} 1
ebpf_exporter_e2e_fixed_seconds_count{dev="8"} 10
EOF
	# Values 0 1 2 3 4 5 100 1000000 through increment_exp2_histogram, clamped to bucket 5.
	hist_header e2e_helper_exp2_seconds 'increment_exp2_histogram 0..5 x1e-6'
	cat <<'EOF'
ebpf_exporter_e2e_helper_exp2_seconds_bucket{kind="3",le="1e-06"} 2
ebpf_exporter_e2e_helper_exp2_seconds_bucket{kind="3",le="2e-06"} 3
ebpf_exporter_e2e_helper_exp2_seconds_bucket{kind="3",le="4e-06"} 5
ebpf_exporter_e2e_helper_exp2_seconds_bucket{kind="3",le="8e-06"} 6
ebpf_exporter_e2e_helper_exp2_seconds_bucket{kind="3",le="1.6e-05"} 6
ebpf_exporter_e2e_helper_exp2_seconds_bucket{kind="3",le="3.2e-05"} 8
ebpf_exporter_e2e_helper_exp2_seconds_bucket{kind="3",le="+Inf"} 8
ebpf_exporter_e2e_helper_exp2_seconds_sum{kind="3"} 1.0001149999999999
ebpf_exporter_e2e_helper_exp2_seconds_count{kind="3"} 8
EOF
	# Values 0 1 2 3 4 5 9 through increment_exp2zero_histogram, clamped to bucket 4.
	hist_header e2e_helper_exp2zero 'increment_exp2zero_histogram 0..4'
	cat <<'EOF'
ebpf_exporter_e2e_helper_exp2zero_bucket{kind="4",le="0"} 1
ebpf_exporter_e2e_helper_exp2zero_bucket{kind="4",le="1"} 2
ebpf_exporter_e2e_helper_exp2zero_bucket{kind="4",le="2"} 3
ebpf_exporter_e2e_helper_exp2zero_bucket{kind="4",le="4"} 5
ebpf_exporter_e2e_helper_exp2zero_bucket{kind="4",le="8"} 7
ebpf_exporter_e2e_helper_exp2zero_bucket{kind="4",le="+Inf"} 7
ebpf_exporter_e2e_helper_exp2zero_sum{kind="4"} 24
ebpf_exporter_e2e_helper_exp2zero_count{kind="4"} 7
EOF
	# Values 3 and 8 on CPU_A, 1 and 0 on CPU_B through increment_exp2_histogram_nosync.
	hist_header e2e_helper_pcpu 'increment_exp2_histogram_nosync 0..3 on a per-CPU hash, one per CPU'
	hist_cpu_series ${p}e2e_helper_pcpu "" "1 2 4 8" "0 0 1 1" 11 "2 0 0 0" 1
	hist_header e2e_linear 'linear histogram 2..5 x0.5 with only the bucket label'
	cat <<'EOF'
ebpf_exporter_e2e_linear_bucket{le="1"} 1
ebpf_exporter_e2e_linear_bucket{le="1.5"} 3
ebpf_exporter_e2e_linear_bucket{le="2"} 3
ebpf_exporter_e2e_linear_bucket{le="2.5"} 6
ebpf_exporter_e2e_linear_bucket{le="+Inf"} 6
ebpf_exporter_e2e_linear_sum 5
ebpf_exporter_e2e_linear_count 6
EOF
	# op 1 and op 2 (with different padding bytes) both decode to "read".
	hist_header e2e_merged 'keys that decode to equal labels are merged bucket by bucket'
	cat <<'EOF'
ebpf_exporter_e2e_merged_bucket{op="read",le="0"} 1
ebpf_exporter_e2e_merged_bucket{op="read",le="1"} 4
ebpf_exporter_e2e_merged_bucket{op="read",le="2"} 6
ebpf_exporter_e2e_merged_bucket{op="read",le="+Inf"} 6
ebpf_exporter_e2e_merged_sum{op="read"} 12
ebpf_exporter_e2e_merged_count{op="read"} 6
ebpf_exporter_e2e_merged_bucket{op="write",le="0"} 0
ebpf_exporter_e2e_merged_bucket{op="write",le="1"} 0
ebpf_exporter_e2e_merged_bucket{op="write",le="2"} 1
ebpf_exporter_e2e_merged_bucket{op="write",le="+Inf"} 1
ebpf_exporter_e2e_merged_sum{op="write"} 0
ebpf_exporter_e2e_merged_count{op="write"} 1
EOF
	hist_header e2e_one_bucket 'a one-bucket exp2 histogram 3..3'
	cat <<'EOF'
ebpf_exporter_e2e_one_bucket_bucket{label="0",le="8"} 4
ebpf_exporter_e2e_one_bucket_bucket{label="0",le="+Inf"} 4
ebpf_exporter_e2e_one_bucket_sum{label="0"} 30
ebpf_exporter_e2e_one_bucket_count{label="0"} 4
EOF
	# The bucket is the label before cpu; index 7 on CPU_B is outside.
	hist_header e2e_pcpu_cpu 'per-CPU hash histogram, one per CPU'
	hist_cpu_series ${p}e2e_pcpu_cpu 'kind="1"' "1 2 4" "1 2 0" 5 "0 0 4" 16
	# Summed over CPUs: index 1 holds 2 + 1, index 3 holds 1, the sum 3 + 5.
	hist_header e2e_pcpu_sum_seconds 'per-CPU array histogram summed over CPUs, x1e-9'
	cat <<'EOF'
ebpf_exporter_e2e_pcpu_sum_seconds_bucket{le="1e-09"} 0
ebpf_exporter_e2e_pcpu_sum_seconds_bucket{le="2e-09"} 3
ebpf_exporter_e2e_pcpu_sum_seconds_bucket{le="4e-09"} 3
ebpf_exporter_e2e_pcpu_sum_seconds_bucket{le="8e-09"} 4
ebpf_exporter_e2e_pcpu_sum_seconds_bucket{le="+Inf"} 4
ebpf_exporter_e2e_pcpu_sum_seconds_sum 8e-09
ebpf_exporter_e2e_pcpu_sum_seconds_count 4
EOF
}

# ---------------------------------------------------------------------------------------
# Start-up validation

# hist_invalid NAME LINE RULE: writes $CFG/hist_NAME.yaml from stdin (the histogram `h_NAME`
# starts at line 3), runs the exporter on it and checks it exits 1 with an error naming the
# file and LINE, the metric and RULE.
hist_invalid()
{
	local name=hist_$1 line=$2 rule=$3 err

	cat >"$CFG/$name.yaml"
	run_once "$name" --config.dir="$CFG" --config.names="$name"
	err=$(grep -F "histogram \"h_$1\"" "$EXP_LOG")
	if [ "$EXP_RC" -eq 1 ] && printf '%s' "$err" | grep -qF -- "$rule" &&
		printf '%s' "$err" | grep -qF "($CFG/$name.yaml line $line)"; then
		pass "histograms: invalid config: $rule (names file, line $line, metric)"
	else
		fail "histograms: invalid config: $rule (names file, line $line, metric)" \
			"exit code $EXP_RC (want 1)" "output: $(tail -n 5 "$EXP_LOG")"
	fi
}

hist_validation()
{
	section "histograms: start-up validation"
	hist_invalid type 6 'unknown bucket_type "exp3"' <<'EOF'
metrics:
  histograms:
    - name: h_type
      help: unknown bucket type
      bucket_max: 3
      bucket_type: exp3
      labels:
        - {name: bucket, size: 4, decoders: [{name: uint}]}
EOF
	hist_invalid notype 3 'bucket_type is not set' <<'EOF'
metrics:
  histograms:
    - name: h_notype
      help: no bucket type
      bucket_max: 3
      labels:
        - {name: bucket, size: 4, decoders: [{name: uint}]}
EOF
	hist_invalid minmax 7 'bucket_min (5) must not exceed bucket_max (3)' <<'EOF'
metrics:
  histograms:
    - name: h_minmax
      help: min above max
      bucket_type: linear
      bucket_min: 5
      bucket_max: 3
      labels:
        - {name: bucket, size: 4, decoders: [{name: uint}]}
EOF
	hist_invalid nokeys 6 'bucket_type fixed needs at least one bucket key' <<'EOF'
metrics:
  histograms:
    - name: h_nokeys
      help: fixed without keys
      bucket_type: fixed
      bucket_keys: []
      labels:
        - {name: bucket, size: 4, decoders: [{name: uint}]}
EOF
	hist_invalid order 9 'bucket_keys must be strictly increasing (5 follows 5)' <<'EOF'
metrics:
  histograms:
    - name: h_order
      help: keys not increasing
      bucket_type: fixed
      bucket_keys:
        - 1
        - 5
        - 5
      labels:
        - {name: bucket, size: 4, decoders: [{name: uint}]}
EOF
	hist_invalid integral 8 'bucket key 2.5 is not an integer' <<'EOF'
metrics:
  histograms:
    - name: h_integral
      help: keys not integers
      bucket_type: fixed
      bucket_keys:
        - 1
        - 2.5
      labels:
        - {name: bucket, size: 4, decoders: [{name: uint}]}
EOF
	hist_invalid nolabels 3 'no labels: at least one is needed' <<'EOF'
metrics:
  histograms:
    - name: h_nolabels
      help: no labels
      bucket_type: exp2
      bucket_max: 3
EOF
	hist_invalid notuint 11 'the last label "bucket" is the bucket and must end with the uint decoder, not "string"' <<'EOF'
metrics:
  histograms:
    - name: h_notuint
      help: the bucket is a string
      bucket_type: exp2
      bucket_max: 3
      labels:
        - name: bucket
          size: 4
          decoders:
            - name: string
EOF
}

# ---------------------------------------------------------------------------------------
# A real Prometheus server

# hist_prom_wait PORT QUERY WANT: waits (30 s at most) until QUERY gives WANT; 0 if it did.
hist_prom_wait()
{
	local i

	for ((i = 0; i < 300; i++)); do
		[ "$(prom_query "$1" "$2")" = "$3" ] && return 0
		sleep 0.1
	done
	return 1
}

# hist_in_range NAME VALUE LOW HIGH: VALUE is a number in (LOW, HIGH].
hist_in_range()
{
	if [ -n "$2" ] && awk -v v="$2" -v lo="$3" -v hi="$4" \
		'BEGIN { exit !(v ~ /^[-+0-9.e]+$/ && v + 0 > lo + 0 && v + 0 <= hi + 0) }'; then
		pass "$1 ($2)"
	else
		fail "$1" "got '$2', want a value in ($3, $4]"
	fi
}

# With the exporter of the histograms config running (after hist_trigger).
hist_prometheus()
{
	local port q v count='ebpf_exporter_e2e_exp2_seconds_count{op="read"}'

	section "histograms: scraped by a real Prometheus server"
	prom_start prometheus 29090 || return
	port=$PROM_PORT

	# The first scrape comes a few seconds after start-up (target updates are batched).
	if hist_prom_wait "$port" "$count" 5; then
		pass "prometheus: scrapes the exporter's histograms"
	else
		fail "prometheus: scrapes the exporter's histograms" \
			"query $count: '$(prom_query "$port" "$count")'" \
			"$(tail -n 5 "$WORK/prometheus.log")"
		prom_stop
		trap cleanup EXIT
		return
	fi
	# Buckets 2, 2, 5, 5: the median is in (2e-06, 4e-06], interpolated at 2.33e-06.
	q='histogram_quantile(0.5, ebpf_exporter_e2e_exp2_seconds_bucket{op="read"})'
	hist_in_range "prometheus: $q" "$(prom_query "$port" "$q")" 2e-06 4e-06
	q='histogram_quantile(0.9, sum by (le) (ebpf_exporter_e2e_fixed_seconds_bucket))'
	hist_in_range "prometheus: $q" "$(prom_query "$port" "$q")" 0.01 0.25

	# Ten more observations, all in (4e-06, 8e-06]: over the last minute that bucket holds
	# every new one, so the median of the rate is in it (interpolated at 6e-06).
	trigger "$CPU_A" 20:10:3:"$(hist_b 0 1)"
	if hist_prom_wait "$port" "$count" 15; then
		q='histogram_quantile(0.5, rate(ebpf_exporter_e2e_exp2_seconds_bucket{op="read"}[1m]))'
		v=$(prom_query "$port" "$q")
		hist_in_range "prometheus: $q" "$v" 4e-06 8e-06
	else
		fail "prometheus: sees the new observations" \
			"query $count: '$(prom_query "$port" "$count")'"
	fi
	prom_stop
	trap cleanup EXIT
}

# ---------------------------------------------------------------------------------------
# The examples

# hist_well_formed FILE FAMILY LE_COUNT: every series of FAMILY has the first LE_COUNT
# bounds of HIST_EXP2_MICRO_LE then +Inf, cumulative counts never decrease, +Inf equals
# _count, and a _sum. Prints the problems found; returns non-zero if there are any.
hist_well_formed()
{
	awk -v fam="$2" -v n="$3" -v les="$HIST_EXP2_MICRO_LE" '
		BEGIN { split(les, want, /[ \n]+/) }
		function series(line,   s) {
			s = line
			sub(/^[^{ ]*/, "", s)
			sub(/ [^ ]*$/, "", s)
			sub(/,?le="[^"]*"/, "", s)
			return s == "{}" ? "" : s
		}
		index($0, fam "_bucket") == 1 {
			k = series($0)
			if (!(k in seen)) { seen[k] = 1; keys[++nk] = k; idx[k] = 0; last[k] = 0 }
			le = $0
			sub(/.*le="/, "", le)
			sub(/".*/, "", le)
			i = ++idx[k]
			if (i <= n && le != want[i])
				printf "%s: bucket %d has le=%s, want %s\n", k, i, le, want[i]
			if (i == n + 1 && le != "+Inf")
				printf "%s: bucket %d has le=%s, want +Inf\n", k, i, le
			if ($NF + 0 < last[k])
				printf "%s: le=%s count %s below the previous %s\n", k, le, $NF, last[k]
			last[k] = $NF + 0
			if (le == "+Inf") inf[k] = $NF + 0
		}
		index($0, fam "_count") == 1 { cnt[series($0)] = $NF + 0 }
		index($0, fam "_sum") == 1 { sum[series($0)] = 1 }
		END {
			if (!nk) print "no series"
			for (j = 1; j <= nk; j++) {
				k = keys[j]
				if (idx[k] != n + 1) printf "%s: %d buckets, want %d\n", k, idx[k], n + 1
				if (!(k in cnt) || cnt[k] != inf[k]) printf "%s: +Inf %s, count %s\n", k, inf[k], cnt[k]
				if (!(k in sum)) printf "%s: no _sum\n", k
			}
		}' "$1"
}

# hist_check_well_formed NAME FILE FAMILY LE_COUNT
hist_check_well_formed()
{
	local problems

	problems=$(hist_well_formed "$2" "$3" "$4")
	if [ -z "$problems" ]; then
		pass "$1"
	else
		fail "$1" "$problems"
	fi
}

# hist_total FILE SERIES_PREFIX: the sum of the values of every line starting with it.
hist_total()
{
	grep -F -- "$2" "$1" | awk '{ t += $NF } END { printf "%d\n", t }'
}

hist_example_latency()
{
	local s=$WORK/hist-examples.prom i rq sirq_entry sirq_service raised ok c v missing=

	section "examples: run-queue-latency, softirq-latency"
	start_exporter hist-examples --config.dir="$EXAMPLES" \
		--config.names=run-queue-latency,softirq-latency || return
	# Sleeps wake up (run queue); scrapes over loopback raise NET_RX softirqs.
	for ((i = 0; i < 50; i++)); do
		sleep 0.1
		scrape "$s" >/dev/null
		rq=$(hist_total "$s" ebpf_exporter_run_queue_latency_seconds_count)
		sirq_entry=$(hist_total "$s" ebpf_exporter_softirq_entry_latency_seconds_count)
		sirq_service=$(hist_total "$s" ebpf_exporter_softirq_service_latency_seconds_count)
		raised=$(hist_total "$s" 'ebpf_exporter_softirq_raised_total{kind="net_rx"}')
		ok=1
		for v in "$rq" "$sirq_entry" "$sirq_service" "$raised"; do
			[ "$v" -gt 0 ] || ok=0
		done
		[ "$ok" -eq 1 ] && break
	done
	check "examples: run-queue-latency counts waits ($rq)" [ "$rq" -gt 0 ]
	check "examples: softirq-latency counts entry latencies ($sirq_entry)" [ "$sirq_entry" -gt 0 ]
	check "examples: softirq-latency counts handler run times ($sirq_service)" \
		[ "$sirq_service" -gt 0 ]
	check "examples: softirq-latency counts raised net_rx softirqs ($raised)" [ "$raised" -gt 0 ]
	# One histogram per CPU, by the cpu label after the bucket.
	for c in $(cpu_labels); do
		grep -qF "ebpf_exporter_run_queue_latency_seconds_count{cpu=\"$c\"} " "$s" ||
			missing="$missing $c"
	done
	check "examples: run-queue-latency has a histogram for every CPU${missing:+ (missing:$missing)}" \
		[ -z "$missing" ]
	hist_check_well_formed "examples: run-queue-latency buckets are exp2 0..26 x1e-6" \
		"$s" ebpf_exporter_run_queue_latency_seconds 27
	hist_check_well_formed "examples: softirq entry latency buckets are exp2 0..21 x1e-6" \
		"$s" ebpf_exporter_softirq_entry_latency_seconds 22
	hist_check_well_formed "examples: softirq service latency buckets are exp2 0..21 x1e-6" \
		"$s" ebpf_exporter_softirq_service_latency_seconds 22
	promcheck "latency examples scrape" "$s"
	cp "$s" "$WORK/measured-latency.prom"
	stop_exporter TERM
	check_exit "examples: latency examples exit 0 on SIGTERM" 0
}

# The disk (not partition) name under /sys/block holding FILE, or empty.
hist_disk_of()
{
	local dev sys

	dev=$(stat -c '%Hd:%Ld' "$1" 2>/dev/null) || return
	sys=$(readlink -f "/sys/dev/block/$dev" 2>/dev/null) || return
	[ -n "$sys" ] && [ -d "$sys" ] || return
	[ -e "$sys/partition" ] && sys=$(dirname "$sys")
	basename "$sys"
}

# The reads and writes /sys/block/DISK/stat has counted as completed: "READS WRITES".
hist_disk_ios()
{
	awk '{ print $1, $5 }' "/sys/block/$1/stat"
}

hist_example_biolatency()
{
	local s=$WORK/biolatency.prom f=$WORK/odirect.bin disk i w0 r0 w1 r1 prefix k0 k1

	section "examples: biolatency"
	disk=$(hist_disk_of "$WORK")
	if [ -z "$disk" ]; then
		echo "SKIP: biolatency: $WORK is not on a block device"
		return
	fi
	start_exporter biolatency --config.dir="$EXAMPLES" --config.names=biolatency || return
	prefix="ebpf_exporter_bio_latency_seconds_count{device=\"$disk\",operation="
	k0=$(hist_disk_ios "$disk")
	scrape "$s" >/dev/null
	w0=$(hist_total "$s" "${prefix}\"write\"}")
	r0=$(hist_total "$s" "${prefix}\"read\"}")
	# 64 synchronous 4 KiB writes that bypass the page cache, then 64 such reads. A filesystem
	# may answer a direct read of a hole or unwritten extent without asking the disk, so the
	# reads are repeated (up to 4 times) until the disk's own counter has seen 64 of them:
	# whatever the disk completed, the exporter must have counted.
	dd if=/dev/zero of="$f" bs=4k count=64 oflag=direct conv=fsync status=none
	check "examples: biolatency: the O_DIRECT writes ran" [ $? -eq 0 ]
	for ((i = 0; i < 4; i++)); do
		dd if="$f" of=/dev/null bs=4k iflag=direct status=none || break
		set -- $k0 $(hist_disk_ios "$disk")
		[ $(($3 - $1)) -ge 64 ] && break
	done
	for ((i = 0; i < 50; i++)); do
		scrape "$s" >/dev/null
		w1=$(hist_total "$s" "${prefix}\"write\"}")
		r1=$(hist_total "$s" "${prefix}\"read\"}")
		[ $((w1 - w0)) -ge 64 ] && [ $((r1 - r0)) -ge 64 ] && break
		sleep 0.1
	done
	k1=$(hist_disk_ios "$disk")
	rm -f "$f"
	# The disk's own counts over the same time tell a missed request from one never made.
	set -- $k0 $k1
	check "examples: biolatency counts the 64 O_DIRECT writes on $disk (+$((w1 - w0)), disk +$(($4 - $2)))" \
		[ $((w1 - w0)) -ge 64 ]
	check "examples: biolatency counts the 64 O_DIRECT reads on $disk (+$((r1 - r0)), disk +$(($3 - $1)))" \
		[ $((r1 - r0)) -ge 64 ]
	if grep -qE "^ebpf_exporter_bio_latency_seconds_sum\{device=\"$disk\",operation=\"write\"\} [0-9.e+-]+$" "$s" &&
		! grep -qE "^ebpf_exporter_bio_latency_seconds_sum\{device=\"$disk\",operation=\"write\"\} 0$" "$s"; then
		pass "examples: biolatency has a non-zero write latency sum for $disk"
	else
		fail "examples: biolatency has a non-zero write latency sum for $disk" \
			"$(grep bio_latency_seconds_sum "$s")"
	fi
	hist_check_well_formed "examples: biolatency buckets are exp2 0..27 x1e-6" \
		"$s" ebpf_exporter_bio_latency_seconds 28
	promcheck "biolatency scrape" "$s"
	cp "$s" "$WORK/measured-biolatency.prom"
	stop_exporter TERM
	check_exit "examples: biolatency exits 0 on SIGTERM" 0
}

# ---------------------------------------------------------------------------------------

# hist_steady_state: the same keys again give the same lines (the series are reused), and
# the trigger's events once more (they hit only existing keys by now) add exactly the first
# round's amounts: every _bucket, _sum and _count value grows by what hist_trigger gave it.
hist_steady_state()
{
	local first=$WORK/histograms-first.prom again=$WORK/histograms-again.prom
	local twice=$WORK/histograms-twice.prom bad

	scrape "$first" >/dev/null
	scrape "$again" >/dev/null
	if diff <(grep -E '^ebpf_exporter_e2e_' "$first") <(grep -E '^ebpf_exporter_e2e_' "$again") \
		>/dev/null; then
		pass "histograms: an unchanged map scrapes the same again"
	else
		fail "histograms: an unchanged map scrapes the same again" \
			"$(diff <(grep -E '^ebpf_exporter_e2e_' "$first") \
				<(grep -E '^ebpf_exporter_e2e_' "$again") | head -10)"
	fi
	hist_trigger || return
	scrape "$twice" >/dev/null
	bad=$(paste -d ' ' <(grep -E '^ebpf_exporter_e2e_' "$first") \
		<(grep -E '^ebpf_exporter_e2e_' "$twice") |
		awk 'NF != 4 || $1 != $3 || $4 + 0 < $2 + 0 { print; n++ } END { exit n > 0 }') || true
	# The first round alone (want) plus the state before it (first) is the state after:
	# counts exactly, sums up to the rounding of adding them in another order.
	bad=$bad$(paste -d ' ' <(grep -E '^ebpf_exporter_e2e_' "$first") \
		<(grep -E '^ebpf_exporter_e2e_' "$WORK/histograms.want") \
		<(grep -E '^ebpf_exporter_e2e_' "$twice") |
		awk 'function abs(x) { return x < 0 ? -x : x }
			NF != 6 || $1 != $3 || $1 != $5 || abs($6 - ($2 + $4)) > 1e-12 * abs($6) {
				print; n++ }') || true
	if [ -z "$bad" ] && [ "$(grep -cE '^ebpf_exporter_e2e_' "$twice")" -gt 100 ]; then
		pass "histograms: the same events again add exactly their amounts to the reused series"
	else
		fail "histograms: the same events again add exactly their amounts to the reused series" \
			"$(printf '%s\n' "$bad" | head -10)"
	fi
}

suite_histograms()
{
	local s=$WORK/histograms.prom want=$WORK/histograms.want

	hist_validation

	section "histograms: every bucket type and layout, driven by the trigger"
	if start_exporter histograms --config.dir="$HERE" --config.names=histograms; then
		if hist_trigger && [ "$(scrape "$s")" = 200 ]; then
			hist_expect >"$want"
			check_block "histograms: exact _bucket, _sum and _count lines of every family" \
				"$s" 'ebpf_exporter_e2e_[a-z0-9_]+' "$want"
			# (the map itself is listed, with 0 entries, by ebpf_exporter_map_entries)
			if grep -qE '^(# (HELP|TYPE) )?ebpf_exporter_e2e_empty_seconds' "$s"; then
				fail "histograms: an empty map has no family" "$(grep e2e_empty "$s")"
			else
				pass "histograms: an empty map has no family"
			fi
			check_line "histograms: no decoder errors" "$s" \
				'ebpf_exporter_decoder_errors_total{config="histograms"} 0'
			promcheck "histograms scrape" "$s"
			hist_prometheus
			hist_steady_state
		else
			fail "histograms: trigger and scrape" "$(tail -n 10 "$EXP_LOG")"
		fi
		stop_exporter TERM
		check_exit "histograms: exits 0 on SIGTERM" 0
	fi

	hist_example_latency
	hist_example_biolatency
}
