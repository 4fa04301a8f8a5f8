/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Scenario schema: ports, the list of port pairs (scn_schema.h). A device (tap, port index,
 * vdev, PCI address) may serve only one side of one pair.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "scn_schema.h"

static int
dev_claim(struct scn_ctx *c, const struct ynode *at, enum cfg_port_kind kind, const char *key)
{
	static const char *const kind_names[] = {
		[CFG_PORT_INDEX] = "port",
		[CFG_PORT_TAP] = "tap",
		[CFG_PORT_VDEV] = "vdev",
		[CFG_PORT_PCI] = "pci",
	};
	struct scn_dev_use *u;

	for (unsigned i = 0; i < c->n_dev; i++) {
		u = &c->dev[i];
		if (u->kind == kind && strcmp(u->key, key) == 0)
			return ydoc_fail(c->d, at, "%s '%s' is already used (at %u:%u)",
					 kind_names[kind], ydoc_show(c->d, key), u->at->line,
					 u->at->col);
	}
	u = &c->dev[c->n_dev++];
	u->kind = kind;
	snprintf(u->key, sizeof(u->key), "%s", key);
	u->at = at;
	return 0;
}

/* devargs: what follows the PCI address in EAL's "-a ADDR,ARGS", for a pci port only. */
static int
parse_devargs(struct scn_ctx *c, struct yfield f, struct cfg_port *port)
{
	int rc;

	if (port->kind != CFG_PORT_PCI)
		return ydoc_fail(c->d, f.key,
				 "devargs: only a pci port takes devargs (a vdev carries its "
				 "arguments in its string)");
	rc = scn_get_text(c->d, f.val, "devargs", port->devargs, sizeof(port->devargs));
	if (rc == 0 && (port->devargs[0] == ',' || port->devargs[0] == '\0' ||
			strpbrk(port->devargs, " \t") != NULL))
		rc = ydoc_fail(c->d, f.val,
			       "devargs: expected device arguments like \"rxq_cqe_comp_en=0\" "
			       "or \"a=1,b=2\", got '%s'",
			       ydoc_show(c->d, port->devargs));
	return rc;
}

static int
parse_port(struct scn_ctx *c, const struct ynode *n, const char *what, struct cfg_port *port)
{
	static const char *const keys[] = {"tap", "port", "vdev", "pci", "vlan", "devargs"};
	char key[CFG_DEV_MAX];
	struct yfield f[6];
	uint64_t v;
	size_t which = 0;
	int rc;

	if (n->kind != Y_MAP)
		return ydoc_fail(c->d, n, "%s: expected a mapping such as {tap: ic-in}, got %s",
				 what, ydoc_kind_name(n));
	rc = ydoc_map_fields(c->d, n, what, keys, 6, f);
	if (rc == 0)
		rc = ydoc_exactly_one(c->d, n, what, f, 4, "one of tap, port, vdev or pci", &which);
	if (rc < 0)
		return rc;
	memset(port, 0, sizeof(*port));
	switch (which) {
	case 0: /* tap: a Linux interface name, IFNAMSIZ - 1 at most */
		port->kind = CFG_PORT_TAP;
		rc = scn_check_ident(c->d, f[0].val, "tap");
		if (rc == 0 && strlen(f[0].val->str) > 15)
			rc = ydoc_fail(c->d, f[0].val,
				       "tap: interface name '%s' is longer than 15 characters",
				       ydoc_show(c->d, f[0].val->str));
		if (rc == 0)
			snprintf(port->name, sizeof(port->name), "%s", f[0].val->str);
		break;
	case 1:
		port->kind = CFG_PORT_INDEX;
		rc = scn_get_uint(c->d, f[1].val, "port", 0, 1023, &v);
		port->index = (uint16_t)v;
		break;
	case 2:
		port->kind = CFG_PORT_VDEV;
		rc = scn_get_text(c->d, f[2].val, "vdev", port->name, sizeof(port->name));
		if (rc == 0 && (port->name[0] == ',' || port->name[0] == '\0' ||
				strchr(port->name, ' ') != NULL))
			rc = ydoc_fail(c->d, f[2].val,
				       "vdev: expected devargs like \"net_ring0\" or "
				       "\"net_pcap0,iface=eth0\", got '%s'",
				       ydoc_show(c->d, port->name));
		break;
	default:
		port->kind = CFG_PORT_PCI;
		rc = scn_get_pci(c->d, f[3].val, port->name, sizeof(port->name));
		break;
	}
	if (rc < 0)
		return rc;
	if (f[4].val != NULL) {
		rc = scn_get_uint(c->d, f[4].val, "vlan", 1, 4094, &v);
		if (rc < 0)
			return rc;
		port->vlan = (uint16_t)v;
	}
	if (f[5].val != NULL) {
		rc = parse_devargs(c, f[5], port);
		if (rc < 0)
			return rc;
	}
	/* The key a device is known by: DPDK names a vdev by what precedes the first comma,
	 * whatever its arguments; an ethdev by its index. */
	if (port->kind == CFG_PORT_VDEV)
		snprintf(key, sizeof(key), "%.*s", (int)strcspn(port->name, ","), port->name);
	else if (port->kind == CFG_PORT_INDEX)
		snprintf(key, sizeof(key), "%u", port->index);
	else
		snprintf(key, sizeof(key), "%s", port->name);
	return dev_claim(c, f[which].val, port->kind, key);
}

static int
parse_pair(struct scn_ctx *c, const struct ynode *n, uint16_t idx)
{
	static const char *const keys[] = {"name", "inside", "outside", "mtu"};
	struct cfg_pair *pair = &c->scn->pairs[idx];
	struct yfield f[4];
	char what[32];
	uint64_t v;
	int rc;

	snprintf(what, sizeof(what), "ports[%u]", idx);
	if (n->kind != Y_MAP)
		return ydoc_fail(c->d, n, "%s: expected a mapping with inside and outside, got %s",
				 what, ydoc_kind_name(n));
	rc = ydoc_map_fields(c->d, n, what, keys, 4, f);
	if (rc < 0)
		return rc;
	if (f[1].val == NULL)
		return ydoc_missing(c->d, n, what, "inside");
	if (f[2].val == NULL)
		return ydoc_missing(c->d, n, what, "outside");
	if (f[0].val != NULL) {
		rc = scn_check_ident(c->d, f[0].val, "pair name");
		if (rc < 0)
			return rc;
		/* a match says "pair: 1" for the second pair: a name must not look like that */
		if (scn_all_digits(f[0].val->str))
			return ydoc_fail(c->d, f[0].val,
					 "pair name '%s' is a number, which rules read "
					 "as a pair index",
					 f[0].val->str);
		snprintf(pair->name, sizeof(pair->name), "%s", f[0].val->str);
		c->pair_name_at[idx] = f[0].val;
	} else {
		snprintf(pair->name, sizeof(pair->name), "pair%u", idx);
		c->pair_name_at[idx] = n;
	}
	for (uint16_t i = 0; i < idx; i++) {
		if (strcmp(c->scn->pairs[i].name, pair->name) == 0)
			return ydoc_fail(c->d, c->pair_name_at[idx],
					 "pair name '%s' is already used by ports[%u] (at %u:%u)",
					 pair->name, i, c->pair_name_at[i]->line,
					 c->pair_name_at[i]->col);
	}
	rc = parse_port(c, f[1].val, "inside", &pair->side[CFG_SIDE_INSIDE]);
	if (rc == 0)
		rc = parse_port(c, f[2].val, "outside", &pair->side[CFG_SIDE_OUTSIDE]);
	pair->mtu = CFG_MTU_DEFAULT;
	if (rc == 0 && f[3].val != NULL) {
		rc = scn_get_uint(c->d, f[3].val, "mtu", CFG_MTU_MIN, CFG_MTU_MAX, &v);
		pair->mtu = (uint16_t)v;
	}
	return rc;
}

int
scn_parse_ports(struct scn_ctx *c, const struct ynode *n)
{
	int rc;

	if (n->kind != Y_SEQ)
		return ydoc_fail(c->d, n, "ports: expected a list of port pairs, got %s",
				 ydoc_kind_name(n));
	if (n->n_kid == 0)
		return ydoc_fail(c->d, n,
				 "ports: the list is empty; a scenario needs at least one pair");
	if (n->n_kid > CFG_MAX_PAIRS)
		return ydoc_fail(c->d, ydoc_kid(c->d, n, CFG_MAX_PAIRS),
				 "ports: more than %d pairs", CFG_MAX_PAIRS);
	for (uint32_t i = 0; i < n->n_kid; i++) {
		rc = parse_pair(c, ydoc_kid(c->d, n, i), (uint16_t)i);
		if (rc < 0)
			return rc;
		c->scn->n_pairs = (uint16_t)(i + 1);
	}
	return 0;
}
