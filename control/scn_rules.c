/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Scenario schema: rules, the list of {match, profile} (scn_schema.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "scn_schema.h"

static int
get_pair(struct scn_ctx *c, const struct ynode *n, uint16_t *idx)
{
	const struct cfg_scenario *scn = c->scn;
	uint64_t v;
	int rc = ydoc_want_scalar(c->d, n, "pair", "a pair name or index");

	if (rc < 0)
		return rc;
	for (uint16_t i = 0; i < scn->n_pairs; i++) {
		if (strcmp(scn->pairs[i].name, n->str) == 0) {
			*idx = i;
			return 0;
		}
	}
	if (!scn_all_digits(n->str))
		return ydoc_fail(c->d, n, "pair: unknown pair '%s'", ydoc_show(c->d, n->str));
	if (scn_parse_uint(n->str, UINT16_MAX, &v) < 0 || v >= scn->n_pairs)
		return ydoc_fail(
			c->d, n, "pair: index %s does not exist (the scenario has %u pair%s)",
			ydoc_show(c->d, n->str), scn->n_pairs, scn->n_pairs == 1 ? "" : "s");
	*idx = (uint16_t)v;
	return 0;
}

static int
parse_match(struct scn_ctx *c, const struct ynode *n, struct cfg_match *m)
{
	enum { K_VLAN, K_PAIR, K_SIDE, K_PROTO, K_SRC, K_DST, K_SPORT, K_DPORT, K_COUNT };
	static const char *const keys[K_COUNT] = {
		"vlan", "pair", "side", "proto", "src", "dst", "src_port", "dst_port",
	};
	static const struct scn_sym sides[] = {
		{"inside", CFG_SIDE_INSIDE},
		{"outside", CFG_SIDE_OUTSIDE},
	};
	struct yfield f[K_COUNT];
	unsigned s;
	int rc;

	_Static_assert(CFG_MATCH_VLAN == 1u << K_VLAN && CFG_MATCH_PAIR == 1u << K_PAIR &&
			       CFG_MATCH_SIDE == 1u << K_SIDE && CFG_MATCH_PROTO == 1u << K_PROTO &&
			       CFG_MATCH_SRC == 1u << K_SRC && CFG_MATCH_DST == 1u << K_DST &&
			       CFG_MATCH_SRC_PORT == 1u << K_SPORT &&
			       CFG_MATCH_DST_PORT == 1u << K_DPORT,
		       "match keys must follow the CFG_MATCH_* bits");
	memset(m, 0, sizeof(*m));
	m->src_port = (struct cfg_range){0, UINT16_MAX};
	m->dst_port = (struct cfg_range){0, UINT16_MAX};
	rc = ydoc_map_fields(c->d, n, "match", keys, K_COUNT, f);
	if (rc == 0 && f[K_VLAN].val != NULL)
		rc = scn_get_vlans(c->d, f[K_VLAN].val, m);
	if (rc == 0 && f[K_PAIR].val != NULL)
		rc = get_pair(c, f[K_PAIR].val, &m->pair);
	if (rc == 0 && f[K_SIDE].val != NULL) {
		rc = scn_get_sym(c->d, f[K_SIDE].val, "side", sides, 2, 2, &s);
		m->side = (enum cfg_side)s;
	}
	if (rc == 0 && f[K_PROTO].val != NULL)
		rc = scn_get_proto(c->d, f[K_PROTO].val, &m->proto);
	if (rc == 0 && f[K_SRC].val != NULL)
		rc = scn_get_prefix(c->d, f[K_SRC].val, "src", &m->src);
	if (rc == 0 && f[K_DST].val != NULL)
		rc = scn_get_prefix(c->d, f[K_DST].val, "dst", &m->dst);
	if (rc == 0 && f[K_SPORT].val != NULL)
		rc = scn_get_range(c->d, f[K_SPORT].val, "src_port", 0, UINT16_MAX, &m->src_port);
	if (rc == 0 && f[K_DPORT].val != NULL)
		rc = scn_get_range(c->d, f[K_DPORT].val, "dst_port", 0, UINT16_MAX, &m->dst_port);
	if (rc < 0)
		return rc;
	for (int k = 0; k < K_COUNT; k++)
		if (f[k].key != NULL)
			m->present |= 1u << k; /* K_* follow the order of CFG_MATCH_* */
	/* A flow has one address family: such a rule could never match, surely a typo. */
	if (m->src.family && m->dst.family && m->src.family != m->dst.family)
		return ydoc_fail(c->d, f[K_DST].val, "dst is IPv%u but src is IPv%u: never matches",
				 m->dst.family, m->src.family);
	return 0;
}

int
scn_parse_rules(struct scn_ctx *c, const struct ynode *n)
{
	static const char *const keys[] = {"match", "profile"};
	struct cfg_scenario *scn = c->scn;
	int rc;

	if (ydoc_is_null(n))
		return 0;
	if (n->kind != Y_SEQ)
		return ydoc_fail(c->d, n, "rules: expected a list of {match, profile}, got %s",
				 ydoc_kind_name(n));
	if (n->n_kid > CFG_MAX_RULES)
		return ydoc_fail(c->d, ydoc_kid(c->d, n, CFG_MAX_RULES),
				 "rules: more than %d rules", CFG_MAX_RULES);
	for (uint32_t i = 0; i < n->n_kid; i++) {
		const struct ynode *item = ydoc_kid(c->d, n, i);
		struct cfg_rule *r = &scn->rules[i];
		struct yfield f[2];

		if (item->kind != Y_MAP)
			return ydoc_fail(c->d, item,
					 "rule: expected a mapping {match, profile}, got %s",
					 ydoc_kind_name(item));
		rc = ydoc_map_fields(c->d, item, "rule", keys, 2, f);
		if (rc < 0)
			return rc;
		if (f[0].val == NULL)
			return ydoc_missing(c->d, item, "rule", "match");
		if (f[1].val == NULL)
			return ydoc_missing(c->d, item, "rule", "profile");
		rc = parse_match(c, f[0].val, &r->match);
		if (rc == 0)
			rc = scn_get_profile(c, f[1].val, "profile", &r->profile);
		if (rc < 0)
			return rc;
		r->line = item->line;
		scn->n_rules = (uint16_t)(i + 1);
	}
	return 0;
}
