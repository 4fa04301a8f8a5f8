/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RSTs to an endpoint that has not sent a frame yet (a flow timing out in SYN_SENT, a flow
 * adopted from one direction): addressed to the MAC the first frame was sent to, with the
 * sequence numbers that endpoint accepts.
 *
 * Run: meson test -C build --suite dataplane (tests/dataplane/harness.h says how they run).
 */
#include <string.h>

#include "harness.h"

/* ------------------------------------------------------------------ handshake RSTs */

/*
 * Regression (found by this test): an RST towards an endpoint that has not sent a frame yet
 * (a flow timing out in SYN_SENT, or adopted from one direction) must be addressed to the
 * MAC the first frame was sent to, not to 00:00:00:00:00:00, which a host drops.
 */
static void
rst_to_silent_endpoint_uses_first_frame_dst_mac(void **state)
{
	struct fx *x = fx_new(FX_T3_YAML, 1.0, 1024);
	int prof = fx_profile(x, "adopt");
	struct tconn t;
	struct fx_rst e;

	(void)state;
	/* SYN_SENT timeout: the client's RST is right, the server's goes to 00:..:00. */
	tc_init(&t, 4, &EP_CLIENT, &EP_SERVER, 0, false);
	t.s.port = 82;
	fx_at(x, 100);
	EQ("SYN forwarded", tc_seg(x, &t, 0, SYN, 0), 1);
	fx_expect_expiry_at(x, 100 + 1000, prof, FLOW_TCP_SYN_SENT);
	EQ("RSTs", fx_rst_queued(x), 2);
	memset(&e, 0, sizeof(e));
	e.dmac = EP_CLIENT.mac;
	e.family = 4;
	e.sip = t.s.ip4;
	e.dip = t.c.ip4;
	e.sport = t.s.port;
	e.dport = t.c.port;
	e.seq = 0;
	e.ack = ISN_C + 1; /* a SYN_SENT stack takes an RST whose ACK covers its SYN */
	e.flags = RST | ACK;
	fx_check_rst("SYN_SENT: RST to the client", fx_rst(x, 0, 0), &e);
	e.dmac = EP_SERVER.mac;
	e.sip = t.c.ip4;
	e.dip = t.s.ip4;
	e.sport = t.c.port;
	e.dport = t.s.port;
	e.seq = ISN_C + 1; /* the RCV.NXT of a server in SYN_RECV */
	e.flags = RST;
	fx_check_rst("SYN_SENT: RST to the server", fx_rst(x, 1, 0), &e);
	fx_flush_and_check(x);

	/* A flow adopted from the client's segments only. */
	tc_init(&t, 4, &EP_CLIENT, &EP_SERVER, 0, false);
	t.s.port = 82;
	t.nxt[0] = 7000;
	t.nxt[1] = 9000;
	fx_at(x, 2000);
	EQ("adopted", tc_seg(x, &t, 0, PSH | ACK, 10), 1);
	fx_expect_expiry_at(x, 2000 + 3000, prof, FLOW_TCP_ESTABLISHED);
	EQ("RSTs", fx_rst_queued(x), 2);
	e = tc_rst_exp(&t, 1);
	e.smac = NULL;
	e.seq = t.nxt[0]; /* the server's RCV.NXT: what the client sends next */
	e.ack = t.ack[0]; /* what the client acknowledged is what the server sent */
	fx_check_rst("adopted: RST to the server", fx_rst(x, 1, 0), &e);
	fx_flush_and_check(x);
	fx_free(x);
}

/* ------------------------------------------------------------------ main */

static void
add_tests(void)
{
	fx_add_test("rst_to_silent_endpoint_uses_first_frame_dst_mac",
		    rst_to_silent_endpoint_uses_first_frame_dst_mac, NULL);
}

int
main(int argc, char **argv)
{
	return fx_main(argc, argv, "dataplane-rst", add_tests);
}
