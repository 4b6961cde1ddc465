// SPDX-License-Identifier: MIT
/* pci_vendor, pci_device, pci_class, pci_subclass decoders. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>

#include "decoder_harness.h"

#define SYSTEM_PCI_IDS "/usr/share/misc/pci.ids"

struct vec {
	const char *dec, *in, *out;
};

static struct decoder_env *pci_env(const char *path)
{
	struct decoder_env_opts opts = { .pci_ids_path = path, .no_cgroups = true };

	return new_env_opts(&opts);
}

static void run_vecs(struct decoder_env *env, const struct vec *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		expect_out(env, v[i].dec, NULL, S(v[i].in), S(v[i].out));
}

/* Vectors, against the system's pci.ids (libpci's default path). */
static void test_system_db(void **state)
{
	static const struct vec v[] = {
		{ "pci_class", "1", "Mass storage controller" },
		{ "pci_class", "2", "Network controller" },
		{ "pci_class", "3", "Display controller" },
		{ "pci_class", "6", "Bridge" },
		{ "pci_class", "12", "Serial bus controller" },
		{ "pci_class", "253", "unknown pci class: 0xfd" },
		{ "pci_device", "2156269568", "82542 Gigabit Ethernet Controller (Fiber)" },
		{ "pci_device", "268596191",
		  "Navi 22 [Radeon RX 6700/6700 XT/6750 XT / 6800M/6850M XT]" },
		{ "pci_device", "282994436", "AD103 [GeForce RTX 4080]" },
		{ "pci_device", "364056607", "MT2894 Family [ConnectX-6 Lx]" },
		{ "pci_device", "340633610", "NVMe SSD Controller PM9A1/PM9A3/980PRO" },
		{ "pci_device", "350492180",
		  "BCM57454 NetXtreme-E 10Gb/25Gb/40Gb/50Gb/100Gb Ethernet" },
		{ "pci_device", "3735928559", "unknown pci device: 0xdeadbeef" },
		{ "pci_subclass", "5", "Image coprocessor" },
		{ "pci_subclass", "264", "Non-Volatile memory controller" },
		{ "pci_subclass", "512", "Ethernet controller" },
		{ "pci_subclass", "770", "3D controller" },
		{ "pci_subclass", "3075", "USB controller" },
		{ "pci_subclass", "1536", "Host bridge" },
		{ "pci_subclass", "1540", "PCI bridge" },
		{ "pci_subclass", "64768", "unknown pci class: 0xfd" },
		{ "pci_subclass", "267", "unknown pci subclass: 0x0b (class 0x01)" },
		{ "pci_subclass", "3", "unknown pci subclass: 0x03 (class 0x00)" },
		{ "pci_vendor", "32902", "Intel Corporation" },
		{ "pci_vendor", "4098", "Advanced Micro Devices, Inc. [AMD/ATI]" },
		{ "pci_vendor", "4318", "NVIDIA Corporation" },
		{ "pci_vendor", "5555", "Mellanox Technologies" },
		{ "pci_vendor", "5197", "Samsung Electronics Co Ltd" },
		{ "pci_vendor", "5348", "Broadcom Inc. and subsidiaries" },
		{ "pci_vendor", "48879", "unknown pci vendor: 0xbeef" },
		/* vendor ids below 0x1000 resolve (upstream's keys were too narrow) */
		{ "pci_vendor", "3601", "Compaq Computer Corporation" },
	};
	struct decoder_env *env;

	if (access(SYSTEM_PCI_IDS, R_OK) != 0)
		skip();
	env = pci_env(NULL);
	run_vecs(env, v, ARRAY_SIZE(v));
	decoder_env__free(env);
}

static void test_fixture_db(void **state)
{
	static const struct vec v[] = {
		{ "pci_vendor", "3601", "Compaq Computer Corporation" }, /* 0x0e11 */
		{ "pci_vendor", "32902", "Intel Corporation" },
		{ "pci_vendor", "65535", "Illegal Vendor ID" },
		{ "pci_vendor", "0", "unknown pci vendor: 0x0000" },
		{ "pci_vendor", "15", "unknown pci vendor: 0x000f" },
		{ "pci_vendor", "65536", "unknown pci vendor: 0x10000" },
		{ "pci_vendor", "-1", "unknown pci vendor: 0x-001" },
		{ "pci_device", "235995137", "PCI to EISA Bridge" }, /* 0x0e110001 */
		{ "pci_device", "2156269568", "82542 Gigabit Ethernet Controller (Fiber)" },
		{ "pci_device", "2156331007", "Last device" }, /* 0x8086ffff */
		{ "pci_device", "2156269569", "unknown pci device: 0x80861001" },
		{ "pci_device", "235995138", "unknown pci device: 0x0e110002" },
		{ "pci_device", "1", "unknown pci device: 0x00000001" },
		{ "pci_device", "4294967296", "unknown pci device: 0x100000000" },
		{ "pci_class", "0", "Unclassified device" },
		{ "pci_class", "1", "Mass storage controller" },
		{ "pci_class", "12", "Serial bus controller" }, /* defines subclass 0xff too */
		{ "pci_class", "2", "unknown pci class: 0x02" },
		{ "pci_class", "256", "unknown pci class: 0x100" },
		{ "pci_subclass", "5", "Image coprocessor" },
		{ "pci_subclass", "256", "SCSI storage controller" },
		{ "pci_subclass", "264", "Non-Volatile memory controller" },
		{ "pci_subclass", "3327", "Every serial bus" }, /* 0x0cff */
		{ "pci_subclass", "3075", "USB controller" },
		{ "pci_subclass", "3076", "unknown pci subclass: 0x04 (class 0x0c)" },
		{ "pci_subclass", "512", "unknown pci class: 0x02" },
		{ "pci_subclass", "65536", "unknown pci class: 0x100" },
	};
	struct decoder_env *env = pci_env(fixture("pci.ids"));

	run_vecs(env, v, ARRAY_SIZE(v));
	decoder_env__free(env);
}

static void test_missing_db(void **state)
{
	static const char *const decs[] = { "pci_class", "pci_device", "pci_subclass",
					    "pci_vendor" };
	static const char *const ins[] = { "1", "2", "6", "2156269568", "268596191", "abc", "" };
	struct decoder_env *env = pci_env("/nonexistent/pci.ids");

	/* Checked before the input is parsed: even text that is not a number. */
	for (size_t i = 0; i < ARRAY_SIZE(decs); i++) {
		for (size_t j = 0; j < ARRAY_SIZE(ins); j++)
			expect_out(env, decs[i], NULL, S(ins[j]), B("missing pci.ids db"));
	}
	decoder_env__free(env);
}

static void test_parse_errors(void **state)
{
	static const char *const decs[] = { "pci_class", "pci_device", "pci_subclass",
					    "pci_vendor" };
	struct decoder_env *env = pci_env(fixture("pci.ids"));

	for (size_t i = 0; i < ARRAY_SIZE(decs); i++) {
		expect_err(env, decs[i], NULL, B("abc"), -EINVAL,
			   "strconv.Atoi: parsing \"abc\": invalid syntax");
		expect_err(env, decs[i], NULL, B(""), -EINVAL,
			   "strconv.Atoi: parsing \"\": invalid syntax");
		expect_err(env, decs[i], NULL, B("99999999999999999999"), -ERANGE,
			   "strconv.Atoi: parsing \"99999999999999999999\": value out of range");
	}
	decoder_env__free(env);
}

static void test_malformed_db(void **state)
{
	char path[] = "/tmp/test_pci_ids_XXXXXX";
	struct decoder_env *env;
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	close(fd);
	/* A device line before any vendor: libpci rejects the file. */
	write_file(path, "\t1000  orphan device\n");
	env = pci_env(path);
	expect_out(env, "pci_vendor", NULL, B("32902"), B("missing pci.ids db"));
	decoder_env__free(env);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_system_db),    cmocka_unit_test(test_fixture_db),
		cmocka_unit_test(test_missing_db),   cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_malformed_db),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
