/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Software handoff between the workers sharing one pair (SPEC §3 "Workers"): two real
 * workers (fixtures A = index 0 and B = index 1 of pair 0, the same ports, each on its own
 * queue) with their descriptor channels and fallback rings (worker.h): the receiver keeps
 * the frame and sends it itself once the owner's verdict is back.
 *
 * - A full descriptor channel drops and counts (handoff_drops) and leaks no mbuf; the owner
 *   decides, the receiver sends, in order, on its own queue.
 * - A frame whose headers do not fit in a descriptor (more than WORKER_HO_HDR bytes up to
 *   the end of its L4 header) goes over as an mbuf and its owner sends it; one that just
 *   fits goes as a descriptor.
 * - Verdicts: drop (stray_tcp: drop on a handed frame: freed by its receiver), retag (an
 *   access/trunk pair: the receiver tags or untags the frame it sends).
 * - The owner builds the RSTs of the flows handed to it (expiry, strays) and queues them on
 *   its own ports; the receiver none.
 * - A flow's frames of both directions in one batch reach the owner's engine in order.
 * - Frames whose verdict never came are freed when the workers are destroyed, whichever
 *   goes first.
 * - Ownership is one per flow: both directions of a flow are kept by the same worker and
 *   handed over by the other, untagged, 802.1Q, QinQ, IPv4 and IPv6 alike, and both workers
 *   own some flows.
 * - A frame handed over is processed once, by its owner: counted received once (by the
 *   worker that received it), its flow's packets counted once, sent once by its receiver.
 * - A handed frame carries the flow hash its receiver computed, and its owner looks it up
 *   with it: many flows, IPv4 and IPv6, each direction reaching the other worker, still make
 *   one flow each, found by the owner's own frames (a wrong carried hash would put the flow
 *   where its owner's own lookups miss it: a second flow, or strays).
 * - With the port's steering trusted, only QinQ frames are handed over.
 * - Non-IP frames and non-first fragments are forwarded where they arrive.
 *
 * Which worker owns a flow is observed from outside (did the worker keep the frame or hand
 * it over?), never computed with the code under test.
 *
 * Run: meson test -C build --suite dataplane (tests/dataplane/harness.h says how they run).
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "harness.h"

static const char HO_YAML[] = "name: handoff\n"
			      "ports: [{name: a, inside: {port: 0}, outside: {port: 1}}]\n"
			      "profiles:\n"
			      "  p: {tcp: {established: 10s}, udp: {single: 10s, stream: 10s}}\n"
			      "default_profile: p\n";

#define HO_CHAN_CAP WORKER_HO_DESCS /* a channel holds exactly that many frames */
#define HO_FLOWS 64

/* Two workers sharing pair 0 of @yaml: xs[0] = A, xs[1] = B. */
static void
ho_pair_yaml(struct fx **xs, const char *yaml, bool steer_sw)
{
	xs[0] = fx_new(yaml, 1.0, 8192);
	xs[1] = fx_new(yaml, 1.0, 8192);
	fx_share(xs, 2, steer_sw);
}

static void
ho_pair(struct fx **xs, bool steer_sw)
{
	ho_pair_yaml(xs, HO_YAML, steer_sw);
}

static uint64_t
handed_total(const struct fx *x)
{
	return fx_stats(x)->handoff_packets + fx_stats(x)->handoff_drops;
}

/* Push one frame into @x on port @pi: true if @x handed it over (false: kept it). */
static bool
handed(struct fx *x, unsigned int pi, const struct fx_pkt *p)
{
	uint64_t h0 = handed_total(x);
	uint16_t fwd = fx_push(x, pi, fx_mbuf(p));

	if (handed_total(x) == h0 + 1) {
		EQ("a frame handed over is not forwarded too", fwd, 0);
		return true;
	}
	EQ("handoffs per frame", handed_total(x), h0);
	return false;
}

/* Both workers take what the other handed them, until nothing is left. */
static void
ho_drain(struct fx **xs)
{
	while (fx_poll_handoff(xs[0]) + fx_poll_handoff(xs[1]) != 0)
		;
}

/* ------------------------------------------------------------------ a full channel */

static void
test_full_ring(void **state)
{
	struct fx *xs[2];
	struct fx_ep c = EP_CLIENT;
	unsigned int avail0, sent = 0, kept = 0, taken = 0, n;
	uint64_t n_handed;

	(void)state;
	ho_pair(xs, true);
	avail0 = fx_mbufs_avail();
	/* B never polls meanwhile: about half of 6400 flows are B's, more than a channel holds. */
	for (unsigned int b = 0; b < 200; b++) {
		struct rte_mbuf *m[WORKER_BURST], *out[WORKER_BURST];

		assert_int_equal(fx_mbufs_alloc(m, WORKER_BURST), 0);
		for (unsigned int i = 0; i < WORKER_BURST; i++) {
			struct fx_pkt p = fx_udp_pkt(&c, &EP_SERVER);

			c.port = (uint16_t)(1024 + sent++);
			fx_fill(m[i], &p);
		}
		n = fx_burst(xs[0], 0, m, WORKER_BURST, out);
		kept += n;
		rte_pktmbuf_free_bulk(out, n);
	}
	n_handed = sent - kept;
	print_message("%u frames: A kept %u, handed %" PRIu64 " (%" PRIu64 " dropped)\n", sent,
		      kept, n_handed, fx_stats(xs[0])->handoff_drops);
	EQ("A kept or handed every frame", handed_total(xs[0]), n_handed);
	assert_true(n_handed > HO_CHAN_CAP);
	EQ("handed over: what the channel holds", fx_stats(xs[0])->handoff_packets, HO_CHAN_CAP);
	EQ("dropped: the rest", fx_stats(xs[0])->handoff_drops, n_handed - HO_CHAN_CAP);
	/* The dropped frames were freed; the handed ones wait at A for their verdicts. */
	EQ("mbufs out of the pool: the pending ones", avail0 - fx_mbufs_avail(), HO_CHAN_CAP);
	EQ("A received all", fx_stats(xs[0])->rx_packets[0], sent);

	/* B decides them as the owner, from the descriptors: it sends nothing itself. */
	while ((n = fx_poll_handoff(xs[1])) != 0)
		taken += n;
	EQ("B decided the channel's frames", taken, HO_CHAN_CAP);
	EQ("B sent none of them", fx_stats(xs[1])->tx_packets[1], 0);
	EQ("B counted none as received", fx_stats(xs[1])->rx_packets[0], 0);
	EQ("B holds their flows", fx_n_flows(xs[1]), HO_CHAN_CAP);
	EQ("A holds the flows it kept", fx_n_flows(xs[0]), kept);
	EQ("B handed nothing back", handed_total(xs[1]), 0);
	EQ("the frames still wait at A", avail0 - fx_mbufs_avail(), HO_CHAN_CAP);
	/* A takes the verdicts and sends the frames out of the outside port itself. */
	EQ("A took every verdict", fx_poll_handoff(xs[0]), HO_CHAN_CAP);
	EQ("A forwarded them", fx_stats(xs[0])->tx_packets[1], HO_CHAN_CAP);
	EQ("nothing more to take", fx_poll_handoff(xs[0]) + fx_poll_handoff(xs[1]), 0);
	EQ("every mbuf back in the pool", fx_mbufs_avail(), avail0);
	/* Room again: a frame for B is handed over, not dropped. */
	for (n = 0; n < HO_FLOWS; n++) {
		struct fx_pkt p = fx_udp_pkt(&c, &EP_SERVER);

		c.port = (uint16_t)(1024 + sent++);
		if (handed(xs[0], 0, &p))
			break;
	}
	assert_true(n < HO_FLOWS);
	EQ("handed once there is room", fx_stats(xs[0])->handoff_packets, HO_CHAN_CAP + 1);
	ho_drain(xs);
	EQ("every mbuf back in the pool at last", fx_mbufs_avail(), avail0);
	fx_free(xs[0]);
	fx_free(xs[1]);
}

/* ------------------------------------------------------------------ ownership */

struct ho_tags {
	const char *name;
	uint8_t family;
	uint8_t n_vlan;
	uint16_t tpid[2];
	uint16_t vlan[2];
};

static const struct ho_tags ho_cases[] = {
	{"ipv4_untagged", 4, 0, {0, 0}, {0, 0}},
	{"ipv4_dot1q", 4, 1, {0x8100, 0}, {100, 0}},
	{"ipv4_qinq", 4, 2, {0x88a8, 0x8100}, {200, 100}},
	{"ipv6_untagged", 6, 0, {0, 0}, {0, 0}},
	{"ipv6_dot1q", 6, 1, {0x8100, 0}, {100, 0}},
	{"ipv6_qinq", 6, 2, {0x88a8, 0x8100}, {200, 100}},
};

/* Flow @i's segment from its client (@from_server false) or its server, with @k's tags. */
static struct fx_pkt
ho_seg(const struct ho_tags *k, struct fx_ep *c, unsigned int i, bool from_server)
{
	struct fx_pkt p;

	c->port = (uint16_t)(40000 + i);
	p = from_server ? fx_tcp_pkt(&EP_SERVER, c, SYN | ACK, ISN_S, ISN_C + 1, 0)
			: fx_tcp_pkt(c, &EP_SERVER, SYN, ISN_C, 0, 0);
	p.family = k->family;
	p.n_vlan = k->n_vlan;
	memcpy(p.tpid, k->tpid, sizeof(p.tpid));
	memcpy(p.vlan, k->vlan, sizeof(p.vlan));
	return p;
}

static void
test_owner_symmetric(void **state)
{
	const struct ho_tags *k = *state;
	struct fx *xs[2];
	struct fx_ep c = EP_CLIENT;
	unsigned int avail0, owned_by_a = 0;

	ho_pair(xs, true);
	avail0 = fx_mbufs_avail();
	for (unsigned int i = 0; i < HO_FLOWS; i++) {
		struct fx_pkt cs = ho_seg(k, &c, i, false), sc = ho_seg(k, &c, i, true);
		bool a_cs = handed(xs[0], 0, &cs), a_sc = handed(xs[0], 1, &sc);
		bool b_cs = handed(xs[1], 0, &cs), b_sc = handed(xs[1], 1, &sc);

		if (a_cs != a_sc || b_cs != b_sc || a_cs == b_cs)
			fail_msg("%s flow %u: A hands over client->server %d, server->client %d; B "
				 "%d, %d: both directions must go to one owner",
				 k->name, i, a_cs, a_sc, b_cs, b_sc);
		owned_by_a += !a_cs;
	}
	print_message("%s: A owns %u of %u flows\n", k->name, owned_by_a, HO_FLOWS);
	assert_true(owned_by_a > 0 && owned_by_a < HO_FLOWS);
	EQ("A kept its flows' SYNs", fx_n_flows(xs[0]), owned_by_a);
	ho_drain(xs);
	/* Each worker got the other's frames: now each holds exactly the flows it owns. */
	EQ("A's flows after the handoffs", fx_n_flows(xs[0]), owned_by_a);
	EQ("B's flows after the handoffs", fx_n_flows(xs[1]), HO_FLOWS - owned_by_a);
	EQ("nothing dropped", fx_stats(xs[0])->handoff_drops + fx_stats(xs[1])->handoff_drops, 0);
	EQ("every mbuf back in the pool", fx_mbufs_avail(), avail0);
	fx_free(xs[0]);
	fx_free(xs[1]);
}

/* ------------------------------------------------------------------ processed once */

static void
test_owner_once(void **state)
{
	struct fx *xs[2], *probe[2];
	struct stats_lcore a0, b0;
	struct tconn t;
	struct flow *f;
	unsigned int i;

	(void)state;
	/*
	 * A TCP flow B owns, found on a probe pair of their own (the same seed and worker
	 * count, so the same owners): the first client port whose SYN the probe's A hands over.
	 */
	ho_pair(probe, true);
	tc_init(&t, 4, &EP_CLIENT, &EP_SERVER, 0, false);
	for (i = 0; i < HO_FLOWS; i++) {
		struct fx_pkt p;

		t.c.port = (uint16_t)(50000 + i);
		p = fx_tcp_pkt(&t.c, &t.s, SYN, ISN_C, 0, 0);
		if (handed(probe[0], 0, &p))
			break;
	}
	assert_true(i < HO_FLOWS);
	ho_drain(probe);
	fx_free(probe[0]);
	fx_free(probe[1]);

	ho_pair(xs, true);
	a0 = *fx_stats(xs[0]);
	b0 = *fx_stats(xs[1]);
	/* Handshake and data: the client's segments reach A, the server's reach B. */
	/* Each handed frame: B decides it (1), then A takes the verdict and sends it (1). */
	EQ("SYN at A: handed over", tc_seg(xs[0], &t, 0, SYN, 0), 0);
	EQ("B decides the SYN", fx_poll_handoff(xs[1]), 1);
	EQ("A sends it on", fx_poll_handoff(xs[0]), 1);
	EQ("SYN-ACK at B: forwarded", tc_seg(xs[1], &t, 1, SYN | ACK, 0), 1);
	EQ("ACK at A: handed over", tc_seg(xs[0], &t, 0, ACK, 0), 0);
	EQ("B decides the ACK", fx_poll_handoff(xs[1]), 1);
	EQ("A sends it on", fx_poll_handoff(xs[0]), 1);
	EQ("data at A: handed over", tc_seg(xs[0], &t, 0, ACK | PSH, 100), 0);
	EQ("B decides the data", fx_poll_handoff(xs[1]), 1);
	EQ("A sends it on", fx_poll_handoff(xs[0]), 1);
	EQ("data at B: forwarded", tc_seg(xs[1], &t, 1, ACK | PSH, 200), 1);
	/* A server segment that reached A (its outside port): A sends it to the inside. */
	EQ("server data at A: handed over", tc_seg(xs[0], &t, 1, ACK | PSH, 300), 0);
	EQ("B decides it", fx_poll_handoff(xs[1]), 1);
	EQ("A sends it on", fx_poll_handoff(xs[0]), 1);
	EQ("nothing more to take", fx_poll_handoff(xs[1]) + fx_poll_handoff(xs[0]), 0);

	assert_null(tc_flow(xs[0], &t));
	f = tc_flow(xs[1], &t);
	assert_non_null(f);
	EQ("state", f->state, FLOW_TCP_ESTABLISHED);
	EQ("the flow counted each packet once", f->packets, 6);
	EQ("A received 3 inside", fx_stats(xs[0])->rx_packets[0] - a0.rx_packets[0], 3);
	EQ("A received 1 outside", fx_stats(xs[0])->rx_packets[1] - a0.rx_packets[1], 1);
	EQ("A handed 4", fx_stats(xs[0])->handoff_packets - a0.handoff_packets, 4);
	EQ("A holds no flow", fx_n_flows(xs[0]), 0);
	EQ("B received 2 (its own)", fx_stats(xs[1])->rx_packets[1] - b0.rx_packets[1], 2);
	EQ("B received none on the inside", fx_stats(xs[1])->rx_packets[0] - b0.rx_packets[0], 0);
	/* The receiver sends what it handed over, once the owner said so. */
	EQ("A forwarded the client's 3 outside", fx_stats(xs[0])->tx_packets[1] - a0.tx_packets[1],
	   3);
	EQ("A forwarded the server's 1 inside", fx_stats(xs[0])->tx_packets[0] - a0.tx_packets[0],
	   1);
	EQ("B sent none of them",
	   fx_stats(xs[1])->tx_packets[0] + fx_stats(xs[1])->tx_packets[1] - b0.tx_packets[0] -
		   b0.tx_packets[1],
	   0);
	/* (B's own two were forwarded: tc_seg() said so; fx_push() frees them, no TX.) */
	EQ("B created the flow once",
	   fx_stats(xs[1])->flows_created[f->profile] - b0.flows_created[f->profile], 1);
	EQ("no stray anywhere",
	   fx_stats(xs[0])->drops[STATS_DROP_STRAY] + fx_stats(xs[1])->drops[STATS_DROP_STRAY], 0);
	fx_free(xs[0]);
	fx_free(xs[1]);
}

/* ------------------------------------------------------------------ the carried hash */

static void
test_carried_hash(void **state)
{
	struct fx *xs[2];
	unsigned int n = 0;

	(void)state;
	ho_pair(xs, true);
	/* The client's segments reach A, the server's reach B: for every flow one of them is
	 * handed over (with the hash), and the owner's own frames must find the same flow. */
	for (uint8_t family = 4; family <= 6; family += 2)
		for (unsigned int i = 0; i < HO_FLOWS; i++, n++) {
			struct tconn t;
			struct flow *fa, *fb, *f;

			tc_init(&t, family, &EP_CLIENT, &EP_SERVER, 0, false);
			t.c.port = (uint16_t)(40000 + i);
			(void)tc_seg(xs[0], &t, 0, SYN, 0);
			ho_drain(xs);
			(void)tc_seg(xs[1], &t, 1, SYN | ACK, 0);
			ho_drain(xs);
			(void)tc_seg(xs[0], &t, 0, ACK, 0);
			ho_drain(xs);
			(void)tc_seg(xs[1], &t, 1, ACK | PSH, 100);
			ho_drain(xs);
			fa = tc_flow(xs[0], &t);
			fb = tc_flow(xs[1], &t);
			EQ("the flow is in exactly one table", (fa != NULL) + (fb != NULL), 1);
			f = fa != NULL ? fa : fb;
			EQ("state", f->state, FLOW_TCP_ESTABLISHED);
			EQ("its 4 packets counted on it", f->packets, 4);
		}
	EQ("one flow per connection", fx_n_flows(xs[0]) + fx_n_flows(xs[1]), n);
	EQ("no stray anywhere",
	   fx_stats(xs[0])->drops[STATS_DROP_STRAY] + fx_stats(xs[1])->drops[STATS_DROP_STRAY], 0);
	assert_true(fx_stats(xs[0])->handoff_packets > 0 && fx_stats(xs[1])->handoff_packets > 0);
	EQ("no handoff drop", fx_stats(xs[0])->handoff_drops + fx_stats(xs[1])->handoff_drops, 0);
	fx_free(xs[0]);
	fx_free(xs[1]);
}

/* ------------------------------------------------------------------ trusted steering */

static void
test_trusted_only_qinq(void **state)
{
	struct fx *xs[2];
	struct fx_ep c = EP_CLIENT;
	unsigned int avail0, qinq_a = 0;

	(void)state;
	ho_pair(xs, false);
	avail0 = fx_mbufs_avail();
	for (unsigned int j = 0; j < RTE_DIM(ho_cases); j++) {
		const struct ho_tags *k = &ho_cases[j];

		for (unsigned int i = 0; i < HO_FLOWS; i++) {
			struct fx_pkt cs = ho_seg(k, &c, i, false), sc = ho_seg(k, &c, i, true);
			bool a = handed(xs[0], 0, &cs), b = handed(xs[1], 1, &sc);

			if (k->n_vlan < 2) {
				if (a || b)
					fail_msg("%s flow %u handed over with trusted steering",
						 k->name, i);
				continue;
			}
			/* QinQ: by the flow hash, one owner for both directions. */
			if (a == b)
				fail_msg("%s flow %u: A hands it over %d, B %d", k->name, i, a, b);
			qinq_a += !a;
		}
	}
	print_message("QinQ: A owns %u of %u flows\n", qinq_a, 2 * HO_FLOWS);
	assert_true(qinq_a > 0 && qinq_a < 2 * HO_FLOWS);
	ho_drain(xs);
	EQ("every mbuf back in the pool", fx_mbufs_avail(), avail0);
	fx_free(xs[0]);
	fx_free(xs[1]);
}

/* ------------------------------------------------------------------ not flows */

/*
 * Non-IP frames and non-first fragments have no flow (no ports to key them): forwarded
 * where they arrive, whatever the flow hash of their addresses would say.
 */
static void
test_not_flows_stay(void **state)
{
	struct fx *xs[2];
	struct fx_ep c = EP_CLIENT;
	unsigned int avail0;

	(void)state;
	ho_pair(xs, true);
	avail0 = fx_mbufs_avail();
	for (unsigned int i = 0; i < HO_FLOWS; i++) {
		for (unsigned int kind = 0; kind < 2; kind++) {
			struct fx_pkt p = ho_seg(&ho_cases[0], &c, i, false);
			struct rte_mbuf *m = fx_mbuf(&p);
			uint8_t *d = rte_pktmbuf_mtod(m, uint8_t *);
			uint64_t h0 = handed_total(xs[0]);

			if (kind == 0) {
				d[12] = 0x08; /* ARP */
				d[13] = 0x06;
			} else {
				d[14 + 6] =
					0x00; /* fragment offset 8 bytes: a non-first fragment */
				d[14 + 7] = 0x01;
			}
			EQ(kind ? "a fragment is forwarded" : "a non-IP frame is forwarded",
			   fx_push(xs[0], 0, m), 1);
			EQ("not handed over", handed_total(xs[0]), h0);
		}
	}
	EQ("no flow", fx_n_flows(xs[0]), 0);
	EQ("non-IP counted", fx_stats(xs[0])->non_ip, HO_FLOWS);
	EQ("fragments counted", fx_stats(xs[0])->fragments, HO_FLOWS);
	EQ("every mbuf back in the pool", fx_mbufs_avail(), avail0);
	fx_free(xs[0]);
	fx_free(xs[1]);
}

/* ------------------------------------------------------------------ the fallback */

/*
 * SYNs of flows B owns, received by A, whose headers (Ethernet, @n_vlan tags, IPv6, TCP with
 * a 60-byte header) end @hdr bytes into the frame: a descriptor carries WORKER_HO_HDR bytes,
 * so up to that the frame stays at A (A sends it once B decided), beyond it the mbuf goes to
 * B (B sends it).
 */
static void
ho_long_headers(uint8_t n_vlan, unsigned int hdr)
{
	struct fx *xs[2];
	struct fx_ep c = EP_CLIENT;
	unsigned int avail0, n = 0;
	bool by_desc = hdr <= WORKER_HO_HDR;

	ho_pair(xs, true);
	avail0 = fx_mbufs_avail();
	for (unsigned int i = 0; i < HO_FLOWS; i++) {
		struct fx_pkt p = ho_seg(&ho_cases[n_vlan == 0 ? 3 : 4], &c, i, false);

		p.doff = 15; /* a 60-byte TCP header: 40 bytes of options */
		p.len = 40;  /* the bytes after the first 20: its options, no payload */
		assert_int_equal(14 + 4 * n_vlan + 40 + 60, hdr);
		n += handed(xs[0], 0, &p);
	}
	print_message("%u-byte headers: %u of %u SYNs handed over\n", hdr, n, HO_FLOWS);
	assert_true(n > 0 && n < HO_FLOWS);
	EQ("A handed them", fx_stats(xs[0])->handoff_packets, n);
	EQ("no drop", fx_stats(xs[0])->handoff_drops, 0);
	ho_drain(xs);
	EQ("B holds their flows", fx_n_flows(xs[1]), n);
	EQ("B counted none as received", fx_stats(xs[1])->rx_packets[0], 0);
	EQ(by_desc ? "a descriptor: A sent them" : "the fallback: A sent none",
	   fx_stats(xs[0])->tx_packets[1], by_desc ? n : 0);
	EQ(by_desc ? "a descriptor: B sent none" : "the fallback: B sent them",
	   fx_stats(xs[1])->tx_packets[1], by_desc ? 0 : n);
	EQ("no stray, nothing malformed",
	   fx_stats(xs[1])->drops[STATS_DROP_STRAY] + fx_stats(xs[1])->drops[STATS_DROP_MALFORMED],
	   0);
	EQ("every mbuf back in the pool", fx_mbufs_avail(), avail0);
	fx_free(xs[0]);
	fx_free(xs[1]);
}

static void
test_fallback_long_headers(void **state)
{
	(void)state;
	ho_long_headers(1, 118);
}

static void
test_desc_just_fits(void **state)
{
	(void)state;
	ho_long_headers(0, 114);
}

/* ------------------------------------------------------------------ verdicts */

static const char HO_DROP_YAML[] = "name: handoff-drop\n"
				   "ports: [{name: a, inside: {port: 0}, outside: {port: 1}}]\n"
				   "profiles:\n"
				   "  p: {tcp: {established: 10s}, stray_tcp: drop}\n"
				   "default_profile: p\n";

static const char HO_RESET_YAML[] = "name: handoff-reset\n"
				    "ports: [{name: a, inside: {port: 0}, outside: {port: 1}}]\n"
				    "profiles:\n"
				    "  p: {tcp: {established: 10s}, stray_tcp: reset}\n"
				    "default_profile: p\n";

/*
 * Strays (ACKs of no flow) reach A: those B owns are handed over, B drops them (verdict
 * drop) and, with stray_tcp: reset, answers each with an RST on its own ports; A frees
 * them and sends nothing.
 */
static void
test_verdict_stray(void **state)
{
	bool reset = *state != NULL;
	struct fx *xs[2];
	struct fx_ep c = EP_CLIENT;
	unsigned int avail0, n = 0;

	ho_pair_yaml(xs, reset ? HO_RESET_YAML : HO_DROP_YAML, true);
	avail0 = fx_mbufs_avail();
	for (unsigned int i = 0; i < HO_FLOWS; i++) {
		struct fx_pkt p;

		c.port = (uint16_t)(30000 + i);
		p = fx_tcp_pkt(&c, &EP_SERVER, ACK, ISN_C, ISN_S, 0);
		n += handed(xs[0], 0, &p);
	}
	assert_true(n > 0 && n < HO_FLOWS);
	/* A dropped its own strays (and answered them); B decides the others. */
	EQ("A's strays", fx_stats(xs[0])->drops[STATS_DROP_STRAY], HO_FLOWS - n);
	EQ("A's RSTs", fx_rst_queued(xs[0]), reset ? HO_FLOWS - n : 0);
	EQ("handed frames wait at A", avail0 - fx_mbufs_avail(), n + (reset ? HO_FLOWS - n : 0));
	EQ("B decides them", fx_poll_handoff(xs[1]), n);
	EQ("B dropped them as strays", fx_stats(xs[1])->drops[STATS_DROP_STRAY], n);
	EQ("B's RSTs, towards the sender's port", fx_rst_n(xs[1], 0), reset ? n : 0);
	EQ("B's RSTs in all", fx_rst_queued(xs[1]), reset ? n : 0);
	EQ("A takes the verdicts", fx_poll_handoff(xs[0]), n);
	EQ("A sent nothing", fx_stats(xs[0])->tx_packets[0] + fx_stats(xs[0])->tx_packets[1], 0);
	EQ("B sent nothing but RSTs", fx_stats(xs[1])->tx_packets[1], 0);
	EQ("no flow anywhere", fx_n_flows(xs[0]) + fx_n_flows(xs[1]), 0);
	if (reset) {
		const struct rte_mbuf *m = fx_rst(xs[1], 0, 0);
		struct parse_info pi;

		/* An RST from the server to the client, as the stray's sender expects it. */
		EQ("B's RST parses",
		   parse_frame(rte_pktmbuf_mtod(m, const uint8_t *), rte_pktmbuf_data_len(m), &pi),
		   PARSE_IP);
		EQ("RST flag", pi.tcp_flags & RST, RST);
		EQ("to the client", memcmp(pi.dst, EP_CLIENT.ip4, 16), 0);
		EQ("its seq: the stray's ACK", pi.seq, ISN_S);
		EQ("to the client's MAC",
		   memcmp(rte_pktmbuf_mtod(m, const uint8_t *), EP_CLIENT.mac, 6), 0);
		fx_flush_once(xs[0]);
		EQ("A's RSTs left", fx_rst_queued(xs[0]), 0);
		fx_flush_and_check(xs[1]);
	}
	EQ("every mbuf back in the pool", fx_mbufs_avail(), avail0);
	fx_free(xs[0]);
	fx_free(xs[1]);
}

static const char HO_RETAG_YAML[] =
	"name: handoff-retag\n"
	"ports: [{name: a, inside: {port: 0, vlan: 300}, outside: {port: 1}}]\n"
	"profiles:\n"
	"  p: {udp: {single: 10s, stream: 10s}}\n"
	"default_profile: p\n";

/*
 * An access inside (VLAN 300) and a trunk outside: an untagged frame from the inside leaves
 * the outside tagged 300, a tagged one from the outside leaves the inside untagged. The
 * receiver rewrites the real frame as its owner's verdict says: 4 bytes more or less on the
 * wire, counted in the receiver's tx_bytes.
 */
static void
test_verdict_retag(void **state)
{
	struct fx *xs[2];
	struct fx_ep c = EP_CLIENT;
	unsigned int avail0, n[2] = {0, 0};
	uint64_t bytes[2] = {0, 0};

	(void)state;
	ho_pair_yaml(xs, HO_RETAG_YAML, true);
	avail0 = fx_mbufs_avail();
	for (unsigned int i = 0; i < HO_FLOWS; i++) {
		for (unsigned int side = 0; side < 2; side++) {
			struct fx_pkt p;
			struct rte_mbuf *m;
			uint64_t h0 = handed_total(xs[0]);
			uint32_t len;

			c.port = (uint16_t)(20000 + i);
			p = side == 0 ? fx_udp_pkt(&c, &EP_SERVER) : fx_udp_pkt(&EP_SERVER, &c);
			if (side == 1) {
				p.n_vlan = 1;
				p.tpid[0] = 0x8100;
				p.vlan[0] = 300;
			}
			m = fx_mbuf(&p);
			len = rte_pktmbuf_pkt_len(m);
			if (fx_push(xs[0], side, m) == 0) {
				EQ("handed over", handed_total(xs[0]), h0 + 1);
				n[side]++;
				/* Tagged towards the trunk, untagged towards the access port. */
				bytes[side] += side == 0 ? len + 4 : len - 4;
			}
		}
	}
	assert_true(n[0] > 0 && n[0] < HO_FLOWS);
	EQ("both directions of a flow go to one owner", n[1], n[0]);
	ho_drain(xs);
	EQ("A sent the inside's frames out", fx_stats(xs[0])->tx_packets[1], n[0]);
	EQ("... tagged", fx_stats(xs[0])->tx_bytes[1], bytes[0]);
	EQ("A sent the outside's frames in", fx_stats(xs[0])->tx_packets[0], n[1]);
	EQ("... untagged", fx_stats(xs[0])->tx_bytes[0], bytes[1]);
	EQ("B holds one flow per pair of frames", fx_n_flows(xs[1]), n[0]);
	EQ("every mbuf back in the pool", fx_mbufs_avail(), avail0);
	fx_free(xs[0]);
	fx_free(xs[1]);
}

/* ------------------------------------------------------------------ the owner's RSTs */

/* A TCP connection B owns, found on a probe pair (the same seed and worker count). */
static void
b_owned_conn(struct tconn *t, uint16_t base, uint16_t sport)
{
	struct fx *probe[2];
	unsigned int i;

	ho_pair(probe, true);
	tc_init(t, 4, &EP_CLIENT, &EP_SERVER, 0, false);
	t->s.port = sport;
	for (i = 0; i < HO_FLOWS; i++) {
		struct fx_pkt p;

		t->c.port = (uint16_t)(base + i);
		p = fx_tcp_pkt(&t->c, &t->s, SYN, ISN_C, 0, 0);
		if (handed(probe[0], 0, &p))
			break;
	}
	assert_true(i < HO_FLOWS);
	ho_drain(probe);
	fx_free(probe[0]);
	fx_free(probe[1]);
}

/*
 * A connection B owns whose client's segments all reach A: at its timeout (reset-both) B,
 * its owner, queues both RSTs, exactly as the endpoints expect them; A none.
 */
static void
test_owner_rst(void **state)
{
	struct fx *xs[2];
	struct tconn t;

	(void)state;
	b_owned_conn(&t, 51000, 80); /* port 80: profile "both", reset-both */
	ho_pair_yaml(xs, FX_T1_YAML, true);
	(void)tc_seg(xs[0], &t, 0, SYN, 0);
	ho_drain(xs);
	(void)tc_seg(xs[1], &t, 1, SYN | ACK, 0);
	(void)tc_seg(xs[0], &t, 0, ACK, 0);
	ho_drain(xs);
	(void)tc_seg(xs[0], &t, 0, ACK | PSH, 100);
	ho_drain(xs);
	(void)tc_seg(xs[1], &t, 1, ACK | PSH, 50);
	(void)tc_seg(xs[0], &t, 0, ACK, 0);
	ho_drain(xs);
	assert_null(tc_flow(xs[0], &t));
	assert_non_null(tc_flow(xs[1], &t));
	fx_at(xs[0], 10001);
	fx_at(xs[1], 10001);
	EQ("B expired the flow", fx_expired_total(xs[1]), 1);
	EQ("A expired nothing", fx_expired_total(xs[0]), 0);
	EQ("A queued no RST", fx_rst_queued(xs[0]), 0);
	tc_check_rsts(xs[1], &t, 1, 1);
	fx_flush_and_check(xs[1]);
	fx_free(xs[0]);
	fx_free(xs[1]);
}

/*
 * Both directions of a flow in one batch of descriptors reach the owner's engine in the
 * order they came: a handshake whose three segments all reach A before B decides any is
 * established at B (taken port by port, the client's ACK would come before the SYN+ACK).
 */
static void
test_batch_in_order(void **state)
{
	struct fx *xs[2];
	struct tconn t;

	(void)state;
	b_owned_conn(&t, 52000, 8080);
	ho_pair(xs, true);
	(void)tc_seg(xs[0], &t, 0, SYN, 0);
	(void)tc_seg(xs[0], &t, 1, SYN | ACK, 0);
	(void)tc_seg(xs[0], &t, 0, ACK, 0);
	EQ("A handed the three over", fx_stats(xs[0])->handoff_packets, 3);
	EQ("B decides them at once", fx_poll_handoff(xs[1]), 3);
	assert_non_null(tc_flow(xs[1], &t));
	EQ("established at its owner", tc_flow(xs[1], &t)->state, FLOW_TCP_ESTABLISHED);
	for (unsigned int i = 0; i < CFG_MAX_PROFILES; i++)
		EQ("no segment out of window", fx_stats(xs[1])->out_of_window[i], 0);
	ho_drain(xs);
	EQ("A sent the three", fx_stats(xs[0])->tx_packets[0] + fx_stats(xs[0])->tx_packets[1],
	   3);
	fx_free(xs[0]);
	fx_free(xs[1]);
}

/* ------------------------------------------------------------------ shutdown */

/*
 * Frames handed over whose verdicts never come back (the owner stopped before deciding
 * them, or decided them but the receiver stopped): freed when the workers are destroyed,
 * the owner first (@state non-NULL) or the receiver first.
 */
static void
test_shutdown_pending(void **state)
{
	bool owner_first = *state != NULL;
	struct fx *xs[2];
	struct fx_ep c = EP_CLIENT;
	unsigned int avail0, n = 0;

	ho_pair(xs, true);
	avail0 = fx_mbufs_avail();
	for (unsigned int i = 0; i < 4 * WORKER_HANDOFF_BURST; i++) {
		struct fx_pkt p = fx_udp_pkt(&c, &EP_SERVER);

		c.port = (uint16_t)(10000 + i);
		n += handed(xs[0], 0, &p);
	}
	assert_true(n > WORKER_HANDOFF_BURST);
	/* B decides one burst of them; A never takes the verdicts. */
	EQ("B decides a burst", fx_poll_handoff(xs[1]), WORKER_HANDOFF_BURST);
	EQ("all handed frames wait at A", avail0 - fx_mbufs_avail(), n);
	if (owner_first) {
		fx_free(xs[1]);
		fx_free(xs[0]);
	} else {
		fx_free(xs[0]);
		fx_free(xs[1]);
	}
	EQ("every mbuf back in the pool", fx_mbufs_avail(), avail0);
}

/* ------------------------------------------------------------------ main */

static void
add_tests(void)
{
	fx_add_test("handoff_full_ring_drops_counts_no_leak", test_full_ring, NULL);
	for (unsigned int i = 0; i < RTE_DIM(ho_cases); i++)
		fx_add_test(fx_fmt("handoff_owner_both_directions_%s", ho_cases[i].name),
			    test_owner_symmetric, &ho_cases[i]);
	fx_add_test("handoff_processed_once_by_owner", test_owner_once, NULL);
	fx_add_test("handoff_carried_hash_one_flow", test_carried_hash, NULL);
	fx_add_test("handoff_trusted_steering_only_qinq", test_trusted_only_qinq, NULL);
	fx_add_test("handoff_non_ip_and_fragments_stay", test_not_flows_stay, NULL);
	fx_add_test("handoff_long_headers_fall_back_to_the_mbuf", test_fallback_long_headers, NULL);
	fx_add_test("handoff_headers_of_114_bytes_go_as_a_descriptor", test_desc_just_fits, NULL);
	fx_add_test("handoff_verdict_drop_stray", test_verdict_stray, NULL);
	fx_add_test("handoff_verdict_drop_stray_reset_by_owner", test_verdict_stray, (void *)1);
	fx_add_test("handoff_verdict_retag_access_trunk", test_verdict_retag, NULL);
	fx_add_test("handoff_owner_sends_expiry_rsts", test_owner_rst, NULL);
	fx_add_test("handoff_batch_both_directions_in_order", test_batch_in_order, NULL);
	fx_add_test("handoff_shutdown_frees_pending_receiver_first", test_shutdown_pending, NULL);
	fx_add_test("handoff_shutdown_frees_pending_owner_first", test_shutdown_pending, (void *)1);
}

int
main(int argc, char **argv)
{
	return fx_main(argc, argv, "dataplane-handoff", add_tests);
}
