# SPDX-License-Identifier: MIT
# The container image: the statically linked exporter and the examples, nothing else.
#   docker build -t ebpf-exporter .
#   docker run --rm --net=host --cap-drop=ALL --cap-add=BPF --cap-add=PERFMON --cap-add=SYSLOG \
#     --security-opt seccomp=unconfined -v /sys/fs/cgroup:/sys/fs/cgroup:ro ebpf-exporter
# The final stage is laid out exactly as the empty root in which `make deploy-check`
# (tests/deploy/check_static.sh) runs the same binary: keep the two in step.

FROM debian:bookworm AS build
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
	ca-certificates make gcc clang llvm pkg-config bpftool file \
	libbpf-dev libelf-dev zlib1g-dev libzstd-dev libyaml-dev libmicrohttpd-dev \
	libgnutls28-dev libp11-kit-dev libunistring-dev libcrypt-dev libpcre2-dev libcap-dev \
	libsystemd-dev libprotobuf-c-dev protobuf-c-compiler libcurl4-openssl-dev \
	systemtap-sdt-dev libpci-dev libseccomp-dev \
	&& rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN make build-static bpf && strip build/static/ebpf_exporter \
	&& mkdir -p /out/examples && cp build/static/ebpf_exporter /out/ \
	&& for f in examples/*.bpf.o; do cp "$f" "${f%.bpf.o}.yaml" /out/examples/; done

FROM scratch
COPY --from=build /out/ /
EXPOSE 9435
ENTRYPOINT ["/ebpf_exporter"]
CMD ["--config.dir=/examples", "--config.names=timers,percpu-softirq,biolatency,run-queue-latency"]
