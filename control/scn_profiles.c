/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Scenario schema: profiles, and the profile fields that a timeline "set" writes too
 * (scn_schema.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "scn_schema.h"

static const struct scn_sym verdict_syms[] = {{"forward", CFG_FORWARD}, {"drop", CFG_DROP}};
static const struct scn_sym on_timeout_syms[] = {
	{"reset-both", CFG_ON_TIMEOUT_RESET_BOTH},
	{"reset-client", CFG_ON_TIMEOUT_RESET_CLIENT},
	{"reset-server", CFG_ON_TIMEOUT_RESET_SERVER},
	{"silent", CFG_ON_TIMEOUT_SILENT},
};
static const struct scn_sym stray_syms[] = {
	{"drop", CFG_STRAY_DROP},
	{"reset", CFG_STRAY_RESET},
	{"adopt", CFG_STRAY_ADOPT},
};
static const struct scn_sym bool_syms[] = {
	{"true", 1}, {"false", 0}, {"True", 1}, {"False", 0}, {"TRUE", 1}, {"FALSE", 0},
};

int
scn_get_field(struct scn_ctx *c, const struct ynode *n, enum cfg_field field, const char *what,
	      uint64_t *value)
{
	unsigned s = 0;
	int rc;

	switch (field) {
	case CFG_FIELD_ON_TIMEOUT:
		rc = scn_get_sym(c->d, n, what, on_timeout_syms, 4, 4, &s);
		break;
	case CFG_FIELD_STRAY_TCP:
		rc = scn_get_sym(c->d, n, what, stray_syms, 3, 3, &s);
		break;
	case CFG_FIELD_MALFORMED:
	case CFG_FIELD_OUT_OF_WINDOW:
		rc = scn_get_sym(c->d, n, what, verdict_syms, 2, 2, &s);
		break;
	case CFG_FIELD_LOOSE_CLOSE:
		/* YAML 1.2 core spellings; list only the usual two */
		rc = scn_get_sym(c->d, n, what, bool_syms, 6, 2, &s);
		break;
	default:
		return scn_get_dur(c->d, n, what, value);
	}
	*value = s;
	return rc;
}

static int
set_field(struct scn_ctx *c, const struct ynode *n, enum cfg_field field, const char *what,
	  struct cfg_profile *p)
{
	struct cfg_set s = {.field = field};
	int rc = scn_get_field(c, n, field, what, &s.value);

	if (rc == 0)
		cfg_profile_apply_set(p, &s);
	return rc;
}

static int
parse_profile_tcp(struct scn_ctx *c, const struct ynode *n, struct cfg_profile *p)
{
	static const char *const keys[] = {"handshake", "established", "closing", "time_wait"};
	static const enum cfg_tmo tmo[] = {CFG_TMO_TCP_HANDSHAKE, CFG_TMO_TCP_ESTABLISHED,
					   CFG_TMO_TCP_CLOSING, CFG_TMO_TCP_TIME_WAIT};
	struct yfield f[4];
	int rc;

	if (n->kind != Y_MAP)
		return ydoc_fail(c->d, n,
				 "tcp: expected a mapping such as {established: 300s}, got %s",
				 ydoc_kind_name(n));
	rc = ydoc_map_fields(c->d, n, "tcp", keys, 4, f);
	for (size_t i = 0; rc == 0 && i < 4; i++)
		if (f[i].val != NULL)
			rc = set_field(c, f[i].val, CFG_FIELD_TMO_FIRST + tmo[i],
				       cfg_field_name(CFG_FIELD_TMO_FIRST + tmo[i]), p);
	return rc;
}

static int
parse_profile_udp(struct scn_ctx *c, const struct ynode *n, struct cfg_profile *p)
{
	static const char *const keys[] = {"single", "stream"};
	struct yfield f[2];
	int rc;

	/* "udp: 30s" sets both */
	if (n->kind == Y_SCALAR) {
		rc = set_field(c, n, CFG_FIELD_TMO_FIRST + CFG_TMO_UDP_SINGLE, "udp", p);
		if (rc == 0)
			p->timeout_us[CFG_TMO_UDP_STREAM] = p->timeout_us[CFG_TMO_UDP_SINGLE];
		return rc;
	}
	if (n->kind != Y_MAP)
		return ydoc_fail(c->d, n,
				 "udp: expected a duration or a mapping {single, stream}, got %s",
				 ydoc_kind_name(n));
	rc = ydoc_map_fields(c->d, n, "udp", keys, 2, f);
	if (rc == 0 && f[0].val != NULL)
		rc = set_field(c, f[0].val, CFG_FIELD_TMO_FIRST + CFG_TMO_UDP_SINGLE, "udp.single",
			       p);
	if (rc == 0 && f[1].val != NULL)
		rc = set_field(c, f[1].val, CFG_FIELD_TMO_FIRST + CFG_TMO_UDP_STREAM, "udp.stream",
			       p);
	return rc;
}

/*
 * on_timeout by TCP state: {established: reset-both, default: silent}. "default" (itself
 * reset-both when absent) fills the scalar and every state the map does not name.
 */
static int
parse_on_timeout_map(struct scn_ctx *c, const struct ynode *n, struct cfg_profile *p)
{
	const char *keys[CFG_TCP_STATES + 1];
	struct yfield f[CFG_TCP_STATES + 1];
	char what[32];
	unsigned a;
	int rc;

	for (unsigned s = 0; s < CFG_TCP_STATES; s++)
		keys[s] = cfg_tcp_state_name(s);
	keys[CFG_TCP_STATES] = "default";
	rc = ydoc_map_fields(c->d, n, "on_timeout", keys, CFG_TCP_STATES + 1, f);
	if (rc < 0)
		return rc;
	a = CFG_ON_TIMEOUT_RESET_BOTH;
	if (f[CFG_TCP_STATES].val != NULL)
		rc = scn_get_sym(c->d, f[CFG_TCP_STATES].val, "on_timeout.default", on_timeout_syms,
				 4, 4, &a);
	cfg_profile_apply_set(p, &(struct cfg_set){.field = CFG_FIELD_ON_TIMEOUT, .value = a});
	for (unsigned s = 0; rc == 0 && s < CFG_TCP_STATES; s++) {
		if (f[s].val == NULL)
			continue;
		snprintf(what, sizeof(what), "on_timeout.%s", keys[s]);
		rc = scn_get_sym(c->d, f[s].val, what, on_timeout_syms, 4, 4, &a);
		p->on_timeout_state[s] = (enum cfg_on_timeout)a;
	}
	return rc;
}

/* stray_tcp by side: {inside: reset, outside: drop}; a side not named drops. */
static int
parse_stray_map(struct scn_ctx *c, const struct ynode *n, struct cfg_profile *p)
{
	static const char *const keys[] = {"inside", "outside"};
	static const char *const what[] = {"stray_tcp.inside", "stray_tcp.outside"};
	struct yfield f[2];
	unsigned a;
	int rc = ydoc_map_fields(c->d, n, "stray_tcp", keys, 2, f);

	_Static_assert(CFG_SIDE_INSIDE == 0 && CFG_SIDE_OUTSIDE == 1, "keys[] by enum cfg_side");
	for (unsigned s = 0; rc == 0 && s < 2; s++) {
		a = CFG_STRAY_DROP;
		if (f[s].val != NULL)
			rc = scn_get_sym(c->d, f[s].val, what[s], stray_syms, 3, 3, &a);
		p->stray_tcp_side[s] = (enum cfg_stray)a;
	}
	p->stray_tcp = p->stray_tcp_side[CFG_SIDE_INSIDE];
	return rc;
}

/* rst_payload: printable ASCII, at most CFG_RST_PAYLOAD_MAX - 1 bytes. */
static int
parse_rst_payload(struct scn_ctx *c, const struct ynode *n, struct cfg_profile *p)
{
	int rc = scn_get_text(c->d, n, "rst_payload", p->rst_payload, sizeof(p->rst_payload));
	size_t len;

	if (rc < 0)
		return rc;
	len = strlen(p->rst_payload);
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)p->rst_payload[i] > 0x7e)
			return ydoc_fail(c->d, n,
					 "rst_payload: byte %zu (0x%02x) is not printable ASCII "
					 "(use characters from space to ~)",
					 i, (unsigned char)p->rst_payload[i]);
	p->rst_payload_len = (uint16_t)len;
	return 0;
}

static int
parse_profile(struct scn_ctx *c, const struct ynode *n, struct cfg_profile *p)
{
	enum {
		K_TCP,
		K_UDP,
		K_ICMP,
		K_OTHER,
		K_ON_TIMEOUT,
		K_STRAY,
		K_MALFORMED,
		K_LOOSE_CLOSE,
		K_OUT_OF_WINDOW,
		K_RST_PAYLOAD,
		K_COUNT
	};
	static const char *const keys[K_COUNT] = {
		"tcp",	     "udp",	  "icmp",	 "other",	  "on_timeout",
		"stray_tcp", "malformed", "loose_close", "out_of_window", "rst_payload",
	};
	static const enum cfg_field simple[K_COUNT] = {
		[K_ICMP] = CFG_FIELD_TMO_FIRST + CFG_TMO_ICMP,
		[K_OTHER] = CFG_FIELD_TMO_FIRST + CFG_TMO_OTHER,
		[K_ON_TIMEOUT] = CFG_FIELD_ON_TIMEOUT,
		[K_STRAY] = CFG_FIELD_STRAY_TCP,
		[K_MALFORMED] = CFG_FIELD_MALFORMED,
		[K_LOOSE_CLOSE] = CFG_FIELD_LOOSE_CLOSE,
		[K_OUT_OF_WINDOW] = CFG_FIELD_OUT_OF_WINDOW,
	};
	struct yfield f[K_COUNT];
	char what[CFG_NAME_MAX + 16];
	int rc;

	snprintf(what, sizeof(what), "profile '%s'", p->name);
	rc = ydoc_map_fields(c->d, n, what, keys, K_COUNT, f);
	if (rc == 0 && f[K_TCP].val != NULL)
		rc = parse_profile_tcp(c, f[K_TCP].val, p);
	if (rc == 0 && f[K_UDP].val != NULL)
		rc = parse_profile_udp(c, f[K_UDP].val, p);
	for (int k = K_ICMP; rc == 0 && k < K_COUNT; k++) {
		const struct ynode *v = f[k].val;

		if (v == NULL)
			continue;
		if (k == K_ON_TIMEOUT && v->kind == Y_MAP)
			rc = parse_on_timeout_map(c, v, p);
		else if (k == K_STRAY && v->kind == Y_MAP)
			rc = parse_stray_map(c, v, p);
		else if (k == K_RST_PAYLOAD)
			rc = parse_rst_payload(c, v, p);
		else
			rc = set_field(c, v, simple[k], keys[k], p);
	}
	return rc;
}

int
scn_parse_profiles(struct scn_ctx *c, const struct ynode *n)
{
	struct cfg_scenario *scn = c->scn;
	int rc;

	if (ydoc_is_null(n))
		return 0;
	if (n->kind != Y_MAP)
		return ydoc_fail(c->d, n, "profiles: expected a mapping of NAME: profile, got %s",
				 ydoc_kind_name(n));
	for (uint32_t i = 0; i < n->n_kid; i += 2) {
		const struct ynode *k = ydoc_kid(c->d, n, i);
		struct cfg_profile *p;

		rc = scn_check_ident(c->d, k, "profile name");
		if (rc < 0)
			return rc;
		if (strcmp(k->str, CFG_PROFILE_UNTRACKED_NAME) == 0)
			return ydoc_fail(c->d, k,
					 "profile 'untracked' is built in and cannot be redefined");
		if (strcmp(k->str, "all") == 0)
			return ydoc_fail(c->d, k, "profile name 'all' is reserved (flush: all)");
		for (uint16_t j = 1; j < scn->n_profiles; j++)
			if (strcmp(scn->profiles[j].name, k->str) == 0)
				return ydoc_fail(
					c->d, k, "duplicate key '%s' in profiles (first at %u:%u)",
					k->str, c->profile_at[j]->line, c->profile_at[j]->col);
		if (scn->n_profiles == CFG_MAX_PROFILES)
			return ydoc_fail(c->d, k, "more than %d profiles", CFG_MAX_PROFILES - 1);
		p = &scn->profiles[scn->n_profiles];
		cfg_profile_init_defaults(p, k->str);
		c->profile_at[scn->n_profiles] = k;
		scn->n_profiles++;
		rc = parse_profile(c, ydoc_kid(c->d, n, i + 1), p);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int
scn_get_profile(struct scn_ctx *c, const struct ynode *n, const char *what, uint16_t *idx)
{
	const struct cfg_scenario *scn = c->scn;
	char list[160];
	size_t off = 0;
	int rc = ydoc_want_scalar(c->d, n, what, "a profile name");
	int i;

	if (rc < 0)
		return rc;
	i = cfg_profile_find(scn, n->str);
	if (i >= 0) {
		*idx = (uint16_t)i;
		return 0;
	}
	list[0] = '\0';
	for (uint16_t j = 0; j < scn->n_profiles && off < sizeof(list); j++)
		off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%s", j ? ", " : "",
					scn->profiles[j].name);
	/* Truncated: end with ", ..." and keep the terminating NUL. */
	if (off >= sizeof(list))
		memcpy(list + sizeof(list) - 6, ", ...", 6);
	return ydoc_fail(c->d, n, "%s: unknown profile '%s' (defined: %s)", what,
			 ydoc_show(c->d, n->str), list);
}
