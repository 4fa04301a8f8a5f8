/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Rule matching: which profile a new flow gets (SPEC §5 "rules", first match wins).
 *
 * Usage: called once per new flow (never per packet of a known flow), and for malformed
 * frames with only the fields that could be parsed (RULES_F_L3 / RULES_F_L4 clear): a rule
 * that names a key the frame does not have does not match it.
 *
 * Thread safety: pure function over an immutable scenario.
 */
#ifndef IDLECUT_RULES_H
#define IDLECUT_RULES_H

#include <stdint.h>

#include "config.h"
#include "parse.h"

#define RULES_F_L3 (1u << 0) /**< family, proto, src, dst are valid */
#define RULES_F_L4 (1u << 1) /**< sport, dport are valid */

/** The new flow, as seen in its first packet (src = client). */
struct rules_flow {
	uint8_t valid;	/**< RULES_F_* */
	uint16_t pair;	/**< pair index */
	enum cfg_side side; /**< side the first packet arrived on */
	uint8_t n_vlan; /**< 0..2 */
	uint16_t vlan[2]; /**< access VLAN or tags; a rule's vlan matches any of them */
	uint8_t family; /**< 4 or 6 */
	uint8_t proto;
	const uint8_t *src; /**< 16 bytes, IPv4 v4-mapped */
	const uint8_t *dst;
	uint16_t sport;
	uint16_t dport;
};

/**
 * First rule of @p scn matching @p f.
 *
 * @return that rule's profile index, or scn->default_profile when none matches.
 */
uint16_t rules_match(const struct cfg_scenario *scn, const struct rules_flow *f);

/**
 * What a frame that did not parse fully shows to the rules: L3 fields once the IP header
 * was whole (the parser reached L4), ports too for a malformed TCP/UDP header whose ports
 * were read; the pair, side, and the frame's tags or else the port's @p access_vlan.
 */
void rules_flow_from_parse(struct rules_flow *rf, const struct parse_info *in,
			   enum parse_status st, uint16_t pair, enum cfg_side side,
			   uint16_t access_vlan);

/** Whether rule match @p m matches @p f (exposed for tests and the loader's checks). */
int rules_match_one(const struct cfg_match *m, const struct rules_flow *f);

#endif /* IDLECUT_RULES_H */
