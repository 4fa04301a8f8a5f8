/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Scenario schema: flow_table (scn_schema.h).
 */
#include <stddef.h>

#include "scn_schema.h"

static const struct scn_sym when_full_syms[] = {{"forward", CFG_FORWARD}, {"drop", CFG_DROP}};

int
scn_parse_flow_table(struct scn_ctx *c, const struct ynode *n)
{
	static const char *const keys[] = {"capacity", "when_full"};
	struct yfield f[2];
	uint64_t v;
	unsigned s;
	int rc = ydoc_map_fields(c->d, n, "flow_table", keys, 2, f);

	if (rc == 0 && f[0].val != NULL) {
		rc = scn_get_uint(c->d, f[0].val, "capacity", CFG_CAPACITY_MIN, CFG_CAPACITY_MAX,
				  &v);
		c->scn->capacity = (uint32_t)v;
	}
	if (rc == 0 && f[1].val != NULL) {
		rc = scn_get_sym(c->d, f[1].val, "when_full", when_full_syms, 2, 2, &s);
		c->scn->when_full = (enum cfg_verdict)s;
	}
	return rc;
}
