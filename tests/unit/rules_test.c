/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rules_match() / rules_match_one() tests. Every key is tried alone on both sides of each
 * boundary, then in combination, then through rules_match() for ordering and the default.
 * Prefixes are built here from text with inet_pton() and mapped by this file, so a wrong
 * mapping convention in the matcher shows up as a failure rather than a shared mistake.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "rules.h"

#define PROTO_ICMP 1
#define PROTO_TCP 6
#define PROTO_UDP 17

/* A flow plus the storage its address pointers refer to. */
struct tflow {
	struct rules_flow f;
	uint8_t src[16];
	uint8_t dst[16];
};

static void
addr_parse(uint8_t out[16], uint8_t *family, const char *text)
{
	memset(out, 0, 16);
	if (inet_pton(AF_INET, text, out + 12) == 1) {
		out[10] = 0xff;
		out[11] = 0xff;
		*family = 4;
		return;
	}
	assert_int_equal(inet_pton(AF_INET6, text, out), 1);
	*family = 6;
}

/* A fully parsed TCP flow, no VLAN, pair 0, inside. */
static void
tflow_init(struct tflow *t, const char *src, const char *dst, uint16_t sport, uint16_t dport)
{
	uint8_t fam_dst;

	memset(t, 0, sizeof(*t));
	addr_parse(t->src, &t->f.family, src);
	addr_parse(t->dst, &fam_dst, dst);
	assert_int_equal(t->f.family, fam_dst);
	t->f.valid = RULES_F_L3 | RULES_F_L4;
	t->f.pair = 0;
	t->f.side = CFG_SIDE_INSIDE;
	t->f.proto = PROTO_TCP;
	t->f.src = t->src;
	t->f.dst = t->dst;
	t->f.sport = sport;
	t->f.dport = dport;
}

/* "a.b.c.d/len" or "x::y/len", stored as config.h says: IPv4 v4-mapped with len + 96. */
static void
prefix_set(struct cfg_prefix *p, const char *text, unsigned int len)
{
	addr_parse(p->addr, &p->family, text);
	p->len = (uint8_t)(p->family == 4 ? len + 96 : len);
}

static void
match_src(struct cfg_match *m, const char *text, unsigned int len)
{
	memset(m, 0, sizeof(*m));
	m->present = CFG_MATCH_SRC;
	prefix_set(&m->src, text, len);
}

static void
match_dst(struct cfg_match *m, const char *text, unsigned int len)
{
	memset(m, 0, sizeof(*m));
	m->present = CFG_MATCH_DST;
	prefix_set(&m->dst, text, len);
}

/* Whether a rule on the source prefix matches a flow from @p src (to a same-family dst). */
static int
src_matches(const char *pfx, unsigned int len, const char *src)
{
	struct cfg_match m;
	struct tflow t;

	match_src(&m, pfx, len);
	tflow_init(&t, src, strchr(src, ':') ? "2001:db8::99" : "192.0.2.99", 1, 2);
	return rules_match_one(&m, &t.f);
}

static void
test_empty_match_matches_anything(void **state)
{
	struct cfg_match m;
	struct tflow t;

	(void)state;
	memset(&m, 0, sizeof(m));
	tflow_init(&t, "10.0.0.1", "10.0.0.2", 1, 2);
	assert_true(rules_match_one(&m, &t.f));
	t.f.valid = 0;
	assert_true(rules_match_one(&m, &t.f));
	tflow_init(&t, "::1", "::2", 1, 2);
	t.f.n_vlan = 2;
	assert_true(rules_match_one(&m, &t.f));
}

static void
test_vlan(void **state)
{
	struct cfg_match m;
	struct tflow t;

	(void)state;
	memset(&m, 0, sizeof(m));
	m.present = CFG_MATCH_VLAN;
	m.n_vlan = 2;
	m.vlan[0] = (struct cfg_range){300, 300};
	m.vlan[1] = (struct cfg_range){100, 200};
	tflow_init(&t, "10.0.0.1", "10.0.0.2", 1, 2);
	t.f.n_vlan = 1;

	t.f.vlan[0] = 300;
	assert_true(rules_match_one(&m, &t.f));
	t.f.vlan[0] = 299;
	assert_false(rules_match_one(&m, &t.f));
	t.f.vlan[0] = 301;
	assert_false(rules_match_one(&m, &t.f));
	t.f.vlan[0] = 99;
	assert_false(rules_match_one(&m, &t.f));
	t.f.vlan[0] = 100;
	assert_true(rules_match_one(&m, &t.f));
	t.f.vlan[0] = 200;
	assert_true(rules_match_one(&m, &t.f));
	t.f.vlan[0] = 201;
	assert_false(rules_match_one(&m, &t.f));

	/* Any of the flow's VLANs, outer or inner, may be the one in range. */
	t.f.n_vlan = 2;
	t.f.vlan[0] = 7;
	t.f.vlan[1] = 150;
	assert_true(rules_match_one(&m, &t.f));
	t.f.vlan[0] = 300;
	t.f.vlan[1] = 7;
	assert_true(rules_match_one(&m, &t.f));
	t.f.vlan[0] = 7;
	t.f.vlan[1] = 8;
	assert_false(rules_match_one(&m, &t.f));

	/* Only the first n_vlan entries count: a stale inner tag must not match. */
	t.f.n_vlan = 1;
	t.f.vlan[0] = 7;
	t.f.vlan[1] = 300;
	assert_false(rules_match_one(&m, &t.f));

	/* Only the first n_vlan ranges count either. */
	m.n_vlan = 1;
	t.f.vlan[0] = 150;
	assert_false(rules_match_one(&m, &t.f));
}

static void
test_vlan_rule_never_matches_untagged_flow(void **state)
{
	struct cfg_match m;
	struct tflow t;

	(void)state;
	memset(&m, 0, sizeof(m));
	m.present = CFG_MATCH_VLAN;
	m.n_vlan = 1;
	m.vlan[0] = (struct cfg_range){0, 4095};
	tflow_init(&t, "10.0.0.1", "10.0.0.2", 1, 2);
	t.f.n_vlan = 1;
	t.f.vlan[0] = 4095;
	assert_true(rules_match_one(&m, &t.f));
	t.f.vlan[0] = 0;
	assert_true(rules_match_one(&m, &t.f));
	t.f.n_vlan = 0;
	assert_false(rules_match_one(&m, &t.f));
}

static void
test_pair_and_side(void **state)
{
	struct cfg_match m;
	struct tflow t;

	(void)state;
	tflow_init(&t, "10.0.0.1", "10.0.0.2", 1, 2);
	memset(&m, 0, sizeof(m));
	m.present = CFG_MATCH_PAIR;
	m.pair = 3;
	t.f.pair = 3;
	assert_true(rules_match_one(&m, &t.f));
	t.f.pair = 0;
	assert_false(rules_match_one(&m, &t.f));
	t.f.pair = 4;
	assert_false(rules_match_one(&m, &t.f));

	memset(&m, 0, sizeof(m));
	m.present = CFG_MATCH_SIDE;
	m.side = CFG_SIDE_OUTSIDE;
	t.f.side = CFG_SIDE_OUTSIDE;
	assert_true(rules_match_one(&m, &t.f));
	t.f.side = CFG_SIDE_INSIDE;
	assert_false(rules_match_one(&m, &t.f));
	m.side = CFG_SIDE_INSIDE;
	assert_true(rules_match_one(&m, &t.f));

	/* Neither needs L3: they describe where the frame came in. */
	t.f.valid = 0;
	assert_true(rules_match_one(&m, &t.f));
}

static void
test_proto(void **state)
{
	struct cfg_match m;
	struct tflow t;

	(void)state;
	memset(&m, 0, sizeof(m));
	m.present = CFG_MATCH_PROTO;
	m.proto = PROTO_UDP;
	tflow_init(&t, "10.0.0.1", "10.0.0.2", 1, 2);
	t.f.proto = PROTO_UDP;
	assert_true(rules_match_one(&m, &t.f));
	t.f.proto = PROTO_TCP;
	assert_false(rules_match_one(&m, &t.f));
	t.f.proto = PROTO_ICMP;
	assert_false(rules_match_one(&m, &t.f));
}

static void
test_src_v4_prefixes(void **state)
{
	(void)state;
	/* /32 */
	assert_true(src_matches("192.0.2.1", 32, "192.0.2.1"));
	assert_false(src_matches("192.0.2.1", 32, "192.0.2.0"));
	assert_false(src_matches("192.0.2.1", 32, "192.0.2.3"));
	assert_false(src_matches("192.0.2.1", 32, "64.0.2.1"));
	/* /24: both ends in, both neighbours out */
	assert_true(src_matches("198.18.1.0", 24, "198.18.1.0"));
	assert_true(src_matches("198.18.1.0", 24, "198.18.1.255"));
	assert_false(src_matches("198.18.1.0", 24, "198.18.0.255"));
	assert_false(src_matches("198.18.1.0", 24, "198.18.2.0"));
	/* /23: a prefix that ends inside a byte */
	assert_true(src_matches("198.18.0.0", 23, "198.18.1.255"));
	assert_false(src_matches("198.18.0.0", 23, "198.18.2.0"));
	/* /1: the top bit only */
	assert_true(src_matches("128.0.0.0", 1, "128.0.0.0"));
	assert_true(src_matches("128.0.0.0", 1, "255.255.255.255"));
	assert_false(src_matches("128.0.0.0", 1, "127.255.255.255"));
	assert_true(src_matches("0.0.0.0", 1, "127.255.255.255"));
	assert_false(src_matches("0.0.0.0", 1, "128.0.0.0"));
	/* /0: every IPv4 address */
	assert_true(src_matches("0.0.0.0", 0, "0.0.0.0"));
	assert_true(src_matches("0.0.0.0", 0, "255.255.255.255"));
	assert_true(src_matches("0.0.0.0", 0, "10.1.2.3"));
}

static void
test_src_v6_prefixes(void **state)
{
	(void)state;
	/* /128 */
	assert_true(src_matches("2001:db8::1", 128, "2001:db8::1"));
	assert_false(src_matches("2001:db8::1", 128, "2001:db8::"));
	assert_false(src_matches("2001:db8::1", 128, "2001:db8::3"));
	assert_false(src_matches("2001:db8::1", 128, "3001:db8::1"));
	/* /64 */
	assert_true(src_matches("2001:db8:1:2::", 64, "2001:db8:1:2::"));
	assert_true(src_matches("2001:db8:1:2::", 64, "2001:db8:1:2:ffff:ffff:ffff:ffff"));
	assert_false(src_matches("2001:db8:1:2::", 64, "2001:db8:1:1:ffff:ffff:ffff:ffff"));
	assert_false(src_matches("2001:db8:1:2::", 64, "2001:db8:1:3::"));
	/* /127: the last bit is free, the one before is not */
	assert_true(src_matches("2001:db8::2", 127, "2001:db8::3"));
	assert_false(src_matches("2001:db8::2", 127, "2001:db8::1"));
	/* /1 */
	assert_true(src_matches("8000::", 1, "ffff::1"));
	assert_false(src_matches("8000::", 1, "7fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"));
	/* /0: every IPv6 address */
	assert_true(src_matches("::", 0, "::"));
	assert_true(src_matches("::", 0, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"));
}

static void
test_prefix_family_mismatch(void **state)
{
	struct cfg_match m;
	struct tflow t;

	(void)state;
	/* An IPv4 /0 does not match IPv6 flows, and an IPv6 /0 does not match IPv4 flows. */
	assert_false(src_matches("0.0.0.0", 0, "2001:db8::1"));
	assert_false(src_matches("::", 0, "10.0.0.1"));
	/* Not even when the bytes agree: ::ffff:0:0/96 written as IPv6 vs an IPv4 flow... */
	assert_false(src_matches("::ffff:0.0.0.0", 96, "10.0.0.1"));
	/* ...or an IPv4 prefix vs an IPv6 flow whose address happens to be v4-mapped. */
	match_src(&m, "10.0.0.0", 8);
	tflow_init(&t, "10.0.0.1", "10.0.0.2", 1, 2);
	assert_true(rules_match_one(&m, &t.f));
	t.f.family = 6;
	assert_false(rules_match_one(&m, &t.f));
}

/* config.h allows family 0 ("any"): with length 0 it matches both families. */
static void
test_prefix_family_any(void **state)
{
	struct cfg_match m;
	struct tflow t;

	(void)state;
	memset(&m, 0, sizeof(m));
	m.present = CFG_MATCH_SRC;
	m.src.family = 0;
	m.src.len = 0;
	tflow_init(&t, "10.0.0.1", "10.0.0.2", 1, 2);
	assert_true(rules_match_one(&m, &t.f));
	tflow_init(&t, "2001:db8::1", "2001:db8::2", 1, 2);
	assert_true(rules_match_one(&m, &t.f));
}

static void
test_dst_prefix_uses_dst(void **state)
{
	struct cfg_match m;
	struct tflow t;

	(void)state;
	match_dst(&m, "198.18.1.0", 24);
	tflow_init(&t, "10.0.0.1", "198.18.1.20", 1, 2);
	assert_true(rules_match_one(&m, &t.f));
	tflow_init(&t, "198.18.1.20", "10.0.0.1", 1, 2);
	assert_false(rules_match_one(&m, &t.f));

	match_src(&m, "198.18.1.0", 24);
	assert_true(rules_match_one(&m, &t.f));
	tflow_init(&t, "10.0.0.1", "198.18.1.20", 1, 2);
	assert_false(rules_match_one(&m, &t.f));

	match_dst(&m, "2001:db8:1::", 48);
	tflow_init(&t, "2001:db8:2::1", "2001:db8:1::1", 1, 2);
	assert_true(rules_match_one(&m, &t.f));
	tflow_init(&t, "2001:db8:1::1", "2001:db8:2::1", 1, 2);
	assert_false(rules_match_one(&m, &t.f));
}

static void
test_ports(void **state)
{
	struct cfg_match m;
	struct tflow t;

	(void)state;
	memset(&m, 0, sizeof(m));
	m.present = CFG_MATCH_DST_PORT;
	m.dst_port = (struct cfg_range){443, 444};
	tflow_init(&t, "10.0.0.1", "10.0.0.2", 443, 442);
	assert_false(rules_match_one(&m, &t.f));
	t.f.dport = 443;
	assert_true(rules_match_one(&m, &t.f));
	t.f.dport = 444;
	assert_true(rules_match_one(&m, &t.f));
	t.f.dport = 445;
	assert_false(rules_match_one(&m, &t.f));

	memset(&m, 0, sizeof(m));
	m.present = CFG_MATCH_SRC_PORT;
	m.src_port = (struct cfg_range){1024, 65535};
	tflow_init(&t, "10.0.0.1", "10.0.0.2", 1023, 2000);
	assert_false(rules_match_one(&m, &t.f));
	t.f.sport = 1024;
	assert_true(rules_match_one(&m, &t.f));
	t.f.sport = 65535;
	assert_true(rules_match_one(&m, &t.f));
	t.f.sport = 0;
	assert_false(rules_match_one(&m, &t.f));

	/* A single port 0 (ICMP echo id 0, say). */
	m.src_port = (struct cfg_range){0, 0};
	assert_true(rules_match_one(&m, &t.f));
	t.f.sport = 1;
	assert_false(rules_match_one(&m, &t.f));

	/* The full range matches every port of a flow that has ports. */
	m.src_port = (struct cfg_range){0, 0xffff};
	t.f.sport = 0;
	assert_true(rules_match_one(&m, &t.f));
	t.f.sport = 0xffff;
	assert_true(rules_match_one(&m, &t.f));
}

static void
test_partial_flows(void **state)
{
	struct cfg_match m;
	struct tflow t;

	(void)state;
	tflow_init(&t, "10.0.0.1", "10.0.0.2", 1000, 443);

	/* L3 only: proto/src/dst rules still apply, port rules do not match. */
	t.f.valid = RULES_F_L3;
	memset(&m, 0, sizeof(m));
	m.present = CFG_MATCH_PROTO;
	m.proto = PROTO_TCP;
	assert_true(rules_match_one(&m, &t.f));
	match_dst(&m, "10.0.0.0", 8);
	assert_true(rules_match_one(&m, &t.f));
	memset(&m, 0, sizeof(m));
	m.present = CFG_MATCH_DST_PORT;
	m.dst_port = (struct cfg_range){0, 0xffff};
	assert_false(rules_match_one(&m, &t.f));
	memset(&m, 0, sizeof(m));
	m.present = CFG_MATCH_SRC_PORT;
	m.src_port = (struct cfg_range){0, 0xffff};
	assert_false(rules_match_one(&m, &t.f));

	/* Nothing parsed: even catch-all proto/src/dst rules do not match. */
	t.f.valid = 0;
	memset(&m, 0, sizeof(m));
	m.present = CFG_MATCH_PROTO;
	m.proto = PROTO_TCP;
	assert_false(rules_match_one(&m, &t.f));
	match_src(&m, "0.0.0.0", 0);
	assert_false(rules_match_one(&m, &t.f));
	match_dst(&m, "0.0.0.0", 0);
	assert_false(rules_match_one(&m, &t.f));
	match_dst(&m, "::", 0);
	assert_false(rules_match_one(&m, &t.f));

	/* L3 valid but not L4, with a rule naming both: the port key fails it. */
	t.f.valid = RULES_F_L3;
	memset(&m, 0, sizeof(m));
	m.present = CFG_MATCH_PROTO | CFG_MATCH_DST_PORT;
	m.proto = PROTO_TCP;
	m.dst_port = (struct cfg_range){443, 443};
	assert_false(rules_match_one(&m, &t.f));
	t.f.valid = RULES_F_L3 | RULES_F_L4;
	assert_true(rules_match_one(&m, &t.f));
}

/* SPEC §5's second rule: {proto: tcp, dst: 198.18.1.0/24, dst_port: 443-444}, plus VLAN. */
static void
test_combination(void **state)
{
	struct cfg_match m;
	struct tflow t;

	(void)state;
	match_dst(&m, "198.18.1.0", 24);
	m.present |= CFG_MATCH_PROTO | CFG_MATCH_DST_PORT | CFG_MATCH_VLAN | CFG_MATCH_SIDE;
	m.proto = PROTO_TCP;
	m.dst_port = (struct cfg_range){443, 444};
	m.n_vlan = 1;
	m.vlan[0] = (struct cfg_range){300, 300};
	m.side = CFG_SIDE_INSIDE;

#define RESET()                                                                                    \
	do {                                                                                       \
		tflow_init(&t, "10.9.8.7", "198.18.1.1", 40000, 444);                              \
		t.f.n_vlan = 1;                                                                    \
		t.f.vlan[0] = 300;                                                                 \
	} while (0)

	RESET();
	assert_true(rules_match_one(&m, &t.f));
	/* Each key alone can spoil it. */
	t.f.proto = PROTO_UDP;
	assert_false(rules_match_one(&m, &t.f));
	RESET();
	t.dst[14] = 2; /* 198.18.2.1 */
	assert_false(rules_match_one(&m, &t.f));
	RESET();
	t.f.dport = 445;
	assert_false(rules_match_one(&m, &t.f));
	RESET();
	t.f.vlan[0] = 301;
	assert_false(rules_match_one(&m, &t.f));
	RESET();
	t.f.side = CFG_SIDE_OUTSIDE;
	assert_false(rules_match_one(&m, &t.f));
	RESET();
	t.f.valid = RULES_F_L3;
	assert_false(rules_match_one(&m, &t.f));
	/* Keys the rule does not name are free. */
	RESET();
	t.f.sport = 1;
	t.f.pair = 9;
	t.src[15] = 0;
	assert_true(rules_match_one(&m, &t.f));
#undef RESET
}

static int
scn_setup(void **state)
{
	struct cfg_scenario *scn = calloc(1, sizeof(*scn));

	if (scn == NULL)
		return -1;
	scn->n_profiles = 5;
	scn->default_profile = 3;
	*state = scn;
	return 0;
}

static int
scn_teardown(void **state)
{
	free(*state);
	return 0;
}

static void
add_rule(struct cfg_scenario *scn, const struct cfg_match *m, uint16_t profile)
{
	assert_true(scn->n_rules < CFG_MAX_RULES);
	scn->rules[scn->n_rules].match = *m;
	scn->rules[scn->n_rules].profile = profile;
	scn->rules[scn->n_rules].line = scn->n_rules + 1;
	scn->n_rules++;
}

static void
test_no_rules_gives_default(void **state)
{
	struct cfg_scenario *scn = *state;
	struct tflow t;

	tflow_init(&t, "10.0.0.1", "10.0.0.2", 1, 2);
	assert_int_equal(rules_match(scn, &t.f), 3);
	scn->default_profile = CFG_PROFILE_UNTRACKED;
	assert_int_equal(rules_match(scn, &t.f), CFG_PROFILE_UNTRACKED);
}

static void
test_first_match_wins(void **state)
{
	struct cfg_scenario *scn = *state;
	struct cfg_match m;
	struct tflow t;

	memset(&m, 0, sizeof(m));
	m.present = CFG_MATCH_VLAN;
	m.n_vlan = 1;
	m.vlan[0] = (struct cfg_range){300, 300};
	add_rule(scn, &m, 1);
	memset(&m, 0, sizeof(m));
	m.present = CFG_MATCH_DST_PORT;
	m.dst_port = (struct cfg_range){443, 443};
	add_rule(scn, &m, 2);
	match_src(&m, "2001:db8::", 32);
	add_rule(scn, &m, 4);
	match_src(&m, "2001:db8::", 64); /* shadowed by the rule before: order, not length */
	add_rule(scn, &m, 1);

	/* Matches rules 0 and 1: the first one wins. */
	tflow_init(&t, "10.0.0.1", "10.0.0.2", 1000, 443);
	t.f.n_vlan = 1;
	t.f.vlan[0] = 300;
	assert_int_equal(rules_match(scn, &t.f), 1);
	/* Only rule 1. */
	t.f.n_vlan = 0;
	assert_int_equal(rules_match(scn, &t.f), 2);
	/* None: the default. */
	t.f.dport = 80;
	assert_int_equal(rules_match(scn, &t.f), 3);
	/* Rules 2 and 3: the shorter prefix comes first and wins. */
	tflow_init(&t, "2001:db8::1", "2001:db8::2", 1000, 80);
	assert_int_equal(rules_match(scn, &t.f), 4);
	/* A partial flow that cannot match rules 1..3 falls through to the default... */
	t.f.valid = 0;
	assert_int_equal(rules_match(scn, &t.f), 3);
	/* ...unless the VLAN rule takes it. */
	t.f.n_vlan = 1;
	t.f.vlan[0] = 300;
	assert_int_equal(rules_match(scn, &t.f), 1);

	/* A catch-all rule ends the search. */
	memset(&m, 0, sizeof(m));
	add_rule(scn, &m, 0);
	t.f.n_vlan = 0;
	assert_int_equal(rules_match(scn, &t.f), 0);
	tflow_init(&t, "10.0.0.1", "10.0.0.2", 1000, 443);
	assert_int_equal(rules_match(scn, &t.f), 2);
}

/* The last possible rule is reached. */
static void
test_last_rule(void **state)
{
	struct cfg_scenario *scn = *state;
	struct cfg_match m;
	struct tflow t;
	unsigned int i;

	memset(&m, 0, sizeof(m));
	m.present = CFG_MATCH_PROTO;
	m.proto = PROTO_ICMP;
	for (i = 0; i < CFG_MAX_RULES - 1; i++)
		add_rule(scn, &m, 1);
	m.proto = PROTO_TCP;
	add_rule(scn, &m, 4);
	tflow_init(&t, "10.0.0.1", "10.0.0.2", 1, 2);
	assert_int_equal(rules_match(scn, &t.f), 4);
	t.f.proto = PROTO_UDP;
	assert_int_equal(rules_match(scn, &t.f), 3);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_match_matches_anything),
		cmocka_unit_test(test_vlan),
		cmocka_unit_test(test_vlan_rule_never_matches_untagged_flow),
		cmocka_unit_test(test_pair_and_side),
		cmocka_unit_test(test_proto),
		cmocka_unit_test(test_src_v4_prefixes),
		cmocka_unit_test(test_src_v6_prefixes),
		cmocka_unit_test(test_prefix_family_mismatch),
		cmocka_unit_test(test_prefix_family_any),
		cmocka_unit_test(test_dst_prefix_uses_dst),
		cmocka_unit_test(test_ports),
		cmocka_unit_test(test_partial_flows),
		cmocka_unit_test(test_combination),
		cmocka_unit_test_setup_teardown(test_no_rules_gives_default, scn_setup,
						scn_teardown),
		cmocka_unit_test_setup_teardown(test_first_match_wins, scn_setup, scn_teardown),
		cmocka_unit_test_setup_teardown(test_last_rule, scn_setup, scn_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
