// SPDX-License-Identifier: MIT
#include "decoders.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../util/log.h"

#define DEFAULT_KALLSYMS "/proc/kallsyms"
#define DEFAULT_RELOAD_MS 1000

/* The implemented decoders, by name. */
static const struct decoder *const decoders[] = {
	&decoder_hex, /* SPEC §5.4 */
	&decoder_ksym, /* SPEC §5.8 */
	&decoder_regexp, /* SPEC §5.14 */
	&decoder_static_map, /* SPEC §5.15 */
	&decoder_string, /* SPEC §5.16 */
	&decoder_uint, /* SPEC §5.18 */
};

/* Every name SPEC §2.2 allows; decoders[] grows towards this list. */
static const char *const known_names[] = {
	"cgroup", /* §5.1 */
	"dname", /* §5.2 */
	"errno", /* §5.3 */
	"hex", /* §5.4 */
	"ifname", /* §5.5 */
	"inet_ip", /* §5.6 */
	"kstack", /* §5.7 */
	"ksym", /* §5.8 */
	"majorminor", /* §5.9 */
	"pci_class", /* §5.10 */
	"pci_device", /* §5.11 */
	"pci_subclass", /* §5.12 */
	"pci_vendor", /* §5.13 */
	"regexp", /* §5.14 */
	"static_map", /* §5.15 */
	"string", /* §5.16 */
	"syscall", /* §5.17 */
	"uint", /* §5.18 */
};

_Static_assert(sizeof(known_names) / sizeof(known_names[0]) == 18, "SPEC §2.2 lists 18 decoders");

const struct decoder *decoder_find(const char *name)
{
	for (size_t i = 0; i < sizeof(decoders) / sizeof(decoders[0]); i++) {
		if (strcmp(decoders[i]->name, name) == 0)
			return decoders[i];
	}
	return NULL;
}

bool decoder_name_known(const char *name)
{
	for (size_t i = 0; i < sizeof(known_names) / sizeof(known_names[0]); i++) {
		if (strcmp(known_names[i], name) == 0)
			return true;
	}
	return false;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int decoder_env__new(const struct decoder_env_opts *opts, struct decoder_env **out, char *err,
		     size_t errlen)
{
	const char *path = opts && opts->kallsyms_path ? opts->kallsyms_path : DEFAULT_KALLSYMS;
	long reload_ms = opts ? opts->kallsyms_reload_ms : 0;
	struct decoder_env *env;
	char msg[512];
	int ret;

	env = calloc(1, sizeof(*env));
	if (!env) {
		snprintf(err, errlen, "error creating decoders: out of memory");
		return -ENOMEM;
	}
	ret = pthread_mutex_init(&env->lock, NULL);
	if (ret) {
		free(env);
		snprintf(err, errlen, "error creating decoders: %s", strerror(ret));
		return -ret;
	}
	env->kallsyms_path = strdup(path);
	if (!env->kallsyms_path) {
		decoder_env__free(env);
		snprintf(err, errlen, "error creating decoders: out of memory");
		return -ENOMEM;
	}
	if (reload_ms == 0)
		reload_ms = DEFAULT_RELOAD_MS;
	env->kallsyms_reload_ns = reload_ms < 0 ? -1 : (int64_t)reload_ms * 1000000;
	env->kallsyms_attempt_ns = mono_ns();
	ret = kallsyms__load(path, &env->kallsyms, msg, sizeof(msg));
	if (ret) {
		decoder_env__free(env);
		snprintf(err, errlen, "error creating ksym decoder: %s", msg);
		return ret;
	}
	*out = env;
	return 0;
}

void decoder_env__free(struct decoder_env *env)
{
	if (!env)
		return;
	kallsyms__free(env->kallsyms);
	free(env->kallsyms_path);
	pthread_mutex_destroy(&env->lock);
	free(env);
}

void decoder_env__lock(struct decoder_env *env)
{
	pthread_mutex_lock(&env->lock);
}

void decoder_env__unlock(struct decoder_env *env)
{
	pthread_mutex_unlock(&env->lock);
}

/* With the lock held. */
static int reload_kallsyms(struct decoder_env *env, char *err, size_t errlen)
{
	struct kallsyms *ks;
	int ret;

	env->kallsyms_attempt_ns = mono_ns();
	ret = kallsyms__load(env->kallsyms_path, &ks, err, errlen);
	if (ret)
		return ret;
	kallsyms__free(env->kallsyms);
	env->kallsyms = ks;
	return 0;
}

int decoder_env__refresh_kallsyms(struct decoder_env *env, char *err, size_t errlen)
{
	int ret;

	decoder_env__lock(env);
	ret = reload_kallsyms(env, err, errlen);
	if (!ret)
		env->kallsyms_failing = false;
	decoder_env__unlock(env);
	return ret;
}

bool decoder_env__kallsyms_miss(struct decoder_env *env)
{
	uint64_t now = mono_ns();
	char msg[512];

	if (env->kallsyms_reload_ns >= 0 &&
	    now - env->kallsyms_attempt_ns < (uint64_t)env->kallsyms_reload_ns)
		return false;
	if (reload_kallsyms(env, msg, sizeof(msg))) {
		if (!env->kallsyms_failing)
			log_msg("decoders: re-reading kallsyms failed, keeping the old index: %s",
				msg);
		env->kallsyms_failing = true;
		return false;
	}
	env->kallsyms_failing = false;
	env->kallsyms_reloads++;
	return true;
}
