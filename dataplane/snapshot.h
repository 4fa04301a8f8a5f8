/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The dataplane's view of the running scenario: an immutable snapshot.
 *
 * Usage: the control thread builds a snapshot (dp_snapshot_build), publishes it with
 * dp_snapshot_publish(), and frees the previous one only after every worker has passed a
 * quiescent state (RCU QSBR, dp_snapshot_publish waits for that). Workers load the pointer
 * once per loop iteration (dp_snapshot_get) and report quiescence at the end of it.
 *
 * Profile indexes are stable across reloads: a profile keeps its index (and so its flows
 * and counters) as long as its name exists; see control/ for how a reload maps names.
 *
 * Who writes what: every field is written by the control thread before publication and
 * never after; workers only read.
 */
#ifndef IDLECUT_SNAPSHOT_H
#define IDLECUT_SNAPSHOT_H

#include <stdint.h>

#include "config.h"

struct dp_snapshot {
	struct cfg_scenario scn;			     /**< profiles at stable indexes */
	uint32_t tmo_ticks[CFG_MAX_PROFILES][CFG_TMO_COUNT]; /**< ms; FLOW_TMO_NEVER */
	double time_scale;
	uint64_t generation; /**< 1 for the first scenario, +1 per publication */
};

/**
 * Compute @p s from @p scn and @p time_scale (durations multiplied by it, rounded to whole
 * milliseconds, at least 1 ms unless "immediate").
 *
 * @return 0, -EINVAL (time_scale not > 0), or -ERANGE (a scaled duration reaches 2^31 ms);
 *         then @p err names the profile and timeout.
 */
int dp_snapshot_build(struct dp_snapshot *s, const struct cfg_scenario *scn, double time_scale,
		      char *err, size_t errlen);

#endif /* IDLECUT_SNAPSHOT_H */
