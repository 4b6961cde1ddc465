// SPDX-License-Identifier: MIT
#include "sources/cgroup_monitor.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/fanotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/clock.h"
#include "util/errno_text.h"
#include "util/hash.h"
#include "util/log.h"

#define DEFAULT_MOUNTINFO "/proc/self/mountinfo"
#define DEFAULT_GC_INTERVAL_MS 60000
#define DEFAULT_GRACE_MS 600000
#define DEFAULT_REWALK_MS 1000
#define MAX_DEPTH 128
#define NS_PER_MS 1000000ull
/* kernfs file handles (FILEID_KERNFS) are the 64-bit node id, which is the inode number. */
#define FILEID_KERNFS 0xfe

struct cg_entry {
	uint64_t id;
	uint64_t dead_ns; /* 0: alive; else when its deletion was seen (CLOCK_MONOTONIC) */
	uint64_t walk_seq; /* the last walk that saw it */
	char *path;
};

struct cg_sub {
	cgroup_event_fn fn;
	void *ctx;
};

struct cgroup_monitor {
	pthread_mutex_t lock;
	char *root;
	int mount_fd;
	int fan_fd; /* -1: walker */
	bool target_fid; /* fanotify events name the child too (FAN_REPORT_TARGET_FID) */
	int stop_fd;
	pthread_t thread;
	bool thread_started;

	struct hash_table index; /* struct cg_entry items by hash_mix64(id) */

	uint64_t gen; /* atomic */
	uint64_t walk_seq;
	uint64_t last_walk_ns;
	uint64_t next_gc_ns;
	uint64_t gc_interval_ns;
	int64_t grace_ns; /* < 0: forget at once */
	uint64_t rewalk_ns;
	bool event_error_logged;

	struct cg_sub *subs;
	size_t n_subs, subs_cap;
};

static int64_t opt_ns(long ms, long def)
{
	if (ms == 0)
		ms = def;
	return ms < 0 ? -1 : (int64_t)ms * (int64_t)NS_PER_MS;
}

static void bump_gen(struct cgroup_monitor *m)
{
	__atomic_add_fetch(&m->gen, 1, __ATOMIC_RELEASE);
}

/* --- the id index ------------------------------------------------------------------- */

static struct cg_entry *idx_find(const struct cgroup_monitor *m, uint64_t id)
{
	uint64_t h = hash_mix64(id);
	struct cg_entry *e;

	for (size_t pos = hash_table_home(&m->index, h);
	     (e = hash_table_next(&m->index, h, &pos));) {
		if (e->id == id)
			return e;
	}
	return NULL;
}

static int idx_insert(struct cgroup_monitor *m, struct cg_entry *e)
{
	int err = hash_table_reserve(&m->index, 64);

	if (err)
		return err;
	hash_table_insert(&m->index, hash_mix64(e->id), e);
	return 0;
}

/* Removes e (a later entry may move into its slot) and frees it. */
static void idx_remove(struct cgroup_monitor *m, struct cg_entry *e)
{
	hash_table_remove(&m->index, hash_mix64(e->id), e);
	free(e->path);
	free(e);
}

/* --- events ----------------------------------------------------------------------- */

static void notify(struct cgroup_monitor *m, uint64_t id, const char *path, enum cgroup_event ev)
{
	for (size_t i = 0; i < m->n_subs; i++)
		m->subs[i].fn(m->subs[i].ctx, id, path, ev);
}

/* id is at path now (a walk found it, or it was created). */
static int record(struct cgroup_monitor *m, uint64_t id, const char *path, size_t len)
{
	struct cg_entry *e = idx_find(m, id);
	char *copy;

	if (e) {
		e->walk_seq = m->walk_seq;
		if (strlen(e->path) == len && memcmp(e->path, path, len) == 0) {
			if (e->dead_ns) {
				e->dead_ns = 0;
				notify(m, id, e->path, CGROUP_CREATED);
			}
			return 0;
		}
		/* The same inode under a new path: it replaces the old one. */
		copy = strndup(path, len);
		if (!copy)
			return -ENOMEM;
		free(e->path);
		e->path = copy;
		e->dead_ns = 0;
		bump_gen(m);
		notify(m, id, e->path, CGROUP_CREATED);
		return 0;
	}
	e = calloc(1, sizeof(*e));
	if (!e || !(e->path = strndup(path, len))) {
		free(e);
		return -ENOMEM;
	}
	e->id = id;
	e->walk_seq = m->walk_seq;
	if (idx_insert(m, e)) {
		free(e->path);
		free(e);
		return -ENOMEM;
	}
	notify(m, id, e->path, CGROUP_CREATED);
	return 0;
}

static void mark_dead(struct cgroup_monitor *m, struct cg_entry *e, uint64_t now)
{
	if (e->dead_ns)
		return;
	e->dead_ns = now ? now : 1;
	notify(m, e->id, e->path, CGROUP_DELETED);
}

/* --- walking ---------------------------------------------------------------------- */

/* Walks the directory open at dfd, whose path is in path (restored on return). */
static int walk_dir(struct cgroup_monitor *m, int dfd, struct buf *path, int depth)
{
	size_t base = path->len;
	struct dirent *d;
	DIR *dir;
	int ret = 0;

	dir = fdopendir(dfd);
	if (!dir) {
		ret = -errno;
		close(dfd);
		return ret;
	}
	while ((errno = 0, d = readdir(dir))) {
		uint64_t id = d->d_ino;
		int cfd;

		if (d->d_name[0] == '.' &&
		    (!d->d_name[1] || (d->d_name[1] == '.' && !d->d_name[2])))
			continue;
		if (d->d_type != DT_DIR) {
			struct stat st;

			if (d->d_type != DT_UNKNOWN ||
			    fstatat(dirfd(dir), d->d_name, &st, AT_SYMLINK_NOFOLLOW) ||
			    !S_ISDIR(st.st_mode))
				continue;
			id = st.st_ino;
		}
		path->len = base;
		ret = buf_putc(path, '/');
		if (!ret)
			ret = buf_puts(path, d->d_name);
		if (!ret)
			ret = record(m, id, path->data, path->len);
		if (ret)
			break;
		if (depth >= MAX_DEPTH)
			continue;
		cfd = openat(dirfd(dir), d->d_name,
			     O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (cfd < 0)
			continue; /* removed meanwhile, or not ours to read */
		ret = walk_dir(m, cfd, path, depth + 1);
		if (ret == -ENOMEM)
			break;
		ret = 0;
	}
	if (!d && errno && !ret)
		ret = -errno;
	closedir(dir);
	path->len = base;
	if (path->data)
		path->data[base] = '\0';
	return ret;
}

/*
 * Walks the whole hierarchy; ids not seen any more are marked deleted (unless initial, when
 * nothing is known yet). With the lock held.
 */
static int walk(struct cgroup_monitor *m)
{
	struct buf path = { 0 };
	struct stat st;
	uint64_t now = clock_mono_ns();
	int dfd, ret;

	m->walk_seq++;
	m->last_walk_ns = now;
	dfd = open(m->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	if (fstat(dfd, &st)) {
		ret = -errno;
		close(dfd);
		return ret;
	}
	ret = buf_puts(&path, m->root);
	if (!ret)
		ret = record(m, st.st_ino, m->root, strlen(m->root));
	if (ret) {
		close(dfd);
		buf_free(&path);
		return ret;
	}
	ret = walk_dir(m, dfd, &path, 1);
	buf_free(&path);
	if (ret)
		return ret;
	for (size_t i = 0; i < m->index.cap; i++) {
		struct cg_entry *e = m->index.slots[i].item;

		if (e && e->walk_seq != m->walk_seq)
			mark_dead(m, e, now);
	}
	return 0;
}

/* Forgets entries deleted longer than the grace period ago. With the lock held. */
static void gc(struct cgroup_monitor *m, uint64_t now)
{
	bool dropped = false;

	for (size_t i = 0; i < m->index.cap;) {
		struct cg_entry *e = m->index.slots[i].item;

		if (e && e->dead_ns &&
		    (m->grace_ns < 0 || now - e->dead_ns >= (uint64_t)m->grace_ns)) {
			/* The shift may move another entry into slot i: look at it again. */
			idx_remove(m, e);
			dropped = true;
			continue;
		}
		i++;
	}
	if (dropped)
		bump_gen(m);
}

/* --- fanotify --------------------------------------------------------------------- */

static void event_error(struct cgroup_monitor *m, const char *what, int err)
{
	char et[128];

	if (m->event_error_logged)
		return;
	m->event_error_logged = true;
	log_msg("cgroup: %s: %s (logged once)", what, errno_text(err, et, sizeof(et)));
}

/* Path of the directory behind a file handle from an event, into out. */
static int handle_path(struct cgroup_monitor *m, struct file_handle *fh, struct buf *out)
{
	char link[64], target[PATH_MAX];
	struct cg_entry *e;
	ssize_t n;
	int fd, ret;

	if (fh->handle_type == FILEID_KERNFS && fh->handle_bytes == sizeof(uint64_t)) {
		uint64_t id;

		memcpy(&id, fh->f_handle, sizeof(id));
		e = idx_find(m, id);
		if (e)
			return buf_puts(out, e->path);
	}
	/* Not known yet: ask the kernel (needs CAP_DAC_READ_SEARCH). */
	fd = open_by_handle_at(m->mount_fd, fh, O_PATH | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, target, sizeof(target));
	ret = n < 0 ? -errno : 0;
	close(fd);
	if (ret)
		return ret;
	if ((size_t)n >= sizeof(target))
		return -ENAMETOOLONG;
	return buf_append(out, target, (size_t)n);
}

static bool handle_id(const struct file_handle *fh, uint64_t *id)
{
	if (!fh || fh->handle_type != FILEID_KERNFS || fh->handle_bytes != sizeof(*id))
		return false;
	memcpy(id, fh->f_handle, sizeof(*id));
	return true;
}

static struct cg_entry *find_alive_path(struct cgroup_monitor *m, const char *path)
{
	for (size_t i = 0; i < m->index.cap; i++) {
		struct cg_entry *e = m->index.slots[i].item;

		if (e && !e->dead_ns && strcmp(e->path, path) == 0)
			return e;
	}
	return NULL;
}

/* md is a copy of the header of the event at raw (which holds md->event_len bytes). */
static void handle_event(struct cgroup_monitor *m, const struct fanotify_event_metadata *md,
			 const char *raw)
{
	struct file_handle *dir = NULL, *child = NULL;
	const char *name = NULL;
	struct buf path = { 0 };
	size_t off = md->metadata_len;
	struct stat st;
	uint64_t id;
	bool exists;
	int ret;

	if (md->mask & FAN_Q_OVERFLOW) {
		/* Events were lost: take stock again. */
		ret = walk(m);
		if (ret)
			event_error(m, "re-walking after an event queue overflow", -ret);
		return;
	}
	if (!(md->mask & FAN_ONDIR) || !(md->mask & (FAN_CREATE | FAN_DELETE)))
		return;
	while (off + sizeof(struct fanotify_event_info_header) <= md->event_len) {
		const struct fanotify_event_info_header *h = (const void *)(raw + off);
		const struct fanotify_event_info_fid *fid = (const void *)h;
		size_t hsz = sizeof(*fid) + sizeof(struct file_handle);

		if (h->len < hsz || off + h->len > md->event_len)
			break;
		struct file_handle *fh = (struct file_handle *)fid->handle;

		if (hsz + fh->handle_bytes > h->len)
			break;
		if (h->info_type == FAN_EVENT_INFO_TYPE_DFID_NAME) {
			const char *n = (const char *)fh->f_handle + fh->handle_bytes;
			size_t room = h->len - hsz - fh->handle_bytes;

			if (memchr(n, '\0', room)) {
				dir = fh;
				name = n;
			}
		} else if (h->info_type == FAN_EVENT_INFO_TYPE_FID) {
			child = fh;
		}
		off += h->len;
	}
	if (!dir || !name || !name[0])
		return;
	ret = handle_path(m, dir, &path);
	if (!ret)
		ret = buf_putc(&path, '/');
	if (!ret)
		ret = buf_puts(&path, name);
	if (ret) {
		event_error(m, "resolving an event's directory", -ret);
		buf_free(&path);
		return;
	}
	/* Only our hierarchy (the filesystem may be mounted elsewhere too). */
	if (strncmp(path.data, m->root, strlen(m->root)) != 0) {
		buf_free(&path);
		return;
	}
	exists = stat(path.data, &st) == 0 && S_ISDIR(st.st_mode);
	if (md->mask & FAN_CREATE) {
		/*
		 * The id comes with the event (FAN_REPORT_TARGET_FID), else from the directory,
		 * which may be gone already when a create and a delete of one name were merged.
		 */
		bool known = handle_id(child, &id);

		if (!known && exists) {
			id = st.st_ino;
			known = true;
		}
		ret = known ? record(m, id, path.data, path.len) : 0;
		if (ret)
			event_error(m, "recording a new cgroup", -ret);
	}
	if ((md->mask & FAN_DELETE) && !((md->mask & FAN_CREATE) && exists)) {
		struct cg_entry *e = handle_id(child, &id) ? idx_find(m, id) :
							     find_alive_path(m, path.data);

		if (e && strcmp(e->path, path.data) == 0)
			mark_dead(m, e, clock_mono_ns());
	}
	buf_free(&path);
}

/* Takes in every queued event. With the lock held. */
static void drain(struct cgroup_monitor *m)
{
	char buf[16384];
	ssize_t n;

	if (m->fan_fd < 0)
		return;
	for (;;) {
		size_t off = 0;

		n = read(m->fan_fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n < 0 && errno != EAGAIN)
				event_error(m, "reading fanotify events", errno);
			return;
		}
		/*
		 * Events are only 4-byte aligned (FANOTIFY_EVENT_ALIGN): copy each header out
		 * before reading its 64-bit mask.
		 */
		while ((size_t)n - off >= sizeof(struct fanotify_event_metadata)) {
			struct fanotify_event_metadata md;

			memcpy(&md, buf + off, sizeof(md));
			if (md.event_len < sizeof(md) || md.event_len > (size_t)n - off)
				break;
			if (md.vers != FANOTIFY_METADATA_VERSION)
				event_error(m, "unexpected fanotify event version", EPROTO);
			else if (md.metadata_len >= sizeof(md) && md.metadata_len <= md.event_len)
				handle_event(m, &md, buf + off);
			off += md.event_len;
		}
	}
}

static void *monitor_thread(void *arg)
{
	char et[128];
	struct cgroup_monitor *m = arg;

	for (;;) {
		struct pollfd pfd[2] = { { .fd = m->stop_fd, .events = POLLIN },
					 { .fd = m->fan_fd, .events = POLLIN } };
		uint64_t now = clock_mono_ns();
		int timeout = 0, n;

		if (m->next_gc_ns > now) {
			uint64_t ms = (m->next_gc_ns - now + NS_PER_MS - 1) / NS_PER_MS;

			timeout = ms > INT_MAX ? INT_MAX : (int)ms;
		}
		n = poll(pfd, m->fan_fd >= 0 ? 2 : 1, timeout);
		if (n < 0 && errno != EINTR) {
			log_msg("cgroup: poll failed, monitor stopped: %s",
				errno_text(errno, et, sizeof(et)));
			return NULL;
		}
		if (n > 0 && pfd[0].revents)
			return NULL;
		pthread_mutex_lock(&m->lock);
		if (n > 0 && pfd[1].revents)
			drain(m);
		now = clock_mono_ns();
		if (now >= m->next_gc_ns) {
			if (m->fan_fd < 0)
				walk(m); /* the walker notices deletions this way */
			gc(m, now);
			m->next_gc_ns = now + m->gc_interval_ns;
		}
		pthread_mutex_unlock(&m->lock);
	}
}

/* --- set-up ----------------------------------------------------------------------- */

/* Undoes mountinfo's octal escapes (\040 for a space) in place. */
static void unescape(char *s)
{
	char *w = s;

	for (char *r = s; *r; r++) {
		if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' &&
		    r[3] >= '0' && r[3] <= '7') {
			*w++ = (char)((r[1] - '0') << 6 | (r[2] - '0') << 3 | (r[3] - '0'));
			r += 3;
		} else {
			*w++ = *r;
		}
	}
	*w = '\0';
}

int cgroup_find_v2_mount(const char *mountinfo, char **out, char *err, size_t errlen)
{
	FILE *f = fopen(mountinfo, "re");
	char *line = NULL, *found = NULL;
	size_t cap = 0;
	int ret;

	if (!f) {
		ret = -errno;
		snprintf(err, errlen, "error opening %s: %s", mountinfo, strerror(-ret));
		return ret;
	}
	while (!found && getline(&line, &cap, f) > 0) {
		char *save = NULL, *mnt = NULL, *tok;
		int field = 0;
		bool after_sep = false;

		for (tok = strtok_r(line, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save)) {
			field++;
			if (field == 5)
				mnt = tok;
			if (after_sep) {
				if (strcmp(tok, "cgroup2") == 0 && mnt) {
					unescape(mnt);
					found = strdup(mnt);
					if (!found) {
						free(line);
						fclose(f);
						snprintf(err, errlen, "out of memory");
						return -ENOMEM;
					}
				}
				break;
			}
			if (field > 6 && strcmp(tok, "-") == 0)
				after_sep = true;
		}
	}
	free(line);
	fclose(f);
	if (!found) {
		snprintf(err, errlen, "no cgroup2 mount in %s", mountinfo);
		return -ENOENT;
	}
	*out = found;
	return 0;
}

/* Starts fanotify on the hierarchy's filesystem; false (and fan_fd -1) when unavailable. */
static bool start_fanotify(struct cgroup_monitor *m)
{
	static const unsigned int modes[] = {
		FAN_CLASS_NOTIF | FAN_REPORT_DFID_NAME | FAN_REPORT_FID | FAN_REPORT_TARGET_FID,
		FAN_CLASS_NOTIF | FAN_REPORT_DFID_NAME,
	};

	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		int fd = fanotify_init(modes[i] | FAN_CLOEXEC | FAN_NONBLOCK, O_RDONLY | O_CLOEXEC);

		if (fd < 0)
			continue;
		if (fanotify_mark(fd, FAN_MARK_ADD | FAN_MARK_FILESYSTEM | FAN_MARK_ONLYDIR,
				  FAN_CREATE | FAN_DELETE | FAN_ONDIR, AT_FDCWD, m->root) == 0) {
			m->fan_fd = fd;
			m->target_fid = i == 0;
			return true;
		}
		close(fd);
	}
	m->fan_fd = -1;
	return false;
}

int cgroup_monitor__new(const struct cgroup_monitor_opts *opts, struct cgroup_monitor **out,
			char *err, size_t errlen)
{
	char et[128];
	const char *mountinfo = opts && opts->mountinfo_path ? opts->mountinfo_path :
							       DEFAULT_MOUNTINFO;
	struct cgroup_monitor *m;
	int ret;

	m = calloc(1, sizeof(*m));
	if (!m) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	m->mount_fd = m->fan_fd = m->stop_fd = -1;
	ret = pthread_mutex_init(&m->lock, NULL);
	if (ret) {
		free(m);
		snprintf(err, errlen, "%s", errno_text(ret, et, sizeof(et)));
		return -ret;
	}
	if (opts && opts->root) {
		m->root = strdup(opts->root);
		if (!m->root) {
			ret = -ENOMEM;
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
	} else {
		ret = cgroup_find_v2_mount(mountinfo, &m->root, err, errlen);
		if (ret)
			goto fail;
	}
	/* "/" alone would make every path start with "//". */
	for (size_t n = strlen(m->root); n > 1 && m->root[n - 1] == '/'; n--)
		m->root[n - 1] = '\0';
	m->gc_interval_ns =
		(uint64_t)opt_ns(opts ? opts->gc_interval_ms : 0, DEFAULT_GC_INTERVAL_MS);
	m->grace_ns = opt_ns(opts ? opts->grace_ms : 0, DEFAULT_GRACE_MS);
	/* Negative: walk on every miss. */
	m->rewalk_ns = opts && opts->rewalk_ms < 0 ?
			       0 :
			       (uint64_t)opt_ns(opts ? opts->rewalk_ms : 0, DEFAULT_REWALK_MS);
	m->mount_fd = open(m->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (m->mount_fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "error opening \"%s\": %s", m->root, strerror(-ret));
		goto fail;
	}
	m->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (m->stop_fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "eventfd: %s", errno_text(ret, et, sizeof(et)));
		goto fail;
	}
	/* Watch first, then walk: nothing created in between is missed. */
	if (!(opts && opts->no_fanotify) && !start_fanotify(m))
		log_msg("Using on-demand resolution for cgroups (fanotify not available)");
	else if (opts && opts->no_fanotify)
		log_msg("Using on-demand resolution for cgroups (fanotify not available)");
	ret = walk(m);
	if (ret) {
		snprintf(err, errlen, "error walking \"%s\": %s", m->root,
			 errno_text(ret, et, sizeof(et)));
		goto fail;
	}
	m->next_gc_ns = clock_mono_ns() + m->gc_interval_ns;
	ret = pthread_create(&m->thread, NULL, monitor_thread, m);
	if (ret) {
		snprintf(err, errlen, "error starting the cgroup monitor: %s",
			 errno_text(ret, et, sizeof(et)));
		ret = -ret;
		goto fail;
	}
	m->thread_started = true;
	*out = m;
	return 0;
fail:
	cgroup_monitor__free(m);
	return ret;
}

void cgroup_monitor__free(struct cgroup_monitor *m)
{
	char et[128];

	if (!m)
		return;
	if (m->thread_started) {
		uint64_t one = 1;

		/* An eventfd write of 1 cannot fail short of a counter overflow. */
		if (write(m->stop_fd, &one, sizeof(one)) != sizeof(one))
			log_msg("cgroup: cannot stop the monitor thread: %s",
				errno_text(errno, et, sizeof(et)));
		else
			pthread_join(m->thread, NULL);
	}
	for (size_t i = 0; i < m->index.cap; i++) {
		struct cg_entry *e = m->index.slots[i].item;

		if (e) {
			free(e->path);
			free(e);
		}
	}
	hash_table_free(&m->index);
	free(m->subs);
	if (m->fan_fd >= 0)
		close(m->fan_fd);
	if (m->mount_fd >= 0)
		close(m->mount_fd);
	if (m->stop_fd >= 0)
		close(m->stop_fd);
	free(m->root);
	pthread_mutex_destroy(&m->lock);
	free(m);
}

bool cgroup_monitor__uses_fanotify(const struct cgroup_monitor *m)
{
	return m->fan_fd >= 0;
}

const char *cgroup_monitor__root(const struct cgroup_monitor *m)
{
	return m->root;
}

int cgroup_monitor__path(struct cgroup_monitor *m, uint64_t id, struct buf *out)
{
	struct cg_entry *e;
	int ret = -ENOENT;

	pthread_mutex_lock(&m->lock);
	e = idx_find(m, id);
	if (!e) {
		if (m->fan_fd >= 0)
			drain(m);
		else if (clock_mono_ns() - m->last_walk_ns >= m->rewalk_ns)
			walk(m);
		e = idx_find(m, id);
	}
	if (e)
		ret = buf_puts(out, e->path);
	pthread_mutex_unlock(&m->lock);
	return ret;
}

uint64_t cgroup_monitor__generation(struct cgroup_monitor *m)
{
	return __atomic_load_n(&m->gen, __ATOMIC_ACQUIRE);
}

size_t cgroup_monitor__count(struct cgroup_monitor *m)
{
	size_t n;

	pthread_mutex_lock(&m->lock);
	n = m->index.count;
	pthread_mutex_unlock(&m->lock);
	return n;
}

int cgroup_monitor__subscribe(struct cgroup_monitor *m, cgroup_event_fn fn, void *ctx)
{
	if (m->fan_fd < 0)
		return -EOPNOTSUPP;
	pthread_mutex_lock(&m->lock);
	if (array_grow((void **)&m->subs, &m->subs_cap, m->n_subs + 1, sizeof(*m->subs))) {
		pthread_mutex_unlock(&m->lock);
		return -ENOMEM;
	}
	m->subs[m->n_subs++] = (struct cg_sub){ fn, ctx };
	for (size_t i = 0; i < m->index.cap; i++) {
		struct cg_entry *e = m->index.slots[i].item;

		if (e && !e->dead_ns)
			fn(ctx, e->id, e->path, CGROUP_CREATED);
	}
	pthread_mutex_unlock(&m->lock);
	return 0;
}

void cgroup_monitor__unsubscribe(struct cgroup_monitor *m, cgroup_event_fn fn, void *ctx)
{
	pthread_mutex_lock(&m->lock);
	for (size_t i = 0; i < m->n_subs; i++) {
		if (m->subs[i].fn == fn && m->subs[i].ctx == ctx) {
			memmove(&m->subs[i], &m->subs[i + 1],
				(m->n_subs - i - 1) * sizeof(*m->subs));
			m->n_subs--;
			break;
		}
	}
	pthread_mutex_unlock(&m->lock);
}

void cgroup_monitor__sync(struct cgroup_monitor *m)
{
	pthread_mutex_lock(&m->lock);
	drain(m);
	pthread_mutex_unlock(&m->lock);
}

void cgroup_monitor__gc(struct cgroup_monitor *m)
{
	pthread_mutex_lock(&m->lock);
	if (m->fan_fd < 0)
		walk(m);
	gc(m, clock_mono_ns());
	pthread_mutex_unlock(&m->lock);
}
