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

/** Print one summary block of the counters in @p v to @p out. */
void ctl_summary_print(FILE *out, const struct ctl_view *v);

/** Write @p s as a JSON string (quoted, escaped). */
void ctl_json_string(FILE *out, const char *s);

/** Print the same counters as one JSON object on one line. */
void ctl_summary_json(FILE *out, const struct ctl_view *v);

#endif /* IDLECUT_SUMMARY_H */
