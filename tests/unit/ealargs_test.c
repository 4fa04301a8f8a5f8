/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the EAL command line idlecut builds (control/ealargs.c): devices from the
 * scenario's ports ({pci:} with devargs as -a ADDR,DEVARGS), memory defaults by what the
 * host offers (hugepages when free ones are mounted, --no-huge otherwise, an error for
 * {pci:} without them), the user's options winning, the host probe on a fake sysfs and
 * mount table, and the removal of a run's hugepage files. No EAL, no NIC.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "ealargs.h"

static const struct ealargs_host no_huge = {.ncpu = 2};
static const struct ealargs_host huge = {.huge_free_bytes = 512ull << 20, .ncpu = 4};

static void
scn_tap(struct cfg_scenario *s)
{
	memset(s, 0, sizeof(*s));
	s->n_pairs = 1;
	snprintf(s->pairs[0].name, CFG_NAME_MAX, "lab");
	s->pairs[0].side[0].kind = CFG_PORT_TAP;
	snprintf(s->pairs[0].side[0].name, CFG_DEV_MAX, "ic-in");
	s->pairs[0].side[1].kind = CFG_PORT_TAP;
	snprintf(s->pairs[0].side[1].name, CFG_DEV_MAX, "ic-out");
}

static void
scn_pci(struct cfg_scenario *s, const char *devargs)
{
	scn_tap(s);
	for (unsigned int i = 0; i < 2; i++) {
		s->pairs[0].side[i].kind = CFG_PORT_PCI;
		snprintf(s->pairs[0].side[i].name, CFG_DEV_MAX, "0000:03:00.%u", i);
		snprintf(s->pairs[0].side[i].devargs, CFG_DEV_MAX, "%s", devargs);
	}
}

/* The arguments after argv[0], joined by spaces. */
static const char *
joined(const struct ealargs *e)
{
	static char buf[4096];
	size_t n = 0;

	buf[0] = '\0';
	for (int i = 1; i < e->argc; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s", i > 1 ? " " : "",
				      e->argv[i]);
	assert_null(e->argv[e->argc]);
	return buf;
}

static void
test_tap_no_hugepages(void **state)
{
	struct cfg_scenario s;
	struct ealargs e;
	char err[256] = "";

	(void)state;
	scn_tap(&s);
	assert_int_equal(ealargs_build(&e, "idlecut", 0, NULL, &s, &no_huge, err, sizeof(err)), 0);
	assert_string_equal(joined(&e),
			    "--vdev=net_tap_ic0i,iface=ic-in "
			    "--vdev=net_tap_ic0o,iface=ic-out --no-pci --no-huge -m 512 "
			    "-l 0-1 --file-prefix=idlecut");
	assert_string_equal(e.argv[0], "idlecut");
	assert_int_equal(e.mem, EALARGS_MEM_NO_HUGE);
	assert_string_equal(ealargs_prefix(&e), "idlecut");
	ealargs_free(&e);
}

static void
test_tap_hugepages(void **state)
{
	struct cfg_scenario s;
	struct ealargs e;
	char err[256] = "";

	(void)state;
	scn_tap(&s);
	assert_int_equal(ealargs_build(&e, "idlecut", 0, NULL, &s, &huge, err, sizeof(err)), 0);
	assert_string_equal(joined(&e), "--vdev=net_tap_ic0i,iface=ic-in "
					"--vdev=net_tap_ic0o,iface=ic-out --no-pci -l 0-1 "
					"--file-prefix=idlecut");
	assert_int_equal(e.mem, EALARGS_MEM_HUGE);
	ealargs_free(&e);
}

static void
test_pci_devargs(void **state)
{
	struct cfg_scenario s;
	struct ealargs e;
	char err[256] = "";

	(void)state;
	scn_pci(&s, "rxq_cqe_comp_en=0,txq_inline_max=0");
	assert_int_equal(ealargs_build(&e, "idlecut", 0, NULL, &s, &huge, err, sizeof(err)), 0);
	/* No --no-pci, no --no-huge: the NIC is probed and DMAs into hugepages. */
	assert_string_equal(joined(&e), "-a 0000:03:00.0,rxq_cqe_comp_en=0,txq_inline_max=0 "
					"-a 0000:03:00.1,rxq_cqe_comp_en=0,txq_inline_max=0 "
					"-l 0-1 --file-prefix=idlecut");
	ealargs_free(&e);

	scn_pci(&s, "");
	s.pairs[0].side[1].kind = CFG_PORT_TAP;
	snprintf(s.pairs[0].side[1].name, CFG_DEV_MAX, "ic-out");
	assert_int_equal(ealargs_build(&e, "idlecut", 0, NULL, &s, &huge, err, sizeof(err)), 0);
	assert_string_equal(joined(&e), "-a 0000:03:00.0 --vdev=net_tap_ic0o,iface=ic-out "
					"-l 0-1 --file-prefix=idlecut");
	ealargs_free(&e);
}

static void
test_pci_needs_hugepages(void **state)
{
	struct cfg_scenario s;
	struct ealargs e;
	struct ealargs_host unmounted = {.huge_free_unmounted = 1ull << 30, .ncpu = 2};
	char err[256] = "";

	(void)state;
	scn_pci(&s, "");
	assert_int_equal(ealargs_build(&e, "idlecut", 0, NULL, &s, &no_huge, err, sizeof(err)),
			 -ENOENT);
	assert_non_null(strstr(err, "{pci:} ports need hugepages and none are free ("));
	assert_null(strchr(err, '\n'));
	assert_int_equal(e.argc, 0);
	assert_int_equal(ealargs_build(&e, "idlecut", 0, NULL, &s, &unmounted, err, sizeof(err)),
			 -ENOENT);
	assert_non_null(strstr(err, "none are free on a mounted hugetlbfs"));

	/* The user's memory options decide: no error, nothing added. */
	{
		char *user[] = {"--no-huge", "-m", "1024"};

		assert_int_equal(
			ealargs_build(&e, "idlecut", 3, user, &s, &no_huge, err, sizeof(err)), 0);
		assert_string_equal(joined(&e), "--no-huge -m 1024 -a 0000:03:00.0 -a "
						"0000:03:00.1 -l 0-1 --file-prefix=idlecut");
		assert_int_equal(e.mem, EALARGS_MEM_USER);
		ealargs_free(&e);
	}
}

static void
test_user_options_win(void **state)
{
	char *user[] = {"--socket-mem=2048", "-l",   "2-5",
			"--file-prefix",     "lab7", "--vdev=net_null0"};
	struct cfg_scenario s;
	struct ealargs e;
	char err[256] = "";

	(void)state;
	scn_tap(&s);
	assert_int_equal(
		ealargs_build(&e, "/usr/bin/idlecut", 6, user, &s, &huge, err, sizeof(err)), 0);
	assert_string_equal(joined(&e), "--socket-mem=2048 -l 2-5 --file-prefix lab7 "
					"--vdev=net_null0 --vdev=net_tap_ic0i,iface=ic-in "
					"--vdev=net_tap_ic0o,iface=ic-out");
	assert_true(e.has_mem && e.has_dev && e.has_lcores && e.has_prefix);
	assert_string_equal(ealargs_prefix(&e), "lab7");
	ealargs_free(&e);
}

static void
test_lcores(void **state)
{
	struct ealargs_host one = {.ncpu = 1}, many = {.ncpu = 3};
	struct cfg_scenario s;
	struct ealargs e;
	char err[256] = "";

	(void)state;
	scn_tap(&s);
	assert_int_equal(ealargs_build(&e, "idlecut", 0, NULL, &s, &one, err, sizeof(err)), 0);
	assert_non_null(strstr(joined(&e), " --lcores=0@0,1@0 "));
	ealargs_free(&e);
	/* Four pairs on three CPUs: two workers. */
	s.n_pairs = 4;
	for (unsigned int p = 1; p < 4; p++)
		s.pairs[p] = s.pairs[0];
	assert_int_equal(ealargs_build(&e, "idlecut", 0, NULL, &s, &many, err, sizeof(err)), 0);
	assert_non_null(strstr(joined(&e), " -l 0-2 "));
	assert_non_null(strstr(joined(&e), "--vdev=net_tap_ic3o,iface=ic-out"));
	ealargs_free(&e);
}

static void
test_too_many(void **state)
{
	static char *user[EALARGS_MAX];
	struct cfg_scenario s;
	struct ealargs e;
	char err[256] = "";

	(void)state;
	for (int i = 0; i < EALARGS_MAX; i++)
		user[i] = "-v";
	scn_tap(&s);
	assert_int_equal(
		ealargs_build(&e, "idlecut", EALARGS_MAX, user, &s, &no_huge, err, sizeof(err)),
		-E2BIG);
	assert_string_equal(err, "too many EAL arguments (at most 256)");
	assert_int_equal(e.argc, 0);
}

static char tmpdir[256];

static void
put(const char *rel, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, rel);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static void
sub(const char *rel)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", tmpdir, rel);
	assert_int_equal(mkdir(path, 0755), 0);
}

static void
test_host_probe_and_cleanup(void **state)
{
	char sysfs[512], mounts[512], path[512], text[1024];
	struct ealargs_host h;

	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/ealargs_test.XXXXXX");
	assert_non_null(mkdtemp(tmpdir));
	sub("hp");
	sub("hp/hugepages-2048kB");
	sub("hp/hugepages-1048576kB");
	sub("fs");
	put("hp/hugepages-2048kB/free_hugepages", "10\n");
	put("hp/hugepages-1048576kB/free_hugepages", "1\n");
	snprintf(sysfs, sizeof(sysfs), "%s/hp", tmpdir);
	snprintf(mounts, sizeof(mounts), "%s/mounts", tmpdir);

	/* No hugetlbfs mounted: nothing usable, the free pages are reported apart. */
	put("mounts", "proc /proc proc rw 0 0\n");
	assert_int_equal(ealargs_host_probe(&h, sysfs, mounts), 0);
	assert_int_equal(h.huge_free_bytes, 0);
	assert_int_equal(h.huge_free_unmounted, (10ull << 21) + (1ull << 30));
	assert_true(h.ncpu >= 1);

	/* 2 MiB pages mounted: 20 MiB usable; the 1 GiB page is not. */
	snprintf(text, sizeof(text),
		 "proc /proc proc rw 0 0\nnodev %s/fs hugetlbfs rw,relatime,pagesize=2M 0 0\n",
		 tmpdir);
	put("mounts", text);
	assert_int_equal(ealargs_host_probe(&h, sysfs, mounts), 0);
	assert_int_equal(h.huge_free_bytes, 10ull << 21);
	assert_int_equal(h.huge_free_unmounted, 1ull << 30);

	/* Free pages at zero: none. A missing sysfs directory: none either. */
	put("hp/hugepages-2048kB/free_hugepages", "0\n");
	assert_int_equal(ealargs_host_probe(&h, sysfs, mounts), 0);
	assert_int_equal(h.huge_free_bytes, 0);
	snprintf(path, sizeof(path), "%s/nope", tmpdir);
	assert_int_equal(ealargs_host_probe(&h, path, mounts), 0);
	assert_int_equal(h.huge_free_bytes + h.huge_free_unmounted, 0);

	/* Cleanup removes PREFIXmap_* only, in every hugetlbfs. */
	put("fs/ic1map_0", "");
	put("fs/ic1map_17", "");
	put("fs/ic12map_0", "");
	put("fs/other", "");
	assert_int_equal(ealargs_huge_cleanup("ic1", mounts), 2);
	snprintf(path, sizeof(path), "%s/fs/ic1map_0", tmpdir);
	assert_int_not_equal(access(path, F_OK), 0);
	snprintf(path, sizeof(path), "%s/fs/ic12map_0", tmpdir);
	assert_int_equal(access(path, F_OK), 0);
	snprintf(path, sizeof(path), "%s/fs/other", tmpdir);
	assert_int_equal(access(path, F_OK), 0);
	assert_int_equal(ealargs_huge_cleanup("ic1", mounts), 0);

	snprintf(text, sizeof(text), "rm -rf '%s'", tmpdir);
	assert_int_equal(system(text), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tap_no_hugepages),
		cmocka_unit_test(test_tap_hugepages),
		cmocka_unit_test(test_pci_devargs),
		cmocka_unit_test(test_pci_needs_hugepages),
		cmocka_unit_test(test_user_options_win),
		cmocka_unit_test(test_lcores),
		cmocka_unit_test(test_too_many),
		cmocka_unit_test(test_host_probe_and_cleanup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
