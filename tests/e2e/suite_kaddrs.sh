# SPDX-License-Identifier: MIT
# kaddrs (module symbols included): each listed symbol's address from
# /proc/kallsyms reaches the program's `const volatile u64 kaddr_<symbol>` before load. The
# kaddrs program copies the addresses into map keys on a trigger call, so they are read back
# as labels and compared with /proc/kallsyms; a missing symbol or variable stops the
# exporter with an error naming it.
# Sourced by run.sh, which calls suite_kaddrs; uses its globals and lib.sh's helpers.
# shellcheck shell=bash disable=SC2154

# kaddrs_kallsyms_addr SYMBOL [MODULE]: the address of SYMBOL, lower-case hex as in
# /proc/kallsyms; with MODULE, only the module symbol `SYMBOL\t[MODULE]` matches.
kaddrs_kallsyms_addr()
{
	if [ $# -eq 2 ]; then
		awk -v s="$1" -v m="[$2]" '$3 == s && $4 == m { a = $1 } END { print a }' /proc/kallsyms
	else
		awk -v s="$1" 'NF == 3 && $3 == s { a = $1 } END { print a }' /proc/kallsyms
	fi
}

# kaddrs_expect_line VARIABLE SYMBOL HEX: the series the program exports for one address.
kaddrs_expect_line()
{
	printf 'ebpf_exporter_e2e_kaddrs_total{address="%u",symbol="%s",variable="kaddr_%s"} 1\n' \
		"0x$3" "$2" "$1"
}

kaddrs_expect_header()
{
	echo '# HELP ebpf_exporter_e2e_kaddrs_total Kernel addresses passed in through kaddrs'
	echo '# TYPE ebpf_exporter_e2e_kaddrs_total counter'
}

# kaddrs_run NAME CONFIG WANT_FILE: starts the exporter on CONFIG (in $CFG), triggers the
# program once and compares its family with WANT_FILE.
kaddrs_run()
{
	local name=$1 config=$2 want=$3 s=$WORK/$2.prom

	start_exporter "$config" --config.dir="$CFG" --config.names="$config" || return
	trigger "$CPU_A" 40:1:0:0
	if [ "$(scrape "$s")" = 200 ]; then
		check_block "kaddrs: $name" "$s" ebpf_exporter_e2e_kaddrs_total "$want"
	else
		fail "kaddrs: $name: scrape answers 200" "$(tail -n 10 "$EXP_LOG")"
	fi
	stop_exporter TERM
	check_exit "kaddrs: $config exits 0 on SIGTERM" 0
}

# kaddrs_config NAME SYMBOL...: $CFG/NAME.yaml (the kaddrs config with these symbols) and a
# copy of the object as $CFG/NAME.bpf.o.
kaddrs_config()
{
	local name=$1 sym

	shift
	cp "$HERE/kaddrs.bpf.o" "$CFG/$name.bpf.o"
	{
		sed '/^kaddrs:/,$d' "$HERE/kaddrs.yaml"
		echo "kaddrs:"
		for sym in "$@"; do
			echo "  - $sym"
		done
	} >"$CFG/$name.yaml"
}

suite_kaddrs()
{
	local vfs_read tramp want=$WORK/kaddrs.want n

	section "kaddrs: kernel addresses written into const volatile variables"
	vfs_read=$(kaddrs_kallsyms_addr vfs_read)
	if [ -z "$vfs_read" ] || [ "$vfs_read" = 0000000000000000 ]; then
		fail "kaddrs: /proc/kallsyms shows the address of vfs_read"
		return
	fi
	# The ksym label resolves the address back to a name: with aliases at that address, any
	# of them may come back, so expect vfs_read only when it is alone there.
	n=$(awk -v a="$vfs_read" '$1 == a' /proc/kallsyms | wc -l)
	if [ "$n" -ne 1 ]; then
		fail "kaddrs: vfs_read has an address of its own in /proc/kallsyms" \
			"$(awk -v a="$vfs_read" '$1 == a' /proc/kallsyms)"
		return
	fi

	kaddrs_config kaddrs vfs_read
	{
		kaddrs_expect_header
		kaddrs_expect_line vfs_read vfs_read "$vfs_read"
	} >"$want"
	kaddrs_run "kaddr_vfs_read holds the address of vfs_read from /proc/kallsyms" kaddrs "$want"
	if grep -q 'kaddr_' "$EXP_LOG"; then
		fail "kaddrs: no kaddr debug line without --debug" "$(grep kaddr_ "$EXP_LOG")"
	else
		pass "kaddrs: no kaddr debug line without --debug"
	fi

	# Module symbols carry `\t[module]` in /proc/kallsyms; they match by their bare name.
	tramp=$(kaddrs_kallsyms_addr ftrace_trampoline __builtin__ftrace)
	if [ -z "$tramp" ]; then
		echo "SKIP: kaddrs of a module symbol: no ftrace_trampoline [__builtin__ftrace] in /proc/kallsyms"
	else
		kaddrs_config kaddrs_module vfs_read ftrace_trampoline
		# Series sort by address, the first label name.
		{
			kaddrs_expect_header
			{
				kaddrs_expect_line ftrace_trampoline ftrace_trampoline "$tramp"
				kaddrs_expect_line vfs_read vfs_read "$vfs_read"
			} | LC_ALL=C sort
		} >"$want"
		kaddrs_run "a module symbol (ftrace_trampoline [__builtin__ftrace]) matches by its bare name" \
			kaddrs_module "$want"
	fi

	section "kaddrs: start-up errors"
	kaddrs_config kaddrs_missing vfs_read ee_no_such_symbol
	run_once error --config.dir="$CFG" --config.names=kaddrs_missing
	check_exit "kaddrs: a missing symbol is fatal" 1
	check_log "kaddrs: a missing symbol is named" "$EXP_LOG" \
		'Error attaching exporter: error passing kaddrs to config "kaddrs_missing": error finding kaddr for "ee_no_such_symbol"'

	# vfs_write exists in the kernel but the program has no kaddr_vfs_write.
	kaddrs_config kaddrs_novar vfs_read vfs_write
	run_once error --config.dir="$CFG" --config.names=kaddrs_novar
	check_exit "kaddrs: a symbol without its variable is fatal" 1
	check_log "kaddrs: a symbol without its variable is named, with its address" "$EXP_LOG" \
		"Error attaching exporter: error passing kaddrs to config \"kaddrs_novar\": error setting kaddr value for \"vfs_write\" (const volatile \"kaddr_vfs_write\") to 0x$(kaddrs_kallsyms_addr vfs_write | sed 's/^0*//'): "
}
