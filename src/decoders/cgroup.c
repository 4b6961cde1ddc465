// SPDX-License-Identifier: MIT
/*
 * cgroup: decimal text of a cgroup id (chain `uint` first), parsed as a signed
 * 64-bit number, to the absolute path of that cgroup v2 directory from the env's cgroup
 * monitor (e.g. `/sys/fs/cgroup/unified/system.slice/ssh.service` where v2 is mounted there);
 * unknown → `unknown_cgroup_id:<id>` (not an error, not cached: the cgroup may be new). A
 * cgroup created after start resolves as soon as it exists; a deleted one resolves for the
 * monitor's grace period, then becomes unknown. Text that is not a number is an error:
 * `strconv.Atoi: parsing "x": invalid syntax`.
 */
#include <errno.h>

#include "decoders/internal.h"
#include "util/gostr.h"

static int cgroup_decode(void *state, struct decoder_env *env, const uint8_t *in, size_t len,
			 struct buf *out, char *err, size_t errlen)
{
	int64_t id;
	int ret;

	ret = gostr_atoi(in, len, &id, err, errlen);
	if (ret)
		return ret;
	if (env->cgroups) {
		ret = cgroup_monitor__path(env->cgroups, (uint64_t)id, out);
		if (ret != -ENOENT)
			return ret;
	}
	decoder_env__no_cache(env);
	return buf_printf(out, "unknown_cgroup_id:%lld", (long long)id);
}

const struct decoder decoder_cgroup = {
	.name = "cgroup",
	.sources = DECODER_SRC_CGROUPS,
	.decode = cgroup_decode,
};
