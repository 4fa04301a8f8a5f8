/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The scenario schema walk (SPEC §5), one file per section: scn_ports.c (ports and pairs),
 * scn_flow_table.c, scn_profiles.c (profiles and the profile fields a timeline "set" also
 * writes), scn_rules.c, scn_timeline.c; scenario.c walks the top level in a fixed order
 * (profiles before rules and timeline, whatever the order in the file) and owns the load.
 *
 * Usage: internal to the loader; control/scenario.h is the public entry point. Every
 * function takes the load's context, fills its part of c->scn from a node of the tree and
 * checks every key: unknown, duplicate, wrong type, out of range. It returns 0 or a
 * negative errno, with the one FILE:LINE:COL message recorded in c->d.
 *
 * Thread safety: a context belongs to one load on one thread.
 */
#ifndef IDLECUT_SCN_SCHEMA_H
#define IDLECUT_SCN_SCHEMA_H

#include <stdint.h>

#include "config.h"
#include "scn_value.h"
#include "yaml_doc.h"

/* A device some pair uses, to refuse the same one twice. */
struct scn_dev_use {
	enum cfg_port_kind kind;
	char key[CFG_DEV_MAX];
	const struct ynode *at;
};

struct scn_ctx {
	struct ydoc *d; /**< the tree, and where the error goes */
	struct cfg_scenario *scn;
	const struct ynode *pair_name_at[CFG_MAX_PAIRS];
	const struct ynode *profile_at[CFG_MAX_PROFILES];
	struct scn_dev_use dev[2 * CFG_MAX_PAIRS];
	unsigned n_dev;
};

/** ports: the list of pairs, each with its name and two ports. */
int scn_parse_ports(struct scn_ctx *c, const struct ynode *n);

/** flow_table: capacity and when_full. */
int scn_parse_flow_table(struct scn_ctx *c, const struct ynode *n);

/** profiles: NAME: profile, each starting from cfg_profile_init_defaults(). */
int scn_parse_profiles(struct scn_ctx *c, const struct ynode *n);

/** A profile name, which must exist (profiles are parsed first): its index. */
int scn_get_profile(struct scn_ctx *c, const struct ynode *n, const char *what, uint16_t *idx);

/** The value of one profile field, as stored in a struct cfg_set. */
int scn_get_field(struct scn_ctx *c, const struct ynode *n, enum cfg_field field, const char *what,
		  uint64_t *value);

/** rules: the list of {match, profile}. */
int scn_parse_rules(struct scn_ctx *c, const struct ynode *n);

/** timeline: the list of events, stored sorted by time (stable). */
int scn_parse_timeline(struct scn_ctx *c, const struct ynode *n);

#endif /* IDLECUT_SCN_SCHEMA_H */
