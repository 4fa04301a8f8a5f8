/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP tracker tests (dataplane/flow_tcp.c), no EAL, no frames: segments are parse_info
 * structs built here. Every scenario runs twice, once with the client as endpoint 0 of the
 * key and once as endpoint 1, because the state table is indexed by direction (client or
 * server) while the per-endpoint numbers are indexed by key position, and mixing the two up
 * only shows in one of the orientations.
 *
 * The expected RST numbers are derived from what each endpoint sent in the scenario (the
 * test's own bookkeeping), not read back from the flow.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <rte_common.h>

#include "flow_tcp.h"

#define SYN PARSE_TCP_SYN
#define ACK PARSE_TCP_ACK
#define FIN PARSE_TCP_FIN
#define RST PARSE_TCP_RST
#define PSH PARSE_TCP_PSH

#define ISN_C 1000u
#define ISN_S 500000u

/* A connection under test: the flow plus where client and server sit in its key. */
struct conn {
	struct flow f;
	unsigned int c; /* endpoint index of the client */
	unsigned int s; /* endpoint index of the server */
};

static struct parse_info
seg(uint8_t flags, uint32_t seq, uint32_t ack, uint16_t len)
{
	struct parse_info pi;

	memset(&pi, 0, sizeof(pi));
	pi.family = 4;
	pi.proto = 6;
	pi.tcp_flags = flags;
	pi.seq = seq;
	pi.ack = ack;
	pi.payload_len = len;
	pi.tcp_win = (uint16_t)(0x1000 + len);
	pi.tcp_wscale = PARSE_NO_WSCALE;
	return pi;
}

/* A flow as flow_create() leaves it before tcpt_start(): used, client side recorded. */
static void
conn_init(struct conn *k, unsigned int client)
{
	memset(k, 0, sizeof(*k));
	k->c = client;
	k->s = client ^ 1;
	k->f.flags = FLOW_F_USED | (client ? FLOW_F_CLIENT_1 : 0);
	k->f.key.proto = 6;
	k->f.key.family = 4;
}

static enum tcpt_verdict
from_c(struct conn *k, uint8_t flags, uint32_t seq, uint32_t ack, uint16_t len)
{
	struct parse_info pi = seg(flags, seq, ack, len);

	return tcpt_update(&k->f, &pi, k->c, false);
}

static enum tcpt_verdict
from_s(struct conn *k, uint8_t flags, uint32_t seq, uint32_t ack, uint16_t len)
{
	struct parse_info pi = seg(flags, seq, ack, len);

	return tcpt_update(&k->f, &pi, k->s, false);
}

/* Client SYN at isn_c; the flow is created from it. */
static void
start_syn(struct conn *k, uint32_t isn_c)
{
	struct parse_info pi = seg(SYN, isn_c, 0, 0);

	tcpt_start(&k->f, &pi, k->c, false);
	assert_int_equal(k->f.state, FLOW_TCP_SYN_SENT);
}

/*
 * Drive a fresh connection (ISN_C, ISN_S) to @state along the ordinary path, asserting each
 * step: handshake, client closes first, server closes, last ACK; CLOSED by a client RST.
 */
static void
reach(struct conn *k, unsigned int client, enum flow_state state)
{
	conn_init(k, client);
	start_syn(k, ISN_C);
	if (state == FLOW_TCP_SYN_SENT)
		return;
	assert_int_equal(from_s(k, SYN | ACK, ISN_S, ISN_C + 1, 0), TCPT_OK);
	assert_int_equal(k->f.state, FLOW_TCP_SYN_RECV);
	if (state == FLOW_TCP_SYN_RECV)
		return;
	assert_int_equal(from_c(k, ACK, ISN_C + 1, ISN_S + 1, 0), TCPT_OK);
	assert_int_equal(k->f.state, FLOW_TCP_ESTABLISHED);
	if (state == FLOW_TCP_ESTABLISHED)
		return;
	if (state == FLOW_TCP_CLOSED) {
		assert_int_equal(from_c(k, RST, ISN_C + 1, 0, 0), TCPT_OK);
		assert_int_equal(k->f.state, FLOW_TCP_CLOSED);
		return;
	}
	assert_int_equal(from_c(k, FIN | ACK, ISN_C + 1, ISN_S + 1, 0), TCPT_OK);
	assert_int_equal(k->f.state, FLOW_TCP_FIN_WAIT);
	if (state == FLOW_TCP_FIN_WAIT)
		return;
	assert_int_equal(from_s(k, ACK, ISN_S + 1, ISN_C + 2, 0), TCPT_OK);
	assert_int_equal(k->f.state, FLOW_TCP_FIN_WAIT);
	assert_int_equal(from_s(k, FIN | ACK, ISN_S + 1, ISN_C + 2, 0), TCPT_OK);
	assert_int_equal(k->f.state, FLOW_TCP_CLOSING);
	if (state == FLOW_TCP_CLOSING)
		return;
	assert_int_equal(from_c(k, ACK, ISN_C + 2, ISN_S + 2, 0), TCPT_OK);
	assert_int_equal(k->f.state, FLOW_TCP_TIME_WAIT);
}

static void
expect_rst(const struct conn *k, unsigned int to, uint32_t seq, uint32_t ack, uint8_t flags)
{
	uint32_t s = 0xdeadbeef, a = 0xdeadbeef;

	assert_int_equal(tcpt_rst_seq(&k->f, to, &s, &a), flags);
	assert_int_equal(s, seq);
	assert_int_equal(a, ack);
}

/* ---------------------------------------------------------------- state machine */

static void
test_handshake(void **state)
{
	(void)state;
	for (unsigned int cl = 0; cl < 2; cl++) {
		struct conn k;
		struct parse_info pi = seg(SYN, ISN_C, 0, 0);

		conn_init(&k, cl);
		pi.tcp_win = 64240;
		tcpt_start(&k.f, &pi, k.c, false);
		assert_int_equal(k.f.state, FLOW_TCP_SYN_SENT);
		assert_int_equal(k.f.seq_next[k.c], ISN_C + 1); /* the SYN takes one number */
		assert_int_equal(k.f.win[k.c], 64240);
		assert_true(k.f.flags & FLOW_F_SEEN(k.c));
		assert_false(k.f.flags & FLOW_F_SEEN(k.s));
		assert_false(k.f.flags & FLOW_F_ACKED(k.c)); /* a SYN carries no ACK */

		assert_int_equal(from_s(&k, SYN | ACK, ISN_S, ISN_C + 1, 0), TCPT_OK);
		assert_int_equal(k.f.state, FLOW_TCP_SYN_RECV);
		assert_int_equal(k.f.seq_next[k.s], ISN_S + 1);
		assert_int_equal(k.f.ack[k.s], ISN_C + 1);
		assert_true(k.f.flags & FLOW_F_SEEN(k.s));
		assert_true(k.f.flags & FLOW_F_ACKED(k.s));
		assert_int_equal(k.f.seq_next[k.c], ISN_C + 1);

		assert_int_equal(from_c(&k, ACK, ISN_C + 1, ISN_S + 1, 0), TCPT_OK);
		assert_int_equal(k.f.state, FLOW_TCP_ESTABLISHED);
		assert_int_equal(k.f.ack[k.c], ISN_S + 1);
		assert_true(k.f.flags & FLOW_F_ACKED(k.c));
		assert_int_equal(k.f.seq_next[k.c], ISN_C + 1); /* a bare ACK takes none */
		assert_int_equal(k.f.flags & (FLOW_F_FIN0 | FLOW_F_FIN1), 0);
	}
}

/* Packets that do not complete a handshake leave it where it is. */
static void
test_handshake_strays(void **state)
{
	(void)state;
	for (unsigned int cl = 0; cl < 2; cl++) {
		struct conn k;

		reach(&k, cl, FLOW_TCP_SYN_SENT);
		/* An ACK or a FIN before the SYN+ACK: ignored. */
		assert_int_equal(from_s(&k, ACK, ISN_S, ISN_C + 1, 0), TCPT_OK);
		assert_int_equal(k.f.state, FLOW_TCP_SYN_SENT);
		assert_int_equal(from_c(&k, FIN | ACK, ISN_C + 1, ISN_S, 0), TCPT_OK);
		assert_int_equal(k.f.state, FLOW_TCP_SYN_SENT);

		/* SYN_RECV: the server's own ACK does not complete the client's handshake. */
		reach(&k, cl, FLOW_TCP_SYN_RECV);
		assert_int_equal(from_s(&k, ACK, ISN_S + 1, ISN_C + 1, 0), TCPT_OK);
		assert_int_equal(k.f.state, FLOW_TCP_SYN_RECV);
		/* The client's first ACK carries data: established all the same. */
		assert_int_equal(from_c(&k, ACK | PSH, ISN_C + 1, ISN_S + 1, 10), TCPT_OK);
		assert_int_equal(k.f.state, FLOW_TCP_ESTABLISHED);
		assert_int_equal(k.f.seq_next[k.c], ISN_C + 11);

		/* Simultaneous open: both send a SYN. */
		reach(&k, cl, FLOW_TCP_SYN_SENT);
		assert_int_equal(from_s(&k, SYN, ISN_S, 0, 0), TCPT_OK);
		assert_int_equal(k.f.state, FLOW_TCP_SYN_RECV);
		assert_int_equal(from_c(&k, SYN | ACK, ISN_C, ISN_S + 1, 0), TCPT_OK);
		assert_int_equal(k.f.state, FLOW_TCP_SYN_RECV);
		assert_int_equal(from_c(&k, ACK, ISN_C + 1, ISN_S + 1, 0), TCPT_OK);
		assert_int_equal(k.f.state, FLOW_TCP_ESTABLISHED);

		/* The handshake's last ACK comes with a FIN: straight to FIN_WAIT. */
		reach(&k, cl, FLOW_TCP_SYN_RECV);
		assert_int_equal(from_c(&k, FIN | ACK, ISN_C + 1, ISN_S + 1, 0), TCPT_OK);
		assert_int_equal(k.f.state, FLOW_TCP_FIN_WAIT);
	}
}

static void
test_data_both_ways(void **state)
{
	(void)state;
	for (unsigned int cl = 0; cl < 2; cl++) {
		struct conn k;
		uint32_t cs = ISN_C + 1, ss = ISN_S + 1;

		reach(&k, cl, FLOW_TCP_ESTABLISHED);
		for (unsigned int round = 0; round < 50; round++) {
			uint16_t cl_len = (uint16_t)(100 + round),
				 sv_len = (uint16_t)(1460 - round);

			assert_int_equal(from_c(&k, ACK | PSH, cs, ss, cl_len), TCPT_OK);
			cs += cl_len;
			assert_int_equal(k.f.seq_next[k.c], cs);
			assert_int_equal(k.f.win[k.c], 0x1000 + cl_len);
			assert_int_equal(from_s(&k, ACK, ss, cs, sv_len), TCPT_OK);
			ss += sv_len;
			assert_int_equal(k.f.seq_next[k.s], ss);
			assert_int_equal(k.f.ack[k.s], cs);
			/* win[] is the largest window (conntrack's td_maxwin): the first one. */
			assert_int_equal(k.f.win[k.s], 0x1000 + 1460);
			assert_int_equal(from_c(&k, ACK, cs, ss, 0), TCPT_OK);
			assert_int_equal(k.f.ack[k.c], ss);
			assert_int_equal(k.f.state, FLOW_TCP_ESTABLISHED);
		}
		/*
		 * A late SYN+ACK retransmission changes nothing: it is now more than the client's
		 * window (at most 0x1000 + 149 bytes) behind the server's stream.
		 */
		assert_int_equal(from_s(&k, SYN | ACK, ISN_S, ISN_C + 1, 0), TCPT_OUT_OF_WINDOW);
		assert_int_equal(k.f.state, FLOW_TCP_ESTABLISHED);
		assert_int_equal(k.f.seq_next[k.s], ss);
		assert_int_equal(k.f.ack[k.s], cs);
	}
}

static void
test_close_client_first(void **state)
{
	(void)state;
	for (unsigned int cl = 0; cl < 2; cl++) {
		struct conn k;

		reach(&k, cl, FLOW_TCP_ESTABLISHED);
		assert_int_equal(from_c(&k, FIN | ACK, ISN_C + 1, ISN_S + 1, 0), TCPT_OK);
		assert_int_equal(k.f.state, FLOW_TCP_FIN_WAIT);
		assert_true(k.f.flags & FLOW_F_FIN(k.c));
		assert_int_equal(k.f.seq_next[k.c], ISN_C + 2); /* the FIN takes one number */
		/* An ACK short of the FIN does not acknowledge it. */
		assert_int_equal(from_s(&k, ACK, ISN_S + 1, ISN_C + 1, 0), TCPT_OK);
		assert_false(k.f.flags & FLOW_F_FINACK(k.c));
		assert_int_equal(from_s(&k, ACK, ISN_S + 1, ISN_C + 2, 0), TCPT_OK);
		assert_true(k.f.flags & FLOW_F_FINACK(k.c));
		assert_int_equal(k.f.state, FLOW_TCP_FIN_WAIT);
		/* Half-closed: the server still sends, the client acknowledges. */
		assert_int_equal(from_s(&k, ACK | PSH, ISN_S + 1, ISN_C + 2, 300), TCPT_OK);
		assert_int_equal(from_c(&k, ACK, ISN_C + 2, ISN_S + 301, 0), TCPT_OK);
		assert_int_equal(k.f.state, FLOW_TCP_FIN_WAIT);
		/* The client retransmits its FIN: still FIN_WAIT. */
		assert_int_equal(from_c(&k, FIN | ACK, ISN_C + 1, ISN_S + 301, 0), TCPT_OK);
		assert_int_equal(k.f.state, FLOW_TCP_FIN_WAIT);
		assert_int_equal(k.f.seq_next[k.c], ISN_C + 2);
		/* The server closes. */
		assert_int_equal(from_s(&k, FIN | ACK, ISN_S + 301, ISN_C + 2, 0), TCPT_OK);
		assert_int_equal(k.f.state, FLOW_TCP_CLOSING);
		assert_false(k.f.flags & FLOW_F_FINACK(k.s));
		/* The last ACK. */
		assert_int_equal(from_c(&k, ACK, ISN_C + 2, ISN_S + 302, 0), TCPT_OK);
		assert_int_equal(k.f.state, FLOW_TCP_TIME_WAIT);
		assert_true(k.f.flags & FLOW_F_FINACK(k.s));
		/* Retransmitted FIN (our last ACK lost) and its ACK: still TIME_WAIT. */
		assert_int_equal(from_s(&k, FIN | ACK, ISN_S + 301, ISN_C + 2, 0), TCPT_OK);
		assert_int_equal(k.f.state, FLOW_TCP_TIME_WAIT);
		assert_int_equal(from_c(&k, ACK, ISN_C + 2, ISN_S + 302, 0), TCPT_OK);
		assert_int_equal(k.f.state, FLOW_TCP_TIME_WAIT);
	}
}

static void
test_close_server_first(void **state)
{
	(void)state;
	for (unsigned int cl = 0; cl < 2; cl++) {
		struct conn k;

		reach(&k, cl, FLOW_TCP_ESTABLISHED);
		assert_int_equal(from_s(&k, FIN | ACK, ISN_S + 1, ISN_C + 1, 0), TCPT_OK);
		assert_int_equal(k.f.state, FLOW_TCP_FIN_WAIT);
		assert_true(k.f.flags & FLOW_F_FIN(k.s));
		/* The client's FIN also acknowledges the server's. */
		assert_int_equal(from_c(&k, FIN | ACK, ISN_C + 1, ISN_S + 2, 0), TCPT_OK);
		assert_int_equal(k.f.state, FLOW_TCP_CLOSING);
		assert_true(k.f.flags & FLOW_F_FINACK(k.s));
		/* Not yet: the client's FIN is unacknowledged. */
		assert_int_equal(from_c(&k, ACK, ISN_C + 2, ISN_S + 2, 0), TCPT_OK);
		assert_int_equal(k.f.state, FLOW_TCP_CLOSING);
		assert_int_equal(from_s(&k, ACK, ISN_S + 2, ISN_C + 2, 0), TCPT_OK);
		assert_int_equal(k.f.state, FLOW_TCP_TIME_WAIT);
	}
}

/* Both FINs cross on the wire; each ACK then acknowledges the other's FIN. */
static void
test_simultaneous_close(void **state)
{
	(void)state;
	for (unsigned int order = 0; order < 2; order++) {
		for (unsigned int cl = 0; cl < 2; cl++) {
			struct conn k;

			reach(&k, cl, FLOW_TCP_ESTABLISHED);
			assert_int_equal(from_c(&k, FIN | ACK, ISN_C + 1, ISN_S + 1, 0), TCPT_OK);
			assert_int_equal(k.f.state, FLOW_TCP_FIN_WAIT);
			/* The server's FIN was sent before the client's arrived: ack ISN_C + 1. */
			assert_int_equal(from_s(&k, FIN | ACK, ISN_S + 1, ISN_C + 1, 0), TCPT_OK);
			assert_int_equal(k.f.state, FLOW_TCP_CLOSING);
			assert_false(k.f.flags & FLOW_F_FINACK(k.c));
			assert_false(k.f.flags & FLOW_F_FINACK(k.s));
			if (order == 0) {
				assert_int_equal(from_c(&k, ACK, ISN_C + 2, ISN_S + 2, 0), TCPT_OK);
				assert_int_equal(k.f.state, FLOW_TCP_CLOSING);
				assert_int_equal(from_s(&k, ACK, ISN_S + 2, ISN_C + 2, 0), TCPT_OK);
			} else {
				assert_int_equal(from_s(&k, ACK, ISN_S + 2, ISN_C + 2, 0), TCPT_OK);
				assert_int_equal(k.f.state, FLOW_TCP_CLOSING);
				assert_int_equal(from_c(&k, ACK, ISN_C + 2, ISN_S + 2, 0), TCPT_OK);
			}
			assert_int_equal(k.f.state, FLOW_TCP_TIME_WAIT);
		}
	}
}

static void
test_rst_each_state(void **state)
{
	static const enum flow_state states[] = {
		FLOW_TCP_SYN_SENT, FLOW_TCP_SYN_RECV,  FLOW_TCP_ESTABLISHED, FLOW_TCP_FIN_WAIT,
		FLOW_TCP_CLOSING,  FLOW_TCP_TIME_WAIT, FLOW_TCP_CLOSED,
	};

	(void)state;
	for (unsigned int i = 0; i < sizeof(states) / sizeof(states[0]); i++) {
		for (unsigned int cl = 0; cl < 2; cl++) {
			for (unsigned int who = 0; who < 4; who++) {
				struct conn k;
				uint8_t fl = (who & 2) ? RST | ACK : RST;

				reach(&k, cl, states[i]);
				assert_int_equal(k.f.state, states[i]);
				if (who & 1)
					assert_int_equal(from_s(&k, fl, ISN_S + 1, ISN_C + 1, 0),
							 TCPT_OK);
				else
					assert_int_equal(from_c(&k, fl, ISN_C + 1, ISN_S + 1, 0),
							 TCPT_OK);
				assert_int_equal(k.f.state, FLOW_TCP_CLOSED);
				/* After an RST everything but a SYN just ages out. */
				assert_int_equal(from_c(&k, ACK, ISN_C + 1, ISN_S + 1, 0), TCPT_OK);
				assert_int_equal(from_s(&k, FIN | ACK, ISN_S + 1, ISN_C + 1, 0),
						 TCPT_OK);
				assert_int_equal(k.f.state, FLOW_TCP_CLOSED);
			}
		}
	}
}

static void
test_syn_retransmit(void **state)
{
	(void)state;
	for (unsigned int cl = 0; cl < 2; cl++) {
		struct conn k;

		reach(&k, cl, FLOW_TCP_SYN_SENT);
		assert_int_equal(from_c(&k, SYN, ISN_C, 0, 0), TCPT_OK);
		assert_int_equal(k.f.state, FLOW_TCP_SYN_SENT);
		assert_int_equal(k.f.seq_next[k.c], ISN_C + 1);

		reach(&k, cl, FLOW_TCP_SYN_RECV);
		assert_int_equal(from_c(&k, SYN, ISN_C, 0, 0), TCPT_OK);
		assert_int_equal(k.f.state, FLOW_TCP_SYN_RECV);
		assert_int_equal(from_s(&k, SYN | ACK, ISN_S, ISN_C + 1, 0), TCPT_OK);
		assert_int_equal(k.f.state, FLOW_TCP_SYN_RECV);
		assert_int_equal(k.f.seq_next[k.c], ISN_C + 1);
		assert_int_equal(k.f.seq_next[k.s], ISN_S + 1);
		assert_int_equal(from_c(&k, ACK, ISN_C + 1, ISN_S + 1, 0), TCPT_OK);
		assert_int_equal(k.f.state, FLOW_TCP_ESTABLISHED);
	}
}

/* A SYN (no ACK) after the close is a new connection (port reuse; conntrack sTW/sCL -> sSS). */
static void
test_syn_restarts(void **state)
{
	static const enum flow_state states[] = {FLOW_TCP_TIME_WAIT, FLOW_TCP_CLOSED};

	(void)state;
	for (unsigned int i = 0; i < sizeof(states) / sizeof(states[0]); i++) {
		for (unsigned int cl = 0; cl < 2; cl++) {
			struct conn k;
			struct flow before;

			reach(&k, cl, states[i]);
			before = k.f;
			assert_int_equal(from_c(&k, SYN, ISN_C + 100000, 0, 0), TCPT_RESTART);
			/* The old flow is left as it was for the caller to count and drop. */
			assert_memory_equal(&k.f, &before, sizeof(before));
			assert_int_equal(from_s(&k, SYN, ISN_S + 100000, 0, 0), TCPT_RESTART);
			assert_memory_equal(&k.f, &before, sizeof(before));
			/* Even the same ISN: the old connection is over. */
			assert_int_equal(from_c(&k, SYN, ISN_C, 0, 0), TCPT_RESTART);
			/* The same SYN with loose_close: still a restart, not a close. */
			{
				struct parse_info pi = seg(SYN, ISN_C + 7, 0, 0);

				assert_int_equal(tcpt_update(&k.f, &pi, k.c, true), TCPT_RESTART);
			}
			assert_memory_equal(&k.f, &before, sizeof(before));
		}
	}
	/* A SYN+ACK never restarts. */
	for (unsigned int cl = 0; cl < 2; cl++) {
		struct conn k;

		reach(&k, cl, FLOW_TCP_TIME_WAIT);
		assert_int_equal(from_s(&k, SYN | ACK, ISN_S, ISN_C + 1, 0), TCPT_OK);
		assert_int_equal(k.f.state, FLOW_TCP_TIME_WAIT);
	}
}

static void
test_loose_close(void **state)
{
	(void)state;
	for (unsigned int cl = 0; cl < 2; cl++) {
		struct conn k;
		struct parse_info pi;

		/* Anything but a FIN is tracked as usual. */
		reach(&k, cl, FLOW_TCP_ESTABLISHED);
		pi = seg(ACK | PSH, ISN_C + 1, ISN_S + 1, 20);
		assert_int_equal(tcpt_update(&k.f, &pi, k.c, true), TCPT_OK);
		assert_int_equal(k.f.state, FLOW_TCP_ESTABLISHED);
		assert_int_equal(k.f.seq_next[k.c], ISN_C + 21);
		/* The first FIN, from the client... */
		pi = seg(FIN | ACK, ISN_C + 21, ISN_S + 1, 0);
		assert_int_equal(tcpt_update(&k.f, &pi, k.c, true), TCPT_CLOSE_NOW);

		/* ...or from the server. */
		reach(&k, cl, FLOW_TCP_ESTABLISHED);
		pi = seg(FIN | ACK, ISN_S + 1, ISN_C + 1, 0);
		assert_int_equal(tcpt_update(&k.f, &pi, k.s, true), TCPT_CLOSE_NOW);

		/* A FIN during the handshake. */
		reach(&k, cl, FLOW_TCP_SYN_RECV);
		pi = seg(FIN | ACK, ISN_C + 1, ISN_S + 1, 0);
		assert_int_equal(tcpt_update(&k.f, &pi, k.c, true), TCPT_CLOSE_NOW);

		/* An RST is not a FIN: the flow goes to CLOSED and ages out. */
		reach(&k, cl, FLOW_TCP_ESTABLISHED);
		pi = seg(RST | ACK, ISN_C + 1, ISN_S + 1, 0);
		assert_int_equal(tcpt_update(&k.f, &pi, k.c, true), TCPT_OK);
		assert_int_equal(k.f.state, FLOW_TCP_CLOSED);
	}
}

/* stray_tcp: adopt — a flow created from a mid-connection segment starts ESTABLISHED. */
static void
test_adopt(void **state)
{
	(void)state;
	for (unsigned int cl = 0; cl < 2; cl++) {
		struct conn k;
		struct parse_info pi = seg(ACK | PSH, 7000, 90000, 100);

		conn_init(&k, cl);
		tcpt_start(&k.f, &pi, k.c, true);
		assert_int_equal(k.f.state, FLOW_TCP_ESTABLISHED);
		assert_int_equal(k.f.seq_next[k.c], 7100);
		assert_int_equal(k.f.ack[k.c], 90000);
		assert_true(k.f.flags & FLOW_F_SEEN(k.c));
		assert_true(k.f.flags & FLOW_F_ACKED(k.c));
		assert_false(k.f.flags & (FLOW_F_SEEN(k.s) | FLOW_F_ACKED(k.s)));
		/* RST to the server, before it has said anything: seq = what the client sends next,
		 * ack = what the client acknowledged of the server's stream. */
		expect_rst(&k, k.s, 7100, 90000, RST | ACK);
		expect_rst(&k, k.c, 90000, 7100, RST | ACK);

		assert_int_equal(from_s(&k, ACK, 90000, 7100, 50), TCPT_OK);
		assert_int_equal(k.f.state, FLOW_TCP_ESTABLISHED);
		assert_int_equal(k.f.seq_next[k.s], 90050);
		/* And it closes like any other. */
		assert_int_equal(from_c(&k, FIN | ACK, 7100, 90050, 0), TCPT_OK);
		assert_int_equal(k.f.state, FLOW_TCP_FIN_WAIT);
		assert_int_equal(from_s(&k, FIN | ACK, 90050, 7101, 0), TCPT_OK);
		assert_int_equal(k.f.state, FLOW_TCP_CLOSING);
		assert_int_equal(from_c(&k, ACK, 7101, 90051, 0), TCPT_OK);
		assert_int_equal(k.f.state, FLOW_TCP_TIME_WAIT);

		/* Adopted from a bare ACK. */
		conn_init(&k, cl);
		pi = seg(ACK, 123, 456, 0);
		tcpt_start(&k.f, &pi, k.c, true);
		assert_int_equal(k.f.state, FLOW_TCP_ESTABLISHED);
		assert_int_equal(k.f.seq_next[k.c], 123);
		/*
		 * A SYN on an adopted flow is a SYN on a live connection (SPEC §4): before the
		 * client's stream, ignored; past it, noted for the server's answer.
		 */
		{
			struct flow before = k.f;

			assert_int_equal(from_c(&k, SYN, 5, 0, 0), TCPT_OK);
			assert_memory_equal(&k.f, &before, sizeof(before));
			assert_int_equal(from_c(&k, SYN, 123 + 100000, 0, 0), TCPT_OK);
			assert_true(k.f.tflags & FLOW_T_SYN_AGAIN(k.c));
			assert_int_equal(k.f.state, FLOW_TCP_ESTABLISHED);
		}
	}
}

/* ---------------------------------------------------------------- sequence numbers */

static void
test_seq_wraparound(void **state)
{
	(void)state;
	for (unsigned int cl = 0; cl < 2; cl++) {
		const uint32_t isn_c = 0xfffffff0u, isn_s = 0xffffff00u;
		struct conn k;
		uint32_t ss;

		conn_init(&k, cl);
		start_syn(&k, isn_c);
		assert_int_equal(k.f.seq_next[k.c], 0xfffffff1u);
		assert_int_equal(from_s(&k, SYN | ACK, isn_s, isn_c + 1, 0), TCPT_OK);
		assert_int_equal(from_c(&k, ACK, isn_c + 1, isn_s + 1, 0), TCPT_OK);
		assert_int_equal(k.f.state, FLOW_TCP_ESTABLISHED);

		/* 100 bytes from 0xfffffff1: the next number is past zero. */
		assert_int_equal(from_c(&k, ACK | PSH, 0xfffffff1u, isn_s + 1, 100), TCPT_OK);
		assert_int_equal(k.f.seq_next[k.c], 0x55);
		/* Old segments (before and across the wrap) do not move it back. */
		assert_int_equal(from_c(&k, ACK | PSH, 0xfffffff1u, isn_s + 1, 10), TCPT_OK);
		assert_int_equal(k.f.seq_next[k.c], 0x55);
		assert_int_equal(from_c(&k, ACK | PSH, 0xfffffff1u, isn_s + 1, 100), TCPT_OK);
		assert_int_equal(k.f.seq_next[k.c], 0x55);
		assert_int_equal(from_c(&k, ACK | PSH, 0x10, isn_s + 1, 0x20), TCPT_OK);
		assert_int_equal(k.f.seq_next[k.c], 0x55);
		/* A segment that only partly overlaps moves it forward. */
		assert_int_equal(from_c(&k, ACK | PSH, 0x50, isn_s + 1, 0x10), TCPT_OK);
		assert_int_equal(k.f.seq_next[k.c], 0x60);
		assert_int_equal(from_c(&k, ACK | PSH, 0x60, isn_s + 1, 1000), TCPT_OK);
		assert_int_equal(k.f.seq_next[k.c], 0x60 + 1000);

		/* The server's ACKs cross zero too, and an old ACK does not move back. */
		assert_int_equal(from_s(&k, ACK, isn_s + 1, 0x55, 0), TCPT_OK);
		assert_int_equal(k.f.ack[k.s], 0x55);
		assert_int_equal(from_s(&k, ACK, isn_s + 1, 0xfffffff5u, 0), TCPT_OK);
		assert_int_equal(k.f.ack[k.s], 0x55);
		assert_int_equal(from_s(&k, ACK, isn_s + 1, 0x60 + 1000, 0), TCPT_OK);
		assert_int_equal(k.f.ack[k.s], 0x60 + 1000);

		/* The server's stream crosses zero with 0x200 bytes. */
		ss = isn_s + 1;
		assert_int_equal(from_s(&k, ACK | PSH, ss, 0x60 + 1000, 0x200), TCPT_OK);
		ss += 0x200;
		assert_int_equal(k.f.seq_next[k.s], ss);
		assert_true(ss < 0x200);
		assert_int_equal(from_c(&k, ACK, 0x60 + 1000, ss, 0), TCPT_OK);
		assert_int_equal(k.f.ack[k.c], ss);
		/* A delayed ACK from before the wrap is older. */
		assert_int_equal(from_c(&k, ACK, 0x60 + 1000, 0xffffff80u, 0), TCPT_OK);
		assert_int_equal(k.f.ack[k.c], ss);

		/* RSTs at wrapped numbers. */
		expect_rst(&k, k.c, ss, 0x60 + 1000, RST | ACK);
		expect_rst(&k, k.s, 0x60 + 1000, ss, RST | ACK);

		/* A FIN at a wrapped number is acknowledged by an ACK past it. */
		assert_int_equal(from_c(&k, FIN | ACK, 0x60 + 1000, ss, 0), TCPT_OK);
		assert_int_equal(k.f.seq_next[k.c], 0x60 + 1001);
		assert_int_equal(from_s(&k, FIN | ACK, ss, 0x60 + 1001, 0), TCPT_OK);
		assert_int_equal(k.f.state, FLOW_TCP_CLOSING);
		assert_true(k.f.flags & FLOW_F_FINACK(k.c));
		assert_int_equal(from_c(&k, ACK, 0x60 + 1001, ss + 1, 0), TCPT_OK);
		assert_int_equal(k.f.state, FLOW_TCP_TIME_WAIT);
	}

	/* An ISN of 0xffffffff: the SYN's number wraps to 0. */
	{
		struct conn k;

		conn_init(&k, 0);
		start_syn(&k, 0xffffffffu);
		assert_int_equal(k.f.seq_next[k.c], 0);
		expect_rst(&k, k.c, 0, 0, RST | ACK);
	}
	/* A FIN that takes the last number before zero. */
	{
		struct conn k;

		conn_init(&k, 1);
		start_syn(&k, 0xffffffe0u);
		assert_int_equal(from_s(&k, SYN | ACK, ISN_S, 0xffffffe1u, 0), TCPT_OK);
		assert_int_equal(from_c(&k, ACK | PSH, 0xffffffe1u, ISN_S + 1, 0x1e), TCPT_OK);
		assert_int_equal(k.f.seq_next[k.c], 0xffffffffu);
		assert_int_equal(from_c(&k, ACK | FIN, 0xffffffffu, ISN_S + 1, 0), TCPT_OK);
		assert_int_equal(k.f.seq_next[k.c], 0);
		assert_int_equal(k.f.state, FLOW_TCP_FIN_WAIT);
		assert_int_equal(from_s(&k, ACK, ISN_S + 1, 0, 0), TCPT_OK);
		assert_true(k.f.flags & FLOW_F_FINACK(k.c));
	}
}

/* ---------------------------------------------------------------- RST numbers */

static void
test_rst_seq_established(void **state)
{
	(void)state;
	for (unsigned int cl = 0; cl < 2; cl++) {
		struct conn k;

		reach(&k, cl, FLOW_TCP_ESTABLISHED);
		expect_rst(&k, k.c, ISN_S + 1, ISN_C + 1, RST | ACK);
		expect_rst(&k, k.s, ISN_C + 1, ISN_S + 1, RST | ACK);

		/*
		 * The client sends 100 bytes, the server acknowledges them and sends 200 that the
		 * client has acknowledged only in part (a lost segment): each endpoint's RCV.NXT
		 * is what it last acknowledged, not what its peer sent.
		 */
		assert_int_equal(from_c(&k, ACK | PSH, ISN_C + 1, ISN_S + 1, 100), TCPT_OK);
		assert_int_equal(from_s(&k, ACK | PSH, ISN_S + 1, ISN_C + 101, 200), TCPT_OK);
		assert_int_equal(from_c(&k, ACK, ISN_C + 101, ISN_S + 51, 0), TCPT_OK);
		expect_rst(&k, k.c, ISN_S + 51, ISN_C + 101, RST | ACK);
		expect_rst(&k, k.s, ISN_C + 101, ISN_S + 201, RST | ACK);
		assert_int_equal(from_c(&k, ACK, ISN_C + 101, ISN_S + 201, 0), TCPT_OK);
		expect_rst(&k, k.c, ISN_S + 201, ISN_C + 101, RST | ACK);
	}
}

static void
test_rst_seq_handshake(void **state)
{
	(void)state;
	for (unsigned int cl = 0; cl < 2; cl++) {
		struct conn k;

		/*
		 * SYN_SENT: the client's stack accepts an RST only if it acknowledges the SYN
		 * (RFC 793 p. 67): ack = ISN + 1 with ACK set; seq = 0, nothing is known of the
		 * server. To the server: seq = the client's next number (its RCV.NXT if it got the
		 * SYN); no ACK number is known, so a bare RST.
		 */
		reach(&k, cl, FLOW_TCP_SYN_SENT);
		expect_rst(&k, k.c, 0, ISN_C + 1, RST | ACK);
		expect_rst(&k, k.s, ISN_C + 1, 0, RST);

		/* SYN_RECV: the client has not ACKed yet, so its RCV.NXT is the server's ISN+1. */
		reach(&k, cl, FLOW_TCP_SYN_RECV);
		expect_rst(&k, k.c, ISN_S + 1, ISN_C + 1, RST | ACK);
		expect_rst(&k, k.s, ISN_C + 1, ISN_S + 1, RST | ACK);
	}
}

static void
test_rst_seq_closing(void **state)
{
	(void)state;
	for (unsigned int cl = 0; cl < 2; cl++) {
		struct conn k;

		/* FIN_WAIT, the client's FIN not yet acknowledged. */
		reach(&k, cl, FLOW_TCP_FIN_WAIT);
		expect_rst(&k, k.c, ISN_S + 1, ISN_C + 2, RST | ACK);
		expect_rst(&k, k.s, ISN_C + 1, ISN_S + 1, RST | ACK);
		/* CLOSING: the server's FIN not yet acknowledged. */
		reach(&k, cl, FLOW_TCP_CLOSING);
		expect_rst(&k, k.c, ISN_S + 1, ISN_C + 2, RST | ACK);
		expect_rst(&k, k.s, ISN_C + 2, ISN_S + 2, RST | ACK);
		/* TIME_WAIT: both FINs counted on both sides. */
		reach(&k, cl, FLOW_TCP_TIME_WAIT);
		expect_rst(&k, k.c, ISN_S + 2, ISN_C + 2, RST | ACK);
		expect_rst(&k, k.s, ISN_C + 2, ISN_S + 2, RST | ACK);
	}
}

/* Fallbacks of flow_tcp.h when an endpoint has said nothing. */
static void
test_rst_seq_unknown(void **state)
{
	struct conn k;
	struct parse_info pi;

	(void)state;
	/* Nothing at all: zeros and a bare RST. */
	conn_init(&k, 0);
	expect_rst(&k, 0, 0, 0, RST);
	expect_rst(&k, 1, 0, 0, RST);

	/* Only a segment without ACK from endpoint 1 (adopted from a bare FIN or data). */
	conn_init(&k, 1);
	pi = seg(PSH, 3000, 0, 10);
	tcpt_start(&k.f, &pi, 1, true);
	/* To 1: its RCV.NXT is unknown (never ACKed, peer silent): 0; ack = its next number. */
	expect_rst(&k, 1, 0, 3010, RST | ACK);
	/* To 0: RCV.NXT = what 1 sends next; nothing acknowledged its stream: bare RST. */
	expect_rst(&k, 0, 3010, 0, RST);
}

/* ---------------------------------------------------------------- windows */

/* Send @p pi from endpoint @p from; an out-of-window segment must leave the flow as it was. */
static enum tcpt_verdict
send_pi(struct conn *k, unsigned int from, const struct parse_info *pi)
{
	struct flow before = k->f;
	enum tcpt_verdict v = tcpt_update(&k->f, pi, from, false);

	if (v == TCPT_OUT_OF_WINDOW)
		assert_memory_equal(&k->f, &before, sizeof(before));
	return v;
}

/* Send with an explicit raw window. */
static enum tcpt_verdict
send_win(struct conn *k, unsigned int from, uint8_t flags, uint32_t seq, uint32_t ack, uint16_t len,
	 uint16_t win)
{
	struct parse_info pi = seg(flags, seq, ack, len);

	pi.tcp_win = win;
	return send_pi(k, from, &pi);
}

/*
 * Out-of-window check of one segment from a fresh ESTABLISHED connection (both windows
 * 0x1000, nothing sent yet beyond the handshake).
 */
static enum tcpt_verdict
fresh(unsigned int cl, bool from_client, uint8_t flags, uint32_t seq, uint32_t ack, uint16_t len)
{
	struct conn k;

	reach(&k, cl, FLOW_TCP_ESTABLISHED);
	return send_win(&k, from_client ? k.c : k.s, flags, seq, ack, len, 0x1000);
}

/* Each of conntrack's four conditions, just inside and just outside. */
static void
test_window_rules(void **state)
{
	(void)state;
	for (unsigned int cl = 0; cl < 2; cl++) {
		struct conn k;

		/* I: seq up to the server's ACK + its window (0x1000), not one past. */
		assert_int_equal(fresh(cl, true, ACK, ISN_C + 1 + 0x1000, ISN_S + 1, 10), TCPT_OK);
		assert_int_equal(fresh(cl, true, ACK, ISN_C + 2 + 0x1000, ISN_S + 1, 10),
				 TCPT_OUT_OF_WINDOW);
		assert_int_equal(fresh(cl, false, ACK, ISN_S + 1 + 0x1000, ISN_C + 1, 0), TCPT_OK);
		assert_int_equal(fresh(cl, false, ACK, ISN_S + 2 + 0x1000, ISN_C + 1, 0),
				 TCPT_OUT_OF_WINDOW);

		/* II: the client has sent 3000 bytes; old data may end a window behind, no more. */
		reach(&k, cl, FLOW_TCP_ESTABLISHED);
		assert_int_equal(send_win(&k, k.c, ACK, ISN_C + 1, ISN_S + 1, 3000, 0x1000),
				 TCPT_OK);
		assert_int_equal(send_win(&k, k.s, ACK, ISN_S + 1, ISN_C + 3001, 0, 0x1000),
				 TCPT_OK);
		assert_int_equal(
			send_win(&k, k.c, ACK, ISN_C + 3001 - 0x1000 - 100, ISN_S + 1, 100, 0x1000),
			TCPT_OK);
		assert_int_equal(
			send_win(&k, k.c, ACK, ISN_C + 3001 - 0x1000 - 101, ISN_S + 1, 100, 0x1000),
			TCPT_OUT_OF_WINDOW);
		assert_int_equal(k.f.seq_next[k.c], ISN_C + 3001);

		/* III: an ACK of what the peer sent, not of one byte more. */
		assert_int_equal(fresh(cl, true, ACK, ISN_C + 1, ISN_S + 1, 0), TCPT_OK);
		assert_int_equal(fresh(cl, true, ACK, ISN_C + 1, ISN_S + 2, 0), TCPT_OUT_OF_WINDOW);
		assert_int_equal(fresh(cl, false, ACK, ISN_S + 1, ISN_C + 2, 0),
				 TCPT_OUT_OF_WINDOW);
		/* Without ACK nothing is checked of the ACK field. */
		assert_int_equal(fresh(cl, true, PSH, ISN_C + 1, ISN_S + 99999, 5), TCPT_OK);

		/* IV: the ACK lags at most max(the sender's window, 66000) behind the peer. */
		assert_int_equal(fresh(cl, true, ACK, ISN_C + 1, ISN_S + 1 - 66000, 0), TCPT_OK);
		assert_int_equal(fresh(cl, true, ACK, ISN_C + 1, ISN_S - 66000, 0),
				 TCPT_OUT_OF_WINDOW);
		assert_int_equal(fresh(cl, false, ACK, ISN_S + 1, ISN_C - 66000, 0),
				 TCPT_OUT_OF_WINDOW);
		/* A sender whose window is larger than 66000 (scaled) widens it. */
		reach(&k, cl, FLOW_TCP_ESTABLISHED);
		k.f.tflags |= FLOW_T_SCALED;
		k.f.wscale = (uint8_t)(5 << (4 * k.c));
		assert_int_equal(
			send_win(&k, k.c, ACK, ISN_C + 1, ISN_S + 1 - (0x1000 << 5), 0, 0x1000),
			TCPT_OK);
		assert_int_equal(
			send_win(&k, k.c, ACK, ISN_C + 1, ISN_S - (0x1000 << 5), 0, 0x1000),
			TCPT_OUT_OF_WINDOW);

		/* Far away in either direction: out, state and numbers unchanged. */
		assert_int_equal(fresh(cl, true, ACK | PSH, ISN_C + 1 + (1u << 30), ISN_S + 1, 100),
				 TCPT_OUT_OF_WINDOW);
		assert_int_equal(fresh(cl, true, ACK | PSH, ISN_C + 1 - (1u << 30), ISN_S + 1, 100),
				 TCPT_OUT_OF_WINDOW);
		/* An out-of-window FIN does not close either, nor does it with loose_close. */
		reach(&k, cl, FLOW_TCP_ESTABLISHED);
		{
			struct parse_info pi = seg(FIN | ACK, ISN_C + 1 + (1u << 30), ISN_S + 1, 0);
			struct flow before = k.f;

			assert_int_equal(tcpt_update(&k.f, &pi, k.c, true), TCPT_OUT_OF_WINDOW);
			assert_memory_equal(&k.f, &before, sizeof(before));
		}
		assert_int_equal(from_c(&k, FIN | ACK, ISN_C + 1 + (1u << 30), ISN_S + 1, 0),
				 TCPT_OUT_OF_WINDOW);
		assert_int_equal(k.f.state, FLOW_TCP_ESTABLISHED);
	}
}

/* Only an in-window RST closes a flow (SPEC §4). */
static void
test_rst_window(void **state)
{
	static const enum flow_state states[] = {
		FLOW_TCP_SYN_RECV, FLOW_TCP_ESTABLISHED, FLOW_TCP_FIN_WAIT,
		FLOW_TCP_CLOSING,  FLOW_TCP_TIME_WAIT,
	};

	(void)state;
	for (unsigned int i = 0; i < RTE_DIM(states); i++) {
		for (unsigned int cl = 0; cl < 2; cl++) {
			struct conn k;
			uint32_t cs = ISN_C + 1;

			/* Forged: 2^30 past the client's stream, with or without ACK. */
			reach(&k, cl, states[i]);
			assert_int_equal(send_win(&k, k.c, RST, cs + (1u << 30), 0, 0, 0),
					 TCPT_OUT_OF_WINDOW);
			assert_int_equal(
				send_win(&k, k.c, RST | ACK, cs + (1u << 30), ISN_S + 1, 0, 0),
				TCPT_OUT_OF_WINDOW);
			assert_int_equal(send_win(&k, k.s, RST, ISN_S + 1 + (1u << 30), 0, 0, 0),
					 TCPT_OUT_OF_WINDOW);
			/* Far behind. */
			assert_int_equal(send_win(&k, k.c, RST, cs - (1u << 30), 0, 0, 0),
					 TCPT_OUT_OF_WINDOW);
			/* In the window but acknowledging what the server never sent. */
			assert_int_equal(
				send_win(&k, k.c, RST | ACK, cs, ISN_S + 1 + (1u << 30), 0, 0),
				TCPT_OUT_OF_WINDOW);
			assert_int_equal(k.f.state, states[i]);

			/*
			 * In the window but not at the server's RCV.NXT: ESTABLISHED stays
			 * (conntrack: the server sends a challenge ACK), any other state closes.
			 */
			assert_int_equal(send_win(&k, k.c, RST, cs + 100, 0, 0, 0), TCPT_OK);
			if (states[i] == FLOW_TCP_ESTABLISHED) {
				assert_int_equal(k.f.state, FLOW_TCP_ESTABLISHED);
				/* The exact one (the answer to the challenge ACK) closes. */
				assert_int_equal(send_win(&k, k.c, RST, cs, 0, 0, 0), TCPT_OK);
			}
			assert_int_equal(k.f.state, FLOW_TCP_CLOSED);
			/* RST|ACK with an ACK number of 0 (some stacks): the ACK is not checked. */
			reach(&k, cl, states[i]);
			assert_int_equal(send_win(&k, k.s, RST | ACK, ISN_S + 1, 0, 0, 0), TCPT_OK);
			assert_int_equal(k.f.state, FLOW_TCP_CLOSED);
		}
	}
	/*
	 * An RST right after the sender's own data, which the receiver has not acknowledged
	 * yet (an application closing with unread data): at the sender's next number, closes.
	 */
	for (unsigned int cl = 0; cl < 2; cl++) {
		struct conn k;

		reach(&k, cl, FLOW_TCP_ESTABLISHED);
		assert_int_equal(from_c(&k, ACK | PSH, ISN_C + 1, ISN_S + 1, 100), TCPT_OK);
		assert_int_equal(from_c(&k, RST | ACK, ISN_C + 50, ISN_S + 1, 0), TCPT_OK);
		assert_int_equal(k.f.state, FLOW_TCP_ESTABLISHED);
		assert_int_equal(from_c(&k, RST | ACK, ISN_C + 101, ISN_S + 1, 0), TCPT_OK);
		assert_int_equal(k.f.state, FLOW_TCP_CLOSED);
	}
	/* The RST|ACK a server answers a SYN with (seq 0) closes the handshake. */
	for (unsigned int cl = 0; cl < 2; cl++) {
		struct conn k;

		reach(&k, cl, FLOW_TCP_SYN_SENT);
		assert_int_equal(from_s(&k, RST | ACK, 0, ISN_C + 1, 0), TCPT_OK);
		assert_int_equal(k.f.state, FLOW_TCP_CLOSED);
	}
}

/* A handshake where the SYNs carry window scale options @p ws_c and @p ws_s. */
static void
reach_scaled(struct conn *k, unsigned int client, uint8_t ws_c, uint8_t ws_s)
{
	struct parse_info pi = seg(SYN, ISN_C, 0, 0);

	conn_init(k, client);
	pi.tcp_win = 64240;
	pi.tcp_wscale = ws_c;
	tcpt_start(&k->f, &pi, k->c, false);
	pi = seg(SYN | ACK, ISN_S, ISN_C + 1, 0);
	pi.tcp_win = 65160;
	pi.tcp_wscale = ws_s;
	assert_int_equal(send_pi(k, k->s, &pi), TCPT_OK);
	/* The handshake's last ACK: the client's window from now on is scaled. */
	assert_int_equal(send_win(k, k->c, ACK, ISN_C + 1, ISN_S + 1, 0, 0x2000), TCPT_OK);
	assert_int_equal(k->f.state, FLOW_TCP_ESTABLISHED);
}

/* Window scale 7 (Linux's usual): data far past 64 KiB unacknowledged stays in window. */
static void
test_wscale(void **state)
{
	(void)state;
	for (unsigned int cl = 0; cl < 2; cl++) {
		struct conn k;
		uint32_t ss = ISN_S + 1, limit;

		reach_scaled(&k, cl, 7, 7);
		assert_true(k.f.tflags & FLOW_T_SCALED);
		assert_int_equal(flow_wscale(&k.f, k.c), 7);
		assert_int_equal(flow_wscale(&k.f, k.s), 7);
		/* The SYNs' windows, unscaled on the wire, kept in the scaled unit, rounded up. */
		assert_int_equal(k.f.win[k.s], (65160 + 127) / 128);
		assert_int_equal(k.f.win[k.c], 0x2000); /* the largest: 0x2000 > 502 */
		/* 1 MiB window: the server sends 900 KiB in 1448-byte segments, no ACK between. */
		while (ss - (ISN_S + 1) < 900 * 1024) {
			assert_int_equal(send_win(&k, k.s, ACK | PSH, ss, ISN_C + 1, 1448, 509),
					 TCPT_OK);
			ss += 1448;
		}
		assert_int_equal(k.f.seq_next[k.s], ss);
		/* The client ACKs half; the window's right edge moves with it. */
		assert_int_equal(send_win(&k, k.c, ACK, ISN_C + 1, ss - 400000, 0, 0x2000),
				 TCPT_OK);
		limit = ss - 400000 + (0x2000u << 7);
		assert_int_equal(send_win(&k, k.s, ACK | PSH, limit, ISN_C + 1, 10, 509), TCPT_OK);
		assert_int_equal(send_win(&k, k.s, ACK | PSH, limit + 1, ISN_C + 1, 10, 509),
				 TCPT_OUT_OF_WINDOW);
		/* A forged RST 2^30 ahead is still out. */
		assert_int_equal(send_win(&k, k.s, RST, ss + (1u << 30), 0, 0, 0),
				 TCPT_OUT_OF_WINDOW);

		/* Only one side offers it: no scaling (RFC 7323), the same data is out. */
		for (unsigned int one = 0; one < 2; one++) {
			reach_scaled(&k, cl, one ? 7 : PARSE_NO_WSCALE, one ? PARSE_NO_WSCALE : 7);
			assert_false(k.f.tflags & FLOW_T_SCALED);
			assert_int_equal(flow_wscale(&k.f, k.c), 0);
			assert_int_equal(k.f.win[k.s], 65160);
			assert_int_equal(send_win(&k, k.s, ACK | PSH, ISN_S + 1 + 0x2000 - 10,
						  ISN_C + 1, 10, 509),
					 TCPT_OK);
			assert_int_equal(send_win(&k, k.s, ACK | PSH, ISN_S + 1 + 70000, ISN_C + 1,
						  1448, 509),
					 TCPT_OUT_OF_WINDOW);
		}

		/* Different shifts per side: each side's window by its own shift. */
		reach_scaled(&k, cl, 2, 9);
		assert_int_equal(flow_wscale(&k.f, k.c), 2);
		assert_int_equal(flow_wscale(&k.f, k.s), 9);
		/* The client may send up to the server's 65160 (SYN+ACK, rounded up to 128 * 512).
		 */
		assert_int_equal(send_win(&k, k.c, ACK | PSH, ISN_C + 1 + (128u << 9) - 10,
					  ISN_S + 1, 10, 0x2000),
				 TCPT_OK);
		assert_int_equal(send_win(&k, k.c, ACK | PSH, ISN_C + 2 + (128u << 9), ISN_S + 1,
					  10, 0x2000),
				 TCPT_OUT_OF_WINDOW);
		/* The server up to the client's largest: its SYN's 64240 = 16060 << 2. */
		assert_int_equal(k.f.win[k.c], 16060);
		assert_int_equal(
			send_win(&k, k.s, ACK | PSH, ISN_S + 1 + 64240, ISN_C + 1, 10, 100),
			TCPT_OK);
		assert_int_equal(
			send_win(&k, k.s, ACK | PSH, ISN_S + 2 + 64240, ISN_C + 1, 10, 100),
			TCPT_OUT_OF_WINDOW);
		/* A shift of 14 (the largest) still fits 32 bits. */
		reach_scaled(&k, cl, 14, 14);
		assert_int_equal(send_win(&k, k.c, ACK, ISN_C + 1, ISN_S + 1, 0, 0xffff), TCPT_OK);
		assert_int_equal(send_win(&k, k.s, ACK | PSH, ISN_S + 1 + (0xffffu << 14),
					  ISN_C + 1, 0, 100),
				 TCPT_OK);
	}
}

/* A flow picked up mid-stream: shifts unknown, taken as 14; the peer unseen is not checked. */
static void
test_adopt_window(void **state)
{
	(void)state;
	for (unsigned int cl = 0; cl < 2; cl++) {
		struct conn k;
		struct parse_info pi = seg(ACK | PSH, 7000, 90000, 100);

		conn_init(&k, cl);
		pi.tcp_win = 300;
		tcpt_start(&k.f, &pi, k.c, true);
		assert_int_equal(flow_wscale(&k.f, 0), 14);
		assert_int_equal(flow_wscale(&k.f, 1), 14);
		/* The server has said nothing: its data is checked only against the client's
		 * window taken at the largest shift. */
		assert_int_equal(send_win(&k, k.s, ACK | PSH, 90000 + (300u << 14), 7100, 0, 1),
				 TCPT_OK);
		/* ...and that bound still holds: 2^30 ahead is out. */
		assert_int_equal(send_win(&k, k.s, RST, 90000 + (1u << 30), 0, 0, 0),
				 TCPT_OUT_OF_WINDOW);
		assert_int_equal(k.f.state, FLOW_TCP_ESTABLISHED);

		/* Picked up from a SYN+ACK with window scale: the server's shift is known. */
		conn_init(&k, cl);
		pi = seg(SYN | ACK, ISN_S, ISN_C + 1, 0);
		pi.tcp_win = 65160;
		pi.tcp_wscale = 7;
		tcpt_start(&k.f, &pi, k.s, true);
		assert_int_equal(k.f.state, FLOW_TCP_SYN_RECV);
		assert_int_equal(flow_wscale(&k.f, k.s), 7);
		assert_int_equal(flow_wscale(&k.f, k.c), 14);
		assert_int_equal(k.f.win[k.s], (65160 + 127) / 128);
		assert_int_equal(from_c(&k, ACK, ISN_C + 1, ISN_S + 1, 0), TCPT_OK);
		assert_int_equal(k.f.state, FLOW_TCP_ESTABLISHED);
		/* ...and without it nobody scales. */
		conn_init(&k, cl);
		pi.tcp_wscale = PARSE_NO_WSCALE;
		tcpt_start(&k.f, &pi, k.s, true);
		assert_false(k.f.tflags & FLOW_T_SCALED);
		assert_int_equal(k.f.win[k.s], 65160);
	}
}

/*
 * Picked up from a keepalive probe (seq = SND.NXT - 1, no data): the answer ACKs one past
 * what the flow saw (conntrack's tweak), and the flow learns the real SND.NXT.
 */
static void
test_adopt_keepalive(void **state)
{
	(void)state;
	for (unsigned int cl = 0; cl < 2; cl++) {
		struct conn k;
		struct parse_info pi = seg(ACK, 6999, 90000, 0);

		conn_init(&k, cl);
		tcpt_start(&k.f, &pi, k.c, true);
		assert_int_equal(k.f.seq_next[k.c], 6999);
		assert_int_equal(from_s(&k, ACK, 90000, 7000, 0), TCPT_OK);
		assert_int_equal(k.f.seq_next[k.c], 7000);
		expect_rst(&k, k.c, 90000, 7000, RST | ACK);
		/* Only as the first word from that endpoint, and only one past. */
		assert_int_equal(from_s(&k, ACK, 90000, 7001, 0), TCPT_OUT_OF_WINDOW);
		conn_init(&k, cl);
		tcpt_start(&k.f, &pi, k.c, true);
		assert_int_equal(from_s(&k, ACK, 90000, 7001, 0), TCPT_OUT_OF_WINDOW);
	}
}

/* ---------------------------------------------------------------- SYN on a live flow */

/* A delayed or replayed copy of the first SYN changes nothing (conntrack ignores it). */
static void
test_syn_replay_ignored(void **state)
{
	static const enum flow_state states[] = {FLOW_TCP_ESTABLISHED, FLOW_TCP_FIN_WAIT,
						 FLOW_TCP_CLOSING};

	(void)state;
	for (unsigned int i = 0; i < RTE_DIM(states); i++) {
		for (unsigned int cl = 0; cl < 2; cl++) {
			struct conn k;
			struct flow before;

			reach(&k, cl, states[i]);
			/* Some data first, so that the flow is not just the handshake. */
			if (states[i] == FLOW_TCP_ESTABLISHED) {
				assert_int_equal(from_c(&k, ACK | PSH, ISN_C + 1, ISN_S + 1, 500),
						 TCPT_OK);
				assert_int_equal(from_s(&k, ACK, ISN_S + 1, ISN_C + 501, 0),
						 TCPT_OK);
			}
			before = k.f;
			assert_int_equal(from_c(&k, SYN, ISN_C, 0, 0), TCPT_OK);
			assert_memory_equal(&k.f, &before, sizeof(before));
			assert_int_equal(from_c(&k, SYN, ISN_C - 1000, 0, 0), TCPT_OK);
			assert_memory_equal(&k.f, &before, sizeof(before));
			/* At the very next number the client would send: not past it either. */
			assert_int_equal(from_c(&k, SYN, k.f.seq_next[k.c], 0, 0), TCPT_OK);
			assert_memory_equal(&k.f, &before, sizeof(before));
			/* The server's side likewise (a simultaneous open's SYN). */
			assert_int_equal(from_s(&k, SYN, ISN_S, 0, 0), TCPT_OK);
			assert_memory_equal(&k.f, &before, sizeof(before));
			/* The server answering the copy with a SYN+ACK of the old ISN: not a
			 * restart. */
			assert_int_equal(from_s(&k, SYN | ACK, ISN_S, ISN_C + 1, 0), TCPT_OK);
			assert_int_equal(k.f.state, states[i]);
		}
	}
}

/* A SYN past the stream, then the peer's SYN+ACK acknowledging it: a new connection. */
static void
test_syn_again(void **state)
{
	static const enum flow_state states[] = {FLOW_TCP_ESTABLISHED, FLOW_TCP_FIN_WAIT,
						 FLOW_TCP_CLOSING};

	(void)state;
	for (unsigned int i = 0; i < RTE_DIM(states); i++) {
		for (unsigned int cl = 0; cl < 2; cl++) {
			struct conn k;
			struct flow before;

			reach(&k, cl, states[i]);
			before = k.f;
			assert_int_equal(from_c(&k, SYN, ISN_C + 100000, 0, 0), TCPT_OK);
			/* Only the mark is new: state, numbers and windows are the old ones. */
			assert_true(k.f.tflags & FLOW_T_SYN_AGAIN(k.c));
			before.tflags |= FLOW_T_SYN_AGAIN(k.c);
			tcpt_mark(&before); /* a mark pending: no fast path */
			assert_memory_equal(&k.f, &before, sizeof(before));
			/* A SYN+ACK of the old handshake does not confirm it. */
			assert_int_equal(from_s(&k, SYN | ACK, ISN_S, ISN_C + 1, 0), TCPT_OK);
			assert_int_equal(k.f.state, states[i]);
			/* The server's challenge ACK neither (it ends nothing). */
			assert_int_equal(from_s(&k, ACK, k.f.seq_next[k.s], k.f.seq_next[k.c], 0),
					 TCPT_OK);
			before = k.f;
			/* The server acknowledges the new SYN: restart, flow left as it was. */
			assert_int_equal(from_s(&k, SYN | ACK, 77, ISN_C + 100001, 0),
					 TCPT_RESTART_SYNACK);
			assert_memory_equal(&k.f, &before, sizeof(before));

			/* The same from the server's side. */
			reach(&k, cl, states[i]);
			assert_int_equal(from_s(&k, SYN, ISN_S + 100000, 0, 0), TCPT_OK);
			assert_true(k.f.tflags & FLOW_T_SYN_AGAIN(k.s));
			assert_int_equal(from_c(&k, SYN | ACK, 5, ISN_S + 100001, 0),
					 TCPT_RESTART_SYNACK);

			/* The client goes on with the old connection: the mark is gone. */
			reach(&k, cl, states[i]);
			assert_int_equal(from_c(&k, SYN, ISN_C + 100000, 0, 0), TCPT_OK);
			assert_int_equal(from_c(&k, ACK, k.f.seq_next[k.c], ISN_S + 1, 0), TCPT_OK);
			assert_false(k.f.tflags & FLOW_T_SYN_AGAIN(k.c));
			assert_int_equal(from_s(&k, SYN | ACK, 77, ISN_C + 100001, 0),
					 TCPT_OUT_OF_WINDOW);
		}
	}
	/* An adopted flow whose client never spoke: its SYN is the mark. */
	for (unsigned int cl = 0; cl < 2; cl++) {
		struct conn k;
		struct parse_info pi = seg(ACK | PSH, 90000, 7000, 100);

		conn_init(&k, cl);
		tcpt_start(&k.f, &pi, k.s, true);
		assert_int_equal(from_c(&k, SYN, 5, 0, 0), TCPT_OK);
		assert_true(k.f.tflags & FLOW_T_SYN_AGAIN(k.c));
		assert_false(k.f.flags & FLOW_F_SEEN(k.c));
		assert_int_equal(from_s(&k, SYN | ACK, 1, 6, 0), TCPT_RESTART_SYNACK);
	}
}

/*
 * FLOW_T_FAST, the engine's test for its inline path (tcpt_is_established()), follows the
 * flow through tcpt_update(): set once the handshake is done, clear while a SYN_AGAIN is
 * pending and once a FIN or an RST moved the state on, clear while one end is silent.
 */
static void
test_fast_mark(void **state)
{
	static const enum flow_state later[] = {FLOW_TCP_FIN_WAIT, FLOW_TCP_CLOSING,
						FLOW_TCP_TIME_WAIT, FLOW_TCP_CLOSED};

	(void)state;
	for (unsigned int cl = 0; cl < 2; cl++) {
		struct parse_info pi;
		struct conn k;

		reach(&k, cl, FLOW_TCP_SYN_RECV);
		assert_false(k.f.tflags & FLOW_T_FAST);
		assert_int_equal(from_c(&k, ACK, ISN_C + 1, ISN_S + 1, 0), TCPT_OK);
		assert_true(k.f.tflags & FLOW_T_FAST);
		assert_int_equal(from_c(&k, SYN, ISN_C + 100000, 0, 0), TCPT_OK);
		assert_false(k.f.tflags & FLOW_T_FAST);
		assert_int_equal(from_c(&k, ACK, ISN_C + 1, ISN_S + 1, 0), TCPT_OK);
		assert_true(k.f.tflags & FLOW_T_FAST);
		for (unsigned int i = 0; i < RTE_DIM(later); i++) {
			reach(&k, cl, later[i]);
			assert_false(k.f.tflags & FLOW_T_FAST);
		}
		/* Picked up from the client's data: the server has not spoken yet. */
		conn_init(&k, cl);
		pi = seg(ACK | PSH, ISN_C + 1, ISN_S + 1, 100);
		tcpt_start(&k.f, &pi, k.c, true);
		assert_int_equal(k.f.state, FLOW_TCP_ESTABLISHED);
		assert_false(k.f.tflags & FLOW_T_FAST);
		assert_int_equal(from_s(&k, ACK, ISN_S + 1, ISN_C + 101, 0), TCPT_OK);
		assert_true(k.f.tflags & FLOW_T_FAST);
	}
}

/* Flows the equivalence test starts from: how a connection got to its state. */
enum base_kind {
	BASE_PLAIN,	/* handshake without window scaling */
	BASE_SCALED,	/* window scale 7 and 3 */
	BASE_SYN_AGAIN, /* then a SYN from the client past its stream */
	BASE_ADOPTED,	/* picked up from the client's data, then forced to the state */
	BASE_COUNT
};

static void
base_flow(struct conn *k, enum base_kind kind, unsigned int client, enum flow_state st)
{
	struct parse_info pi;

	switch (kind) {
	case BASE_SCALED:
		if (st <= FLOW_TCP_SYN_RECV) {
			reach(k, client, st);
			k->f.tflags |= FLOW_T_WS0 | FLOW_T_WS1 | FLOW_T_SCALED;
			k->f.wscale = (uint8_t)(7 << (4 * k->c) | 3 << (4 * k->s));
		} else {
			reach_scaled(k, client, 7, 3);
			k->f.state = (uint8_t)st;
		}
		break;
	case BASE_SYN_AGAIN:
		reach(k, client, st);
		k->f.tflags |= FLOW_T_SYN_AGAIN(k->c);
		break;
	case BASE_ADOPTED:
		conn_init(k, client);
		pi = seg(ACK | PSH, ISN_C + 1, ISN_S + 1, 100);
		tcpt_start(&k->f, &pi, k->c, true);
		k->f.state = (uint8_t)st;
		break;
	case BASE_PLAIN:
	default:
		reach(k, client, st);
		break;
	}
	tcpt_mark(&k->f); /* state and flags set by hand */
}

/*
 * tcpt_update() and tcpt_update_fast() on copies of @p f: the same verdict and the same flow
 * after. Returns the verdict.
 */
static enum tcpt_verdict
fast_same(const struct flow *f, const struct parse_info *pi, unsigned int from, bool loose)
{
	struct flow a = *f, b = *f;
	enum tcpt_verdict va = tcpt_update(&a, pi, from, loose);
	enum tcpt_verdict vb = tcpt_update_fast(&b, pi, from, loose);

	assert_int_equal(va, vb);
	assert_memory_equal(&a, &b, sizeof(a));
	return va;
}

/*
 * tcpt_update_fast() (the engine's inline path) must leave every flow exactly as
 * tcpt_update() does, with the same verdict: every state, flows with and without window
 * scaling, adopted ones and ones with a pending SYN_AGAIN, both orientations, both senders,
 * every combination of the six flags, with and without loose_close, numbers in and out of
 * the window (so that every verdict comes up, the fast path's OUT_OF_WINDOW included).
 */
static void
test_fast_path_same(void **state)
{
	static const uint32_t nums[] = {
		0,	     ISN_C + 1,	     ISN_S + 1,	   ISN_C + 5000,
		0x80000000u, ISN_C + 100001, ISN_S + 4000, ISN_C + 1 + (1u << 30),
	};
	unsigned int checked = 0, fast = 0, fast_oow = 0, verdicts[TCPT_OUT_OF_WINDOW + 1] = {0};

	(void)state;
	for (unsigned int kind = 0; kind < BASE_COUNT; kind++)
		for (unsigned int st = FLOW_TCP_SYN_SENT; st <= FLOW_TCP_CLOSED; st++)
			for (unsigned int client = 0; client < 2; client++)
				for (unsigned int from = 0; from < 2; from++)
					for (unsigned int fl = 0; fl < 64; fl++)
						for (unsigned int n = 0; n < RTE_DIM(nums); n++) {
							struct conn base;
							struct parse_info pi =
								seg((uint8_t)fl, nums[n],
								    nums[(n + 1) % RTE_DIM(nums)],
								    (uint16_t)(n * 100));
							bool loose = (fl + n) & 1;
							bool f_case;
							enum tcpt_verdict v;

							base_flow(&base, (enum base_kind)kind,
								  client, (enum flow_state)st);
							v = fast_same(&base.f, &pi, from, loose);
							f_case = tcpt_is_established(&base.f, &pi);
							fast += f_case;
							fast_oow +=
								f_case && v == TCPT_OUT_OF_WINDOW;
							verdicts[v]++;
							checked++;
						}
	assert_int_equal(checked, BASE_COUNT * 7 * 2 * 2 * 64 * RTE_DIM(nums));
	/* The inline branch itself was taken, both ways. */
	assert_true(fast > fast_oow);
	assert_true(fast_oow > 0);
	for (unsigned int v = 0; v <= TCPT_OUT_OF_WINDOW; v++)
		assert_true(verdicts[v] > 0);
}

/* Counts of test_fast_path_edges(): cases, shortcut cases, and their out-of-window ones. */
struct edge_counts {
	unsigned int all, shortcut, oow, oow_shortcut;
};

/*
 * One case of test_fast_path_edges(): an established flow of @p kind, sender @p from whose
 * next sequence number is @p da from the receiver's window edge (check I); a segment whose
 * seq is @p db from the sender's next (@p e bit 0 clear: the shortcut's) or from the oldest
 * the window allows (set: II), whose ACK is @p dc from the receiver's next (bit 1 clear: the
 * shortcut's, III) or from the oldest ACK allowed (set: IV).
 */
static void
edge_case(enum base_kind kind, unsigned int from, unsigned int e, int da, int db, int dc,
	  struct edge_counts *n)
{
	unsigned int r = from ^ 1;
	uint16_t len = (uint16_t)(da & 1);
	uint32_t wr, ws, mw, sn, seq, ack;
	struct parse_info pi;
	struct conn base;
	enum tcpt_verdict v;
	bool sc = e == 0 && db == 0 && dc == 0;

	base_flow(&base, kind, 0, FLOW_TCP_ESTABLISHED);
	wr = (uint32_t)base.f.win[r] << flow_wscale(&base.f, r);
	wr += wr == 0;
	ws = (uint32_t)base.f.win[from] << flow_wscale(&base.f, from);
	mw = ws > TCPT_MAXACKWIN_MIN ? ws : TCPT_MAXACKWIN_MIN;
	sn = base.f.ack[r] + wr + (uint32_t)da;
	base.f.seq_next[from] = sn;
	seq = ((e & 1) ? sn - wr - len : sn) + (uint32_t)db;
	ack = base.f.seq_next[r] - ((e & 2) ? mw : 0) + (uint32_t)dc;
	pi = seg(ACK, seq, ack, len);
	assert_true(tcpt_is_established(&base.f, &pi));
	v = fast_same(&base.f, &pi, from, false);
	n->all++;
	n->shortcut += sc;
	n->oow += v == TCPT_OUT_OF_WINDOW;
	n->oow_shortcut += sc && v == TCPT_OUT_OF_WINDOW;
}

/*
 * tcpt_update_fast() == tcpt_update() at every window edge, where the fast path's shortcut
 * (an in-order segment acknowledging all the peer sent: only check I left) and its full
 * checks decide, a few numbers either side of where each check flips. An off-by-one in
 * either branch changes a verdict here.
 */
static void
test_fast_path_edges(void **state)
{
	static const int d[] = {-2, -1, 0, 1, 2};
	struct edge_counts n = {0};

	(void)state;
	for (unsigned int kind = BASE_PLAIN; kind <= BASE_SCALED; kind++)
		for (unsigned int from = 0; from < 2; from++)
			for (unsigned int e = 0; e < 4; e++)
				for (unsigned int a = 0; a < RTE_DIM(d); a++)
					for (unsigned int b = 0; b < RTE_DIM(d); b++)
						for (unsigned int c = 0; c < RTE_DIM(d); c++)
							edge_case((enum base_kind)kind, from, e,
								  d[a], d[b], d[c], &n);
	assert_int_equal(n.all, 2 * 2 * 4 * 5 * 5 * 5);
	/* Both branches taken, and each gave both verdicts. */
	assert_true(n.oow_shortcut > 0 && n.oow_shortcut < n.shortcut);
	assert_true(n.oow > n.oow_shortcut && n.oow - n.oow_shortcut < n.all - n.shortcut);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_handshake),
		cmocka_unit_test(test_handshake_strays),
		cmocka_unit_test(test_data_both_ways),
		cmocka_unit_test(test_close_client_first),
		cmocka_unit_test(test_close_server_first),
		cmocka_unit_test(test_simultaneous_close),
		cmocka_unit_test(test_rst_each_state),
		cmocka_unit_test(test_syn_retransmit),
		cmocka_unit_test(test_syn_restarts),
		cmocka_unit_test(test_loose_close),
		cmocka_unit_test(test_adopt),
		cmocka_unit_test(test_seq_wraparound),
		cmocka_unit_test(test_rst_seq_established),
		cmocka_unit_test(test_rst_seq_handshake),
		cmocka_unit_test(test_rst_seq_closing),
		cmocka_unit_test(test_rst_seq_unknown),
		cmocka_unit_test(test_window_rules),
		cmocka_unit_test(test_rst_window),
		cmocka_unit_test(test_wscale),
		cmocka_unit_test(test_adopt_window),
		cmocka_unit_test(test_adopt_keepalive),
		cmocka_unit_test(test_syn_replay_ignored),
		cmocka_unit_test(test_syn_again),
		cmocka_unit_test(test_fast_mark),
		cmocka_unit_test(test_fast_path_same),
		cmocka_unit_test(test_fast_path_edges),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
