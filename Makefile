# SPDX-License-Identifier: MIT
# ebpf_exporter: build, run and test. `make` builds the exporter and the BPF objects;
# `sudo make run` runs it on :9435 with the default examples; `make test` runs every suite.

.DELETE_ON_ERROR:
.SUFFIXES:

BUILD ?= build
# Shell-derived values are computed once (:=), whatever the number of objects; each may still
# be set on the command line.
ARCH ?= $(shell uname -m | sed 's/x86_64/x86/; s/aarch64/arm64/')
ARCH := $(ARCH)
CC ?= gcc
CLANG ?= clang
BPFTOOL ?= bpftool
VERSION ?= $(shell cat VERSION 2>/dev/null || echo 0.0.0)
VERSION := $(VERSION)
REVISION ?= $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
REVISION := $(REVISION)
BRANCH ?= $(shell git rev-parse --abbrev-ref HEAD 2>/dev/null || echo unknown)
BRANCH := $(BRANCH)
BUILD_USER ?= $(shell id -un 2>/dev/null)@$(shell hostname 2>/dev/null)
BUILD_USER := $(BUILD_USER)
BUILD_DATE ?= $(shell date -u +%Y%m%d-%H:%M:%S)
BUILD_DATE := $(BUILD_DATE)

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

# libpsx wraps pthread_create() so that libcap's capability changes reach every thread. It must
# come before libcap: its psx_load_syscalls() replaces the weak one libcap.so itself defines.
PKGS := libbpf yaml-0.1 libmicrohttpd gnutls libcrypt libpcre2-8 libpsx libcap zlib libprotobuf-c libpci \
	libseccomp
# Loaded with dlopen() only when needed (src/tracing/curl_api.c, src/util/systemd.c).
DLOPEN_PKGS := libcurl libsystemd
# Goals that compile nothing themselves: they may run before the packages are installed.
NO_PKG_GOALS := deps test run clean format format-check bench
ifneq ($(filter-out $(NO_PKG_GOALS),$(or $(MAKECMDGOALS),all)),)
PKG_MISSING := $(strip $(foreach p,$(PKGS) $(DLOPEN_PKGS),$(if $(shell pkg-config --exists $(p) && echo y),,$(p))))
ifneq ($(PKG_MISSING),)
$(error pkg-config cannot find $(PKG_MISSING): run `make deps` (scripts/deps.sh) to install the Debian packages)
endif
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) $(DLOPEN_PKGS))
PKG_LIBS := $(shell pkg-config --libs $(PKGS))
endif

CFLAGS ?= -O2 -g
WARNINGS := -Wall -Wextra -Werror -Wformat=2 -Wmissing-prototypes -Wno-unused-parameter
ALL_CFLAGS = -std=gnu11 $(WARNINGS) $(CFLAGS) $(PKG_CFLAGS) -D_GNU_SOURCE -Isrc -I$(BUILD)/proto \
	-MMD -MP $(EXTRA_CFLAGS)
# Only the build information sees these; it is rebuilt when the stamp's content changes.
BUILD_INFO_DEFS := -DEE_VERSION='"$(VERSION)"' -DEE_REVISION='"$(REVISION)"' \
	-DEE_BRANCH='"$(BRANCH)"' -DEE_BUILD_USER='"$(BUILD_USER)"'
BUILD_INFO_STAMP := $(BUILD)/build_info.stamp
ALL_LDFLAGS = $(LDFLAGS) -rdynamic $(EXTRA_LDFLAGS)
LIBS = $(PKG_LIBS) -lpthread -lm
ifeq ($(STATIC),1)
ALL_CFLAGS += -DEE_STATIC
ALL_LDFLAGS = $(LDFLAGS) -static $(EXTRA_LDFLAGS)
LIBS = $(STATIC_LIBS)
endif

# src/static/ is linked into the statically linked build only (make build-static).
SRCS := $(sort $(filter-out src/static/%,$(wildcard src/*.c src/*/*.c)))
ifeq ($(STATIC),1)
SRCS += $(sort $(wildcard src/static/*.c))
# Debian's static archives: everything but libpci (none is shipped: no PCI names) and p11-kit
# (none either: src/static/ says PKCS#11 is absent); libcurl and libsystemd are not loaded.
STATIC_LIBS := -Wl,--wrap=pthread_create -Wl,--start-group -lbpf -lelf -lz -lzstd -lyaml \
	-lmicrohttpd -lgnutls -lhogweed -lnettle -lgmp -ltasn1 -lidn2 -lunistring -lcrypt \
	-lpcre2-8 -lpsx -lcap -lprotobuf-c -lseccomp -latomic -lresolv -Wl,--end-group \
	-lpthread -lm
endif
# Protocol buffers: every proto/**/*.proto is compiled with protoc-c into $(BUILD)/proto and
# linked in; sources include them as "<path under proto/>.pb-c.h" (e.g. "prometheus/metrics.pb-c.h").
PROTOS := $(sort $(shell find proto -name '*.proto' 2>/dev/null))
PROTO_SRCS := $(PROTOS:proto/%.proto=$(BUILD)/proto/%.pb-c.c)
PROTO_OBJS := $(PROTO_SRCS:.c=.o)
OBJS := $(SRCS:%.c=$(BUILD)/%.o) $(PROTO_OBJS)
LIB_OBJS := $(filter-out $(BUILD)/src/main.o,$(OBJS))

# Unit tests mirror src/: tests/unit/FOLDER/test_FILE.c for src/FOLDER/FILE.c.
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c tests/unit/*/test_*.c))
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/unit/%)

# BPF side (libbpf-bootstrap idiom): vmlinux.h from this kernel's BTF, CO-RE objects.
VMLINUX_H := $(BUILD)/bpf/vmlinux.h
CLANG_BPF_SYS_INCLUDES ?= $(shell $(CLANG) -v -E - </dev/null 2>&1 \
	| sed -n '/<...> search starts here:/,/End of search list./{ s| \(/.*\)|-idirafter \1|p }')
ifneq ($(filter-out $(NO_PKG_GOALS),$(or $(MAKECMDGOALS),all)),)
CLANG_BPF_SYS_INCLUDES := $(CLANG_BPF_SYS_INCLUDES)
endif
BPF_CFLAGS := -g -O2 -Wall -Werror -target bpf -mcpu=v3 -D__TARGET_ARCH_$(ARCH) \
	-I$(BUILD)/bpf -Iinclude $(CLANG_BPF_SYS_INCLUDES)
EXAMPLE_BPF := $(patsubst %.bpf.c,%.bpf.o,$(sort $(wildcard examples/*.bpf.c)))
# Programs the examples probe (USDT demo), built next to their sources: the sections name them
# by a path relative to the repository root.
EXAMPLE_BINS := examples/usdt-demo
E2E_BPF := $(patsubst %.bpf.c,%.bpf.o,$(sort $(wildcard tests/e2e/*.bpf.c)))
E2E_BINS := $(patsubst tests/e2e/%.c,$(BUILD)/e2e/%,$(filter-out %.bpf.c,$(wildcard tests/e2e/*.c)))

# The examples `sudo make run` loads: they attach on this kernel.
RUN_CONFIGS ?= timers,percpu-softirq
RUN_ARGS ?=

.PHONY: all deps bpf run test unit e2e san deploy-check test-valgrind build-static format format-check bench bench-spans clean
all: ebpf_exporter bpf

deps:
	$(Q)bash scripts/deps.sh

ebpf_exporter: $(BUILD)/ebpf_exporter
	$(Q)cp $< $@

$(BUILD)/ebpf_exporter: $(OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/proto/%.pb-c.c $(BUILD)/proto/%.pb-c.h: proto/%.proto
	$(call msg,PROTOC,$@)
	$(Q)mkdir -p $(BUILD)/proto
	$(Q)protoc-c --proto_path=proto --c_out=$(BUILD)/proto $<

$(BUILD)/proto/%.pb-c.o: $(BUILD)/proto/%.pb-c.c
	$(call msg,CC,$@)
	$(Q)$(CC) -std=gnu11 -O2 -g $(PKG_CFLAGS) -I$(BUILD)/proto -c $< -o $@ $(EXTRA_CFLAGS)

# Sources may include generated protobuf headers, and generated code includes the headers of
# the .proto files it imports: every object waits for all of them (safe under make -j).
$(SRCS:%.c=$(BUILD)/%.o) $(PROTO_OBJS): | $(PROTO_SRCS:.c=.h)

# Rewritten only when the version, revision, branch or builder changed.
$(BUILD_INFO_STAMP): FORCE
	$(Q)mkdir -p $(@D)
	$(Q)echo '$(BUILD_INFO_DEFS)' | cmp -s - $@ || echo '$(BUILD_INFO_DEFS)' > $@

$(BUILD)/src/util/build_info.o: src/util/build_info.c $(BUILD_INFO_STAMP)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) $(BUILD_INFO_DEFS) -DEE_BUILD_DATE='"$(BUILD_DATE)"' -c $< -o $@

.PHONY: FORCE
FORCE:

$(BUILD)/src/%.o: src/%.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -c $< -o $@

$(BUILD)/unit/%: tests/unit/%.c $(LIB_OBJS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -Itests/unit -o $@ $< $(LIB_OBJS) $(ALL_LDFLAGS) $(LIBS) -lcmocka

$(BUILD)/e2e/%: tests/e2e/%.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -std=gnu11 -O1 -g -Wall -Wextra -Werror -o $@ $<

$(VMLINUX_H):
	$(call msg,GEN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@

%.bpf.o: %.bpf.c $(VMLINUX_H) $(wildcard include/*.bpf.h)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

bpf: $(EXAMPLE_BPF) $(EXAMPLE_BINS)

$(EXAMPLE_BINS): examples/%: examples/%.c
	$(call msg,CC,$@)
	$(Q)$(CC) -std=gnu11 -O2 -g -Wall -Wextra -Werror -o $@ $<

# The tracing examples' demos (examples/NAME-demo.c for examples/NAME.yaml) export their own
# spans with the exporter's OTLP code, so they link the exporter's objects.
TRACING_DEMOS := examples/usdt-span-demo examples/sched-trace-demo examples/sock-trace-demo \
	examples/cfs-throttling-trace-demo
bpf: $(TRACING_DEMOS)
e2e: $(TRACING_DEMOS)
$(TRACING_DEMOS): examples/%: examples/%.c examples/tracing-demo.h $(LIB_OBJS)
	$(call msg,CC,$@)
	$(Q)$(CC) -std=gnu11 $(WARNINGS) $(CFLAGS) $(PKG_CFLAGS) -D_GNU_SOURCE -Isrc -I$(BUILD)/proto \
		$(EXTRA_CFLAGS) -o $@ $< $(LIB_OBJS) $(ALL_LDFLAGS) $(LIBS)

run: deps
	$(Q)$(MAKE) --no-print-directory all
	./ebpf_exporter --config.dir=examples --config.names=$(RUN_CONFIGS) $(RUN_ARGS)

unit: $(UNIT_BINS)
	$(Q)bash tests/run-unit.sh $(UNIT_BINS)

e2e: $(BUILD)/ebpf_exporter $(EXAMPLE_BPF) $(EXAMPLE_BINS) $(E2E_BPF) $(E2E_BINS)
	$(Q)bash tests/e2e/run.sh $(abspath $(BUILD))/ebpf_exporter $(abspath $(BUILD))/e2e

# The statically linked exporter, in its own build directory: it runs in an empty root.
build-static:
	$(Q)$(MAKE) --no-print-directory STATIC=1 BUILD=$(BUILD)/static $(BUILD)/static/ebpf_exporter

# The exporter under valgrind's memcheck: two examples, every format, /maps, SIGTERM.
test-valgrind: $(BUILD)/ebpf_exporter $(EXAMPLE_BPF)
	$(Q)bash tests/valgrind/run.sh $(abspath $(BUILD))/ebpf_exporter

# The static binary, systemd units, Kubernetes objects and dashboards (contrib/).
deploy-check: $(BUILD)/ebpf_exporter $(EXAMPLE_BPF) $(E2E_BPF) $(E2E_BINS) build-static
	$(Q)bash tests/deploy/run.sh $(abspath $(BUILD))

# The same suites built with AddressSanitizer and UndefinedBehaviorSanitizer.
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
san:
	$(Q)$(MAKE) --no-print-directory BUILD=build/san CFLAGS="-O1 -g" \
		EXTRA_CFLAGS="$(SAN_FLAGS)" EXTRA_LDFLAGS="$(SAN_FLAGS)" unit e2e

FORMAT_FILES = $(shell git ls-files '*.c' '*.h' 2>/dev/null | grep -v -e vmlinux.h -e '\.pb-c\.')
format:
	$(Q)clang-format -i $(FORMAT_FILES)

format-check:
	$(Q)clang-format --dry-run --Werror $(FORMAT_FILES)
	@echo "format: ok"

test: deps
	$(Q)$(MAKE) --no-print-directory format-check
	$(Q)$(MAKE) --no-print-directory all
	$(Q)$(MAKE) --no-print-directory unit
	$(Q)$(MAKE) --no-print-directory e2e
	$(Q)$(MAKE) --no-print-directory test-valgrind
	$(Q)$(MAKE) --no-print-directory deploy-check
	$(Q)$(MAKE) --no-print-directory san

# The scrape benchmark (bench/README.md): as root, with prometheus-node-exporter for comparison.
BENCH_BPF := bench/scrape.bpf.o

$(BUILD)/bench/scrape: bench/scrape.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $< $(ALL_LDFLAGS) $(LIBS)

# The map fill counting cost (bench/run.sh's count cases): map_count_keys() of the exporter.
$(BUILD)/bench/map-count: bench/map_count.c $(LIB_OBJS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $< $(LIB_OBJS) $(ALL_LDFLAGS) $(LIBS)

# The span throughput benchmark (bench/spans/run.sh): as root.
$(BUILD)/bench/spans-driver: bench/spans/driver.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -std=gnu11 -O2 -g -Wall -Wextra -Werror -o $@ $<

$(BUILD)/bench/spans-sink: bench/spans/sink.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -std=gnu11 -O2 -g -Wall -Wextra -Werror -D_GNU_SOURCE -o $@ $< -lpthread

bench-spans: $(BUILD)/ebpf_exporter bench/spans/spans.bpf.o $(BUILD)/bench/spans-driver \
		$(BUILD)/bench/spans-sink
	$(Q)bash bench/spans/run.sh $(abspath $(BUILD))

bench:
	$(Q)bash scripts/bench-deps.sh
	$(Q)$(MAKE) --no-print-directory -s $(BUILD)/ebpf_exporter $(EXAMPLE_BPF) $(BENCH_BPF) \
		$(BUILD)/bench/scrape $(BUILD)/bench/map-count $(BUILD)/e2e/scaletool
	$(Q)bash bench/run.sh $(abspath $(BUILD))

# The probe overhead benchmark (bench/README.md): as root. Not part of `make test`.
.PHONY: bench-probes
$(BUILD)/bench/probes.bpf.o: bench/probe-overhead/probes.bpf.c $(VMLINUX_H)
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/bench/probe-overhead: bench/probe-overhead/driver.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -std=gnu11 $(WARNINGS) $(CFLAGS) -D_GNU_SOURCE $(shell pkg-config --cflags libbpf) \
		$(EXTRA_CFLAGS) -o $@ $< $(LDFLAGS) $(EXTRA_LDFLAGS) $(shell pkg-config --libs libbpf)

bench-probes: $(BUILD)/bench/probes.bpf.o $(BUILD)/bench/probe-overhead
	$(Q)bash bench/probe-overhead/run.sh $(abspath $(BUILD))

clean:
	rm -rf build ebpf_exporter examples/*.bpf.o $(BENCH_BPF) bench/spans/*.bpf.o $(EXAMPLE_BINS) $(TRACING_DEMOS) tests/e2e/*.bpf.o

-include $(OBJS:.o=.d) $(UNIT_BINS:%=%.d)
