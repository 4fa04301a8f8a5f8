/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Expiry: every TCP on_timeout action at the exact due tick, with its RSTs (both families,
 * either side inside, either endpoint first in the key); the silent expiries (UDP, ICMP,
 * other protocols, TIME_WAIT, CLOSED); a timeout changed by a new snapshot (shortened:
 * applies at the next packet; lengthened: lazy re-arm).
 *
 * Run: meson test -C build --suite dataplane (tests/dataplane/harness.h says how they run).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

/* ------------------------------------------------------------------ TCP expiry */

struct t1_case {
	const char *profile;
	uint16_t port; /* server port: selects the profile */
	uint8_t family;
	bool client_outside; /* the client sits behind the outside port */
	bool client_hi;	     /* the client is endpoint 1 of the key */
	unsigned int rst_client, rst_server;
};

static const struct t1_case t1_cases[] = {
	{"both", 80, 4, false, false, 1, 1},   {"both", 80, 4, true, false, 1, 1},
	{"both", 80, 4, false, true, 1, 1},    {"both", 80, 6, false, false, 1, 1},
	{"both", 80, 6, true, true, 1, 1},     {"client", 81, 4, false, false, 1, 0},
	{"server", 82, 4, false, false, 0, 1}, {"silent", 83, 4, false, false, 0, 0},
};

static void
test_tcp_expiry(void **state)
{
	const struct t1_case *k = *state;
	struct fx *x = fx_new(FX_T1_YAML, 1.0, 1024);
	int prof = fx_profile(x, k->profile);
	struct tconn t;
	struct flow *f;
	uint32_t last;

	tc_init(&t, k->family, k->client_hi ? &EP_CLIENT_HI : &EP_CLIENT, &EP_SERVER, 0,
		k->client_outside);
	t.s.port = k->port;
	last = tc_open(x, &t, 100);
	f = tc_flow(x, &t);
	assert_non_null(f);
	EQ("state", f->state, FLOW_TCP_ESTABLISHED);
	EQ("profile", f->profile, prof);
	EQ("client endpoint", flow_client(f), k->client_hi ? 1 : 0);
	EQ("flows", fx_n_flows(x), 1);
	EQ("flows_created", fx_stats(x)->flows_created[prof], 1);
	EQ("flows_active", fx_stats(x)->flows_active[prof], 1);

	fx_expect_expiry_at(x, last + 10000, prof, FLOW_TCP_ESTABLISHED);
	EQ("flows left", fx_n_flows(x), 0);
	EQ("flows_active", fx_stats(x)->flows_active[prof], 0);
	EQ("late_count", fx_stats(x)->late_count, 1);
	EQ("late_max_ns (expired exactly when due)", fx_stats(x)->late_max_ns, 0);
	tc_check_rsts(x, &t, k->rst_client, k->rst_server);
	/* rst_sent counts what the port took (SPEC §6): queued is not sent yet. */
	EQ("rst_sent{client} before TX", fx_stats(x)->rst_sent[STATS_RST_CLIENT], 0);
	fx_flush_and_check(x);
	EQ("rst_sent{client}", fx_stats(x)->rst_sent[STATS_RST_CLIENT], k->rst_client);
	EQ("rst_sent{server}", fx_stats(x)->rst_sent[STATS_RST_SERVER], k->rst_server);
	EQ("rst_sent{stray}", fx_stats(x)->rst_sent[STATS_RST_STRAY], 0);
	fx_free(x);
}

/* ------------------------------------------------------------------ silent expiry */

static const char T6_YAML[] =
	"name: t6\n"
	"ports: [{name: a, inside: {port: 0}, outside: {port: 1}}]\n"
	"profiles:\n"
	"  p:\n"
	"    tcp: {handshake: 5s, established: 10s, closing: 4s, time_wait: 2s}\n"
	"    udp: {single: 3s, stream: 6s}\n"
	"    icmp: 7s\n"
	"    other: 8s\n"
	"    on_timeout: reset-both\n"
	"default_profile: p\n";

enum t6_kind { K_UDP_SINGLE, K_UDP_STREAM, K_ICMP4, K_ICMP6, K_OTHER, K_TIME_WAIT, K_CLOSED };

struct t6_case {
	const char *name;
	enum t6_kind kind;
	enum flow_state state;
	uint32_t tmo;
};

static const struct t6_case t6_cases[] = {
	{"udp_single", K_UDP_SINGLE, FLOW_UDP_SINGLE, 3000},
	{"udp_stream", K_UDP_STREAM, FLOW_UDP_STREAM, 6000},
	{"icmp_echo", K_ICMP4, FLOW_ACTIVE, 7000},
	{"icmpv6_echo", K_ICMP6, FLOW_ACTIVE, 7000},
	{"other_gre", K_OTHER, FLOW_ACTIVE, 8000},
	{"tcp_time_wait", K_TIME_WAIT, FLOW_TCP_TIME_WAIT, 2000},
	{"tcp_closed_after_rst", K_CLOSED, FLOW_TCP_CLOSED, 4000},
};

static void
test_silent_expiry(void **state)
{
	const struct t6_case *k = *state;
	struct fx *x = fx_new(T6_YAML, 1.0, 1024);
	int prof = fx_profile(x, "p");
	uint8_t family = k->kind == K_ICMP6 ? 6 : 4, proto;
	struct flow *f;
	struct tconn t;
	struct fx_pkt p;
	uint32_t last;
	uint16_t port_c = EP_CLIENT.port, port_s = EP_SERVER.port;

	memset(&p, 0, sizeof(p));
	p.family = family;
	p.src = &EP_CLIENT;
	p.dst = &EP_SERVER;
	p.len = 8;
	fx_at(x, 100);
	switch (k->kind) {
	case K_UDP_SINGLE:
	case K_UDP_STREAM:
		p.proto = proto = 17;
		EQ("forwarded", fx_push(x, 0, fx_mbuf(&p)), 1);
		last = 100;
		if (k->kind == K_UDP_STREAM) {
			fx_at(x, 101);
			p.src = &EP_SERVER;
			p.dst = &EP_CLIENT;
			EQ("reply forwarded", fx_push(x, 1, fx_mbuf(&p)), 1);
			last = 101;
		}
		break;
	case K_ICMP4:
	case K_ICMP6:
		p.proto = proto = family == 4 ? 1 : 58;
		p.icmp_type = family == 4 ? 8 : 128;
		p.icmp_id = 0x4242;
		EQ("echo request forwarded", fx_push(x, 0, fx_mbuf(&p)), 1);
		fx_at(x, 101);
		p.src = &EP_SERVER;
		p.dst = &EP_CLIENT;
		p.icmp_type = family == 4 ? 0 : 129;
		EQ("echo reply forwarded", fx_push(x, 1, fx_mbuf(&p)), 1);
		last = 101;
		port_c = port_s = 0x4242;
		break;
	case K_OTHER:
		p.proto = proto = 47;
		EQ("GRE forwarded", fx_push(x, 0, fx_mbuf(&p)), 1);
		last = 100;
		port_c = port_s = 0;
		break;
	case K_TIME_WAIT:
	case K_CLOSED:
	default:
		proto = 6;
		tc_init(&t, 4, &EP_CLIENT, &EP_SERVER, 0, false);
		last = tc_open(x, &t, 100) + 1;
		fx_at(x, last);
		if (k->kind == K_CLOSED) {
			EQ("RST forwarded", tc_seg(x, &t, 0, RST | ACK, 0), 1);
			break;
		}
		EQ("FIN forwarded", tc_seg(x, &t, 0, FIN | ACK, 0), 1);
		EQ("ACK forwarded", tc_seg(x, &t, 1, ACK, 0), 1);
		EQ("FIN forwarded", tc_seg(x, &t, 1, FIN | ACK, 0), 1);
		EQ("last ACK forwarded", tc_seg(x, &t, 0, ACK, 0), 1);
		break;
	}
	f = fx_flow_find(x, family, fx_ip_of(&EP_CLIENT, family), port_c,
			 fx_ip_of(&EP_SERVER, family), port_s, proto, 0, 0, 0);
	assert_non_null(f);
	EQ("state", f->state, k->state);
	fx_expect_expiry_at(x, last + k->tmo, prof, k->state);
	EQ("flows", fx_n_flows(x), 0);
	EQ("RSTs queued", fx_rst_queued(x), 0);
	EQ("rst_sent",
	   fx_stats(x)->rst_sent[0] + fx_stats(x)->rst_sent[1] + fx_stats(x)->rst_sent[2] +
		   fx_stats(x)->rst_failed,
	   0);
	EQ("mbufs", fx_mbufs_avail(), x->avail0);
	fx_free(x);
}

/* ------------------------------------------------------------------ timeout change */

static const char T7_YAML[] = "name: t7\n"
			      "ports: [{name: a, inside: {port: 0}, outside: {port: 1}}]\n"
			      "profiles:\n"
			      "  p: {tcp: {handshake: 5s, established: 10s}}\n"
			      "default_profile: p\n";

/* A copy of @p x's scenario with tcp.established of @p prof set as a timeline "set" does. */
static struct dp_snapshot *
snap_with_established(const struct fx *x, int prof, uint64_t us)
{
	struct cfg_scenario *scn = malloc(sizeof(*scn));
	struct cfg_set set = {.field = CFG_FIELD_TMO_FIRST + CFG_TMO_TCP_ESTABLISHED, .value = us};
	struct dp_snapshot *s;

	assert_non_null(scn);
	*scn = *x->scn;
	cfg_profile_apply_set(&scn->profiles[prof], &set);
	s = fx_snap_build(scn, 1.0);
	s->generation = x->snap->generation + 1;
	free(scn);
	return s;
}

static void
test_timeout_shortened(void **state)
{
	struct fx *x = fx_new(T7_YAML, 1.0, 1024);
	int prof = fx_profile(x, "p");
	struct dp_snapshot *s2 = snap_with_established(x, prof, 2000000);
	struct tconn a, b;
	struct flow *fa, *fb;
	uint64_t exp_b = 0;

	(void)state;
	tc_init(&a, 4, &EP_CLIENT, &EP_SERVER, 0, false);
	tc_init(&b, 4, &EP_CLIENT_HI, &EP_SERVER, 0, false);
	tc_open(x, &a, 100);
	tc_open(x, &b, 200); /* B's last packet at 202, armed at its handshake due 5200 */
	fa = tc_flow(x, &a);
	fb = tc_flow(x, &b);
	assert_non_null(fa);
	assert_non_null(fb);
	/* Lazy re-arm: still armed at the handshake due, a longer timeout never re-arms. */
	EQ("due of A", fa->due, 100 + 5000);

	fx_at(x, 500);
	fx_publish(x, s2); /* the control thread published a new snapshot */
	EQ("A refreshed", tc_seg(x, &a, 0, ACK, 0), 1);
	EQ("A re-armed at its new, earlier due", fa->due, 500 + 2000);
	fx_expect_expiry_at(x, 2500, prof, FLOW_TCP_ESTABLISHED);
	EQ("B still there", fx_n_flows(x), 1);
	tc_check_rsts(x, &a, 1, 1);
	fx_flush_and_check(x);

	/*
	 * B had no packet since the change: SPEC §5 applies the new timeout "from its next
	 * refresh". It must not go before its new timeout would say (202 + 2000) and must be
	 * gone by the tick its old one gives (202 + 10000).
	 */
	for (uint32_t tick = 2501; tick <= 202 + 10000 && exp_b == 0; tick++) {
		fx_at(x, tick);
		exp_b = fx_expired_total(x) - 1;
		if (exp_b)
			printf("timeline-like change: flow without a packet since the change "
			       "(last seen 202, old due 10202, new due 2202) expired at tick %u, "
			       "recorded lateness %" PRIu64 " ms\n",
			       tick, fx_stats(x)->late_max_ns / 1000000);
	}
	EQ("B expired by its old due", exp_b, 1);
	EQ("flows", fx_n_flows(x), 0);
	tc_check_rsts(x, &b, 1, 1);
	fx_flush_and_check(x);
	fx_free(x);
	free(s2);
}

static void
test_timeout_lengthened(void **state)
{
	struct fx *x = fx_new(T7_YAML, 1.0, 1024);
	int prof = fx_profile(x, "p");
	struct dp_snapshot *s2 = snap_with_established(x, prof, 20000000);
	struct tconn a;
	struct flow *fa;

	(void)state;
	tc_init(&a, 4, &EP_CLIENT, &EP_SERVER, 0, false);
	tc_open(x, &a, 100);
	fa = tc_flow(x, &a);
	assert_non_null(fa);
	fx_at(x, 500);
	fx_publish(x, s2);
	EQ("A refreshed", tc_seg(x, &a, 0, ACK, 0), 1);
	EQ("longer timeout: no re-arm on the packet", fa->due, 100 + 5000);
	fx_at(x, 5100);
	EQ("nothing expired", fx_expired_total(x), 0);
	EQ("lazy re-arm at the slot check", fa->due, 500 + 20000);
	fx_expect_expiry_at(x, 20500, prof, FLOW_TCP_ESTABLISHED);
	EQ("late_max_ns", fx_stats(x)->late_max_ns, 0);
	tc_check_rsts(x, &a, 1, 1);
	fx_flush_and_check(x);
	fx_free(x);
	free(s2);
}

/* ------------------------------------------------------------------ main */

static void
add_tests(void)
{
	for (unsigned int i = 0; i < RTE_DIM(t1_cases); i++) {
		const struct t1_case *k = &t1_cases[i];

		fx_add_test(fx_fmt("tcp_expiry_%s_ipv%u%s%s", k->profile, k->family,
				   k->client_outside ? "_client_outside" : "",
				   k->client_hi ? "_client_endpoint1" : ""),
			    test_tcp_expiry, k);
	}
	for (unsigned int i = 0; i < RTE_DIM(t6_cases); i++)
		fx_add_test(fx_fmt("silent_expiry_%s", t6_cases[i].name), test_silent_expiry,
			    &t6_cases[i]);
	fx_add_test("timeout_shortened_applies_at_next_packet", test_timeout_shortened, NULL);
	fx_add_test("timeout_lengthened_lazy_rearm", test_timeout_lengthened, NULL);
}

int
main(int argc, char **argv)
{
	return fx_main(argc, argv, "dataplane-expiry", add_tests);
}
