/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Rule matching. A linear first-match scan: it runs once per new flow, rule lists are short
 * (CFG_MAX_RULES), and the order is the semantics, so a cleverer index would have to
 * reproduce first-match-wins for no measurable gain.
 */
#include <string.h>

#include "rules.h"

#define ADDR_BITS 128

static inline int
range_has(const struct cfg_range *r, uint16_t v)
{
	return r->lo <= v && v <= r->hi;
}

static int
vlan_match(const struct cfg_match *m, const struct rules_flow *f)
{
	/* Both counts are bounded by the loader and parser; clamp so a bad value cannot read
	 * past either array. */
	unsigned int n_flow = f->n_vlan < 2 ? f->n_vlan : 2;
	unsigned int n_rng = m->n_vlan < CFG_MAX_VLAN_RANGES ? m->n_vlan : CFG_MAX_VLAN_RANGES;
	unsigned int i, j;

	for (i = 0; i < n_flow; i++)
		for (j = 0; j < n_rng; j++)
			if (range_has(&m->vlan[j], f->vlan[i]))
				return 1;
	return 0;
}

static int
prefix_match(const struct cfg_prefix *pfx, uint8_t family, const uint8_t *addr)
{
	unsigned int bytes, bits;

	/* Family 0 is the model's "any"; otherwise a v4 prefix never matches a v6 flow even
	 * when the v6 address happens to be v4-mapped, and vice versa. */
	if (pfx->family != 0 && pfx->family != family)
		return 0;
	/* The loader rejects longer prefixes; never read past the 16 bytes if one slips by. */
	if (pfx->len > ADDR_BITS)
		return 0;
	bytes = pfx->len / 8;
	bits = pfx->len % 8;
	if (memcmp(pfx->addr, addr, bytes) != 0)
		return 0;
	if (bits != 0) {
		uint8_t mask = (uint8_t)(0xff << (8 - bits));

		if ((pfx->addr[bytes] ^ addr[bytes]) & mask)
			return 0;
	}
	return 1;
}

int
rules_match_one(const struct cfg_match *m, const struct rules_flow *f)
{
	uint32_t need = m->present;

	if ((need & CFG_MATCH_VLAN) && !vlan_match(m, f))
		return 0;
	if ((need & CFG_MATCH_PAIR) && m->pair != f->pair)
		return 0;
	if ((need & CFG_MATCH_SIDE) && m->side != f->side)
		return 0;
	/* A frame whose L3/L4 headers could not be parsed does not match a rule on them: the
	 * rule author asked for a property the frame cannot be shown to have. */
	if ((need & (CFG_MATCH_PROTO | CFG_MATCH_SRC | CFG_MATCH_DST)) && !(f->valid & RULES_F_L3))
		return 0;
	if ((need & CFG_MATCH_PROTO) && m->proto != f->proto)
		return 0;
	if ((need & CFG_MATCH_SRC) && !prefix_match(&m->src, f->family, f->src))
		return 0;
	if ((need & CFG_MATCH_DST) && !prefix_match(&m->dst, f->family, f->dst))
		return 0;
	if ((need & (CFG_MATCH_SRC_PORT | CFG_MATCH_DST_PORT)) && !(f->valid & RULES_F_L4))
		return 0;
	if ((need & CFG_MATCH_SRC_PORT) && !range_has(&m->src_port, f->sport))
		return 0;
	if ((need & CFG_MATCH_DST_PORT) && !range_has(&m->dst_port, f->dport))
		return 0;
	return 1;
}

uint16_t
rules_match(const struct cfg_scenario *scn, const struct rules_flow *f)
{
	uint16_t i;

	for (i = 0; i < scn->n_rules; i++)
		if (rules_match_one(&scn->rules[i].match, f))
			return scn->rules[i].profile;
	return scn->default_profile;
}

void
rules_flow_from_parse(struct rules_flow *rf, const struct parse_info *in, enum parse_status st,
		      uint16_t pair, enum cfg_side side, uint16_t access_vlan)
{
	memset(rf, 0, sizeof(*rf));
	if (in->family != 0 && in->l4_off != 0) {
		rf->valid = RULES_F_L3;
		rf->family = in->family;
		rf->proto = in->proto;
		rf->src = in->src;
		rf->dst = in->dst;
		if (st == PARSE_MAL_TCP_OFFSET || st == PARSE_MAL_TCP_FLAGS ||
		    st == PARSE_MAL_UDP_LENGTH) {
			rf->valid |= RULES_F_L4;
			rf->sport = in->sport;
			rf->dport = in->dport;
		}
	}
	rf->pair = pair;
	rf->side = side;
	if (in->n_vlan > 0) {
		rf->n_vlan = in->n_vlan;
		rf->vlan[0] = in->vlan[0];
		rf->vlan[1] = in->vlan[1];
	} else if (access_vlan != 0) {
		rf->n_vlan = 1;
		rf->vlan[0] = access_vlan;
	}
}
