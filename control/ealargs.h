/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The EAL command line idlecut builds: the user's EAL options, then defaults for whatever
 * they leave open (devices from the scenario's ports, memory, lcores, file prefix).
 *
 * Usage (main, before rte_eal_init):
 *	struct ealargs_host h;  ealargs_host_probe(&h, NULL, NULL);
 *	struct ealargs e;       ealargs_build(&e, argv[0], n, user_argv, scn, &h, err, len);
 *	rte_eal_init(e.argc, e.argv);  ...  ealargs_free(&e) after rte_eal_cleanup().
 *
 * Memory defaults: with no memory option from the user, hugepages when the host has free
 * ones on a mounted hugetlbfs (EAL then takes what it needs, on demand); otherwise
 * --no-huge -m 512, unless a port is {pci:}, which needs hugepages (an error then, rather
 * than a NIC that cannot DMA). Any EAL option the user gives wins over the default of the
 * same kind.
 *
 * Pure: no EAL, no global state (except ealargs_tap_vdev_name's names); the host is
 * described by struct ealargs_host, so tests can build any case. Thread safety: none needed
 * (start-up only).
 */
#ifndef IDLECUT_EALARGS_H
#define IDLECUT_EALARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

#define EALARGS_MAX 256
#define EALARGS_DEFAULT_MEM_MB 512

/** What the host offers, as ealargs_build() needs it. */
struct ealargs_host {
	uint64_t huge_free_bytes;     /**< free hugepages, all sizes with a mounted hugetlbfs */
	uint64_t huge_free_unmounted; /**< free hugepages of sizes with no hugetlbfs mount */
	long ncpu;		      /**< online CPUs */
};

/** How memory was chosen. */
enum ealargs_mem {
	EALARGS_MEM_USER,    /**< the user gave a memory option */
	EALARGS_MEM_HUGE,    /**< free hugepages: EAL uses them */
	EALARGS_MEM_NO_HUGE, /**< none free: --no-huge -m 512 */
};

struct ealargs {
	int argc;
	char *argv[EALARGS_MAX + 1]; /**< NULL-terminated; EAL may reorder it */
	char *owned[EALARGS_MAX];    /**< what was allocated, freed by ealargs_free */
	int n_owned;
	bool has_mem, has_dev, has_lcores, has_prefix; /**< the user's options decide these */
	enum ealargs_mem mem;
};

/**
 * Describe this host: free hugepages per size from @p sysfs_dir (NULL:
 * /sys/kernel/mm/hugepages), counted as usable only for page sizes a hugetlbfs in
 * @p mounts (NULL: /proc/mounts) serves, and the online CPUs.
 *
 * @return 0 (a missing sysfs directory means no hugepages).
 */
int ealargs_host_probe(struct ealargs_host *h, const char *sysfs_dir, const char *mounts);

/**
 * Build the EAL arguments into @p e (zeroed here): @p argv0, the @p user_argc user options
 * of @p user_argv unchanged, then the defaults.
 *
 * @return 0; -E2BIG (too many arguments), -ENOMEM, or -ENOENT ({pci:} ports and no free
 *	   hugepages) with a one-line message in @p err. @p e is freed on error.
 */
int ealargs_build(struct ealargs *e, const char *argv0, int user_argc, char *const *user_argv,
		  const struct cfg_scenario *scn, const struct ealargs_host *h, char *err,
		  size_t errlen);

/** Free what ealargs_build() allocated. */
void ealargs_free(struct ealargs *e);

/** The vdev name idlecut gives a {tap:} port: "net_tap_ic<pair><i|o>". */
const char *ealargs_tap_vdev_name(unsigned int pair, unsigned int side);

/** The EAL file prefix @p e gives (--file-prefix), "idlecut" by default. */
const char *ealargs_prefix(const struct ealargs *e);

/**
 * Remove the hugepage files EAL left for @p prefix ("PREFIXmap_*") in every hugetlbfs of
 * @p mounts (NULL: /proc/mounts). EAL keeps them after exit so a later primary can reuse
 * them; until then they hold the pages. Call after rte_eal_cleanup().
 *
 * @return the number of files removed.
 */
int ealargs_huge_cleanup(const char *prefix, const char *mounts);

/** "user", "hugepages" or "no-huge". */
const char *ealargs_mem_name(enum ealargs_mem m);

#endif /* IDLECUT_EALARGS_H */
