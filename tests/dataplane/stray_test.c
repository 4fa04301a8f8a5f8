/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Stray TCP (a segment of no known flow): dropped, answered with an RST built from the
 * segment alone (out of the port it came in, with its tags), or adopted as an established
 * flow; an RST is never answered and never creates a flow.
 *
 * Run: meson test -C build --suite dataplane (tests/dataplane/harness.h says how they run).
 */
#include <stdint.h>
#include <string.h>

#include "harness.h"

/* ------------------------------------------------------------------ stray TCP */

static void
test_stray_drop(void **state)
{
	struct fx *x = fx_new(FX_T3_YAML, 1.0, 1024);
	struct fx_ep s = EP_SERVER;
	struct fx_pkt p;

	(void)state;
	s.port = 80;
	fx_at(x, 100);
	p = fx_tcp_pkt(&EP_CLIENT, &s, ACK, 7000, 9000, 0);
	EQ("ACK forwarded", fx_push(x, 0, fx_mbuf(&p)), 0);
	EQ("mbuf freed", fx_mbufs_avail(), x->avail0);
	/* A FIN with data, from a client behind the outside port. */
	p = fx_tcp_pkt(&EP_CLIENT_HI, &s, FIN | ACK, 9000, 7000, 10);
	EQ("FIN forwarded", fx_push(x, 1, fx_mbuf(&p)), 0);
	EQ("mbuf freed", fx_mbufs_avail(), x->avail0);
	EQ("drops{stray}", fx_stats(x)->drops[STATS_DROP_STRAY], 2);
	EQ("stray{drop}", fx_stats(x)->stray[CFG_STRAY_DROP], 2);
	EQ("stray{reset}", fx_stats(x)->stray[CFG_STRAY_RESET], 0);
	EQ("untracked", fx_stats(x)->untracked, 0);
	EQ("flows", fx_n_flows(x), 0);
	EQ("RSTs", fx_rst_queued(x), 0);
	fx_free(x);
}

static void
test_stray_reset(void **state)
{
	struct fx *x = fx_new(FX_T3_YAML, 1.0, 1024);
	int prof = fx_profile(x, "reset");
	struct fx_ep s = EP_SERVER, c81 = EP_CLIENT;
	struct fx_rst e;
	struct fx_pkt p;

	(void)state;
	s.port = 81;
	c81.port = 81;
	fx_at(x, 100);

	/* A mid-stream segment with ACK, tagged, from the inside: RST seq = its ACK number. */
	p = fx_tcp_pkt(&EP_CLIENT, &s, PSH | ACK, 7000, 9000, 10);
	p.n_vlan = 1;
	p.tpid[0] = 0x8100;
	p.vlan[0] = 55;
	EQ("forwarded", fx_push(x, 0, fx_mbuf(&p)), 0);
	EQ("RST out of the port it came in", fx_rst_n(x, 0), 1);
	EQ("nothing out of the other port", fx_rst_n(x, 1), 0);
	memset(&e, 0, sizeof(e));
	e.dmac = EP_CLIENT.mac;
	e.smac = s.mac;
	e.family = 4;
	e.sip = s.ip4;
	e.dip = EP_CLIENT.ip4;
	e.sport = 81;
	e.dport = EP_CLIENT.port;
	e.seq = 9000;
	e.flags = RST;
	e.n_vlan = 1;
	e.tpid[0] = 0x8100;
	e.vlan[0] = 55;
	fx_check_rst("stray RST (ACK)", fx_rst(x, 0, 0), &e);

	/* Without ACK, from the outside, QinQ: seq 0, ack = its SEG.SEQ + SEG.LEN. */
	p = fx_tcp_pkt(&EP_SERVER, &c81, PSH, 123, 0, 5);
	p.n_vlan = 2;
	p.tpid[0] = 0x88a8;
	p.vlan[0] = 7;
	p.tpid[1] = 0x8100;
	p.vlan[1] = 8;
	EQ("forwarded", fx_push(x, 1, fx_mbuf(&p)), 0);
	EQ("RST out of the outside port", fx_rst_n(x, 1), 1);
	memset(&e, 0, sizeof(e));
	e.dmac = EP_SERVER.mac;
	e.smac = c81.mac;
	e.family = 4;
	e.sip = c81.ip4;
	e.dip = EP_SERVER.ip4;
	e.sport = 81;
	e.dport = EP_SERVER.port;
	e.seq = 0;
	e.ack = 128;
	e.flags = RST | ACK;
	e.n_vlan = 2;
	e.tpid[0] = 0x88a8;
	e.vlan[0] = 7;
	e.tpid[1] = 0x8100;
	e.vlan[1] = 8;
	fx_check_rst("stray RST (no ACK)", fx_rst(x, 1, 0), &e);

	/* A FIN without ACK counts one in sequence space. */
	p = fx_tcp_pkt(&EP_CLIENT, &s, FIN, 200, 0, 0);
	EQ("forwarded", fx_push(x, 0, fx_mbuf(&p)), 0);
	EQ("RSTs on the inside port", fx_rst_n(x, 0), 2);
	memset(&e, 0, sizeof(e));
	e.dmac = EP_CLIENT.mac;
	e.smac = s.mac;
	e.family = 4;
	e.sip = s.ip4;
	e.dip = EP_CLIENT.ip4;
	e.sport = 81;
	e.dport = EP_CLIENT.port;
	e.seq = 0;
	e.ack = 201;
	e.flags = RST | ACK;
	fx_check_rst("stray RST (FIN)", fx_rst(x, 0, 1), &e);

	EQ("drops{stray}", fx_stats(x)->drops[STATS_DROP_STRAY], 3);
	EQ("stray{reset}", fx_stats(x)->stray[CFG_STRAY_RESET], 3);
	EQ("flows", fx_n_flows(x), 0);
	EQ("flows_created", fx_stats(x)->flows_created[prof], 0);
	fx_flush_and_check(x);
	EQ("rst_sent{stray}", fx_stats(x)->rst_sent[STATS_RST_STRAY], 3);
	EQ("rst_sent{client}", fx_stats(x)->rst_sent[STATS_RST_CLIENT], 0);
	fx_free(x);
}

/* An RST is never answered with an RST, and never creates a flow. */
static void
test_stray_rst_not_answered(void **state)
{
	static const uint16_t ports[] = {80, 81, 82};
	static const uint8_t flags[] = {RST, RST | ACK};
	struct fx *x = fx_new(FX_T3_YAML, 1.0, 1024);
	struct fx_ep s = EP_SERVER;
	struct fx_pkt p;

	(void)state;
	fx_at(x, 100);
	for (unsigned int i = 0; i < RTE_DIM(ports); i++) {
		for (unsigned int j = 0; j < RTE_DIM(flags); j++) {
			s.port = ports[i];
			p = fx_tcp_pkt(&EP_CLIENT, &s, flags[j], 7000, 9000, 0);
			/* adopt forwards it (the flow may live elsewhere), drop/reset drop it */
			EQ("forwarded", fx_push(x, j, fx_mbuf(&p)), ports[i] == 82 ? 1 : 0);
		}
	}
	EQ("RSTs", fx_rst_queued(x), 0);
	EQ("rst_sent{stray}", fx_stats(x)->rst_sent[STATS_RST_STRAY], 0);
	EQ("flows", fx_n_flows(x), 0);
	EQ("drops{stray}", fx_stats(x)->drops[STATS_DROP_STRAY], 4);
	EQ("mbufs", fx_mbufs_avail(), x->avail0);
	fx_free(x);
}

static void
test_stray_adopt(void **state)
{
	struct fx *x = fx_new(FX_T3_YAML, 1.0, 1024);
	int prof = fx_profile(x, "adopt");
	struct tconn t;
	struct flow *f;

	(void)state;
	tc_init(&t, 4, &EP_CLIENT_HI, &EP_SERVER, 0, true);
	t.s.port = 82;
	t.nxt[0] = 7000;
	t.nxt[1] = 9000;
	fx_at(x, 100);
	EQ("adopted ACK forwarded", tc_seg(x, &t, 0, ACK, 0), 1);
	f = tc_flow(x, &t);
	assert_non_null(f);
	EQ("state", f->state, FLOW_TCP_ESTABLISHED);
	EQ("profile", f->profile, prof);
	/* Adopted mid-stream: the endpoint on the inside port is the client (SPEC §4), here
	 * the one that did not send the adopted ACK. */
	EQ("client = the inside endpoint", flow_client(f), 0);
	EQ("client side", !!(f->flags & FLOW_F_CLIENT_OUTSIDE), 0);
	EQ("stray{adopt}", fx_stats(x)->stray[CFG_STRAY_ADOPT], 1);
	EQ("drops{stray}", fx_stats(x)->drops[STATS_DROP_STRAY], 0);
	EQ("flows_created", fx_stats(x)->flows_created[prof], 1);
	fx_at(x, 101);
	EQ("server data forwarded", tc_seg(x, &t, 1, PSH | ACK, 50), 1);
	EQ("client ACK forwarded", tc_seg(x, &t, 0, ACK, 0), 1);
	EQ("state", f->state, FLOW_TCP_ESTABLISHED);
	EQ("stray counted once", fx_stats(x)->stray[CFG_STRAY_ADOPT], 1);
	fx_expect_expiry_at(x, 101 + 3000, prof, FLOW_TCP_ESTABLISHED);
	tc_check_rsts(x, &t, 1, 1);
	fx_flush_and_check(x);
	fx_free(x);
}

/* ------------------------------------------------------------------ main */

static void
add_tests(void)
{
	fx_add_test("stray_drop", test_stray_drop, NULL);
	fx_add_test("stray_reset", test_stray_reset, NULL);
	fx_add_test("stray_rst_never_answered", test_stray_rst_not_answered, NULL);
	fx_add_test("stray_adopt", test_stray_adopt, NULL);
}

int
main(int argc, char **argv)
{
	return fx_main(argc, argv, "dataplane-stray", add_tests);
}
