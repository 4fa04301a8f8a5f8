/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Scenario schema: flow_table (scn_schema.h): capacity, what a full table does (when_full)
 * and the reaper that keeps it from filling.
 */
#include <stddef.h>

#include "scn_schema.h"

static const struct scn_sym when_full_syms[] = {
	{"forward", CFG_WHEN_FULL_FORWARD},
	{"drop", CFG_WHEN_FULL_DROP},
	{"early-drop", CFG_WHEN_FULL_EARLY_DROP},
};

/* reaper: {high: 95%, low: 85%}, both required, low below high. */
static int
parse_reaper(struct scn_ctx *c, const struct ynode *n, struct cfg_reaper *r)
{
	static const char *const keys[] = {"high", "low"};
	struct yfield f[2];
	int rc;

	if (n->kind != Y_MAP)
		return ydoc_fail(c->d, n,
				 "reaper: expected a mapping such as {high: 95%%, low: 85%%}, "
				 "got %s",
				 ydoc_kind_name(n));
	rc = ydoc_map_fields(c->d, n, "reaper", keys, 2, f);
	if (rc == 0 && f[0].val == NULL)
		rc = ydoc_missing(c->d, n, "reaper", "high");
	if (rc == 0 && f[1].val == NULL)
		rc = ydoc_missing(c->d, n, "reaper", "low");
	if (rc == 0)
		rc = scn_get_pct(c->d, f[0].val, "high", 1, 100, &r->high_pct);
	if (rc == 0)
		rc = scn_get_pct(c->d, f[1].val, "low", 1, 100, &r->low_pct);
	if (rc == 0 && r->low_pct >= r->high_pct)
		rc = ydoc_fail(c->d, f[1].val, "reaper: low (%u%%) must be below high (%u%%)",
			       r->low_pct, r->high_pct);
	r->on = rc == 0;
	return rc;
}

int
scn_parse_flow_table(struct scn_ctx *c, const struct ynode *n)
{
	static const char *const keys[] = {"capacity", "when_full", "reaper"};
	struct yfield f[3];
	uint64_t v;
	unsigned s;
	int rc = ydoc_map_fields(c->d, n, "flow_table", keys, 3, f);

	if (rc == 0 && f[0].val != NULL) {
		rc = scn_get_uint(c->d, f[0].val, "capacity", CFG_CAPACITY_MIN, CFG_CAPACITY_MAX,
				  &v);
		c->scn->capacity = (uint32_t)v;
	}
	if (rc == 0 && f[1].val != NULL) {
		rc = scn_get_sym(c->d, f[1].val, "when_full", when_full_syms, 3, 3, &s);
		c->scn->when_full = (enum cfg_when_full)s;
	}
	if (rc == 0 && f[2].val != NULL)
		rc = parse_reaper(c, f[2].val, &c->scn->reaper);
	return rc;
}
