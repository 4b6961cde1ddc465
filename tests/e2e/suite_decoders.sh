# SPDX-License-Identifier: MIT
# Every label decoder on real BPF: decoders.bpf.o writes known raw keys into one map
# per decoder from a uprobe on the trigger (an errno, syscall numbers, IPv4 and IPv6
# addresses, ifindex 1, a kernel address from /proc/kallsyms, this machine's block device,
# the trigger's own cgroup, DNS names in wire format, PCI ids, integers of every size) and
# from a tp_btf/sys_enter program (the armed trigger's real syscalls and its kernel stack at
# exit_group). The scrape must show the decoded values. A cgroup created after the exporter
# started decodes to its path on the next scrape, and is gone after the grace period once
# removed (shortened to 2 s through EBPF_EXPORTER_CGROUP_GRACE_MS); an interface created, renamed
# and removed while the exporter runs shows under its current name.
# Sourced by run.sh, which calls suite_decoders; uses its globals and lib.sh's helpers.
# shellcheck shell=bash disable=SC2154

DEC_CG=      # the cgroup the suite creates, removed on exit
DEC_IF=ee_e2e_if # the interface it creates (an ifb), renamed to ${DEC_IF}2, removed on exit
DEC_IFINDEX=31337

dec_cleanup()
{
	if [ -n "$DEC_CG" ] && [ -d "$DEC_CG" ]; then
		rmdir "$DEC_CG" 2>/dev/null
	fi
	ip link del dev "$DEC_IF" 2>/dev/null
	ip link del dev "${DEC_IF}2" 2>/dev/null
}

# The cgroup v2 mount point, from mountinfo (the field after " - " is the filesystem type).
dec_cgroup2()
{
	awk '{ for (i = 7; i <= NF; i++) if ($i == "-") { if ($(i + 1) == "cgroup2") { print $5; exit } break } }' \
		/proc/self/mountinfo
}

# The absolute path of this shell's cgroup v2 directory.
dec_own_cgroup()
{
	local rel

	rel=$(sed -n 's/^0:://p' /proc/self/cgroup)
	if [ "$rel" = / ]; then
		echo "$1"
	else
		echo "$1$rel"
	fi
}

# A kernel text symbol alone at its address (aliases resolve to any of them): NAME HEX.
dec_unique_symbol()
{
	local want

	for want in do_syscall_64 vfs_read schedule ksys_write; do
		awk -v s="$want" '
			$3 == s && NF == 3 { addr = $1 }
			{ n[$1]++ }
			END { if (addr != "" && addr != "0000000000000000" && n[addr] == 1) print s, addr }
		' /proc/kallsyms | grep . && return 0
	done
	return 1
}

# The first device line of /proc/partitions: NAME DEVNUM (the kernel's new_encode_dev()).
dec_block_device()
{
	awk 'NF == 4 && $1 ~ /^[0-9]+$/ {
		printf "%s %d\n", $4, ($2 % 256) + $1 * 256 + int($2 / 256) * 1048576
		exit
	}' /proc/partitions
}

# dec_stack_oracle SCRAPE: checks the kstack label against the raw stack (hex label) resolved
# here from /proc/kallsyms: every frame must name a symbol at the greatest address at or
# below it. Prints the problems, nothing when all is well.
dec_stack_oracle()
{
	local raw stack

	raw=$(sed -n 's/^ebpf_exporter_e2e_kstack_raw_total{raw="\([0-9a-f]*\)"} 1$/\1/p' "$1")
	stack=$(sed -n 's/^ebpf_exporter_e2e_kstack_total{kstack="\(.*\)"} 1$/\1/p' "$1")
	if [ -z "$raw" ] || [ -z "$stack" ]; then
		echo "no stack in the scrape"
		return
	fi
	awk -v raw="$raw" -v stack="$stack" '
		BEGIN {
			# awk -v turned the escaped newlines of the label into real ones.
			nw = split(stack, want, "\n")
			for (off = 1; off <= length(raw); off += 16) {
				# Little-endian 16 hex digits to big-endian (the kallsyms spelling).
				h = substr(raw, off, 16)
				a = ""
				for (i = 15; i >= 1; i -= 2)
					a = a substr(h, i, 2)
				if (a == "0000000000000000")
					break
				frame[++n] = a
				best[n] = ""
			}
		}
		{
			# Strings, never numbers: all-digit addresses must compare as text.
			addr = "" $1
			for (k = 1; k <= n; k++) {
				if (addr > frame[k] || addr < best[k])
					continue
				if (addr > best[k]) {
					best[k] = addr
					names[k] = "|"
				}
				names[k] = names[k] $3 "|"
			}
		}
		END {
			for (k = 1; k <= n; k++)
				if (index(names[k], "|" want[k] "|") == 0)
					printf "frame %d (%s): \"%s\" is none of %s\n", k, frame[k], want[k], names[k]
			if (n != nw)
				printf "%d frames, %d names\n", n, nw
		}
	' /proc/kallsyms
}

# The trigger calls of the main check (all on one CPU, in the suite's own shell's cgroup).
dec_trigger_all()
{
	local ksym_addr=$1 devnum=$2

	# shellcheck disable=SC2016
	trigger "$CPU_A" \
		1:1:104:0 1:2:11:0 1:1:95:0 1:1:1000:0 1:1:0:0 \
		2:1:0:0 2:1:17:0 2:1:231:0 2:1:4294967295:0 \
		3:1:4:$'s=\x0a~~\x01' 3:1:4:$'s=\xff\xff\xff\xff' \
		3:1:6:$'s=\x24~\xcb~~\x04\x10\x24~~~~\xa2\x9e\xfd\x8f' \
		3:1:6:$'s=~~~~~~~~~~\xff\xff\x01\x02\x03\x04' \
		3:1:6:$'s=~~~~~~~~~~~~~~~\x01' \
		4:1:1:0 4:1:999999:0 \
		5:2:"0x$ksym_addr":0 \
		6:1:"$devnum":0 \
		7:3:0:0 \
		8:1:0:$'s=\x07example\x03com' 8:1:0:$'s=\x03www\x07example\x03com' \
		8:1:0:$'s=\x05com' \
		10:1:513:9 10:1:0xfffffffe:0xffffffffffffffff \
		11:1:0x80861000:0x0108 11:1:0x0e110001:0xfd00 \
		12:1:0:0
}

dec_expect_all()
{
	local ksym=$1 disk=$2 own_cg=$3 ctl=$'\x05'

	cat <<EOF
# HELP ebpf_exporter_e2e_cgroup_total Calls by cgroup
# TYPE ebpf_exporter_e2e_cgroup_total counter
ebpf_exporter_e2e_cgroup_total{cgroup="$own_cg"} 3
# HELP ebpf_exporter_e2e_dname_total DNS names in wire format
# TYPE ebpf_exporter_e2e_dname_total counter
ebpf_exporter_e2e_dname_total{qname="${ctl}com"} 1
ebpf_exporter_e2e_dname_total{qname="example.com"} 1
ebpf_exporter_e2e_dname_total{qname="www.example.com"} 1
# HELP ebpf_exporter_e2e_errno_total Errors by errno
# TYPE ebpf_exporter_e2e_errno_total counter
ebpf_exporter_e2e_errno_total{errno="EAGAIN"} 2
ebpf_exporter_e2e_errno_total{errno="ECONNRESET"} 1
ebpf_exporter_e2e_errno_total{errno="ENOTSUP"} 1
ebpf_exporter_e2e_errno_total{errno="unknown:0"} 1
ebpf_exporter_e2e_errno_total{errno="unknown:1000"} 1
# HELP ebpf_exporter_e2e_ifname_total Interfaces by index
# TYPE ebpf_exporter_e2e_ifname_total counter
ebpf_exporter_e2e_ifname_total{device="lo"} 1
ebpf_exporter_e2e_ifname_total{device="unknown:999999"} 1
# HELP ebpf_exporter_e2e_inet4_total IPv4 addresses
# TYPE ebpf_exporter_e2e_inet4_total counter
ebpf_exporter_e2e_inet4_total{addr="10.0.0.1"} 1
ebpf_exporter_e2e_inet4_total{addr="255.255.255.255"} 1
# HELP ebpf_exporter_e2e_inet6_total IPv6 addresses
# TYPE ebpf_exporter_e2e_inet6_total counter
ebpf_exporter_e2e_inet6_total{addr="1.2.3.4"} 1
ebpf_exporter_e2e_inet6_total{addr="2400:cb00:4:1024::a29e:fd8f"} 1
ebpf_exporter_e2e_inet6_total{addr="::1"} 1
# HELP ebpf_exporter_e2e_ksym_total Kernel addresses
# TYPE ebpf_exporter_e2e_ksym_total counter
ebpf_exporter_e2e_ksym_total{function="$ksym"} 2
# HELP ebpf_exporter_e2e_majorminor_total Block devices
# TYPE ebpf_exporter_e2e_majorminor_total counter
ebpf_exporter_e2e_majorminor_total{device="$disk"} 1
# HELP ebpf_exporter_e2e_pci_total PCI ids
# TYPE ebpf_exporter_e2e_pci_total counter
ebpf_exporter_e2e_pci_total{class="Mass storage controller",device="82542 Gigabit Ethernet Controller (Fiber)",subclass="Non-Volatile memory controller",vendor="Intel Corporation"} 1
ebpf_exporter_e2e_pci_total{class="unknown pci class: 0xfd",device="PCI to EISA Bridge",subclass="unknown pci class: 0xfd",vendor="Compaq Computer Corporation"} 1
# HELP ebpf_exporter_e2e_sys_enter_total Syscalls the armed trigger made
# TYPE ebpf_exporter_e2e_sys_enter_total counter
ebpf_exporter_e2e_sys_enter_total{syscall="exit_group"} 1
# HELP ebpf_exporter_e2e_syscall_total Syscalls by number written by the trigger
# TYPE ebpf_exporter_e2e_syscall_total counter
ebpf_exporter_e2e_syscall_total{syscall="exit_group"} 1
ebpf_exporter_e2e_syscall_total{syscall="pread64"} 1
ebpf_exporter_e2e_syscall_total{syscall="read"} 1
ebpf_exporter_e2e_syscall_total{syscall="unknown_syscall:4294967295"} 1
# HELP ebpf_exporter_e2e_uint_total Integers of every size
# TYPE ebpf_exporter_e2e_uint_total counter
ebpf_exporter_e2e_uint_total{eight="18446744073709551615",four="4294967294",one="254",two="65534"} 1
ebpf_exporter_e2e_uint_total{eight="9",four="513",one="1",two="513"} 1
EOF
}

# The armed trigger's stack at exit_group: it starts with our own program, named as kallsyms
# names it once loaded, and every frame matches /proc/kallsyms.
dec_check_stack()
{
	local s=$1 tag first problems

	tag=$(sed -n 's/^ebpf_exporter_ebpf_program_info{config="decoders",id="[0-9]*",program="e2e_sys_enter",tag="\([0-9a-f]*\)"} 1$/\1/p' "$s")
	first=$(sed -n 's/^ebpf_exporter_e2e_kstack_total{kstack="\([^\\"]*\).*"} 1$/\1/p' "$s")
	if [ -n "$tag" ] && [ "$first" = "bpf_prog_${tag}_e2e_sys_enter" ]; then
		pass "decoders: kstack starts with our own program, bpf_prog_${tag}_e2e_sys_enter"
	else
		fail "decoders: kstack starts with our own program" "tag: $tag, first frame: $first" \
			"$(grep kstack "$s")"
	fi
	problems=$(dec_stack_oracle "$s")
	if [ -z "$problems" ]; then
		pass "decoders: every kstack frame is the nearest kallsyms symbol of its address"
	else
		fail "decoders: every kstack frame is the nearest kallsyms symbol of its address" \
			"$problems" "$(grep kstack "$s")"
	fi
	if grep -q '^ebpf_exporter_e2e_kstack_total{kstack=".*\\ndo_syscall_64\\n.*"} 1$' "$s"; then
		pass "decoders: kstack runs through do_syscall_64"
	else
		fail "decoders: kstack runs through do_syscall_64" "$(grep kstack "$s")"
	fi
}

# dec_wait_line FILE LINE: scrapes into FILE until it has LINE (at most 10 s).
dec_wait_line()
{
	local i

	for ((i = 0; i < 50; i++)); do
		scrape "$1" >/dev/null
		has_line "$1" "$2" && return 0
		sleep 0.2
	done
	return 1
}

dec_cgroup_lifecycle()
{
	local s=$WORK/decoders-cg.prom v2=$1 id

	DEC_CG=$v2/ee_e2e_decoders_$$
	rmdir "$DEC_CG" 2>/dev/null
	if ! mkdir "$DEC_CG"; then
		fail "decoders: create the cgroup $DEC_CG"
		return
	fi
	id=$(stat -c %i "$DEC_CG")
	# shellcheck disable=SC2016
	if ! sh -c 'echo $$ >"$1/cgroup.procs" && exec taskset -c "$2" "$3" 7:4:0:0' \
		_ "$DEC_CG" "$CPU_A" "$TRIGGER"; then
		fail "decoders: run the trigger in $DEC_CG"
		return
	fi
	scrape "$s" >/dev/null
	check_line "decoders: a cgroup created after start decodes to its path on the next scrape" \
		"$s" "ebpf_exporter_e2e_cgroup_total{cgroup=\"$DEC_CG\"} 4"
	rmdir "$DEC_CG"
	scrape "$s" >/dev/null
	check_line "decoders: a removed cgroup still decodes in its grace period" \
		"$s" "ebpf_exporter_e2e_cgroup_total{cgroup=\"$DEC_CG\"} 4"
	if dec_wait_line "$s" "ebpf_exporter_e2e_cgroup_total{cgroup=\"unknown_cgroup_id:$id\"} 4" &&
		! grep -qF "cgroup=\"$DEC_CG\"" "$s"; then
		pass "decoders: a removed cgroup is gone after the grace period"
	else
		fail "decoders: a removed cgroup is gone after the grace period" \
			"$(grep e2e_cgroup_total "$s")"
	fi
}

# An interface that appears after its index was seen, is renamed and removed: the label follows
# (netlink notifications refresh the cache; a lookup that missed is retried every scrape).
dec_iface_lifecycle()
{
	local s=$WORK/decoders-if.prom prefix=ebpf_exporter_e2e_ifname_total

	dec_cleanup
	if ip link show | grep -q "^$DEC_IFINDEX:"; then
		echo "SKIP: decoders: interface index $DEC_IFINDEX is taken"
		return
	fi
	trigger "$CPU_A" 4:1:"$DEC_IFINDEX":0 || return
	scrape "$s" >/dev/null
	check_line "decoders: an unknown interface index" "$s" \
		"$prefix{device=\"unknown:$DEC_IFINDEX\"} 1"
	if ! ip link add "$DEC_IF" index "$DEC_IFINDEX" type ifb; then
		echo "SKIP: decoders: cannot create an ifb interface"
		return
	fi
	if dec_wait_line "$s" "$prefix{device=\"$DEC_IF\"} 1"; then
		pass "decoders: an interface created later resolves without a restart"
	else
		fail "decoders: an interface created later resolves without a restart" \
			"$(grep "^$prefix" "$s")"
	fi
	ip link set dev "$DEC_IF" name "${DEC_IF}2"
	if dec_wait_line "$s" "$prefix{device=\"${DEC_IF}2\"} 1"; then
		pass "decoders: a renamed interface shows its new name"
	else
		fail "decoders: a renamed interface shows its new name" "$(grep "^$prefix" "$s")"
	fi
	ip link del dev "${DEC_IF}2"
	if dec_wait_line "$s" "$prefix{device=\"unknown:$DEC_IFINDEX\"} 1"; then
		pass "decoders: a removed interface is unknown again"
	else
		fail "decoders: a removed interface is unknown again" "$(grep "^$prefix" "$s")"
	fi
}

suite_decoders()
{
	local s=$WORK/decoders.prom s2=$WORK/decoders-2.prom want=$WORK/decoders.want
	local v2 own_cg ksym ksym_addr disk devnum

	section "decoders: every decoder on keys written by BPF"
	# Remove the suite's cgroup however the run ends.
	trap 'dec_cleanup; cleanup' EXIT
	v2=$(dec_cgroup2)
	if [ -z "$v2" ]; then
		fail "decoders: this machine has a cgroup v2 hierarchy"
		return
	fi
	own_cg=$(dec_own_cgroup "$v2")
	read -r ksym ksym_addr < <(dec_unique_symbol)
	read -r disk devnum < <(dec_block_device)
	if [ -z "$ksym" ] || [ -z "$disk" ]; then
		fail "decoders: find a kernel symbol ($ksym) and a block device ($disk)"
		return
	fi

	EBPF_EXPORTER_CGROUP_GRACE_MS=2000 EBPF_EXPORTER_CGROUP_GC_INTERVAL_MS=250 \
		start_exporter decoders --config.dir="$HERE" --config.names=decoders || return
	dec_trigger_all "$ksym_addr" "$devnum" || {
		stop_exporter TERM
		return
	}
	if [ "$(scrape "$s")" != 200 ]; then
		fail "decoders: scrape answers 200" "$(tail -n 10 "$EXP_LOG")"
		stop_exporter TERM
		return
	fi
	dec_expect_all "$ksym" "$disk" "$own_cg" >"$want"
	check_block "decoders: every decoder's series" "$s" \
		'ebpf_exporter_e2e_(cgroup|dname|errno|ifname|inet4|inet6|ksym|majorminor|pci|sys_enter|syscall|uint)_total' \
		"$want"
	dec_check_stack "$s"
	check_line "decoders: no decoder errors" "$s" \
		'ebpf_exporter_decoder_errors_total{config="decoders"} 0'
	promcheck "decoders scrape" "$s"

	# The second scrape comes from the decoded-label cache: the same series.
	scrape "$s2" >/dev/null
	if diff <(grep '^ebpf_exporter_e2e_' "$s") <(grep '^ebpf_exporter_e2e_' "$s2") >/dev/null; then
		pass "decoders: a second scrape serves the same decoded series"
	else
		fail "decoders: a second scrape serves the same decoded series" \
			"$(diff <(grep '^ebpf_exporter_e2e_' "$s") <(grep '^ebpf_exporter_e2e_' "$s2"))"
	fi

	dec_cgroup_lifecycle "$v2"
	dec_iface_lifecycle
	stop_exporter TERM
	check_exit "decoders: exits 0 on SIGTERM" 0
	dec_cleanup
	trap cleanup EXIT
}
