/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the scenario loader (control/scenario.c): every valid construct of SPEC §5
 * checked field by field, every error class checked for its return code, its
 * "FILE:LINE:COL: " prefix and a key phrase, hostile inputs (alias bombs, deep nesting,
 * binary, over 1 MiB) checked to fail fast, and every preset in configs/ loaded.
 *
 * No EAL: the loader is plain C over libyaml.
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "flow.h"
#include "scenario.h"

/* An on_timeout map is indexed like the tracker's states. */
_Static_assert(CFG_TCP_STATES == FLOW_TCP_CLOSED + 1 && FLOW_TCP_SYN_SENT == 0 &&
		       FLOW_TCP_ESTABLISHED == 2 && FLOW_TCP_TIME_WAIT == 5,
	       "on_timeout_state[] follows enum flow_state");

#define S_US 1000000ull

/* Two lines that make a file valid: errors in the cases below start on line 3. */
#define HDR "name: t\nports: [{inside: {tap: a}, outside: {tap: b}}]\n"

static struct cfg_scenario *scn;
static char err[SCN_ERR_MAX];

static int
load_len(const char *yaml, size_t len)
{
	memset(err, 0, sizeof(err));
	return scn_load_buffer("t.yaml", yaml, len, scn, err, sizeof(err));
}

static int
load(const char *yaml)
{
	return load_len(yaml, strlen(yaml));
}

static void
load_ok(const char *yaml)
{
	int rc = load(yaml);

	if (rc != 0)
		fail_msg("expected success, got %d: %s", rc, err);
}

/* A growing string, for generated inputs. */
struct sbuf {
	char *p;
	size_t len;
	size_t cap;
};

static void __attribute__((format(printf, 2, 3))) sb_add(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? b->cap - b->len : 0, fmt, ap);
		va_end(ap);
		assert_true(n >= 0);
		if (b->p != NULL && b->len + (size_t)n < b->cap)
			break;
		b->cap = (b->cap + (size_t)n + 1) * 2;
		b->p = realloc(b->p, b->cap);
		assert_non_null(b->p);
	}
	b->len += (size_t)n;
}

static uint64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static const uint8_t v4mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

/* ---------------------------------------------------------------------------------------- */
/* Valid scenarios */

static void
test_minimal_defaults(void **state)
{
	const struct cfg_profile *u;

	(void)state;
	load_ok(HDR);
	assert_string_equal(scn->name, "t");
	assert_string_equal(scn->description, "");
	assert_int_equal(scn->n_pairs, 1);
	assert_string_equal(scn->pairs[0].name, "pair0");
	assert_int_equal(scn->pairs[0].side[CFG_SIDE_INSIDE].kind, CFG_PORT_TAP);
	assert_string_equal(scn->pairs[0].side[CFG_SIDE_INSIDE].name, "a");
	assert_int_equal(scn->pairs[0].side[CFG_SIDE_INSIDE].vlan, 0);
	assert_string_equal(scn->pairs[0].side[CFG_SIDE_OUTSIDE].name, "b");
	assert_int_equal(scn->capacity, 1048576);
	assert_int_equal(scn->when_full, CFG_FORWARD);
	assert_int_equal(scn->n_profiles, 1);
	u = &scn->profiles[0];
	assert_string_equal(u->name, "untracked");
	assert_true(u->untracked);
	assert_int_equal(u->timeout_us[CFG_TMO_TCP_ESTABLISHED], CFG_DUR_INDEFINITE);
	assert_int_equal(scn->default_profile, CFG_PROFILE_UNTRACKED);
	assert_int_equal(scn->n_rules, 0);
	assert_int_equal(scn->n_events, 0);
}

static void
test_ports(void **state)
{
	const struct cfg_pair *p;

	(void)state;
	load_ok("name: ports\ndescription: \"several pairs, every kind of port\"\nports:\n"
		"  - name: lab\n"
		"    inside: {tap: ic-in, vlan: 300}\n    outside: {tap: ic-out.1, vlan: 4094}\n"
		"  - inside: {port: 0}\n"
		"    outside: {port: 1023}\n  - name: ring\n    inside: {vdev: \"net_ring0\"}\n"
		"    outside: {vdev: \"net_pcap0,iface=eth0\"}\n  - inside: {pci: \"03:00.0\"}\n"
		"    outside: {pci: \"0000:AF:1f.7\", vlan: 1}\n");
	assert_string_equal(scn->description, "several pairs, every kind of port");
	assert_int_equal(scn->n_pairs, 4);
	p = &scn->pairs[0];
	assert_string_equal(p->name, "lab");
	assert_int_equal(p->side[0].kind, CFG_PORT_TAP);
	assert_string_equal(p->side[0].name, "ic-in");
	assert_int_equal(p->side[0].vlan, 300);
	assert_string_equal(p->side[1].name, "ic-out.1");
	assert_int_equal(p->side[1].vlan, 4094);
	p = &scn->pairs[1];
	assert_string_equal(p->name, "pair1");
	assert_int_equal(p->side[0].kind, CFG_PORT_INDEX);
	assert_int_equal(p->side[0].index, 0);
	assert_int_equal(p->side[1].kind, CFG_PORT_INDEX);
	assert_int_equal(p->side[1].index, 1023);
	assert_string_equal(p->side[1].name, "");
	p = &scn->pairs[2];
	assert_string_equal(p->name, "ring");
	assert_int_equal(p->side[0].kind, CFG_PORT_VDEV);
	assert_string_equal(p->side[0].name, "net_ring0");
	assert_string_equal(p->side[1].name, "net_pcap0,iface=eth0");
	p = &scn->pairs[3];
	assert_string_equal(p->name, "pair3");
	assert_int_equal(p->side[0].kind, CFG_PORT_PCI);
	/* PCI addresses are stored in their long, lower-case form */
	assert_string_equal(p->side[0].name, "0000:03:00.0");
	assert_string_equal(p->side[1].name, "0000:af:1f.7");
	assert_int_equal(p->side[1].vlan, 1);
}

static void
test_flow_table(void **state)
{
	(void)state;
	load_ok(HDR "flow_table: {capacity: 64, when_full: drop}\n");
	assert_int_equal(scn->capacity, 64);
	assert_int_equal(scn->when_full, CFG_DROP);
	load_ok(HDR "flow_table: {capacity: 67108864}\n");
	assert_int_equal(scn->capacity, 67108864);
	assert_int_equal(scn->when_full, CFG_FORWARD);
	load_ok(HDR "flow_table: {when_full: forward}\n");
	assert_int_equal(scn->capacity, CFG_CAPACITY_DEFAULT);
}

static void
test_profiles(void **state)
{
	const struct cfg_profile *p;

	(void)state;
	load_ok(HDR "profiles:\n"
		    "  partial:\n"
		    "    tcp: {established: 30s}\n"
		    "  full:\n"
		    "    tcp: {handshake: 250ms, established: 1h, closing: 1.5s, time_wait: 0s}\n"
		    "    udp: {single: 5m, stream: 300}\n"
		    "    icmp: indefinite\n"
		    "    other: immediate\n"
		    "    on_timeout: reset-client\n"
		    "    stray_tcp: adopt\n"
		    "    malformed: drop\n"
		    "    loose_close: true\n"
		    "  udpboth: {udp: 45s, on_timeout: silent, stray_tcp: reset}\n"
		    "  server: {on_timeout: reset-server, loose_close: false}\n"
		    "  empty: {}\n"
		    "  nothing:\n");
	assert_int_equal(scn->n_profiles, 7);
	assert_string_equal(scn->profiles[0].name, "untracked");

	/* untouched fields keep cfg_profile_init_defaults() values */
	p = &scn->profiles[1];
	assert_string_equal(p->name, "partial");
	assert_false(p->untracked);
	assert_int_equal(p->timeout_us[CFG_TMO_TCP_HANDSHAKE], 5 * S_US);
	assert_int_equal(p->timeout_us[CFG_TMO_TCP_ESTABLISHED], 30 * S_US);
	assert_int_equal(p->timeout_us[CFG_TMO_TCP_CLOSING], 5 * S_US);
	assert_int_equal(p->timeout_us[CFG_TMO_TCP_TIME_WAIT], 2 * S_US);
	assert_int_equal(p->timeout_us[CFG_TMO_UDP_SINGLE], 300 * S_US);
	assert_int_equal(p->timeout_us[CFG_TMO_UDP_STREAM], 300 * S_US);
	assert_int_equal(p->timeout_us[CFG_TMO_ICMP], 300 * S_US);
	assert_int_equal(p->timeout_us[CFG_TMO_OTHER], 300 * S_US);
	assert_int_equal(p->on_timeout, CFG_ON_TIMEOUT_RESET_BOTH);
	assert_int_equal(p->stray_tcp, CFG_STRAY_DROP);
	assert_int_equal(p->malformed, CFG_FORWARD);
	assert_false(p->loose_close);

	p = &scn->profiles[2];
	assert_string_equal(p->name, "full");
	assert_int_equal(p->timeout_us[CFG_TMO_TCP_HANDSHAKE], 250000);
	assert_int_equal(p->timeout_us[CFG_TMO_TCP_ESTABLISHED], 3600 * S_US);
	assert_int_equal(p->timeout_us[CFG_TMO_TCP_CLOSING], 1500000);
	assert_int_equal(p->timeout_us[CFG_TMO_TCP_TIME_WAIT], 0);
	assert_int_equal(p->timeout_us[CFG_TMO_UDP_SINGLE], 300 * S_US);
	assert_int_equal(p->timeout_us[CFG_TMO_UDP_STREAM], 300 * S_US);
	assert_int_equal(p->timeout_us[CFG_TMO_ICMP], CFG_DUR_INDEFINITE);
	assert_int_equal(p->timeout_us[CFG_TMO_OTHER], CFG_DUR_IMMEDIATE);
	assert_int_equal(p->on_timeout, CFG_ON_TIMEOUT_RESET_CLIENT);
	assert_int_equal(p->stray_tcp, CFG_STRAY_ADOPT);
	assert_int_equal(p->malformed, CFG_DROP);
	assert_true(p->loose_close);

	p = &scn->profiles[3];
	assert_string_equal(p->name, "udpboth");
	assert_int_equal(p->timeout_us[CFG_TMO_UDP_SINGLE], 45 * S_US);
	assert_int_equal(p->timeout_us[CFG_TMO_UDP_STREAM], 45 * S_US);
	assert_int_equal(p->on_timeout, CFG_ON_TIMEOUT_SILENT);
	assert_int_equal(p->stray_tcp, CFG_STRAY_RESET);

	p = &scn->profiles[4];
	assert_int_equal(p->on_timeout, CFG_ON_TIMEOUT_RESET_SERVER);
	assert_false(p->loose_close);
	assert_string_equal(scn->profiles[5].name, "empty");
	assert_int_equal(scn->profiles[5].timeout_us[CFG_TMO_TCP_ESTABLISHED], 300 * S_US);
	assert_string_equal(scn->profiles[6].name, "nothing");
	assert_int_equal(cfg_profile_find(scn, "server"), 4);
}

static void
test_rules(void **state)
{
	const struct cfg_match *m;
	static const uint8_t v6net[16] = {0x20, 0x01, 0x0d, 0xb8};
	static const uint8_t v6host[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};

	(void)state;
	load_ok("name: rules\nports:\n  - {name: lab, inside: {tap: a}, outside: {tap: b}}\n"
		"  - {name: two, inside: {tap: c}, outside: {tap: d}}\n"
		"profiles: {p1: {}, p2: {}}\nrules:\n  - match: {vlan: 300}\n    profile: p1\n"
		"  - match: {proto: tcp, dst: 198.18.1.0/24, dst_port: 443-444}\n"
		"    profile: p2\n"
		"  - match: {vlan: [10, \"20-29\", 4094], pair: two, side: outside, proto: 132}\n"
		"    profile: untracked\n"
		"  - match: {vlan: 100-200, pair: 0, side: inside, proto: icmpv6,\n"
		"            src: \"2001:db8::/32\", dst: \"2001:db8::1\", src_port: 0, "
		"dst_port: \"0-65535\"}\n    profile: p1\n  - match: {src: 10.1.2.3, proto: udp}\n"
		"    profile: p2\n"
		"  - match: {proto: icmp, src: 0.0.0.0/0}\n    profile: p2\n  - match: {}\n"
		"    profile: p1\n"
		"  - match:\n    profile: p2\ndefault_profile: p2\n");
	assert_int_equal(scn->n_rules, 8);
	assert_int_equal(scn->default_profile, 2);

	m = &scn->rules[0].match;
	assert_int_equal(m->present, CFG_MATCH_VLAN);
	assert_int_equal(m->n_vlan, 1);
	assert_int_equal(m->vlan[0].lo, 300);
	assert_int_equal(m->vlan[0].hi, 300);
	assert_int_equal(scn->rules[0].profile, 1);
	assert_int_equal(scn->rules[0].line, 7);
	/* absent ports read as "any" */
	assert_int_equal(m->src_port.lo, 0);
	assert_int_equal(m->src_port.hi, 0xffff);

	m = &scn->rules[1].match;
	assert_int_equal(m->present, CFG_MATCH_PROTO | CFG_MATCH_DST | CFG_MATCH_DST_PORT);
	assert_int_equal(m->proto, 6);
	assert_int_equal(m->dst.family, 4);
	assert_int_equal(m->dst.len, 24 + 96);
	assert_memory_equal(m->dst.addr, v4mapped_prefix, 12);
	assert_int_equal(m->dst.addr[12], 198);
	assert_int_equal(m->dst.addr[13], 18);
	assert_int_equal(m->dst.addr[14], 1);
	assert_int_equal(m->dst.addr[15], 0);
	assert_int_equal(m->dst_port.lo, 443);
	assert_int_equal(m->dst_port.hi, 444);
	assert_int_equal(m->src.family, 0);
	assert_int_equal(scn->rules[1].profile, 2);
	assert_int_equal(scn->rules[1].line, 9);

	m = &scn->rules[2].match;
	assert_int_equal(m->present,
			 CFG_MATCH_VLAN | CFG_MATCH_PAIR | CFG_MATCH_SIDE | CFG_MATCH_PROTO);
	assert_int_equal(m->n_vlan, 3);
	assert_int_equal(m->vlan[0].lo, 10);
	assert_int_equal(m->vlan[0].hi, 10);
	assert_int_equal(m->vlan[1].lo, 20);
	assert_int_equal(m->vlan[1].hi, 29);
	assert_int_equal(m->vlan[2].lo, 4094);
	assert_int_equal(m->pair, 1);
	assert_int_equal(m->side, CFG_SIDE_OUTSIDE);
	assert_int_equal(m->proto, 132);
	assert_int_equal(scn->rules[2].profile, CFG_PROFILE_UNTRACKED);

	m = &scn->rules[3].match;
	assert_int_equal(m->present, 0xff);
	assert_int_equal(m->n_vlan, 1);
	assert_int_equal(m->vlan[0].lo, 100);
	assert_int_equal(m->vlan[0].hi, 200);
	assert_int_equal(m->pair, 0);
	assert_int_equal(m->side, CFG_SIDE_INSIDE);
	assert_int_equal(m->proto, 58);
	assert_int_equal(m->src.family, 6);
	assert_int_equal(m->src.len, 32);
	assert_memory_equal(m->src.addr, v6net, 16);
	assert_int_equal(m->dst.family, 6);
	assert_int_equal(m->dst.len, 128);
	assert_memory_equal(m->dst.addr, v6host, 16);
	assert_int_equal(m->src_port.lo, 0);
	assert_int_equal(m->src_port.hi, 0);
	assert_int_equal(m->dst_port.lo, 0);
	assert_int_equal(m->dst_port.hi, 65535);

	/* a bare IPv4 address is a /32, i.e. /128 v4-mapped */
	m = &scn->rules[4].match;
	assert_int_equal(m->src.family, 4);
	assert_int_equal(m->src.len, 128);
	assert_int_equal(m->src.addr[12], 10);
	assert_int_equal(m->src.addr[15], 3);
	assert_int_equal(m->proto, 17);

	m = &scn->rules[5].match;
	assert_int_equal(m->proto, 1);
	assert_int_equal(m->src.family, 4);
	assert_int_equal(m->src.len, 96);
	assert_memory_equal(m->src.addr, v4mapped_prefix, 12);

	assert_int_equal(scn->rules[6].match.present, 0);
	assert_int_equal(scn->rules[6].line, 20);
	assert_int_equal(scn->rules[7].match.present, 0);
	assert_int_equal(scn->rules[7].profile, 2);
}

static void
test_timeline(void **state)
{
	const struct cfg_event *e;

	(void)state;
	load_ok(HDR "profiles: {p: {}, q: {}}\n"
		    "timeline:\n"
		    "  - at: 120s\n" /* line 5 */
		    "    flush: all\n"
		    "  - at: 60s\n" /* line 7 */
		    "    set: {profile: p, tcp.established: 30s}\n"
		    "  - at: 1m\n" /* line 9 */
		    "    flush: q\n"
		    "  - {at: 0, set: {profile: q, tcp.handshake: 1s, tcp.closing: 2s,\n" /* 11 */
		    "      tcp.time_wait: 3s, udp.single: 4s, udp.stream: 5s, icmp: 6s,\n"
		    "      other: indefinite, on_timeout: silent, stray_tcp: adopt,\n"
		    "      malformed: drop, loose_close: true}}\n"
		    "  - at: immediate\n" /* line 15 */
		    "    flush: p\n");
	assert_int_equal(scn->n_events, 5);

	/* sorted by time; events at the same time keep their file order */
	e = &scn->events[0];
	assert_int_equal(e->at_us, 0);
	assert_int_equal(e->line, 11);
	assert_int_equal(e->kind, CFG_EVENT_SET);
	assert_int_equal(e->profile, 2);
	assert_int_equal(e->n_sets, 11);
	assert_int_equal(e->sets[0].field, CFG_FIELD_TMO_FIRST + CFG_TMO_TCP_HANDSHAKE);
	assert_int_equal(e->sets[0].value, 1 * S_US);
	assert_int_equal(e->sets[1].field, CFG_FIELD_TMO_FIRST + CFG_TMO_TCP_CLOSING);
	assert_int_equal(e->sets[1].value, 2 * S_US);
	assert_int_equal(e->sets[2].field, CFG_FIELD_TMO_FIRST + CFG_TMO_TCP_TIME_WAIT);
	assert_int_equal(e->sets[3].field, CFG_FIELD_TMO_FIRST + CFG_TMO_UDP_SINGLE);
	assert_int_equal(e->sets[4].field, CFG_FIELD_TMO_FIRST + CFG_TMO_UDP_STREAM);
	assert_int_equal(e->sets[5].field, CFG_FIELD_TMO_FIRST + CFG_TMO_ICMP);
	assert_int_equal(e->sets[5].value, 6 * S_US);
	assert_int_equal(e->sets[6].field, CFG_FIELD_TMO_FIRST + CFG_TMO_OTHER);
	assert_int_equal(e->sets[6].value, CFG_DUR_INDEFINITE);
	assert_int_equal(e->sets[7].field, CFG_FIELD_ON_TIMEOUT);
	assert_int_equal(e->sets[7].value, CFG_ON_TIMEOUT_SILENT);
	assert_int_equal(e->sets[8].field, CFG_FIELD_STRAY_TCP);
	assert_int_equal(e->sets[8].value, CFG_STRAY_ADOPT);
	assert_int_equal(e->sets[9].field, CFG_FIELD_MALFORMED);
	assert_int_equal(e->sets[9].value, CFG_DROP);
	assert_int_equal(e->sets[10].field, CFG_FIELD_LOOSE_CLOSE);
	assert_int_equal(e->sets[10].value, 1);

	e = &scn->events[1];
	assert_int_equal(e->at_us, 0);
	assert_int_equal(e->line, 15);
	assert_int_equal(e->kind, CFG_EVENT_FLUSH);
	assert_int_equal(e->profile, 1);

	e = &scn->events[2];
	assert_int_equal(e->at_us, 60 * S_US);
	assert_int_equal(e->line, 7);
	assert_int_equal(e->kind, CFG_EVENT_SET);
	assert_int_equal(e->profile, 1);
	assert_int_equal(e->n_sets, 1);
	assert_int_equal(e->sets[0].field, CFG_FIELD_TMO_FIRST + CFG_TMO_TCP_ESTABLISHED);
	assert_int_equal(e->sets[0].value, 30 * S_US);

	e = &scn->events[3];
	assert_int_equal(e->at_us, 60 * S_US);
	assert_int_equal(e->line, 9);
	assert_int_equal(e->kind, CFG_EVENT_FLUSH);
	assert_int_equal(e->profile, 2);

	e = &scn->events[4];
	assert_int_equal(e->at_us, 120 * S_US);
	assert_int_equal(e->kind, CFG_EVENT_FLUSH);
	assert_int_equal(e->profile, CFG_FLUSH_ALL);
}

/* SPEC §5's example, verbatim. */
static void
test_spec_example(void **state)
{
	const struct cfg_profile *p;

	(void)state;
	load_ok("name: f5-inline-vlan-300s\n"
		"description: F5 LTM fastL4 on an in-line routing VLAN (seed case)\n"
		"ports:\n  - name: lab\n"
		"    inside: {tap: ic-in, vlan: 300}   # or {port: 0}, {vdev: \"net_ring0\"}\n"
		"    outside: {tap: ic-out, vlan: 300} # vlan: optional access VLAN\n"
		"flow_table: {capacity: 1048576, when_full: forward}   # forward | drop\n"
		"profiles:\n"
		"  f5-fastl4:\n"
		"    tcp: {handshake: 5s, established: 300s, closing: 5s, time_wait: 2s}\n"
		"    udp: {single: 300s, stream: 300s}\n    icmp: 300s\n    other: 300s\n"
		"    on_timeout: reset-both       # reset-both | reset-client | ...\n"
		"    stray_tcp: drop              # non-SYN with no flow\n"
		"    loose_close: false           # true: forget the flow at the first FIN\n"
		"rules:                            # first match wins\n  - match: {vlan: 300}\n"
		"    profile: f5-fastl4\n"
		"  - match: {proto: tcp, dst: 198.18.1.0/24, dst_port: 443-444}\n"
		"    profile: f5-fastl4\n"
		"default_profile: untracked        # built-in: forward without tracking\n"
		"timeline:                         # optional, offsets from start\n"
		"  - at: 60s\n    set: {profile: f5-fastl4, tcp.established: 30s}\n  - at: 120s\n"
		"    flush: all                    # expire every flow now\n");
	assert_string_equal(scn->name, "f5-inline-vlan-300s");
	assert_string_equal(scn->description,
			    "F5 LTM fastL4 on an in-line routing VLAN (seed case)");
	assert_int_equal(scn->pairs[0].side[0].vlan, 300);
	assert_int_equal(scn->n_profiles, 2);
	p = &scn->profiles[1];
	assert_int_equal(p->timeout_us[CFG_TMO_TCP_ESTABLISHED], 300 * S_US);
	assert_int_equal(p->timeout_us[CFG_TMO_TCP_TIME_WAIT], 2 * S_US);
	assert_int_equal(scn->n_rules, 2);
	assert_int_equal(scn->default_profile, 0);
	assert_int_equal(scn->n_events, 2);
	assert_int_equal(scn->events[1].profile, CFG_FLUSH_ALL);
}

/* Anchors and aliases used with restraint are plain YAML and must keep working. */
static void
test_aliases_allowed(void **state)
{
	(void)state;
	load_ok(HDR "profiles:\n"
		    "  a: {tcp: &t {established: 10s, closing: 1s}, icmp: &d 7s}\n"
		    "  b: {tcp: *t, other: *d}\n"
		    "rules:\n"
		    "  - {match: &m {proto: tcp, dst_port: 80}, profile: a}\n"
		    "  - {match: *m, profile: b}\n");
	assert_int_equal(scn->profiles[2].timeout_us[CFG_TMO_TCP_ESTABLISHED], 10 * S_US);
	assert_int_equal(scn->profiles[2].timeout_us[CFG_TMO_OTHER], 7 * S_US);
	assert_int_equal(scn->rules[1].match.dst_port.lo, 80);
	assert_int_equal(scn->rules[1].profile, 2);
}

static void
test_limits_reached_exactly(void **state)
{
	struct sbuf b = {0};

	(void)state;
	sb_add(&b, "name: big\nports:\n");
	for (int i = 0; i < CFG_MAX_PAIRS; i++)
		sb_add(&b, "  - {inside: {port: %d}, outside: {port: %d}}\n", 2 * i, 2 * i + 1);
	sb_add(&b, "profiles:\n");
	for (int i = 1; i < CFG_MAX_PROFILES; i++)
		sb_add(&b,
		       "  p%d: {tcp: {handshake: 1s, established: 2s, closing: 3s, "
		       "time_wait: 4s}, udp: {single: 1s, stream: 2s}, icmp: 1s, other: 1s, "
		       "on_timeout: silent, stray_tcp: reset, malformed: drop, "
		       "loose_close: true}\n",
		       i);
	sb_add(&b, "rules:\n");
	for (int i = 0; i < CFG_MAX_RULES; i++)
		sb_add(&b,
		       "  - {match: {vlan: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, "
		       "15, 16], pair: %d, side: inside, proto: tcp, src: 10.0.0.0/8, "
		       "dst: 10.%d.0.0/16, src_port: 1-2, dst_port: 3}, profile: p%d}\n",
		       i % CFG_MAX_PAIRS, i, 1 + i % (CFG_MAX_PROFILES - 1));
	sb_add(&b, "timeline:\n");
	for (int i = 0; i < CFG_MAX_TIMELINE; i++)
		sb_add(&b,
		       "  - {at: %ds, set: {profile: p1, tcp.handshake: 1s, tcp.established: "
		       "1s, tcp.closing: 1s, tcp.time_wait: 1s, udp.single: 1s, udp.stream: "
		       "1s, icmp: 1s, other: 1s, on_timeout: silent, stray_tcp: drop, "
		       "malformed: drop, loose_close: false}}\n",
		       CFG_MAX_TIMELINE - i);
	assert_true(b.len < SCN_FILE_MAX);
	load_ok(b.p);
	assert_int_equal(scn->n_pairs, CFG_MAX_PAIRS);
	assert_int_equal(scn->n_profiles, CFG_MAX_PROFILES);
	assert_int_equal(scn->n_rules, CFG_MAX_RULES);
	assert_int_equal(scn->n_events, CFG_MAX_TIMELINE);
	assert_int_equal(scn->rules[255].match.dst.addr[13], 255);
	assert_int_equal(scn->events[0].at_us, 1 * S_US);
	assert_int_equal(scn->events[CFG_MAX_TIMELINE - 1].at_us, CFG_MAX_TIMELINE * S_US);
	assert_int_equal(scn->events[0].n_sets, 12);
	free(b.p);
}

/* Every added key (SPEC §5 "Added keys") left out: its default. */
static void
test_added_keys_defaults(void **state)
{
	const struct cfg_profile *p;

	(void)state;
	load_ok(HDR "profiles: {p: {}}\n");
	assert_int_equal(scn->steering, CFG_STEERING_AUTO);
	assert_int_equal(scn->pairs[0].mtu, CFG_MTU_DEFAULT);
	assert_int_equal(CFG_MTU_DEFAULT, 1500);
	assert_string_equal(scn->pairs[0].side[0].devargs, "");
	assert_string_equal(scn->pairs[0].side[1].devargs, "");
	assert_int_equal(scn->when_full, CFG_WHEN_FULL_FORWARD);
	assert_false(scn->reaper.on);
	p = &scn->profiles[1];
	assert_int_equal(p->out_of_window, CFG_FORWARD);
	assert_int_equal(p->rst_payload_len, 0);
	assert_string_equal(p->rst_payload, "");
	assert_int_equal(p->on_timeout, CFG_ON_TIMEOUT_RESET_BOTH);
	for (int s = 0; s < CFG_TCP_STATES; s++)
		assert_int_equal(p->on_timeout_state[s], CFG_ON_TIMEOUT_RESET_BOTH);
	assert_int_equal(p->stray_tcp_side[CFG_SIDE_INSIDE], CFG_STRAY_DROP);
	assert_int_equal(p->stray_tcp_side[CFG_SIDE_OUTSIDE], CFG_STRAY_DROP);
	/* the built-in profile: silent in every state, adopts on both sides */
	p = &scn->profiles[CFG_PROFILE_UNTRACKED];
	for (int s = 0; s < CFG_TCP_STATES; s++)
		assert_int_equal(p->on_timeout_state[s], CFG_ON_TIMEOUT_SILENT);
	assert_int_equal(p->stray_tcp_side[CFG_SIDE_INSIDE], CFG_STRAY_ADOPT);
	assert_int_equal(p->stray_tcp_side[CFG_SIDE_OUTSIDE], CFG_STRAY_ADOPT);
	assert_int_equal(p->out_of_window, CFG_FORWARD);
	/* the state names of an on_timeout map, in enum flow_state order */
	assert_string_equal(cfg_tcp_state_name(FLOW_TCP_SYN_SENT), "syn_sent");
	assert_string_equal(cfg_tcp_state_name(FLOW_TCP_SYN_RECV), "syn_recv");
	assert_string_equal(cfg_tcp_state_name(FLOW_TCP_ESTABLISHED), "established");
	assert_string_equal(cfg_tcp_state_name(FLOW_TCP_FIN_WAIT), "fin_wait");
	assert_string_equal(cfg_tcp_state_name(FLOW_TCP_CLOSING), "closing");
	assert_string_equal(cfg_tcp_state_name(FLOW_TCP_TIME_WAIT), "time_wait");
	assert_string_equal(cfg_tcp_state_name(FLOW_TCP_CLOSED), "closed");
	assert_string_equal(cfg_tcp_state_name(CFG_TCP_STATES), "?");
}

/* Every added key given, in each of its forms. */
static void
test_added_keys(void **state)
{
	static const char payload128[] =
		"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
		"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	const struct cfg_profile *p;
	struct cfg_profile q;
	struct sbuf b = {0};

	(void)state;
	sb_add(&b,
	       "name: t\nsteering: software\nports:\n"
	       "  - {inside: {pci: \"03:00.0\", devargs: \"rxq_cqe_comp_en=0,txq_inline=128\"},\n"
	       "     outside: {pci: \"0000:03:00.1\"}, mtu: 9000}\n"
	       "  - {name: small, inside: {tap: a}, outside: {tap: b}, mtu: 68}\n"
	       "  - {inside: {tap: c}, outside: {tap: d}, mtu: 9600}\n"
	       "flow_table: {when_full: early-drop, reaper: {high: 95%%, low: 85}}\n"
	       "profiles:\n"
	       "  azure:\n"
	       "    on_timeout: {established: reset-both, default: silent}\n"
	       "    stray_tcp: {inside: reset, outside: drop}\n"
	       "    out_of_window: drop\n"
	       "    rst_payload: \"Idle timeout (tcp)\"\n"
	       "  states:\n"
	       "    on_timeout: {syn_sent: reset-client, syn_recv: reset-server, fin_wait: "
	       "silent,\n"
	       "                 closing: silent, time_wait: reset-both, closed: silent}\n"
	       "    stray_tcp: {outside: adopt}\n"
	       "    out_of_window: forward\n"
	       "    rst_payload: \"%s\"\n"
	       "  empty_maps: {on_timeout: {}, stray_tcp: {}, rst_payload: \"\"}\n"
	       "  scalar: {on_timeout: reset-server, stray_tcp: adopt}\n"
	       "timeline:\n"
	       "  - {at: 1s, set: {profile: azure, on_timeout: reset-client, stray_tcp: adopt,\n"
	       "                   out_of_window: forward}}\n",
	       payload128);
	load_ok(b.p);
	free(b.p);
	assert_int_equal(scn->steering, CFG_STEERING_SOFTWARE);
	assert_int_equal(scn->pairs[0].mtu, 9000);
	assert_string_equal(scn->pairs[0].side[0].devargs, "rxq_cqe_comp_en=0,txq_inline=128");
	assert_string_equal(scn->pairs[0].side[0].name, "0000:03:00.0");
	assert_string_equal(scn->pairs[0].side[1].devargs, "");
	assert_int_equal(scn->pairs[1].mtu, 68);
	assert_int_equal(scn->pairs[2].mtu, 9600);
	assert_int_equal(scn->when_full, CFG_WHEN_FULL_EARLY_DROP);
	assert_true(scn->reaper.on);
	assert_int_equal(scn->reaper.high_pct, 95);
	assert_int_equal(scn->reaper.low_pct, 85);

	/* a map's default is the scalar; states it names differ */
	p = &scn->profiles[1];
	assert_int_equal(p->on_timeout, CFG_ON_TIMEOUT_SILENT);
	for (int s = 0; s < CFG_TCP_STATES; s++)
		assert_int_equal(p->on_timeout_state[s], s == FLOW_TCP_ESTABLISHED
								 ? CFG_ON_TIMEOUT_RESET_BOTH
								 : CFG_ON_TIMEOUT_SILENT);
	assert_int_equal(p->stray_tcp, CFG_STRAY_RESET);
	assert_int_equal(p->stray_tcp_side[CFG_SIDE_INSIDE], CFG_STRAY_RESET);
	assert_int_equal(p->stray_tcp_side[CFG_SIDE_OUTSIDE], CFG_STRAY_DROP);
	assert_int_equal(p->out_of_window, CFG_DROP);
	assert_string_equal(p->rst_payload, "Idle timeout (tcp)");
	assert_int_equal(p->rst_payload_len, 18);

	/* no default in the map: reset-both, as a profile without on_timeout */
	p = &scn->profiles[2];
	assert_int_equal(p->on_timeout, CFG_ON_TIMEOUT_RESET_BOTH);
	assert_int_equal(p->on_timeout_state[FLOW_TCP_SYN_SENT], CFG_ON_TIMEOUT_RESET_CLIENT);
	assert_int_equal(p->on_timeout_state[FLOW_TCP_SYN_RECV], CFG_ON_TIMEOUT_RESET_SERVER);
	assert_int_equal(p->on_timeout_state[FLOW_TCP_ESTABLISHED], CFG_ON_TIMEOUT_RESET_BOTH);
	assert_int_equal(p->on_timeout_state[FLOW_TCP_FIN_WAIT], CFG_ON_TIMEOUT_SILENT);
	assert_int_equal(p->on_timeout_state[FLOW_TCP_CLOSING], CFG_ON_TIMEOUT_SILENT);
	assert_int_equal(p->on_timeout_state[FLOW_TCP_TIME_WAIT], CFG_ON_TIMEOUT_RESET_BOTH);
	assert_int_equal(p->on_timeout_state[FLOW_TCP_CLOSED], CFG_ON_TIMEOUT_SILENT);
	/* a side the map leaves out drops */
	assert_int_equal(p->stray_tcp, CFG_STRAY_DROP);
	assert_int_equal(p->stray_tcp_side[CFG_SIDE_INSIDE], CFG_STRAY_DROP);
	assert_int_equal(p->stray_tcp_side[CFG_SIDE_OUTSIDE], CFG_STRAY_ADOPT);
	assert_int_equal(p->out_of_window, CFG_FORWARD);
	assert_int_equal(p->rst_payload_len, 128);
	assert_string_equal(p->rst_payload, payload128);

	p = &scn->profiles[3];
	for (int s = 0; s < CFG_TCP_STATES; s++)
		assert_int_equal(p->on_timeout_state[s], CFG_ON_TIMEOUT_RESET_BOTH);
	assert_int_equal(p->stray_tcp_side[CFG_SIDE_OUTSIDE], CFG_STRAY_DROP);
	assert_int_equal(p->rst_payload_len, 0);

	/* the scalar forms fill every state and both sides */
	p = &scn->profiles[4];
	for (int s = 0; s < CFG_TCP_STATES; s++)
		assert_int_equal(p->on_timeout_state[s], CFG_ON_TIMEOUT_RESET_SERVER);
	assert_int_equal(p->stray_tcp_side[CFG_SIDE_INSIDE], CFG_STRAY_ADOPT);
	assert_int_equal(p->stray_tcp_side[CFG_SIDE_OUTSIDE], CFG_STRAY_ADOPT);

	/* a timeline set writes the scalar and every state and side */
	assert_int_equal(scn->n_events, 1);
	assert_int_equal(scn->events[0].n_sets, 3);
	assert_int_equal(scn->events[0].sets[2].field, CFG_FIELD_OUT_OF_WINDOW);
	assert_int_equal(scn->events[0].sets[2].value, CFG_FORWARD);
	q = scn->profiles[1];
	for (int i = 0; i < scn->events[0].n_sets; i++)
		cfg_profile_apply_set(&q, &scn->events[0].sets[i]);
	assert_int_equal(q.on_timeout, CFG_ON_TIMEOUT_RESET_CLIENT);
	for (int s = 0; s < CFG_TCP_STATES; s++)
		assert_int_equal(q.on_timeout_state[s], CFG_ON_TIMEOUT_RESET_CLIENT);
	assert_int_equal(q.stray_tcp, CFG_STRAY_ADOPT);
	assert_int_equal(q.stray_tcp_side[CFG_SIDE_INSIDE], CFG_STRAY_ADOPT);
	assert_int_equal(q.stray_tcp_side[CFG_SIDE_OUTSIDE], CFG_STRAY_ADOPT);
	assert_int_equal(q.out_of_window, CFG_FORWARD);
	assert_string_equal(q.rst_payload, "Idle timeout (tcp)");

	/* the names telemetry and logs print */
	assert_string_equal(cfg_when_full_name(CFG_WHEN_FULL_FORWARD), "forward");
	assert_string_equal(cfg_when_full_name(CFG_WHEN_FULL_DROP), "drop");
	assert_string_equal(cfg_when_full_name(CFG_WHEN_FULL_EARLY_DROP), "early-drop");
	assert_string_equal(cfg_steering_name(CFG_STEERING_AUTO), "auto");
	assert_string_equal(cfg_steering_name(CFG_STEERING_SOFTWARE), "software");
	/* a timeline set's fields and values by name, as the timeline log writes them */
	assert_string_equal(cfg_field_name(CFG_FIELD_TMO_FIRST + CFG_TMO_UDP_STREAM), "udp.stream");
	assert_string_equal(cfg_field_name(CFG_FIELD_OUT_OF_WINDOW), "out_of_window");
	assert_string_equal(cfg_field_name(CFG_FIELD_LOOSE_CLOSE), "loose_close");
	assert_string_equal(cfg_field_name(CFG_FIELD_COUNT), "?");
	assert_string_equal(cfg_set_value_name(&scn->events[0].sets[0]), "reset-client");
	assert_string_equal(cfg_set_value_name(&scn->events[0].sets[1]), "adopt");
	assert_string_equal(cfg_set_value_name(&scn->events[0].sets[2]), "forward");
	assert_string_equal(cfg_set_value_name(&(struct cfg_set){CFG_FIELD_LOOSE_CLOSE, 1}),
			    "true");
	assert_null(cfg_set_value_name(&(struct cfg_set){CFG_FIELD_TMO_FIRST, 5}));
	/* when_full's first values keep the comparisons with enum cfg_verdict right */
	assert_int_equal(CFG_WHEN_FULL_FORWARD, CFG_FORWARD);
	assert_int_equal(CFG_WHEN_FULL_DROP, CFG_DROP);

	load_ok(HDR "flow_table: {when_full: drop, reaper: {high: 100, low: 1%}}\n"
		    "steering: auto\n");
	assert_int_equal(scn->when_full, CFG_WHEN_FULL_DROP);
	assert_int_equal(scn->reaper.high_pct, 100);
	assert_int_equal(scn->reaper.low_pct, 1);
	assert_int_equal(scn->steering, CFG_STEERING_AUTO);
}

/* ---------------------------------------------------------------------------------------- */
/* Errors: one table, one cmocka test per row */

struct err_case {
	const char *name;
	const char *yaml;
	int rc;
	const char *where;  /**< "LINE:COL", "LINE:" (any column) or NULL (not at a place) */
	const char *phrase; /**< must appear in the message */
};

static const struct err_case err_cases[] = {
	/* the document as a whole */
	{"empty file", "", -EINVAL, NULL, "empty file"},
	{"only comments", "# nothing\n\n   # here\n", -EINVAL, NULL, "empty file"},
	{"null document", "~\n", -EINVAL, "1:1", "empty scenario"},
	{"explicit empty document", "---\n...\n", -EINVAL, "2:1", "empty scenario"},
	{"top-level list", "- name: t\n", -EINVAL, "1:1", "expected a mapping at the top level"},
	{"top-level scalar", "hello\n", -EINVAL, "1:1", "expected a mapping at the top level"},
	{"two documents", HDR "---\n" HDR, -EINVAL, "3:1",
	 "second YAML document: a scenario file holds only one"},
	{"invalid UTF-8", "name: t\nports: \xff\xfe\n", -EINVAL, "2:8",
	 "invalid leading UTF-8 octet"},
	{"truncated UTF-8", "name: caf\xc3", -EINVAL, "1:10", "UTF-8"},
	{"binary garbage", "\x01\x02\x7f\x03\x04", -EINVAL, "1:1",
	 "control characters are not allowed"},
	{"NUL escape in a string", "name: \"a\\0b\"\n", -EINVAL, "1:7", "NUL character"},
	{"unclosed flow sequence", "name: t\nports: [a, b\n", -EINVAL, "3:1",
	 "did not find expected ',' or ']'"},
	{"bad indentation", "name: t\n  ports: x\n", -EINVAL, "2:8", "mapping values"},
	{"unknown alias", HDR "description: *nope\n", -EINVAL, "3:14", "unknown alias '*nope'"},
	{"recursive alias", "name: &x [a, *x]\n", -EINVAL, "1:14", "containing it"},
	{"deep nesting",
	 "name: [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\n",
	 -EINVAL, "1:38", "nesting deeper than 32"},
	{"complex key", HDR "? [a]\n: 1\n", -EINVAL, "3:3", "a key must be a name"},
	{"merge key", HDR "profiles:\n  p:\n    <<: {}\n", -EINVAL, "5:5", "merge keys"},

	/* top-level keys */
	{"unknown top key", HDR "bogus: 1\n", -EINVAL, "3:1",
	 "unknown key 'bogus' in the scenario (allowed: name, description, ports, flow_table, "
	 "profiles, rules, default_profile, timeline, steering)"},
	{"duplicate top key", "name: t\nname: u\nports: []\n", -EINVAL, "2:1",
	 "duplicate key 'name' in the scenario (first at 1:1)"},
	{"missing name", "ports: [{inside: {tap: a}, outside: {tap: b}}]\n", -EINVAL, "1:1",
	 "missing required key 'name'"},
	{"missing ports", "name: t\n", -EINVAL, "1:1", "missing required key 'ports'"},
	{"name is a list", "name: [t]\nports: []\n", -EINVAL, "1:7", "name: expected a string"},
	{"name is null", "name:\nports: []\n", -EINVAL, "1:6", "got nothing"},
	{"name is empty", "name: \"\"\nports: [{inside: {tap: a}, outside: {tap: b}}]\n", -EINVAL,
	 "1:7", "must not be empty"},
	{"name too long",
	 "name: 0123456789012345678901234567890123456789012345678901234567890123\nports: []\n",
	 -EINVAL, "1:7", "too long"},
	{"description with a newline",
	 "name: t\ndescription: \"a\\nb\"\nports: [{inside: {tap: a}, outside: {tap: b}}]\n",
	 -EINVAL, "2:14", "control character"},

	/* ports */
	{"ports not a list", "name: t\nports: {a: 1}\n", -EINVAL, "2:8", "expected a list"},
	{"ports empty", "name: t\nports: []\n", -EINVAL, "2:8", "at least one pair"},
	{"pair not a mapping", "name: t\nports:\n  - 5\n", -EINVAL, "3:5", "expected a mapping"},
	{"pair missing outside", "name: t\nports:\n  - inside: {tap: a}\n", -EINVAL, "3:5",
	 "missing required key 'outside'"},
	{"pair missing inside", "name: t\nports:\n  - outside: {tap: a}\n", -EINVAL, "3:5",
	 "missing required key 'inside'"},
	{"pair unknown key",
	 "name: t\nports:\n  - {inside: {tap: a}, outside: {tap: b}, speed: 1}\n", -EINVAL, "3:43",
	 "unknown key 'speed' in ports[0] (allowed: name, inside, outside, mtu)"},
	{"port not a mapping", "name: t\nports:\n  - {inside: a, outside: {tap: b}}\n", -EINVAL,
	 "3:14", "expected a mapping such as {tap: ic-in}"},
	{"port with two devices",
	 "name: t\nports:\n  - inside: {tap: a, vdev: net_null0}\n    outside: {tap: b}\n", -EINVAL,
	 "3:22", "'tap' and 'vdev' cannot be used together"},
	{"port with no device", "name: t\nports:\n  - inside: {vlan: 5}\n    outside: {tap: b}\n",
	 -EINVAL, "3:13", "needs one of tap, port, vdev or pci"},
	{"port unknown key",
	 "name: t\nports:\n  - inside: {tap: a, speed: 10}\n    outside: {tap: b}\n", -EINVAL,
	 "3:22", "unknown key 'speed' in inside (allowed: tap, port, vdev, pci, vlan, devargs)"},
	{"tap bad characters",
	 "name: t\nports:\n  - inside: {tap: \"a b\"}\n    outside: {tap: b}\n", -EINVAL, "3:19",
	 "use only letters"},
	{"tap too long",
	 "name: t\nports:\n  - inside: {tap: abcdefghijklmnop}\n    outside: {tap: b}\n", -EINVAL,
	 "3:19", "longer than 15"},
	{"port index too big", "name: t\nports:\n  - inside: {port: 1024}\n    outside: {tap: b}\n",
	 -EINVAL, "3:20", "port must be between 0 and 1023"},
	{"port index negative", "name: t\nports:\n  - inside: {port: -1}\n    outside: {tap: b}\n",
	 -EINVAL, "3:20", "expected an integer"},
	{"bad pci", "name: t\nports:\n  - inside: {pci: \"0000:03:00\"}\n    outside: {tap: b}\n",
	 -EINVAL, "3:19", "expected an address like 0000:03:00.0"},
	{"pci device over 1f",
	 "name: t\nports:\n  - inside: {pci: \"03:20.0\"}\n    outside: {tap: b}\n", -EINVAL,
	 "3:19", "over 1f"},
	{"vdev with spaces",
	 "name: t\nports:\n  - inside: {vdev: \"net_ring0, x\"}\n    outside: {tap: b}\n", -EINVAL,
	 "3:20", "expected devargs"},
	{"vlan 0", "name: t\nports:\n  - inside: {tap: a, vlan: 0}\n    outside: {tap: b}\n",
	 -EINVAL, "3:28", "vlan must be between 1 and 4094"},
	{"vlan 4095", "name: t\nports:\n  - inside: {tap: a, vlan: 4095}\n    outside: {tap: b}\n",
	 -EINVAL, "3:28", "vlan must be between 1 and 4094"},
	{"same tap twice", "name: t\nports:\n  - inside: {tap: a}\n    outside: {tap: a}\n",
	 -EINVAL, "4:20", "tap 'a' is already used (at 3:19)"},
	{"same port twice",
	 "name: t\nports:\n  - {inside: {port: 0}, outside: {port: 1}}\n"
	 "  - {inside: {port: 2}, outside: {port: 0}}\n",
	 -EINVAL, "4:41", "port '0' is already used (at 3:21)"},
	{"same pci, two spellings",
	 "name: t\nports:\n  - {inside: {pci: \"03:00.0\"}, outside: {tap: b}}\n"
	 "  - {inside: {pci: \"0000:03:00.0\"}, outside: {tap: c}}\n",
	 -EINVAL, "4:20", "pci '0000:03:00.0' is already used"},
	{"same vdev, other arguments",
	 "name: t\nports:\n  - {inside: {vdev: net_ring0}, outside: {tap: b}}\n"
	 "  - {inside: {vdev: \"net_ring0,x=1\"}, outside: {tap: c}}\n",
	 -EINVAL, "4:21", "vdev 'net_ring0' is already used"},
	{"duplicate pair name",
	 "name: t\nports:\n  - {name: lab, inside: {tap: a}, outside: {tap: b}}\n"
	 "  - {name: lab, inside: {tap: c}, outside: {tap: d}}\n",
	 -EINVAL, "4:12", "pair name 'lab' is already used by ports[0] (at 3:12)"},
	{"pair name clashes with a default",
	 "name: t\nports:\n  - {name: pair1, inside: {tap: a}, outside: {tap: b}}\n"
	 "  - {inside: {tap: c}, outside: {tap: d}}\n",
	 -EINVAL, "4:5", "pair name 'pair1' is already used"},
	{"numeric pair name",
	 "name: t\nports:\n  - {name: \"3\", inside: {tap: a}, outside: {tap: b}}\n", -EINVAL,
	 "3:12", "is a number, which rules read as a pair index"},

	/* flow_table */
	{"flow_table not a mapping", HDR "flow_table: 5\n", -EINVAL, "3:13", "expected a mapping"},
	{"capacity too small", HDR "flow_table: {capacity: 10}\n", -EINVAL, "3:24",
	 "capacity must be between 64 and 67108864"},
	{"capacity too big", HDR "flow_table: {capacity: 67108865}\n", -EINVAL, "3:24",
	 "capacity must be between 64 and 67108864"},
	{"capacity huge", HDR "flow_table: {capacity: 99999999999999999999999}\n", -EINVAL, "3:24",
	 "between 64 and"},
	{"capacity not a number", HDR "flow_table: {capacity: lots}\n", -EINVAL, "3:24",
	 "expected an integer"},
	{"when_full bad", HDR "flow_table: {when_full: maybe}\n", -EINVAL, "3:25",
	 "when_full: expected one of forward, drop, early-drop, got 'maybe'"},
	{"flow_table unknown key", HDR "flow_table: {size: 5}\n", -EINVAL, "3:14",
	 "unknown key 'size' in flow_table (allowed: capacity, when_full, reaper)"},

	/* profiles */
	{"profiles not a mapping", HDR "profiles: [a]\n", -EINVAL, "3:11", "expected a mapping"},
	{"profile redefines untracked", HDR "profiles:\n  untracked: {}\n", -EINVAL, "4:3",
	 "built in"},
	{"profile named all", HDR "profiles:\n  all: {}\n", -EINVAL, "4:3", "reserved"},
	{"profile bad name", HDR "profiles:\n  \"a b\": {}\n", -EINVAL, "4:3", "use only letters"},
	{"duplicate profile", HDR "profiles:\n  p: {}\n  q: {}\n  p: {}\n", -EINVAL, "6:3",
	 "duplicate key 'p' in profiles (first at 4:3)"},
	{"profile not a mapping", HDR "profiles:\n  p: 5s\n", -EINVAL, "4:6", "expected a mapping"},
	{"profile unknown key", HDR "profiles:\n  p: {tcpp: {}}\n", -EINVAL, "4:7",
	 "unknown key 'tcpp' in profile 'p' (allowed: tcp, udp, icmp, other, on_timeout, "
	 "stray_tcp, malformed, loose_close, out_of_window, rst_payload)"},
	{"profile duplicate key", HDR "profiles:\n  p:\n    icmp: 1s\n    icmp: 2s\n", -EINVAL,
	 "6:5", "duplicate key 'icmp' in profile 'p' (first at 5:5)"},
	{"profile dotted key", HDR "profiles:\n  p: {tcp.established: 5s}\n", -EINVAL, "4:7",
	 "unknown key 'tcp.established'"},
	{"tcp not a mapping", HDR "profiles:\n  p: {tcp: 5s}\n", -EINVAL, "4:12",
	 "tcp: expected a mapping"},
	{"tcp unknown key", HDR "profiles:\n  p: {tcp: {idle: 5s}}\n", -EINVAL, "4:13",
	 "unknown key 'idle' in tcp (allowed: handshake, established, closing, time_wait)"},
	{"udp a list", HDR "profiles:\n  p: {udp: [5s]}\n", -EINVAL, "4:12",
	 "expected a duration or a mapping"},
	{"udp unknown key", HDR "profiles:\n  p: {udp: {multi: 5s}}\n", -EINVAL, "4:13",
	 "unknown key 'multi' in udp (allowed: single, stream)"},
	{"on_timeout bad", HDR "profiles:\n  p: {on_timeout: reset}\n", -EINVAL, "4:19",
	 "on_timeout: expected one of reset-both, reset-client, reset-server, silent, got 'reset'"},
	{"stray_tcp bad", HDR "profiles:\n  p: {stray_tcp: accept}\n", -EINVAL, "4:18",
	 "stray_tcp: expected one of drop, reset, adopt"},
	{"malformed bad", HDR "profiles:\n  p: {malformed: fix}\n", -EINVAL, "4:18",
	 "malformed: expected one of forward, drop"},
	{"loose_close yes", HDR "profiles:\n  p: {loose_close: yes}\n", -EINVAL, "4:20",
	 "loose_close: expected one of true, false, got"},
	{"on_timeout a list", HDR "profiles:\n  p: {on_timeout: [silent]}\n", -EINVAL, "4:19",
	 "expected a keyword, got a list"},

	/* durations, each way of getting one wrong */
	{"duration negative", HDR "profiles:\n  p: {icmp: -5s}\n", -EINVAL, "4:13",
	 "icmp: negative duration '-5s'"},
	{"duration empty", HDR "profiles:\n  p: {icmp: \"\"}\n", -EINVAL, "4:13",
	 "icmp: empty duration"},
	{"duration null", HDR "profiles:\n  p: {icmp: }\n", -EINVAL, "4:13",
	 "icmp: expected a duration, got nothing"},
	{"duration a mapping", HDR "profiles:\n  p: {other: {a: 1}}\n", -EINVAL, "4:14",
	 "other: expected a duration, got a mapping"},
	{"duration no number", HDR "profiles:\n  p: {icmp: s}\n", -EINVAL, "4:13",
	 "expected a duration (250ms, 5s, 5m, 1h, 300, indefinite or immediate), got 's'"},
	{"duration word", HDR "profiles:\n  p: {icmp: forever}\n", -EINVAL, "4:13",
	 "expected a duration"},
	{"duration unknown unit", HDR "profiles:\n  p: {icmp: 5x}\n", -EINVAL, "4:13",
	 "unknown unit 'x' in duration '5x' (use ms, s, m or h)"},
	{"duration with a space", HDR "profiles:\n  p: {icmp: 5 sec}\n", -EINVAL, "4:13",
	 "unknown unit ' sec'"},
	{"duration trailing garbage", HDR "profiles:\n  p: {tcp: {closing: 5s5}}\n", -EINVAL,
	 "4:22", "unknown unit 's5'"},
	{"duration bare dot", HDR "profiles:\n  p: {icmp: 5.s}\n", -EINVAL, "4:13",
	 "expected a duration"},
	{"duration too many decimals", HDR "profiles:\n  p: {icmp: 1.0000001s}\n", -EINVAL, "4:13",
	 "too many decimals in '1.0000001s' (at most 6)"},
	{"duration overflow", HDR "profiles:\n  p: {icmp: 99999999999999999999h}\n", -EINVAL,
	 "4:13", "the maximum is 2147483.647s (about 24.8 days); use 'indefinite'"},
	{"duration over the maximum", HDR "profiles:\n  p: {udp: {stream: 2147484s}}\n", -EINVAL,
	 "4:21", "udp.stream: duration '2147484s' is too long"},
	{"duration 25 days", HDR "profiles:\n  p: {tcp: {established: 600h}}\n", -EINVAL, "4:26",
	 "tcp.established: duration '600h' is too long"},

	/* rules */
	{"rules not a list", HDR "rules: {match: {}}\n", -EINVAL, "3:8", "expected a list"},
	{"rule not a mapping", HDR "rules: [5]\n", -EINVAL, "3:9", "expected a mapping"},
	{"rule missing profile", HDR "rules:\n  - match: {}\n", -EINVAL, "4:5",
	 "rule: missing required key 'profile'"},
	{"rule missing match", HDR "rules:\n  - profile: untracked\n", -EINVAL, "4:5",
	 "rule: missing required key 'match'"},
	{"rule unknown key", HDR "rules:\n  - {match: {}, profile: untracked, action: drop}\n",
	 -EINVAL, "4:37", "unknown key 'action' in rule (allowed: match, profile)"},
	{"rule unknown profile",
	 HDR "profiles: {p: {}}\nrules:\n  - match: {}\n    profile: nope\n", -EINVAL, "6:14",
	 "profile: unknown profile 'nope' (defined: untracked, p)"},
	{"match not a mapping", HDR "rules:\n  - {match: [], profile: untracked}\n", -EINVAL,
	 "4:13", "match: expected a mapping"},
	{"match unknown key", HDR "rules:\n  - {match: {port: 80}, profile: untracked}\n", -EINVAL,
	 "4:14",
	 "unknown key 'port' in match (allowed: vlan, pair, side, proto, src, dst, src_port, "
	 "dst_port)"},
	{"match duplicate key",
	 HDR "rules:\n  - {match: {proto: tcp, proto: udp}, profile: untracked}\n", -EINVAL, "4:26",
	 "duplicate key 'proto' in match (first at 4:14)"},
	{"match vlan 4095", HDR "rules:\n  - {match: {vlan: 4095}, profile: untracked}\n", -EINVAL,
	 "4:20", "vlan must be between 1 and 4094"},
	{"vlan range reversed", HDR "rules:\n  - {match: {vlan: 200-100}, profile: untracked}\n",
	 -EINVAL, "4:20", "vlan: range '200-100' is reversed"},
	{"vlan range out of bounds", HDR "rules:\n  - {match: {vlan: 0-10}, profile: untracked}\n",
	 -EINVAL, "4:20", "vlan: range '0-10' is outside 1..4094"},
	{"vlan range open", HDR "rules:\n  - {match: {vlan: 10-}, profile: untracked}\n", -EINVAL,
	 "4:20", "expected a number or a range like 1-4094"},
	{"vlan empty list", HDR "rules:\n  - {match: {vlan: []}, profile: untracked}\n", -EINVAL,
	 "4:20", "vlan: empty list"},
	{"vlan list too long",
	 HDR "rules:\n  - {match: {vlan: [1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17]}, "
	     "profile: untracked}\n",
	 -EINVAL, "4:60", "vlan: more than 16 entries"},
	{"vlan list bad item", HDR "rules:\n  - {match: {vlan: [1, x]}, profile: untracked}\n",
	 -EINVAL, "4:24", "vlan: expected an integer, got 'x'"},
	{"vlan list nested", HDR "rules:\n  - {match: {vlan: [1, [2]]}, profile: untracked}\n",
	 -EINVAL, "4:24", "expected a VLAN id or a range, got a list"},
	{"pair unknown", HDR "rules:\n  - {match: {pair: nope}, profile: untracked}\n", -EINVAL,
	 "4:20", "pair: unknown pair 'nope'"},
	{"pair index out of range", HDR "rules:\n  - {match: {pair: 1}, profile: untracked}\n",
	 -EINVAL, "4:20", "pair: index 1 does not exist (the scenario has 1 pair)"},
	{"side bad", HDR "rules:\n  - {match: {side: left}, profile: untracked}\n", -EINVAL, "4:20",
	 "side: expected one of inside, outside"},
	{"proto 256", HDR "rules:\n  - {match: {proto: 256}, profile: untracked}\n", -EINVAL,
	 "4:21", "proto: expected tcp, udp, icmp, icmpv6 or 0..255, got '256'"},
	{"proto name", HDR "rules:\n  - {match: {proto: TCP}, profile: untracked}\n", -EINVAL,
	 "4:21", "proto: expected tcp"},
	{"src not an address", HDR "rules:\n  - {match: {src: 1.2.3}, profile: untracked}\n",
	 -EINVAL, "4:19", "src: expected an IPv4 or IPv6 address or prefix"},
	{"dst garbage length", HDR "rules:\n  - {match: {dst: 10.0.0.0/x}, profile: untracked}\n",
	 -EINVAL, "4:19", "dst: expected an IPv4 or IPv6 address or prefix"},
	{"dst length too long", HDR "rules:\n  - {match: {dst: 10.0.0.0/33}, profile: untracked}\n",
	 -EINVAL, "4:19", "dst: prefix length /33 is over 32"},
	{"dst v6 length too long",
	 HDR "rules:\n  - {match: {dst: \"2001:db8::/129\"}, profile: untracked}\n", -EINVAL,
	 "4:19", "dst: prefix length /129 is over 128"},
	{"dst host bits", HDR "rules:\n  - {match: {dst: 198.18.1.5/24}, profile: untracked}\n",
	 -EINVAL, "4:19", "host bits set in 198.18.1.5/24 (did you mean 198.18.1.0/24?)"},
	{"src v6 host bits",
	 HDR "rules:\n  - {match: {src: \"2001:db8::1/32\"}, profile: untracked}\n", -EINVAL,
	 "4:19", "host bits set in 2001:db8::1/32 (did you mean 2001:db8::/32?)"},
	{"src and dst families differ",
	 HDR "rules:\n  - {match: {src: 10.0.0.0/8, dst: \"::1\"}, profile: untracked}\n", -EINVAL,
	 "4:36", "dst is IPv6 but src is IPv4: never matches"},
	{"dst_port reversed", HDR "rules:\n  - {match: {dst_port: 444-443}, profile: untracked}\n",
	 -EINVAL, "4:24", "dst_port: range '444-443' is reversed"},
	{"dst_port too big", HDR "rules:\n  - {match: {dst_port: 65536}, profile: untracked}\n",
	 -EINVAL, "4:24", "dst_port must be between 0 and 65535"},
	{"src_port range too big",
	 HDR "rules:\n  - {match: {src_port: 1-70000}, profile: untracked}\n", -EINVAL, "4:24",
	 "src_port: range '1-70000' is outside 0..65535"},
	{"src_port words", HDR "rules:\n  - {match: {src_port: http}, profile: untracked}\n",
	 -EINVAL, "4:24", "src_port: expected an integer"},
	{"src_port negative", HDR "rules:\n  - {match: {src_port: -1}, profile: untracked}\n",
	 -EINVAL, "4:24", "expected a number or a range like 0-65535"},

	/* default_profile */
	{"default_profile unknown", HDR "default_profile: nope\n", -EINVAL, "3:18",
	 "default_profile: unknown profile 'nope' (defined: untracked)"},
	{"default_profile a list", HDR "default_profile: [a]\n", -EINVAL, "3:18",
	 "expected a profile name, got a list"},

	/* timeline */
	{"timeline not a list", HDR "timeline: {at: 5s}\n", -EINVAL, "3:11", "expected a list"},
	{"event not a mapping", HDR "timeline: [5s]\n", -EINVAL, "3:12", "expected a mapping"},
	{"event missing at", HDR "timeline:\n  - flush: all\n", -EINVAL, "4:5",
	 "missing required key 'at'"},
	{"event with no action", HDR "timeline:\n  - at: 5s\n", -EINVAL, "4:5",
	 "needs 'set' or 'flush'"},
	{"event with both actions",
	 HDR "profiles: {p: {}}\ntimeline:\n  - at: 5s\n    flush: all\n    set: {profile: p, "
	     "icmp: 1s}\n",
	 -EINVAL, "7:5", "'flush' and 'set' cannot be used together"},
	{"event unknown key", HDR "timeline:\n  - {at: 5s, flush: all, every: 10s}\n", -EINVAL,
	 "4:26", "unknown key 'every' in timeline event (allowed: set, flush, at)"},
	{"at indefinite", HDR "timeline:\n  - {at: indefinite, flush: all}\n", -EINVAL, "4:10",
	 "at: must be a finite time"},
	{"at negative", HDR "timeline:\n  - {at: -1s, flush: all}\n", -EINVAL, "4:10",
	 "at: negative duration"},
	{"at overflow", HDR "timeline:\n  - {at: 1000h, flush: all}\n", -EINVAL, "4:10",
	 "at: duration '1000h' is too long"},
	{"set not a mapping", HDR "timeline:\n  - {at: 5s, set: p}\n", -EINVAL, "4:19",
	 "set: expected a mapping"},
	{"set without profile", HDR "timeline:\n  - {at: 5s, set: {icmp: 1s}}\n", -EINVAL, "4:19",
	 "set: missing required key 'profile'"},
	{"set without field", HDR "profiles: {p: {}}\ntimeline:\n  - {at: 5s, set: {profile: p}}\n",
	 -EINVAL, "5:19", "set: nothing to change"},
	{"set untracked", HDR "timeline:\n  - {at: 5s, set: {profile: untracked, icmp: 1s}}\n",
	 -EINVAL, "4:29", "'untracked' cannot be changed"},
	{"set unknown profile", HDR "timeline:\n  - {at: 5s, set: {profile: p, icmp: 1s}}\n",
	 -EINVAL, "4:29", "set: profile: unknown profile 'p'"},
	{"set unknown field",
	 HDR "profiles: {p: {}}\ntimeline:\n  - {at: 5s, set: {profile: p, tcp.idle: 1s}}\n",
	 -EINVAL, "5:32", "unknown key 'tcp.idle' in set (allowed: profile, tcp.handshake"},
	{"set duplicate field",
	 HDR "profiles: {p: {}}\ntimeline:\n  - {at: 5s, set: {profile: p, icmp: 1s, icmp: 2s}}\n",
	 -EINVAL, "5:42", "duplicate key 'icmp' in set (first at 5:32)"},
	{"set bad duration",
	 HDR "profiles: {p: {}}\ntimeline:\n  - {at: 5s, set: {profile: p, tcp.established: 5y}}\n",
	 -EINVAL, "5:49", "tcp.established: unknown unit 'y'"},
	{"set bad keyword",
	 HDR "profiles: {p: {}}\ntimeline:\n  - {at: 5s, set: {profile: p, on_timeout: boom}}\n",
	 -EINVAL, "5:44", "on_timeout: expected one of reset-both"},
	{"set bad bool",
	 HDR "profiles: {p: {}}\ntimeline:\n  - {at: 5s, set: {profile: p, loose_close: 1}}\n",
	 -EINVAL, "5:45", "loose_close: expected one of true, false, got"},
	{"flush unknown profile", HDR "timeline:\n  - {at: 5s, flush: nope}\n", -EINVAL, "4:21",
	 "flush: unknown profile 'nope'"},
	{"flush untracked", HDR "timeline:\n  - {at: 5s, flush: untracked}\n", -EINVAL, "4:21",
	 "no flows to flush"},
	{"flush a list", HDR "timeline:\n  - {at: 5s, flush: [all]}\n", -EINVAL, "4:21",
	 "flush: expected 'all' or a profile name, got a list"},

	/* the added keys (SPEC §5) */
	{"steering bad", HDR "steering: rss\n", -EINVAL, "3:11",
	 "steering: expected one of auto, software, got 'rss'"},
	{"steering a list", HDR "steering: [auto]\n", -EINVAL, "3:11",
	 "steering: expected a keyword, got a list"},
	{"steering null", HDR "steering:\n", -EINVAL, "3:10",
	 "steering: expected a keyword, got nothing"},
	{"mtu too small", "name: t\nports:\n  - {inside: {tap: a}, outside: {tap: b}, mtu: 67}\n",
	 -EINVAL, "3:48", "mtu must be between 68 and 9600, got 67"},
	{"mtu too big", "name: t\nports:\n  - {inside: {tap: a}, outside: {tap: b}, mtu: 9601}\n",
	 -EINVAL, "3:48", "mtu must be between 68 and 9600, got 9601"},
	{"mtu a word", "name: t\nports:\n  - {inside: {tap: a}, outside: {tap: b}, mtu: jumbo}\n",
	 -EINVAL, "3:48", "mtu: expected an integer, got 'jumbo'"},
	{"mtu a list", "name: t\nports:\n  - {inside: {tap: a}, outside: {tap: b}, mtu: [1500]}\n",
	 -EINVAL, "3:48", "mtu: expected an integer, got a list"},
	{"devargs on a tap",
	 "name: t\nports:\n  - inside: {tap: a, devargs: x}\n    outside: {tap: b}\n", -EINVAL,
	 "3:22", "devargs: only a pci port takes devargs"},
	{"devargs on a vdev",
	 "name: t\nports:\n  - inside: {vdev: net_null0, devargs: x}\n    outside: {tap: b}\n",
	 -EINVAL, "3:31", "devargs: only a pci port takes devargs"},
	{"devargs with a space",
	 "name: t\nports:\n  - inside: {pci: \"03:00.0\", devargs: \"a=1 b=2\"}\n"
	 "    outside: {tap: b}\n",
	 -EINVAL, "3:39", "devargs: expected device arguments like \"rxq_cqe_comp_en=0\""},
	{"devargs empty",
	 "name: t\nports:\n  - inside: {pci: \"03:00.0\", devargs: \"\"}\n    outside: {tap: b}\n",
	 -EINVAL, "3:39", "devargs: expected device arguments"},
	{"devargs leading comma",
	 "name: t\nports:\n  - inside: {pci: \"03:00.0\", devargs: \",a=1\"}\n    outside: {tap: "
	 "b}\n",
	 -EINVAL, "3:39", "got ',a=1'"},
	{"devargs a mapping",
	 "name: t\nports:\n  - inside: {pci: \"03:00.0\", devargs: {a: 1}}\n    outside: {tap: "
	 "b}\n",
	 -EINVAL, "3:39", "devargs: expected a string, got a mapping"},
	{"devargs too long",
	 "name: t\nports:\n  - inside: {pci: \"03:00.0\", devargs: "
	 "a1234567890123456789012345678901234567890123456789012345678901234567890123456789"
	 "012345678901234567890123456789012345678901234567}\n    outside: {tap: b}\n",
	 -EINVAL, "3:39", "devargs is too long (128 bytes, at most 127)"},
	{"when_full underscore", HDR "flow_table: {when_full: early_drop}\n", -EINVAL, "3:25",
	 "when_full: expected one of forward, drop, early-drop, got 'early_drop'"},
	{"reaper a scalar", HDR "flow_table: {reaper: 95%}\n", -EINVAL, "3:22",
	 "reaper: expected a mapping such as {high: 95%, low: 85%}, got a scalar"},
	{"reaper null", HDR "flow_table: {reaper: }\n", -EINVAL, "3:22",
	 "reaper: expected a mapping such as {high: 95%, low: 85%}, got nothing"},
	{"reaper without low", HDR "flow_table: {reaper: {high: 95%}}\n", -EINVAL, "3:22",
	 "reaper: missing required key 'low'"},
	{"reaper without high", HDR "flow_table: {reaper: {low: 85%}}\n", -EINVAL, "3:22",
	 "reaper: missing required key 'high'"},
	{"reaper unknown key", HDR "flow_table: {reaper: {high: 95%, low: 85%, mid: 90%}}\n",
	 -EINVAL, "3:44", "unknown key 'mid' in reaper (allowed: high, low)"},
	{"reaper duplicate key", HDR "flow_table: {reaper: {high: 95%, high: 90%, low: 1}}\n",
	 -EINVAL, "3:34", "duplicate key 'high' in reaper (first at 3:23)"},
	{"reaper high over 100", HDR "flow_table: {reaper: {high: 101%, low: 85%}}\n", -EINVAL,
	 "3:29", "high must be between 1% and 100%, got 101%"},
	{"reaper low 0", HDR "flow_table: {reaper: {high: 95%, low: 0%}}\n", -EINVAL, "3:39",
	 "low must be between 1% and 100%, got 0%"},
	{"reaper huge", HDR "flow_table: {reaper: {high: 99999999999999999999%, low: 85%}}\n",
	 -EINVAL, "3:29", "high must be between 1% and 100%"},
	{"reaper decimal", HDR "flow_table: {reaper: {high: 95.5%, low: 85%}}\n", -EINVAL, "3:29",
	 "high: expected a percentage like 95%, got '95.5%'"},
	{"reaper bare percent", HDR "flow_table: {reaper: {high: \"%\", low: 85%}}\n", -EINVAL,
	 "3:29", "high: expected a percentage like 95%, got '%'"},
	{"reaper double percent", HDR "flow_table: {reaper: {high: 95%%, low: 85%}}\n", -EINVAL,
	 "3:29", "high: expected a percentage like 95%, got '95%%'"},
	{"reaper negative", HDR "flow_table: {reaper: {high: -5%, low: 85%}}\n", -EINVAL, "3:29",
	 "high: expected a percentage"},
	{"reaper high a list", HDR "flow_table: {reaper: {high: [95], low: 85%}}\n", -EINVAL,
	 "3:29", "high: expected a percentage, got a list"},
	{"reaper low above high", HDR "flow_table: {reaper: {high: 85%, low: 95%}}\n", -EINVAL,
	 "3:39", "reaper: low (95%) must be below high (85%)"},
	{"reaper low equals high", HDR "flow_table: {reaper: {high: 90, low: 90}}\n", -EINVAL,
	 "3:38", "reaper: low (90%) must be below high (90%)"},
	{"out_of_window bad", HDR "profiles:\n  p: {out_of_window: reset}\n", -EINVAL, "4:22",
	 "out_of_window: expected one of forward, drop, got 'reset'"},
	{"out_of_window a map", HDR "profiles:\n  p: {out_of_window: {inside: drop}}\n", -EINVAL,
	 "4:22", "out_of_window: expected a keyword, got a mapping"},
	{"rst_payload too long",
	 HDR "profiles:\n  p: {rst_payload: "
	     "\"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	     "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdefX\"}\n",
	 -EINVAL, "4:20", "rst_payload is too long (129 bytes, at most 128)"},
	{"rst_payload not ASCII", HDR "profiles:\n  p: {rst_payload: \"caf\xc3\xa9\"}\n", -EINVAL,
	 "4:20", "rst_payload: byte 3 (0xc3) is not printable ASCII"},
	{"rst_payload a tab", HDR "profiles:\n  p: {rst_payload: \"a\\tb\"}\n", -EINVAL, "4:20",
	 "rst_payload contains a control character"},
	{"rst_payload DEL", HDR "profiles:\n  p: {rst_payload: \"a\\x7fb\"}\n", -EINVAL, "4:20",
	 "rst_payload contains a control character"},
	{"rst_payload a list", HDR "profiles:\n  p: {rst_payload: [a]}\n", -EINVAL, "4:20",
	 "rst_payload: expected a string, got a list"},
	{"rst_payload null", HDR "profiles:\n  p: {rst_payload: }\n", -EINVAL, "4:20",
	 "rst_payload: expected a string, got nothing"},
	{"on_timeout map unknown state", HDR "profiles:\n  p: {on_timeout: {establishd: silent}}\n",
	 -EINVAL, "4:20",
	 "unknown key 'establishd' in on_timeout (allowed: syn_sent, syn_recv, established, "
	 "fin_wait, closing, time_wait, closed, default)"},
	{"on_timeout map bad action", HDR "profiles:\n  p: {on_timeout: {established: reset}}\n",
	 -EINVAL, "4:33",
	 "on_timeout.established: expected one of reset-both, reset-client, reset-server, "
	 "silent, got 'reset'"},
	{"on_timeout map bad default", HDR "profiles:\n  p: {on_timeout: {default: off}}\n",
	 -EINVAL, "4:29", "on_timeout.default: expected one of reset-both"},
	{"on_timeout map duplicate state",
	 HDR "profiles:\n  p: {on_timeout: {closing: silent, closing: reset-both}}\n", -EINVAL,
	 "4:37", "duplicate key 'closing' in on_timeout (first at 4:20)"},
	{"on_timeout map nested", HDR "profiles:\n  p: {on_timeout: {established: {a: b}}}\n",
	 -EINVAL, "4:33", "on_timeout.established: expected a keyword, got a mapping"},
	{"on_timeout map TCP state spelt as SPEC's timeout",
	 HDR "profiles:\n  p: {on_timeout: {handshake: silent}}\n", -EINVAL, "4:20",
	 "unknown key 'handshake' in on_timeout"},
	{"stray_tcp map unknown side", HDR "profiles:\n  p: {stray_tcp: {left: drop}}\n", -EINVAL,
	 "4:19", "unknown key 'left' in stray_tcp (allowed: inside, outside)"},
	{"stray_tcp map bad action", HDR "profiles:\n  p: {stray_tcp: {inside: accept}}\n", -EINVAL,
	 "4:27", "stray_tcp.inside: expected one of drop, reset, adopt, got 'accept'"},
	{"stray_tcp map outside null", HDR "profiles:\n  p: {stray_tcp: {outside: }}\n", -EINVAL,
	 "4:28", "stray_tcp.outside: expected a keyword, got nothing"},
	{"stray_tcp a list", HDR "profiles:\n  p: {stray_tcp: [reset]}\n", -EINVAL, "4:18",
	 "stray_tcp: expected a keyword, got a list"},
	{"set on_timeout map",
	 HDR "profiles: {p: {}}\ntimeline:\n  - {at: 5s, set: {profile: p, on_timeout: "
	     "{established: silent}}}\n",
	 -EINVAL, "5:44", "on_timeout: expected a keyword, got a mapping"},
	{"set out_of_window bad",
	 HDR "profiles: {p: {}}\ntimeline:\n  - {at: 5s, set: {profile: p, out_of_window: 1}}\n",
	 -EINVAL, "5:47", "out_of_window: expected one of forward, drop, got '1'"},
	{"set rst_payload",
	 HDR "profiles: {p: {}}\ntimeline:\n  - {at: 5s, set: {profile: p, "
	     "rst_payload: x}}\n",
	 -EINVAL, "5:32", "unknown key 'rst_payload' in set"},
};

static void
check_error(const struct err_case *t, int rc)
{
	char prefix[64];
	const char *after;

	if (rc != t->rc)
		fail_msg("[%s] rc %d, expected %d; message: %s", t->name, rc, t->rc, err);
	if (t->where != NULL && t->where[strlen(t->where) - 1] == ':')
		snprintf(prefix, sizeof(prefix), "t.yaml:%s", t->where); /* line only */
	else if (t->where != NULL)
		snprintf(prefix, sizeof(prefix), "t.yaml:%s: ", t->where);
	else
		snprintf(prefix, sizeof(prefix), "t.yaml: ");
	if (strncmp(err, prefix, strlen(prefix)) != 0)
		fail_msg("[%s] message does not start with '%s': %s", t->name, prefix, err);
	after = err + strlen(prefix);
	if (t->where == NULL && after[0] >= '0' && after[0] <= '9')
		fail_msg("[%s] unexpected position: %s", t->name, err);
	if (strstr(after, t->phrase) == NULL)
		fail_msg("[%s] message lacks '%s': %s", t->name, t->phrase, err);
	if (strchr(err, '\n') != NULL)
		fail_msg("[%s] message is not one line: %s", t->name, err);
}

static void
test_error_case(void **state)
{
	const struct err_case *t = *state;

	check_error(t, load(t->yaml));
}

/* Inputs too big to write out in the table, built here. */
static void
test_errors_generated(void **state)
{
	struct sbuf b = {0};
	struct err_case t;
	char where[32];

	(void)state;
	/* 17 pairs */
	sb_add(&b, "name: t\nports:\n");
	for (int i = 0; i <= CFG_MAX_PAIRS; i++)
		sb_add(&b, "  - {inside: {port: %d}, outside: {port: %d}}\n", 2 * i, 2 * i + 1);
	snprintf(where, sizeof(where), "%d:5", 3 + CFG_MAX_PAIRS);
	t = (struct err_case){"17 pairs", b.p, -EINVAL, where, "ports: more than 16 pairs"};
	check_error(&t, load(b.p));

	/* 64 user profiles */
	b.len = 0;
	sb_add(&b, HDR "profiles:\n");
	for (int i = 0; i < CFG_MAX_PROFILES; i++)
		sb_add(&b, "  p%d: {}\n", i);
	snprintf(where, sizeof(where), "%d:3", 4 + CFG_MAX_PROFILES - 1);
	t = (struct err_case){"64 profiles", b.p, -EINVAL, where, "more than 63 profiles"};
	check_error(&t, load(b.p));

	/* 257 rules */
	b.len = 0;
	sb_add(&b, HDR "rules:\n");
	for (int i = 0; i <= CFG_MAX_RULES; i++)
		sb_add(&b, "  - {match: {}, profile: untracked}\n");
	snprintf(where, sizeof(where), "%d:5", 4 + CFG_MAX_RULES);
	t = (struct err_case){"257 rules", b.p, -EINVAL, where, "rules: more than 256 rules"};
	check_error(&t, load(b.p));

	/* 257 events */
	b.len = 0;
	sb_add(&b, HDR "timeline:\n");
	for (int i = 0; i <= CFG_MAX_TIMELINE; i++)
		sb_add(&b, "  - {at: %ds, flush: all}\n", i);
	snprintf(where, sizeof(where), "%d:5", 4 + CFG_MAX_TIMELINE);
	t = (struct err_case){"257 events", b.p, -EINVAL, where, "timeline: more than 256 events"};
	check_error(&t, load(b.p));

	/* a list of 70000 items: too many nodes for any scenario */
	b.len = 0;
	sb_add(&b, "name: [");
	for (int i = 0; i < 70000; i++)
		sb_add(&b, "0,");
	sb_add(&b, "0]\n");
	t = (struct err_case){"70000 nodes", b.p, -EINVAL, "1:131074",
			      "more than 65536 YAML nodes"};
	check_error(&t, load(b.p));

	/* 257 anchors */
	b.len = 0;
	sb_add(&b, "name: [");
	for (int i = 0; i <= 256; i++)
		sb_add(&b, "&a%d x,", i);
	sb_add(&b, "x]\n");
	t = (struct err_case){"257 anchors", b.p, -EINVAL, "1:", "more than 256 anchors"};
	check_error(&t, load(b.p));
	free(b.p);
}

/* "Billion laughs": each level lists the previous one nine times. Must fail at once. */
static void
test_alias_bomb(void **state)
{
	struct sbuf b = {0};
	uint64_t t0;
	int rc;

	(void)state;
	sb_add(&b, "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
	for (int i = 1; i < 30; i++)
		sb_add(&b, "a%d: &a%d [*a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d]\n", i,
		       i, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1);
	t0 = mono_ns();
	rc = load(b.p);
	assert_true(mono_ns() - t0 < 500000000ull);
	assert_int_equal(rc, -EINVAL);
	assert_non_null(strstr(err, "aliases expand beyond 10000 nodes"));
	/* the alias that crossed the bound, on the 5th line: 9 * (1 + 10 + 91 + 820) > 10000 */
	assert_int_equal(strncmp(err, "t.yaml:5:", 9), 0);

	/* the same bomb hidden where the schema would walk it: a rule's vlan list */
	b.len = 0;
	sb_add(&b, HDR "description: &a0 [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n");
	for (int i = 1; i < 8; i++)
		sb_add(&b,
		       "x%d: &a%d [*a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d]\n",
		       i, i, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1);
	t0 = mono_ns();
	rc = load(b.p);
	assert_true(mono_ns() - t0 < 500000000ull);
	assert_int_equal(rc, -EINVAL);
	assert_non_null(strstr(err, "aliases expand beyond"));
	free(b.p);
}

static void
test_buffer_too_big(void **state)
{
	char *big = malloc(SCN_FILE_MAX + 1);
	int rc;

	(void)state;
	assert_non_null(big);
	memset(big, '#', SCN_FILE_MAX + 1);
	rc = load_len(big, SCN_FILE_MAX + 1);
	free(big);
	assert_int_equal(rc, -EFBIG);
	assert_non_null(strstr(err, "t.yaml: file is larger than 1 MiB"));
}

static void
write_file(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void
test_files(void **state)
{
	char dir[] = "/tmp/scenario_test.XXXXXX";
	char path[128];
	char *big;
	int rc;

	(void)state;
	assert_non_null(mkdtemp(dir));

	/* a valid file */
	snprintf(path, sizeof(path), "%s/ok.yaml", dir);
	write_file(path, HDR, strlen(HDR));
	rc = scn_load_file(path, scn, err, sizeof(err));
	if (rc != 0)
		fail_msg("%s", err);
	assert_string_equal(scn->name, "t");

	/* errors name the file */
	write_file(path, HDR "bogus: 1\n", strlen(HDR "bogus: 1\n"));
	assert_int_equal(scn_load_file(path, scn, err, sizeof(err)), -EINVAL);
	assert_int_equal(strncmp(err, path, strlen(path)), 0);
	assert_int_equal(strncmp(err + strlen(path), ":3:1: unknown key", 17), 0);
	unlink(path);

	/* over 1 MiB: refused from its size, before reading */
	snprintf(path, sizeof(path), "%s/big.yaml", dir);
	big = malloc(SCN_FILE_MAX + 1);
	assert_non_null(big);
	memset(big, '#', SCN_FILE_MAX + 1);
	write_file(path, big, SCN_FILE_MAX + 1);
	free(big);
	rc = scn_load_file(path, scn, err, sizeof(err));
	assert_int_equal(rc, -EFBIG);
	assert_non_null(strstr(err, "file is larger than 1 MiB"));
	assert_int_equal(strncmp(err, path, strlen(path)), 0);
	unlink(path);

	/* missing */
	snprintf(path, sizeof(path), "%s/missing.yaml", dir);
	rc = scn_load_file(path, scn, err, sizeof(err));
	assert_int_equal(rc, -ENOENT);
	snprintf(path + strlen(path), sizeof(path) - strlen(path),
		 ": cannot open: No such file or directory");
	assert_string_equal(err, path);

	/* a directory */
	rc = scn_load_file(dir, scn, err, sizeof(err));
	assert_int_equal(rc, -EISDIR);
	assert_non_null(strstr(err, "Is a directory"));

	/* not a regular file */
	rc = scn_load_file("/dev/null", scn, err, sizeof(err));
	assert_int_equal(rc, -EINVAL);
	assert_string_equal(err, "/dev/null: not a regular file");

	assert_int_equal(rmdir(dir), 0);
}

/* A short error buffer gets a truncated, terminated message; no buffer at all is fine. */
static void
test_small_err_buffer(void **state)
{
	char small[12];

	(void)state;
	memset(small, 'X', sizeof(small));
	assert_int_equal(scn_load_buffer("t.yaml", "~", 1, scn, small, sizeof(small)), -EINVAL);
	assert_string_equal(small, "t.yaml:1:1:");
	assert_int_equal(scn_load_buffer("t.yaml", "~", 1, scn, NULL, 0), -EINVAL);
	assert_int_equal(scn_load_file("/nonexistent/x.yaml", scn, NULL, 0), -ENOENT);
}

/* ---------------------------------------------------------------------------------------- */
/* scn_parse_duration() */

static void
test_parse_duration(void **state)
{
	static const struct {
		const char *s;
		int rc;
		uint64_t us;
	} cases[] = {
		{"250ms", 0, 250000},
		{"5s", 0, 5 * S_US},
		{"5m", 0, 300 * S_US},
		{"1h", 0, 3600 * S_US},
		{"300", 0, 300 * S_US},
		{"0", 0, 0},
		{"0s", 0, 0},
		{"0ms", 0, 0},
		{"007s", 0, 7 * S_US},
		{"1.5s", 0, 1500000},
		{"0.25s", 0, 250000},
		{"1.5", 0, 1500000},
		{"0.000001s", 0, 1},
		{"1.5ms", 0, 1500},
		{"0.0005ms", 0, 1}, /* half a microsecond rounds up */
		{"0.0004ms", 0, 0}, /* and less rounds down */
		{"0.5m", 0, 30 * S_US},
		{"1.000001h", 0, 3600 * S_US + 3600},
		{"indefinite", 0, CFG_DUR_INDEFINITE},
		{"immediate", 0, 0},
		{"2147483s", 0, 2147483 * S_US},
		{"2147483.647s", 0, CFG_DUR_MAX_US},
		{"2147483647ms", 0, CFG_DUR_MAX_US},
		{"596h", 0, 596 * 3600 * S_US},
		{"", -EINVAL, 0},
		{"-5s", -EINVAL, 0},
		{"-0", -EINVAL, 0},
		{"+5s", -EINVAL, 0},
		{"s", -EINVAL, 0},
		{"ms", -EINVAL, 0},
		{".5s", -EINVAL, 0},
		{"5.s", -EINVAL, 0},
		{"5.", -EINVAL, 0},
		{"5x", -EINVAL, 0},
		{"5 s", -EINVAL, 0},
		{"5 sec", -EINVAL, 0},
		{" 5s", -EINVAL, 0},
		{"5s ", -EINVAL, 0},
		{"5S", -EINVAL, 0},
		{"5ss", -EINVAL, 0},
		{"5s5", -EINVAL, 0},
		{"1e3", -EINVAL, 0},
		{"0x10", -EINVAL, 0},
		{"1.0000001s", -EINVAL, 0},
		{"Indefinite", -EINVAL, 0},
		{"inf", -EINVAL, 0},
		{"2147483.648s", -ERANGE, 0},
		{"2147484", -ERANGE, 0},
		{"597h", -ERANGE, 0},
		{"18446744073709551615", -ERANGE, 0},
		{"18446744073709551616s", -ERANGE, 0},
		{"99999999999999999999h", -ERANGE, 0},
		{"99999999999999999999x", -EINVAL, 0}, /* the unit is checked first */
	};
	uint64_t us;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc;

		us = 12345;
		rc = scn_parse_duration(cases[i].s, &us);
		if (rc != cases[i].rc)
			fail_msg("'%s': rc %d, expected %d", cases[i].s, rc, cases[i].rc);
		if (rc == 0 && us != cases[i].us)
			fail_msg("'%s': %llu us, expected %llu", cases[i].s, (unsigned long long)us,
				 (unsigned long long)cases[i].us);
		if (rc != 0 && us != 12345)
			fail_msg("'%s': output written on error", cases[i].s);
	}
	assert_int_equal(scn_parse_duration(NULL, &us), -EINVAL);
	assert_int_equal(scn_parse_duration("5s", NULL), -EINVAL);
}

/* ---------------------------------------------------------------------------------------- */
/* Presets */

static char *
configs_dir(void)
{
	const char *root = getenv("IDLECUT_SOURCE_ROOT");
	char *dir;

	if (root == NULL || *root == '\0')
		root = ".";
	assert_true(asprintf(&dir, "%s/configs", root) > 0);
	return dir;
}

static int
load_preset(const char *file)
{
	char *dir = configs_dir();
	char *path;
	int rc;

	assert_true(asprintf(&path, "%s/%s", dir, file) > 0);
	rc = scn_load_file(path, scn, err, sizeof(err));
	if (rc != 0)
		fail_msg("%s: %s", path, err);
	free(path);
	free(dir);
	return rc;
}

/* Every .yaml in configs/ loads, and puts all traffic under one of its own profiles. */
/*
 * Regression (found by fuzz_scenario): an unknown profile's message lists the defined ones;
 * when the list was cut, its end lost the terminating NUL and the message read past it.
 */
static void
test_unknown_profile_long_list(void **state)
{
	static const char y[] =
		"name: t\n"
		"ports: [{inside: {tap: a}, outside: {tap: b}}]\n"
		"profiles:\n"
		"  aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa: {}\n"
		"  bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb: {}\n"
		"  cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc: {}\n"
		"default_profile: nope\n";
	size_t n;

	(void)state;
	assert_int_equal(load(y), -EINVAL);
	n = strlen(err);
	assert_true(n < sizeof(err));
	assert_non_null(strstr(err, "t.yaml:7:18: default_profile: unknown profile 'nope'"));
	assert_string_equal(err + n - 6, ", ...)");
	assert_null(strchr(err, '\n'));
}

static void
test_presets_load(void **state)
{
	char *dir = configs_dir();
	struct dirent *de;
	DIR *d;
	int n = 0;

	(void)state;
	d = opendir(dir);
	if (d == NULL)
		fail_msg("cannot open %s (set IDLECUT_SOURCE_ROOT)", dir);
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);

		if (len < 5 || strcmp(de->d_name + len - 5, ".yaml") != 0)
			continue;
		load_preset(de->d_name);
		n++;
		/* presets all use the lab topology and the default table size */
		assert_int_equal(scn->n_pairs, 1);
		assert_string_equal(scn->pairs[0].name, "lab");
		assert_int_equal(scn->capacity, 1048576);
		assert_int_equal(scn->pairs[0].mtu, 1500);
		assert_int_equal(scn->steering, CFG_STEERING_AUTO);
		assert_true(scn->n_profiles >= 2);
		if (scn->default_profile == CFG_PROFILE_UNTRACKED) {
			/* then a catch-all rule must send traffic to a device profile */
			bool caught = false;

			for (int i = 0; i < scn->n_rules; i++)
				if (scn->rules[i].match.present == 0 &&
				    scn->rules[i].profile != CFG_PROFILE_UNTRACKED)
					caught = true;
			if (!caught && strcmp(de->d_name, "example.yaml") != 0)
				fail_msg("%s: no rule or default_profile for all traffic",
					 de->d_name);
		}
	}
	closedir(d);
	if (n == 0)
		fail_msg("no .yaml file in %s", dir);
	free(dir);
}

/* The headline numbers of each device, as SPEC §8 states them. */
static void
test_preset_values(void **state)
{
	static const struct {
		const char *file;
		enum cfg_tmo tmo;
		uint64_t s;
	} tmo[] = {
		{"f5-fastl4.yaml", CFG_TMO_TCP_ESTABLISHED, 300},
		{"f5-fastl4.yaml", CFG_TMO_TCP_HANDSHAKE, 5},
		{"f5-fastl4.yaml", CFG_TMO_TCP_CLOSING, 5},
		{"f5-standard-tcp.yaml", CFG_TMO_TCP_ESTABLISHED, 300},
		{"azure-lb.yaml", CFG_TMO_TCP_ESTABLISHED, 240},
		{"azure-lb-tcp-reset.yaml", CFG_TMO_TCP_ESTABLISHED, 240},
		{"aws-nat-gateway.yaml", CFG_TMO_TCP_ESTABLISHED, 350},
		{"aws-nlb.yaml", CFG_TMO_TCP_ESTABLISHED, 350},
		{"aws-nlb.yaml", CFG_TMO_UDP_SINGLE, 120},
		{"aws-nlb.yaml", CFG_TMO_UDP_STREAM, 120},
		{"gcp-cloud-nat.yaml", CFG_TMO_TCP_ESTABLISHED, 1200},
		{"gcp-cloud-nat.yaml", CFG_TMO_TCP_HANDSHAKE, 30},
		{"gcp-cloud-nat.yaml", CFG_TMO_UDP_SINGLE, 30},
		{"linux-conntrack.yaml", CFG_TMO_TCP_ESTABLISHED, 432000},
		{"linux-conntrack.yaml", CFG_TMO_UDP_SINGLE, 30},
		{"linux-conntrack.yaml", CFG_TMO_UDP_STREAM, 120},
		{"cisco-asa.yaml", CFG_TMO_TCP_ESTABLISHED, 3600},
		{"cisco-asa.yaml", CFG_TMO_TCP_HANDSHAKE, 30},
		{"cisco-asa.yaml", CFG_TMO_TCP_CLOSING, 600},
		{"cisco-asa.yaml", CFG_TMO_ICMP, 2},
		{"paloalto.yaml", CFG_TMO_TCP_ESTABLISHED, 3600},
		{"juniper-srx.yaml", CFG_TMO_TCP_ESTABLISHED, 1800},
		{"juniper-srx.yaml", CFG_TMO_TCP_HANDSHAKE, 20},
	};
	static const struct {
		const char *file;
		enum cfg_on_timeout on_timeout;
		enum cfg_stray stray;
	} act[] = {
		{"f5-fastl4.yaml", CFG_ON_TIMEOUT_RESET_BOTH, CFG_STRAY_DROP},
		{"azure-lb.yaml", CFG_ON_TIMEOUT_SILENT, CFG_STRAY_DROP},
		/* the map's default; ESTABLISHED resets (test_preset_added_keys) */
		{"azure-lb-tcp-reset.yaml", CFG_ON_TIMEOUT_SILENT, CFG_STRAY_DROP},
		{"aws-nat-gateway.yaml", CFG_ON_TIMEOUT_SILENT, CFG_STRAY_RESET},
		{"aws-nlb.yaml", CFG_ON_TIMEOUT_SILENT, CFG_STRAY_RESET},
		{"linux-conntrack.yaml", CFG_ON_TIMEOUT_SILENT, CFG_STRAY_ADOPT},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(tmo) / sizeof(tmo[0]); i++) {
		const struct cfg_profile *p;

		load_preset(tmo[i].file);
		p = &scn->profiles[scn->default_profile != 0 ? scn->default_profile : 1];
		if (p->timeout_us[tmo[i].tmo] != tmo[i].s * S_US)
			fail_msg("%s: %s is %llu us, expected %llu s", tmo[i].file,
				 cfg_tmo_name(tmo[i].tmo),
				 (unsigned long long)p->timeout_us[tmo[i].tmo],
				 (unsigned long long)tmo[i].s);
	}
	for (size_t i = 0; i < sizeof(act) / sizeof(act[0]); i++) {
		const struct cfg_profile *p;

		load_preset(act[i].file);
		p = &scn->profiles[scn->default_profile != 0 ? scn->default_profile : 1];
		if (p->on_timeout != act[i].on_timeout || p->stray_tcp != act[i].stray)
			fail_msg("%s: on_timeout %s stray %s", act[i].file,
				 cfg_on_timeout_name(p->on_timeout), cfg_stray_name(p->stray_tcp));
	}
}

/* A profile of the loaded preset, by name. */
static const struct cfg_profile *
preset_profile(const char *file, const char *name)
{
	int i = cfg_profile_find(scn, name);

	if (i < 0)
		fail_msg("%s: no profile '%s'", file, name);
	return &scn->profiles[i];
}

/* What the presets' comments claim with the keys SPEC §5 added, each from a cited source. */
static void
test_preset_added_keys(void **state)
{
	static const char *const f5[] = {"f5-fastl4.yaml", "f5-standard-tcp.yaml"};
	const struct cfg_profile *p;

	(void)state;
	/* Azure LB with TCP reset: only for ESTABLISHED connections */
	load_preset("azure-lb-tcp-reset.yaml");
	p = preset_profile("azure-lb-tcp-reset.yaml", "azure-lb-tcp-reset");
	for (int s = 0; s < CFG_TCP_STATES; s++)
		assert_int_equal(p->on_timeout_state[s], s == FLOW_TCP_ESTABLISHED
								 ? CFG_ON_TIMEOUT_RESET_BOTH
								 : CFG_ON_TIMEOUT_SILENT);

	/* AWS NAT gateway: an RST to the resources behind it (inside), nothing outside */
	load_preset("aws-nat-gateway.yaml");
	p = preset_profile("aws-nat-gateway.yaml", "aws-nat-gateway");
	assert_int_equal(p->stray_tcp_side[CFG_SIDE_INSIDE], CFG_STRAY_RESET);
	assert_int_equal(p->stray_tcp_side[CFG_SIDE_OUTSIDE], CFG_STRAY_DROP);
	assert_int_equal(p->stray_tcp, CFG_STRAY_RESET);

	/* Cisco ASA: silent by default; with "idle ... reset", never a half-closed one */
	load_preset("cisco-asa.yaml");
	assert_string_equal(scn->profiles[scn->default_profile].name, "cisco-asa");
	p = preset_profile("cisco-asa.yaml", "cisco-asa");
	for (int s = 0; s < CFG_TCP_STATES; s++)
		assert_int_equal(p->on_timeout_state[s], CFG_ON_TIMEOUT_SILENT);
	p = preset_profile("cisco-asa.yaml", "cisco-asa-idle-reset");
	assert_int_equal(p->on_timeout_state[FLOW_TCP_ESTABLISHED], CFG_ON_TIMEOUT_RESET_BOTH);
	assert_int_equal(p->on_timeout_state[FLOW_TCP_FIN_WAIT], CFG_ON_TIMEOUT_SILENT);
	assert_int_equal(p->on_timeout_state[FLOW_TCP_CLOSING], CFG_ON_TIMEOUT_SILENT);
	assert_int_equal(p->on_timeout_state[FLOW_TCP_SYN_SENT], CFG_ON_TIMEOUT_SILENT);
	assert_int_equal(p->on_timeout_state[FLOW_TCP_SYN_RECV], CFG_ON_TIMEOUT_SILENT);
	assert_int_equal(p->timeout_us[CFG_TMO_TCP_ESTABLISHED], 3600 * S_US);
	assert_int_equal(p->timeout_us[CFG_TMO_TCP_CLOSING], 600 * S_US);

	/* F5: the eviction policy's default watermarks; no reset-cause text (no source) */
	for (size_t i = 0; i < sizeof(f5) / sizeof(f5[0]); i++) {
		load_preset(f5[i]);
		assert_true(scn->reaper.on);
		assert_int_equal(scn->reaper.high_pct, 95);
		assert_int_equal(scn->reaper.low_pct, 85);
		assert_int_equal(scn->when_full, CFG_WHEN_FULL_FORWARD);
		assert_int_equal(scn->profiles[scn->default_profile].rst_payload_len, 0);
	}

	/* Linux conntrack: early_drop when full */
	load_preset("linux-conntrack.yaml");
	assert_int_equal(scn->when_full, CFG_WHEN_FULL_EARLY_DROP);
	assert_false(scn->reaper.on);

	/* Juniper SRX: aggressive aging is off by default (watermarks at 100 %) */
	load_preset("juniper-srx.yaml");
	assert_false(scn->reaper.on);
	assert_int_equal(scn->when_full, CFG_WHEN_FULL_FORWARD);
}

/* ---------------------------------------------------------------------------------------- */

static int
setup(void **state)
{
	(void)state;
	scn = calloc(1, sizeof(*scn));
	return scn == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	(void)state;
	free(scn);
	return 0;
}

int
main(void)
{
	static const struct CMUnitTest fixed[] = {
		cmocka_unit_test(test_minimal_defaults),
		cmocka_unit_test(test_ports),
		cmocka_unit_test(test_flow_table),
		cmocka_unit_test(test_profiles),
		cmocka_unit_test(test_rules),
		cmocka_unit_test(test_timeline),
		cmocka_unit_test(test_spec_example),
		cmocka_unit_test(test_aliases_allowed),
		cmocka_unit_test(test_limits_reached_exactly),
		cmocka_unit_test(test_added_keys_defaults),
		cmocka_unit_test(test_added_keys),
		cmocka_unit_test(test_errors_generated),
		cmocka_unit_test(test_alias_bomb),
		cmocka_unit_test(test_buffer_too_big),
		cmocka_unit_test(test_files),
		cmocka_unit_test(test_small_err_buffer),
		cmocka_unit_test(test_parse_duration),
		cmocka_unit_test(test_presets_load),
		cmocka_unit_test(test_unknown_profile_long_list),
		cmocka_unit_test(test_preset_values),
		cmocka_unit_test(test_preset_added_keys),
	};
	const size_t n_fixed = sizeof(fixed) / sizeof(fixed[0]);
	const size_t n_err = sizeof(err_cases) / sizeof(err_cases[0]);
	struct CMUnitTest *tests = calloc(n_fixed + n_err, sizeof(*tests));
	int rc;

	if (tests == NULL)
		return 1;
	memcpy(tests, fixed, sizeof(fixed));
	/* one named test per error case, so that a failure names the case */
	for (size_t i = 0; i < n_err; i++) {
		tests[n_fixed + i] = (struct CMUnitTest){
			.name = err_cases[i].name,
			.test_func = test_error_case,
			.initial_state = (void *)&err_cases[i],
		};
	}
	rc = _cmocka_run_group_tests("scenario", tests, n_fixed + n_err, setup, teardown);
	free(tests);
	return rc;
}
