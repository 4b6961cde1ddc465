// SPDX-License-Identifier: MIT
/*
 * Helper of the scale suite and of the scrape benchmark (bench/run.sh).
 *
 *   scaletool fill PID MAP KIND N
 *     Finds the BPF map named MAP among the open files of process PID (the running exporter)
 *     and writes N deterministic entries into it from user space, then prints the map's id.
 *     KIND and the key {u32 id; u32 second} (scale.bpf.c, bench/scrape.bpf.c):
 *       counter  ids 0..N-1, second = id % 16, value id * 7 + 3
 *       pcpu     the same keys, on CPU c the value id + c + 1 (summed: ncpu*id + ncpu(ncpu+1)/2)
 *       hist     N label sets j, buckets b = 0..29 counting (j + b) % 4, the sum slot b = 30
 *                holding j * 3 + 1
 *   scaletool split FILE DIR
 *     Splits a stream of length-delimited protobuf messages into DIR/000000.bin, ... and
 *     prints how many there were.
 *
 * Plain bpf(2) calls, no libbpf: the e2e build links nothing.
 */
#include <dirent.h>
#include <errno.h>
#include <linux/bpf.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define CHUNK 4096
#define HIST_BUCKETS 30

struct pair_key {
	uint32_t id;
	uint32_t second;
};

static long sys_bpf(int cmd, union bpf_attr *attr)
{
	return syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

static int map_fd_by_id(uint32_t id)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.map_id = id;
	return (int)sys_bpf(BPF_MAP_GET_FD_BY_ID, &attr);
}

static int map_info(int fd, struct bpf_map_info *info)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	memset(info, 0, sizeof(*info));
	attr.info.bpf_fd = (uint32_t)fd;
	attr.info.info_len = sizeof(*info);
	attr.info.info = (uint64_t)(uintptr_t)info;
	return (int)sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &attr);
}

/* The map id in /proc/PID/fdinfo/FD, or 0 if that fd is no BPF map. */
static uint32_t fdinfo_map_id(const char *path)
{
	char line[256];
	uint32_t id = 0;
	FILE *f = fopen(path, "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "map_id:", 7)) {
			id = (uint32_t)strtoul(line + 7, NULL, 10);
			break;
		}
	}
	fclose(f);
	return id;
}

/*
 * Opens the map named name (compared as the kernel stores it: at most 15 characters) that
 * process pid holds. Returns an fd, or -1 with a message.
 */
static int find_map(const char *pid, const char *name, struct bpf_map_info *info)
{
	char dir[64], path[320];
	struct dirent *de;
	DIR *d;
	int found = -1;

	snprintf(dir, sizeof(dir), "/proc/%s/fdinfo", pid);
	d = opendir(dir);
	if (!d) {
		fprintf(stderr, "scaletool: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	while (found < 0 && (de = readdir(d))) {
		uint32_t id;
		int fd;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		id = fdinfo_map_id(path);
		if (!id)
			continue;
		fd = map_fd_by_id(id);
		if (fd < 0)
			continue;
		if (!map_info(fd, info) && !strncmp(info->name, name, BPF_OBJ_NAME_LEN - 1))
			found = fd;
		else
			close(fd);
	}
	closedir(d);
	if (found < 0)
		fprintf(stderr, "scaletool: process %s holds no map named %s\n", pid, name);
	return found;
}

static int possible_cpus(void)
{
	char buf[128], *p = buf;
	int n = 0;
	FILE *f = fopen("/sys/devices/system/cpu/possible", "r");

	if (!f || !fgets(buf, sizeof(buf), f)) {
		if (f)
			fclose(f);
		return -1;
	}
	fclose(f);
	while (*p && *p != '\n') {
		long lo = strtol(p, &p, 10), hi = lo;

		if (*p == '-')
			hi = strtol(p + 1, &p, 10);
		n += (int)(hi - lo + 1);
		if (*p == ',')
			p++;
	}
	return n;
}

/* Writes count entries with BPF_MAP_UPDATE_BATCH, or one by one where that is missing. */
static int update(int fd, struct pair_key *keys, void *values, size_t vsize, uint32_t count)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.batch.map_fd = (uint32_t)fd;
	attr.batch.keys = (uint64_t)(uintptr_t)keys;
	attr.batch.values = (uint64_t)(uintptr_t)values;
	attr.batch.count = count;
	if (!sys_bpf(BPF_MAP_UPDATE_BATCH, &attr) && attr.batch.count == count)
		return 0;
	if (errno != EINVAL && errno != EOPNOTSUPP && errno != 524 /* kernel ENOTSUPP */)
		return -1;
	for (uint32_t i = 0; i < count; i++) {
		memset(&attr, 0, sizeof(attr));
		attr.map_fd = (uint32_t)fd;
		attr.key = (uint64_t)(uintptr_t)&keys[i];
		attr.value = (uint64_t)(uintptr_t)((char *)values + i * vsize);
		if (sys_bpf(BPF_MAP_UPDATE_ELEM, &attr))
			return -1;
	}
	return 0;
}

static int fill(const char *pid, const char *name, const char *kind, unsigned long n)
{
	struct bpf_map_info info;
	struct pair_key *keys;
	uint64_t *vals;
	size_t slots = 1, total;
	int fd, ncpu = 1, err = 0;
	bool hist = !strcmp(kind, "hist"), pcpu = !strcmp(kind, "pcpu");

	if (!hist && !pcpu && strcmp(kind, "counter")) {
		fprintf(stderr, "scaletool: unknown kind %s\n", kind);
		return 2;
	}
	fd = find_map(pid, name, &info);
	if (fd < 0)
		return 1;
	if (pcpu) {
		ncpu = possible_cpus();
		if (ncpu <= 0) {
			fprintf(stderr, "scaletool: cannot read the possible CPUs\n");
			close(fd);
			return 1;
		}
		slots = (size_t)ncpu;
	}
	if (info.key_size != sizeof(struct pair_key) || info.value_size != 8) {
		fprintf(stderr,
			"scaletool: map %s has key size %u and value size %u, want 8 and 8\n", name,
			info.key_size, info.value_size);
		close(fd);
		return 1;
	}
	total = hist ? n * (HIST_BUCKETS + 1) : n;
	keys = calloc(CHUNK, sizeof(*keys));
	vals = calloc(CHUNK * slots, sizeof(*vals));
	if (!keys || !vals) {
		fprintf(stderr, "scaletool: out of memory\n");
		err = 1;
		goto out;
	}
	for (size_t start = 0; start < total; start += CHUNK) {
		uint32_t count = (uint32_t)(total - start < CHUNK ? total - start : CHUNK);

		for (uint32_t i = 0; i < count; i++) {
			size_t e = start + i;

			if (hist) {
				uint32_t j = (uint32_t)(e / (HIST_BUCKETS + 1));
				uint32_t b = (uint32_t)(e % (HIST_BUCKETS + 1));

				keys[i] = (struct pair_key){ j, b };
				vals[i] = b == HIST_BUCKETS ? (uint64_t)j * 3 + 1 : (j + b) % 4;
				continue;
			}
			keys[i] = (struct pair_key){ (uint32_t)e, (uint32_t)(e % 16) };
			for (size_t c = 0; c < slots; c++)
				vals[i * slots + c] = pcpu ? e + c + 1 : e * 7 + 3;
		}
		if (update(fd, keys, vals, slots * sizeof(*vals), count)) {
			fprintf(stderr, "scaletool: updating map %s: %s\n", name, strerror(errno));
			err = 1;
			goto out;
		}
	}
	printf("%u\n", info.id);
out:
	free(keys);
	free(vals);
	close(fd);
	return err;
}

static int split(const char *file, const char *dir)
{
	FILE *in = fopen(file, "rb");
	unsigned long n = 0;
	int err = 0;

	if (!in) {
		fprintf(stderr, "scaletool: %s: %s\n", file, strerror(errno));
		return 1;
	}
	for (;;) {
		uint64_t size = 0;
		int c, shift = 0;
		char path[512];
		FILE *out;

		c = fgetc(in);
		if (c == EOF)
			break;
		for (;;) {
			size |= (uint64_t)(c & 0x7f) << shift;
			shift += 7;
			if (!(c & 0x80))
				break;
			c = fgetc(in);
			if (c == EOF || shift > 63) {
				fprintf(stderr, "scaletool: %s: truncated length\n", file);
				err = 1;
				goto out;
			}
		}
		snprintf(path, sizeof(path), "%s/%06lu.bin", dir, n++);
		out = fopen(path, "wb");
		if (!out) {
			fprintf(stderr, "scaletool: %s: %s\n", path, strerror(errno));
			err = 1;
			goto out;
		}
		for (uint64_t i = 0; i < size; i++) {
			c = fgetc(in);
			if (c == EOF) {
				fprintf(stderr, "scaletool: %s: truncated message\n", file);
				err = 1;
				break;
			}
			fputc(c, out);
		}
		if (fclose(out) || err) {
			err = 1;
			goto out;
		}
	}
	printf("%lu\n", n);
out:
	fclose(in);
	return err;
}

int main(int argc, char **argv)
{
	if (argc == 6 && !strcmp(argv[1], "fill")) {
		char *end;
		unsigned long n = strtoul(argv[5], &end, 10);

		if (*end || !n) {
			fprintf(stderr, "scaletool: bad count %s\n", argv[5]);
			return 2;
		}
		return fill(argv[2], argv[3], argv[4], n);
	}
	if (argc == 4 && !strcmp(argv[1], "split"))
		return split(argv[2], argv[3]);
	fprintf(stderr, "usage: scaletool fill PID MAP counter|pcpu|hist N\n"
			"       scaletool split FILE DIR\n");
	return 2;
}
