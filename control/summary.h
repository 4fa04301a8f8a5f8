/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Human-readable and JSON counter summaries (SPEC §7 names), printed every
 * --stats-interval seconds and at stop.
 *
 * Thread safety: control thread only; reads the per-lcore counters lock-free.
 */
#ifndef IDLECUT_SUMMARY_H
#define IDLECUT_SUMMARY_H

#include <stdio.h>

#include "snapshot.h"
#include "stats.h"
#include "view.h"

/** Print one summary block of @p s to @p out. @p uptime_s is shown in the header. */
void ctl_summary_print(FILE *out, const struct stats_lcore *s, const struct dp_snapshot *snap,
		       const struct ctl_port_name *ports, unsigned int n_ports, double uptime_s);

/** Print the same counters as one JSON object on one line. */
void ctl_summary_json(FILE *out, const struct stats_lcore *s, const struct dp_snapshot *snap,
		      const struct ctl_port_name *ports, unsigned int n_ports, double uptime_s);

#endif /* IDLECUT_SUMMARY_H */
