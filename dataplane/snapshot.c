/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "flow.h"
#include "snapshot.h"

int
dp_snapshot_build(struct dp_snapshot *s, const struct cfg_scenario *scn, double time_scale,
		  char *err, size_t errlen)
{
	if (!(time_scale > 0) || !isfinite(time_scale)) {
		snprintf(err, errlen, "time scale must be a number above 0");
		return -EINVAL;
	}
	memset(s, 0, sizeof(*s));
	s->scn = *scn;
	s->time_scale = time_scale;
	for (unsigned int p = 0; p < scn->n_profiles; p++) {
		for (unsigned int t = 0; t < CFG_TMO_COUNT; t++) {
			uint64_t us = scn->profiles[p].timeout_us[t];
			double ms;

			if (us == CFG_DUR_INDEFINITE) {
				s->tmo_ticks[p][t] = FLOW_TMO_NEVER;
				continue;
			}
			if (us == 0) {
				s->tmo_ticks[p][t] = 0;
				continue;
			}
			ms = round((double)us * time_scale / 1000.0);
			if (ms >= (double)INT32_MAX) {
				snprintf(err, errlen,
					 "profile %s: %s scaled by %g exceeds 24 days",
					 scn->profiles[p].name, cfg_tmo_name(t), time_scale);
				return -ERANGE;
			}
			s->tmo_ticks[p][t] = ms < 1 ? 1 : (uint32_t)ms;
		}
	}
	return 0;
}
