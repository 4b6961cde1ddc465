// SPDX-License-Identifier: MIT
#include "util/file.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#define READ_CHUNK 65536

int file_read_all(const char *path, size_t limit, struct buf *out, const char **op)
{
	int fd, err = 0;
	ssize_t n;

	*op = "open";
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		*op = NULL;
		if (limit && out->len >= limit) {
			err = -EFBIG;
			break;
		}
		err = buf_reserve(out, READ_CHUNK);
		if (err)
			break;
		out->data[out->len] = '\0';
		*op = "read";
		n = read(fd, out->data + out->len, READ_CHUNK);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			break;
		}
		if (n == 0)
			break;
		out->len += (size_t)n;
		out->data[out->len] = '\0';
	}
	close(fd);
	if (!err)
		*op = NULL;
	return err;
}

int file_count_open_fds(long *out)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	long n = 0;

	if (!d)
		return -errno;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	*out = n > 0 ? n - 1 : 0;
	return 0;
}
