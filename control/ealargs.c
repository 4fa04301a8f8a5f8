/* SPDX-License-Identifier: BSD-3-Clause */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ealargs.h"

#define MAX_SIZES 8

static int
push(struct ealargs *e, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	if (e->argc >= EALARGS_MAX)
		return -E2BIG;
	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -ENOMEM;
	e->owned[e->n_owned++] = s;
	e->argv[e->argc++] = s;
	e->argv[e->argc] = NULL;
	return 0;
}

static bool
opt_is(const char *a, const char *name)
{
	size_t n = strlen(name);

	return strncmp(a, name, n) == 0 && (a[n] == '\0' || a[n] == '=');
}

/* Note what the user's EAL options already decide, so defaults never override them. */
static void
scan_user(struct ealargs *e, const char *a)
{
	if (opt_is(a, "-m") || opt_is(a, "--socket-mem") || opt_is(a, "--no-huge") ||
	    opt_is(a, "--huge-dir") || opt_is(a, "--socket-limit") || opt_is(a, "--in-memory") ||
	    strncmp(a, "-m", 2) == 0)
		e->has_mem = true;
	if (opt_is(a, "--vdev") || opt_is(a, "-a") || opt_is(a, "--allow") || opt_is(a, "-b") ||
	    opt_is(a, "--block") || opt_is(a, "--no-pci") || strncmp(a, "-a", 2) == 0)
		e->has_dev = true;
	if (opt_is(a, "-l") || opt_is(a, "-c") || opt_is(a, "--lcores") || strncmp(a, "-l", 2) == 0)
		e->has_lcores = true;
	if (opt_is(a, "--file-prefix"))
		e->has_prefix = true;
}

const char *
ealargs_tap_vdev_name(unsigned int pair, unsigned int side)
{
	static char buf[CFG_MAX_PAIRS][2][32];

	pair %= CFG_MAX_PAIRS;
	side &= 1;
	snprintf(buf[pair][side], sizeof(buf[pair][side]), "net_tap_ic%u%c", pair,
		 side ? 'o' : 'i');
	return buf[pair][side];
}

const char *
ealargs_mem_name(enum ealargs_mem m)
{
	switch (m) {
	case EALARGS_MEM_USER:
		return "user";
	case EALARGS_MEM_HUGE:
		return "hugepages";
	case EALARGS_MEM_NO_HUGE:
		return "no-huge";
	}
	return "?";
}

/* "2M", "1G", "2048k", with or without "B": bytes, 0 if unreadable. */
static uint64_t
parse_size(const char *s)
{
	char *end;
	uint64_t v = strtoull(s, &end, 10);

	switch (*end) {
	case 'k':
	case 'K':
		return v << 10;
	case 'm':
	case 'M':
		return v << 20;
	case 'g':
	case 'G':
		return v << 30;
	}
	return v;
}

static uint64_t
default_huge_size(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[128];
	uint64_t kb = 2048;

	if (f == NULL)
		return kb << 10;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "Hugepagesize: %" SCNu64, &kb) == 1)
			break;
	fclose(f);
	return kb << 10;
}

/* Page sizes served by a hugetlbfs mount in @p path; returns how many. */
static unsigned int
mounted_sizes(const char *path, uint64_t sizes[MAX_SIZES])
{
	FILE *f = fopen(path, "r");
	char dev[256], dir[256], type[64], opts[512];
	unsigned int n = 0;

	if (f == NULL)
		return 0;
	while (n < MAX_SIZES &&
	       fscanf(f, "%255s %255s %63s %511s %*[^\n]", dev, dir, type, opts) == 4) {
		const char *ps;

		if (strcmp(type, "hugetlbfs") != 0)
			continue;
		ps = strstr(opts, "pagesize=");
		sizes[n++] = ps != NULL ? parse_size(ps + 9) : default_huge_size();
	}
	fclose(f);
	return n;
}

int
ealargs_host_probe(struct ealargs_host *h, const char *sysfs_dir, const char *mounts)
{
	uint64_t sizes[MAX_SIZES];
	unsigned int n_sizes;
	struct dirent *de;
	DIR *d;

	memset(h, 0, sizeof(*h));
	h->ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	if (sysfs_dir == NULL)
		sysfs_dir = "/sys/kernel/mm/hugepages";
	n_sizes = mounted_sizes(mounts != NULL ? mounts : "/proc/mounts", sizes);
	d = opendir(sysfs_dir);
	if (d == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		char path[512];
		unsigned long long kb, nfree;
		bool mounted = false;
		FILE *f;
		int ok;

		if (sscanf(de->d_name, "hugepages-%llukB", &kb) != 1)
			continue;
		snprintf(path, sizeof(path), "%s/%s/free_hugepages", sysfs_dir, de->d_name);
		f = fopen(path, "r");
		if (f == NULL)
			continue;
		ok = fscanf(f, "%llu", &nfree);
		fclose(f);
		if (ok != 1 || nfree == 0)
			continue;
		for (unsigned int i = 0; i < n_sizes; i++)
			mounted |= sizes[i] == (uint64_t)kb << 10;
		if (mounted)
			h->huge_free_bytes += nfree * (kb << 10);
		else
			h->huge_free_unmounted += nfree * (kb << 10);
	}
	closedir(d);
	return 0;
}

static void
set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static int
push_ports(struct ealargs *e, const struct cfg_scenario *scn, bool *any_pci)
{
	int ret = 0;

	for (unsigned int p = 0; p < scn->n_pairs && ret == 0; p++) {
		for (unsigned int s = 0; s < 2 && ret == 0; s++) {
			const struct cfg_port *port = &scn->pairs[p].side[s];

			switch (port->kind) {
			case CFG_PORT_TAP:
				ret = push(e, "--vdev=%s,iface=%s", ealargs_tap_vdev_name(p, s),
					   port->name);
				break;
			case CFG_PORT_VDEV:
				ret = push(e, "--vdev=%s", port->name);
				break;
			case CFG_PORT_PCI:
				*any_pci = true;
				ret = push(e, "-a");
				if (ret == 0 && port->devargs[0] != '\0')
					ret = push(e, "%s,%s", port->name, port->devargs);
				else if (ret == 0)
					ret = push(e, "%s", port->name);
				break;
			case CFG_PORT_INDEX:
				break;
			}
		}
	}
	return ret;
}

int
ealargs_build(struct ealargs *e, const char *argv0, int user_argc, char *const *user_argv,
	      const struct cfg_scenario *scn, const struct ealargs_host *h, char *err,
	      size_t errlen)
{
	bool any_pci = false;
	int ret;

	memset(e, 0, sizeof(*e));
	ret = push(e, "%s", argv0);
	for (int i = 0; i < user_argc && ret == 0; i++) {
		scan_user(e, user_argv[i]);
		ret = push(e, "%s", user_argv[i]);
	}
	/* The scenario's {tap:}/{vdev:}/{pci:} ports are added to whatever the user names. */
	if (ret == 0)
		ret = push_ports(e, scn, &any_pci);
	if (ret == 0 && !e->has_dev && !any_pci)
		ret = push(e, "--no-pci");
	if (ret == 0 && e->has_mem) {
		e->mem = EALARGS_MEM_USER;
	} else if (ret == 0 && h->huge_free_bytes > 0) {
		/* EAL maps hugepages on demand: nothing to add. */
		e->mem = EALARGS_MEM_HUGE;
	} else if (ret == 0 && any_pci) {
		set_err(err, errlen,
			"{pci:} ports need hugepages and none are free%s (reserve some: "
			"echo 1024 > /proc/sys/vm/nr_hugepages), or give EAL memory options",
			h->huge_free_unmounted > 0 ? " on a mounted hugetlbfs" : "");
		ealargs_free(e);
		return -ENOENT;
	} else if (ret == 0) {
		e->mem = EALARGS_MEM_NO_HUGE;
		ret = push(e, "--no-huge");
		if (ret == 0)
			ret = push(e, "-m");
		if (ret == 0)
			ret = push(e, "%d", EALARGS_DEFAULT_MEM_MB);
	}
	if (ret == 0 && !e->has_lcores) {
		long workers = scn->n_pairs;

		if (h->ncpu <= 1) {
			ret = push(e, "--lcores=0@0,1@0");
		} else {
			if (workers > h->ncpu - 1)
				workers = h->ncpu - 1;
			ret = push(e, "-l");
			if (ret == 0)
				ret = push(e, "0-%ld", workers);
		}
	}
	if (ret == 0 && !e->has_prefix)
		ret = push(e, "--file-prefix=idlecut");
	if (ret < 0) {
		set_err(err, errlen,
			ret == -E2BIG ? "too many EAL arguments (at most %d)" : "out of memory",
			EALARGS_MAX);
		ealargs_free(e);
	}
	return ret;
}

void
ealargs_free(struct ealargs *e)
{
	for (int i = 0; i < e->n_owned; i++)
		free(e->owned[i]);
	e->n_owned = 0;
	e->argc = 0;
	e->argv[0] = NULL;
}

const char *
ealargs_prefix(const struct ealargs *e)
{
	const char *prefix = "idlecut";

	for (int i = 1; i < e->argc; i++) {
		if (strncmp(e->argv[i], "--file-prefix=", 14) == 0)
			prefix = e->argv[i] + 14;
		else if (strcmp(e->argv[i], "--file-prefix") == 0 && i + 1 < e->argc)
			prefix = e->argv[++i];
	}
	return prefix;
}

int
ealargs_huge_cleanup(const char *prefix, const char *mounts)
{
	FILE *f = fopen(mounts != NULL ? mounts : "/proc/mounts", "r");
	char dev[256], dir[256], type[64], opts[512], stem[256];
	int removed = 0;

	if (f == NULL)
		return 0;
	snprintf(stem, sizeof(stem), "%smap_", prefix);
	while (fscanf(f, "%255s %255s %63s %511s %*[^\n]", dev, dir, type, opts) == 4) {
		struct dirent *de;
		DIR *d;

		if (strcmp(type, "hugetlbfs") != 0 || (d = opendir(dir)) == NULL)
			continue;
		while ((de = readdir(d)) != NULL) {
			if (strncmp(de->d_name, stem, strlen(stem)) == 0 &&
			    unlinkat(dirfd(d), de->d_name, 0) == 0)
				removed++;
		}
		closedir(d);
	}
	fclose(f);
	return removed;
}
