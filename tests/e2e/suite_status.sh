# SPDX-License-Identifier: MIT
# End-to-end tests of the status page on /: rendered by a real browser (headless Chromium,
# Debian's `chromium`), its DOM holding every config, program and map of the running set, the
# attach error of a program that cannot attach, the version and the run statistics; screenshots
# at a phone's and a desktop's size that are not blank; escaping of a config name that carries
# HTML; the Content-Type, and basic auth and headers of a web config.
#
# Sourced by run.sh, which calls suite_status; uses its globals and lib.sh's helpers.
# shellcheck shell=bash disable=SC2154

# The configs: two examples that load here (timers; cachestat, whose kprobe cannot attach),
# the uprobe counters config, and a copy of percpu-softirq whose name carries HTML.
STATUS_HOSTILE="x<b>&'q'"

status_setup()
{
	STATUS_DIR=$WORK/status
	mkdir -p "$STATUS_DIR"
	cp "$EXAMPLES/timers.yaml" "$EXAMPLES/timers.bpf.o" "$EXAMPLES/cachestat.yaml" \
		"$EXAMPLES/cachestat.bpf.o" "$HERE/counters.yaml" "$HERE/counters.bpf.o" \
		"$STATUS_DIR/" || return 1
	cp "$EXAMPLES/percpu-softirq.yaml" "$STATUS_DIR/$STATUS_HOSTILE.yaml" &&
		cp "$EXAMPLES/percpu-softirq.bpf.o" "$STATUS_DIR/$STATUS_HOSTILE.bpf.o"
}

# status_chromium OUT ARGS...: headless Chromium on the status page, its output in OUT.
status_chromium()
{
	local out=$1

	shift
	timeout -s KILL 90 chromium --headless --no-sandbox --disable-gpu --no-first-run \
		--user-data-dir="$WORK/chromium" "$@" "http://127.0.0.1:$EXP_PORT/" \
		>"$out" 2>>"$WORK/chromium.log"
}

# status_dom_facts DOM: what the rendered DOM shows, one fact a line, tab-separated:
# `version TEXT`, `config NAME`, `prog CONFIG NAME SECTION STATE ID RUNS`,
# `map CONFIG NAME TYPE KEY VALUE ENTRIES`, `reload TEXT`, `stats TEXT`.
status_dom_facts()
{
	python3 - "$1" <<'EOF'
import html.parser, sys

class P(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.stack, self.text, self.rows, self.row, self.cell = [], [], [], None, None
        self.h3, self.table = None, None
        self.facts = []
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == 'h3':
            self.text = []
        elif tag == 'table':
            self.table = a.get('class', a.get('id', ''))
        elif tag == 'tr':
            self.row = []
        elif tag in ('td', 'th'):
            self.cell = []
        elif tag == 'div':
            self.text = []
    def handle_endtag(self, tag):
        t = ''.join(self.text).strip()
        if tag == 'h3':
            self.h3 = t
            if t not in ('Status', 'Configs'):
                self.facts.append(('config', t))
        elif tag in ('td', 'th') and self.cell is not None:
            self.row.append(' '.join(''.join(self.cell).split()))
            self.cell = None
        elif tag == 'tr' and self.row is not None:
            r, self.row = self.row, None
            if self.table == 'progs' and r[0] != 'Program':
                self.facts.append(('prog', self.h3, r[0], r[1], r[2], r[3], r[4]))
            elif self.table == 'maps' and r[0] != 'Map':
                self.facts.append(('map', self.h3, *r[:5]))
            elif self.table.startswith('kv') and r[0] == 'Last reload':
                self.facts.append(('reload', r[1]))
            elif self.table.startswith('kv') and r[0] == 'Run statistics':
                self.facts.append(('stats', r[1]))
        elif tag == 'div' and t.startswith('Version: '):
            self.facts.append(('version', t[len('Version: '):]))
    def handle_data(self, d):
        self.text.append(d)
        if self.cell is not None:
            self.cell.append(d)

p = P()
p.feed(open(sys.argv[1], encoding='utf-8').read())
for f in p.facts:
    print('\t'.join(f))
EOF
}

# status_png_check PNG WIDTH: decodes the PNG (zlib and the five row filters, 8-bit RGB or
# RGBA) and prints `width height colors inked header` (distinct colors, the share of pixels
# that are not white in percent, and whether the header's #e6522c fills the top rows).
status_png_check()
{
	python3 - "$1" <<'EOF'
import struct, sys, zlib

data = open(sys.argv[1], 'rb').read()
assert data[:8] == b'\x89PNG\r\n\x1a\n', 'not a PNG'
pos, idat, w = 8, b'', 0
while pos < len(data):
    n, kind = struct.unpack('>I4s', data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b'IHDR':
        w, h, depth, ctype = struct.unpack('>IIBB', body[:10])
        assert depth == 8 and ctype in (2, 6), 'unexpected PNG format %d/%d' % (depth, ctype)
        bpp = 3 if ctype == 2 else 4
    elif kind == b'IDAT':
        idat += body
    pos += 12 + n
raw = zlib.decompress(idat)
stride = w * bpp
prev = bytearray(stride)
colors, inked, header = set(), 0, 0
for y in range(h):
    f = raw[y * (stride + 1)]
    line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for i in range(stride):
        a = line[i - bpp] if i >= bpp else 0
        b = prev[i]
        c = prev[i - bpp] if i >= bpp else 0
        if f == 1:
            line[i] = (line[i] + a) & 255
        elif f == 2:
            line[i] = (line[i] + b) & 255
        elif f == 3:
            line[i] = (line[i] + (a + b) // 2) & 255
        elif f == 4:
            pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    for x in range(0, stride, bpp):
        px = bytes(line[x:x + 3])
        colors.add(px)
        if px != b'\xff\xff\xff':
            inked += 1
        if y < 40 and px == b'\xe6\x52\x2c':
            header += 1
    prev = line
print(w, h, len(colors), inked * 100 // (w * h), 'header' if header > w * 20 else 'noheader')
EOF
}

# status_screenshot NAME WIDTH HEIGHT: a screenshot at that window size, checked.
status_screenshot()
{
	local name=$1 width=$2 height=$3 png=$WORK/status-$1.png facts w h colors inked header

	rm -f "$png"
	status_chromium "$WORK/chromium-$name.out" --hide-scrollbars \
		--screenshot="$png" --window-size="$width,$height"
	if [ ! -s "$png" ]; then
		fail "status: $name screenshot taken" "$(tail -n 5 "$WORK/chromium.log")"
		return
	fi
	if ! facts=$(status_png_check "$png" 2>&1); then
		fail "status: $name screenshot decodes" "$facts"
		return
	fi
	read -r w h colors inked header <<<"$facts"
	if [ "$w" = "$width" ] && [ "$h" = "$height" ] && [ "$colors" -gt 50 ] &&
		[ "$inked" -ge 5 ] && [ "$header" = header ]; then
		pass "status: $name screenshot ${w}x$h is not blank ($colors colors, $inked% inked, the header's color on top)"
	else
		fail "status: $name screenshot is not blank" \
			"${w}x$h (want ${width}x$height), $colors colors (want > 50), $inked% inked (want >= 5), $header"
	fi
	# kept for a look: E2E_KEEP=1, or STATUS_SHOTS=DIR
	if [ -n "${STATUS_SHOTS:-}" ]; then
		mkdir -p "$STATUS_SHOTS" && cp "$png" "$STATUS_SHOTS/"
	fi
}

# status_map_names OBJ: the maps an object defines (its BTF .maps section), one a line.
status_map_names()
{
	bpftool btf dump file "$1" | awk "/DATASEC '.maps'/ { f = 1; next } /^\[/ { f = 0 } f" |
		sed -n "s/.*(VAR '\(.*\)')\$/\1/p"
}

run_status_page()
{
	local m=$WORK/status.prom dom=$WORK/status.dom facts=$WORK/status.facts page=$WORK/status.html
	local h=$WORK/status.head cfg prog name id info want max err line runs code missing=''

	section "status page: Chromium renders the running set"
	if ! command -v chromium >/dev/null; then
		fail "status: chromium is installed (Debian package chromium)"
		return
	fi
	status_setup || {
		fail "status: configs copied"
		return
	}
	sysctl -q -w kernel.bpf_stats_enabled=1
	start_exporter status --config.dir="$STATUS_DIR" \
		--config.names="timers,cachestat,counters,$STATUS_HOSTILE" || {
		sysctl -q -w kernel.bpf_stats_enabled="$STATS_ORIG"
		return
	}
	# 10 runs of the uprobe, 3 of them keys of e2e_hex_total
	trigger "$CPU_A" 99:7:0:0 8:1:1:0 8:1:2:0 8:1:3:0
	code=$(scrape "$m")
	if [ "$code" != 200 ]; then
		fail "status: /metrics of the four configs is 200" "status $code" "$(head -n 3 "$m")"
	fi
	status_chromium "$dom" --dump-dom
	status_dom_facts "$dom" >"$facts" 2>&1
	if [ -s "$facts" ] && grep -q '^config' "$facts"; then
		pass "status: Chromium's DOM of / parses"
	else
		fail "status: Chromium's DOM of / parses" "$(head -c 600 "$dom")" \
			"$(tail -n 5 "$WORK/chromium.log")"
		stop_exporter TERM
		sysctl -q -w kernel.bpf_stats_enabled="$STATS_ORIG"
		return
	fi

	# the version line as --version gives it
	info=$("$EXPORTER" --version 2>&1 | sed -n \
		'1s/^ebpf_exporter, version \(.*\) (branch: \(.*\), revision: \(.*\))$/(version=\1, branch=\2, revision=\3)/p')
	check_line "status: the DOM holds the version" "$facts" "version	$info"

	# every config, in --config.names order
	want=$(printf 'config\t%s\n' timers cachestat counters "$STATUS_HOSTILE")
	if [ "$(grep '^config' "$facts")" = "$want" ]; then
		pass "status: the DOM holds every config, the one named with HTML as text"
	else
		fail "status: the DOM holds every config" "want: $want" "have: $(grep '^config' "$facts")"
	fi

	# every program the metrics list, with its id; attached unless it is cachestat's kprobe
	while read -r line; do
		cfg=$(sed -n 's/.*config="\([^"]*\)".*/\1/p' <<<"$line")
		prog=$(sed -n 's/.*program="\([^"]*\)".*/\1/p' <<<"$line")
		id=$(sed -n 's/.*id="\([0-9]*\)".*/\1/p' <<<"$line")
		if [ "$prog" = folio_mark_accessed ]; then
			continue
		fi
		if ! grep -qP "^prog\t\Q$cfg\E\t\Q$prog\E\t[^\t]+\tattached\t$id\t" "$facts"; then
			missing+=" $cfg/$prog(id $id)"
		fi
	done < <(grep '^ebpf_exporter_ebpf_program_info{' "$m")
	if [ -z "$missing" ] && [ "$(grep -c '^ebpf_exporter_ebpf_program_info{' "$m")" -eq 7 ] &&
		[ "$(grep -c '^prog' "$facts")" -eq 7 ]; then
		pass "status: the DOM holds every program (7), attached, with the ids /metrics gives"
	else
		fail "status: the DOM holds every program, attached, with its id" "missing:$missing" \
			"$(grep '^prog' "$facts")"
	fi

	# the program that could not attach shows the error the log gives
	err=$(sed -n 's/.*Failed to attach program "folio_mark_accessed" for config "cachestat": \(.*\)$/\1/p' \
		"$EXP_LOG" | head -n 1)
	if [ -n "$err" ] && grep -qP "^prog\tcachestat\tfolio_mark_accessed\tkprobe/folio_mark_accessed\t\Q$err\E\t[0-9]+\t" "$facts"; then
		pass "status: the unattached program shows its attach error ($err)"
	else
		fail "status: the unattached program shows its attach error" "log: '$err'" \
			"$(grep 'folio_mark_accessed' "$facts")"
	fi

	# every map each object defines
	missing=''
	for cfg in timers cachestat counters "$STATUS_HOSTILE"; do
		while read -r name; do
			grep -qP "^map\t\Q$cfg\E\t\Q$name\E\t" "$facts" || missing+=" $cfg/$name"
		done < <(status_map_names "$STATUS_DIR/$cfg.bpf.o")
	done
	if [ -z "$missing" ] && [ "$(grep -c '^map' "$facts")" -eq \
		"$(for cfg in timers cachestat counters "$STATUS_HOSTILE"; do status_map_names "$STATUS_DIR/$cfg.bpf.o"; done | wc -l)" ]; then
		pass "status: the DOM holds every map of each object ($(grep -c '^map' "$facts"))"
	else
		fail "status: the DOM holds every map of each object" "missing:$missing" \
			"$(grep '^map' "$facts")"
	fi
	if grep -qP '^map\ttimers\ttimer_starts_total\thash\t8 B\t8 B\t.* of 1,024$' "$facts"; then
		pass "status: timer_starts_total is a hash of 8-byte keys and values, of 1,024 entries"
	else
		fail "status: timer_starts_total is a hash of 8-byte keys and values, of 1,024 entries" \
			"$(grep timer_starts_total "$facts")"
	fi

	# entries of max entries: what the scrape before counted (ebpf_exporter_map_entries)
	missing=''
	while read -r name; do
		want=$(sample_value "$m" "ebpf_exporter_map_entries{config=\"counters\",map=\"$name\"}")
		max=$(sample_value "$m" "ebpf_exporter_map_max_entries{config=\"counters\",map=\"$name\"}")
		if [ -z "$want" ] || [ -z "$max" ] ||
			! grep -qP "^map\tcounters\t$name\t[^\t]+\t[^\t]+\t[^\t]+\t$want of $max\$" "$facts"; then
			missing+=" $name($want of $max)"
		fi
	done < <(status_map_names "$STATUS_DIR/counters.bpf.o")
	if [ -z "$missing" ]; then
		pass "status: every map of counters shows the entries and max entries of the last scrape"
	else
		fail "status: every map of counters shows the entries and max entries of the last scrape" \
			"wrong:$missing" "$(grep -P '^map\tcounters' "$facts")"
	fi
	check_line "status: e2e_hex_total holds the 3 keys triggered, of 64" "$facts" \
		"$(printf 'map\tcounters\te2e_hex_total\thash\t4 B\t8 B\t3 of 64')"

	# run statistics: the uprobe ran exactly 10 times, as the kernel counts it
	id=$(prog_id "$m" counters e2e_uprobe)
	runs=$(bpftool prog show id "$id" 2>/dev/null | sed -n 's/.* run_cnt \([0-9]*\).*/\1/p')
	check_line "status: run statistics on" "$facts" "stats	on (kernel.bpf_stats_enabled=1)"
	if [ "$runs" = 10 ] && grep -qP "^prog\tcounters\te2e_uprobe\t[^\t]+\tattached\t$id\t10$" "$facts"; then
		pass "status: the uprobe's run count is 10, as bpftool reads it"
	else
		fail "status: the uprobe's run count is 10, as bpftool reads it" "bpftool: '$runs'" \
			"$(grep e2e_uprobe "$facts")"
	fi
	check_line "status: no reload yet" "$facts" "reload	no reload yet"

	status_screenshot phone 412 915
	status_screenshot desktop 1280 1024

	# without the statistics: "stats off" in every program row
	sysctl -q -w kernel.bpf_stats_enabled=0
	status_chromium "$dom" --dump-dom
	status_dom_facts "$dom" >"$facts" 2>&1
	sysctl -q -w kernel.bpf_stats_enabled="$STATS_ORIG"
	if [ "$(grep -c '^prog' "$facts")" -eq 7 ] &&
		[ "$(grep -cP '^prog\t.*\tstats off$' "$facts")" -eq 7 ] &&
		grep -qxF "stats	stats off (kernel.bpf_stats_enabled=0)" "$facts"; then
		pass "status: with kernel.bpf_stats_enabled=0 every program shows stats off"
	else
		fail "status: with kernel.bpf_stats_enabled=0 every program shows stats off" \
			"$(grep -E '^(prog|stats)' "$facts")"
	fi

	# the HTML itself: Content-Type, escaping, the same page on unknown paths
	code=$(scrape "$page" / -D "$h")
	if [ "$code" = 200 ] && [ "$(header "$h" Content-Type)" = "text/html; charset=utf-8" ]; then
		pass "status: / is 200 text/html; charset=utf-8"
	else
		fail "status: / is 200 text/html; charset=utf-8" "status $code" "$(cat "$h")"
	fi
	if grep -qF '<h3>x&lt;b&gt;&amp;&#39;q&#39;</h3>' "$page" &&
		grep -qF '<code>'"$STATUS_DIR"'/x&lt;b&gt;&amp;&#39;q&#39;.yaml</code>' "$page" &&
		! grep -qF '<b>' "$page" && ! grep -qF "&'q'" "$page"; then
		pass "status: a config name with HTML is escaped (&lt; &gt; &amp; &#39;)"
	else
		fail "status: a config name with HTML is escaped" "$(grep -nF 'x&lt;' "$page")" \
			"$(grep -nF '<b>' "$page")"
	fi
	code=$(scrape "$page" /no/such/page -D "$h")
	if [ "$code" = 200 ] && [ "$(header "$h" Content-Type)" = "text/html; charset=utf-8" ] &&
		grep -qF '<h3>cachestat</h3>' "$page"; then
		pass "status: an unknown path serves the status page"
	else
		fail "status: an unknown path serves the status page" "status $code"
	fi
	run_status_reloads
	stop_exporter TERM
	check_exit "status: SIGTERM exits 0" 0
}

# status_wait_log N TEXT: waits (up to 20 s) until the log holds TEXT N times.
status_wait_log()
{
	local i

	for ((i = 0; i < 200; i++)); do
		[ "$(grep -cF -- "$2" "$EXP_LOG")" -ge "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

# The last reload on the page: successful, then failed with its error (which carries HTML).
run_status_reloads()
{
	local dom=$WORK/status-reload.dom facts=$WORK/status-reload.facts page=$WORK/status.html
	local yaml=$STATUS_DIR/timers.yaml err re

	re='[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} UTC \([0-9]+s ago\)'
	kill -HUP "$EXP_PID"
	if ! status_wait_log 1 "Reloaded configs in"; then
		fail "status: SIGHUP reloads" "$(tail -n 5 "$EXP_LOG")"
		return
	fi
	status_chromium "$dom" --dump-dom
	status_dom_facts "$dom" >"$facts" 2>&1
	if grep -qP "^reload\t$re: successful in [0-9.]+ (ns|µs|ms|s)\$" "$facts" &&
		[ "$(grep -c '^prog' "$facts")" -eq 7 ]; then
		pass "status: after a reload: its time and successful, the same programs"
	else
		fail "status: after a reload: its time and successful" "$(grep -E '^reload' "$facts")"
	fi

	cp "$yaml" "$yaml.good"
	echo '<b>oops&: 1' >>"$yaml"
	kill -HUP "$EXP_PID"
	if ! status_wait_log 1 "Error reloading configs, the running set stays: "; then
		fail "status: a broken YAML fails the reload" "$(tail -n 5 "$EXP_LOG")"
		cp "$yaml.good" "$yaml"
		return
	fi
	err=$(sed -n 's/.*Error reloading configs, the running set stays: //p' "$EXP_LOG" | tail -n 1)
	status_chromium "$dom" --dump-dom
	status_dom_facts "$dom" >"$facts" 2>&1
	if [ -n "$err" ] && grep -qP "^reload\t$re: failed in [0-9.]+ (ns|µs|ms|s): \Q$err\E\$" "$facts" &&
		[[ "$err" == *'unknown key "<b>oops&"'* ]]; then
		pass "status: a failed reload shows its error as the log gives it ($err)"
	else
		fail "status: a failed reload shows its error as the log gives it" "log: $err" \
			"$(grep -E '^reload' "$facts")"
	fi
	scrape "$page" / >/dev/null
	if grep -qF 'unknown key &#34;&lt;b&gt;oops&amp;&#34;' "$page" && ! grep -qF '<b>' "$page"; then
		pass "status: the reload error is escaped"
	else
		fail "status: the reload error is escaped" "$(grep -F 'oops' "$page")"
	fi
	cp "$yaml.good" "$yaml"
}

# The web config's basic auth and headers hold for the status page.
run_status_web_config()
{
	local web=$WORK/status-web.yml o=$WORK/status-web pw=s3cret hash code

	section "status page behind a web config"
	hash=$(python3 -W ignore::DeprecationWarning -c 'import crypt, sys
print(crypt.crypt(sys.argv[1], crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16)))' "$pw")
	cat >"$web" <<EOF
http_server_config:
  headers:
    X-Frame-Options: deny
    X-Content-Type-Options: nosniff
basic_auth_users:
  alice: "$hash"
EOF
	start_exporter status-web --config.dir="$STATUS_DIR" --config.names=timers \
		--web.config.file="$web" || return
	code=$(scrape "$o.body" / -D "$o.head")
	if [ "$code" = 401 ] && ! grep -qF '<h3>timers</h3>' "$o.body"; then
		pass "status: without credentials / is 401 and shows nothing"
	else
		fail "status: without credentials / is 401 and shows nothing" "status $code"
	fi
	code=$(scrape "$o.body" / -D "$o.head" -u "alice:$pw")
	if [ "$code" = 200 ] && [ "$(header "$o.head" Content-Type)" = "text/html; charset=utf-8" ] &&
		[ "$(header "$o.head" X-Frame-Options)" = deny ] &&
		[ "$(header "$o.head" X-Content-Type-Options)" = nosniff ] &&
		grep -qF '<h3>timers</h3>' "$o.body"; then
		pass "status: with credentials / is the status page, with the configured headers"
	else
		fail "status: with credentials / is the status page, with the configured headers" \
			"status $code" "$(tr -d '\r' <"$o.head")"
	fi
	stop_exporter TERM
}

suite_status()
{
	run_status_page
	run_status_web_config
}
