/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include <rte_common.h>

#include "flow_tcp.h"

/* What a packet means to the state machine, by priority (RST first). */
enum tcpt_event {
	EV_SYN,	    /* SYN without ACK */
	EV_SYNACK,  /* SYN with ACK */
	EV_FIN,	    /* FIN, and the other endpoint has not sent one */
	EV_FIN2,    /* FIN, the other endpoint's FIN was already seen */
	EV_ACK,	    /* anything else: ACK, data */
	EV_LASTACK, /* an ACK after which both FINs are acknowledged */
	EV_RST,
	EV_COUNT
};

#define SS FLOW_TCP_SYN_SENT
#define SR FLOW_TCP_SYN_RECV
#define ES FLOW_TCP_ESTABLISHED
#define FW FLOW_TCP_FIN_WAIT
#define CG FLOW_TCP_CLOSING
#define TW FLOW_TCP_TIME_WAIT
#define CL FLOW_TCP_CLOSED

/*
 * next[state][event][dir]: dir 0 = from the client, 1 = from the server. A SYN without
 * ACK on a flow at or past ESTABLISHED never reaches this table: tcpt_update() ignores it,
 * notes it (SYN_AGAIN) or restarts the flow (SPEC §4).
 */
static const uint8_t tcpt_next[FLOW_TCP_CLOSED + 1][EV_COUNT][2] = {
	[SS] = {
		[EV_SYN] = {SS, SR},	/* client retransmits; server SYN = simultaneous open */
		[EV_SYNACK] = {SS, SR}, /* the server answers the handshake */
		[EV_FIN] = {SS, SS},	/* FIN before a handshake: ignored, as a stack would */
		[EV_FIN2] = {SS, SS},
		[EV_ACK] = {SS, SS},	/* stray ACK in the handshake: ignored */
		[EV_LASTACK] = {SS, SS},
		[EV_RST] = {CL, CL},	/* connection refused or aborted */
	},
	[SR] = {
		[EV_SYN] = {SR, SR},	/* retransmitted SYN */
		[EV_SYNACK] = {SR, SR}, /* retransmitted SYN+ACK */
		[EV_FIN] = {FW, FW},	/* the handshake ended with data and FIN at once */
		[EV_FIN2] = {CG, CG},
		[EV_ACK] = {ES, SR},	/* the client's ACK completes the handshake */
		[EV_LASTACK] = {ES, SR},
		[EV_RST] = {CL, CL},
	},
	[ES] = {
		[EV_SYN] = {ES, ES},	/* (not reached: see tcpt_update()) */
		[EV_SYNACK] = {ES, ES}, /* late retransmitted SYN+ACK */
		[EV_FIN] = {FW, FW},	/* one endpoint closes */
		[EV_FIN2] = {CG, CG},
		[EV_ACK] = {ES, ES},
		[EV_LASTACK] = {ES, ES},
		[EV_RST] = {CL, CL},
	},
	[FW] = {
		[EV_SYN] = {FW, FW},
		[EV_SYNACK] = {FW, FW},
		[EV_FIN] = {FW, FW},	/* the same endpoint retransmits its FIN */
		[EV_FIN2] = {CG, CG},	/* the other endpoint closes too */
		[EV_ACK] = {FW, FW},	/* half-closed: data may still flow one way */
		[EV_LASTACK] = {FW, FW},
		[EV_RST] = {CL, CL},
	},
	[CG] = {
		[EV_SYN] = {CG, CG},
		[EV_SYNACK] = {CG, CG},
		[EV_FIN] = {CG, CG},
		[EV_FIN2] = {CG, CG},	/* retransmitted FIN */
		[EV_ACK] = {CG, CG},	/* one FIN still unacknowledged */
		[EV_LASTACK] = {TW, TW}, /* both FINs acknowledged */
		[EV_RST] = {CL, CL},
	},
	[TW] = {
		[EV_SYN] = {TW, TW},
		[EV_SYNACK] = {TW, TW},
		[EV_FIN] = {TW, TW},	/* retransmitted FIN: the last ACK was lost */
		[EV_FIN2] = {TW, TW},
		[EV_ACK] = {TW, TW},
		[EV_LASTACK] = {TW, TW},
		[EV_RST] = {CL, CL},
	},
	[CL] = {
		[EV_SYN] = {CL, CL},	/* everything after an RST just ages out */
		[EV_SYNACK] = {CL, CL},
		[EV_FIN] = {CL, CL},
		[EV_FIN2] = {CL, CL},
		[EV_ACK] = {CL, CL},
		[EV_LASTACK] = {CL, CL},
		[EV_RST] = {CL, CL},
	},
};

/*
 * A SYN from endpoint @p e: note its window scale option; once both endpoints offered one,
 * windows past the SYNs are scaled, and those recorded so far (from SYNs) are converted.
 */
static void
tcpt_syn_wscale(struct flow *f, const struct parse_info *pi, unsigned int e)
{
	if (pi->tcp_wscale == PARSE_NO_WSCALE)
		return;
	f->wscale = (uint8_t)((f->wscale & ~(0xfu << (4 * e))) |
			      (RTE_MIN(pi->tcp_wscale, TCPT_WSCALE_MAX) << (4 * e)));
	f->tflags |= FLOW_T_WS(e);
	if ((f->tflags & (FLOW_T_WS0 | FLOW_T_WS1 | FLOW_T_SCALED)) == (FLOW_T_WS0 | FLOW_T_WS1)) {
		f->tflags |= FLOW_T_SCALED;
		for (unsigned int i = 0; i < 2; i++)
			f->win[i] = tcpt_syn_win_(f, i, f->win[i]);
	}
}

void
tcpt_start(struct flow *f, const struct parse_info *pi, unsigned int from, bool adopt)
{
	if (!adopt) {
		f->state = FLOW_TCP_SYN_SENT;
		tcpt_syn_wscale(f, pi, from);
	} else if ((pi->tcp_flags & (PARSE_TCP_SYN | PARSE_TCP_ACK)) ==
		   (PARSE_TCP_SYN | PARSE_TCP_ACK)) {
		/* Picked up mid-handshake: the sender is the server (the caller knows). */
		f->state = FLOW_TCP_SYN_RECV;
		/*
		 * Without the option nobody scales (RFC 7323 2.2); with it, the client's own
		 * shift was in a SYN not seen: taken as the largest.
		 */
		if (pi->tcp_wscale != PARSE_NO_WSCALE) {
			f->wscale = (uint8_t)(TCPT_WSCALE_MAX << (4 * (from ^ 1)));
			tcpt_syn_wscale(f, pi, from);
			f->tflags |= FLOW_T_SCALED;
		}
	} else {
		/* Picked up mid-stream: the shifts are unknown, take the largest. */
		f->wscale = TCPT_WSCALE_UNKNOWN;
		f->tflags |= FLOW_T_SCALED;
		if (pi->tcp_flags & PARSE_TCP_FIN) {
			/* Picked up while closing: the FIN counts, the close can reach TIME_WAIT. */
			f->state = FLOW_TCP_FIN_WAIT;
			f->flags |= FLOW_F_FIN(from);
		} else {
			f->state = FLOW_TCP_ESTABLISHED;
		}
	}
	tcpt_track(f, pi, from); /* one end seen: never FLOW_T_FAST (the entry starts zeroed) */
}

static enum tcpt_verdict
update(struct flow *f, const struct parse_info *pi, unsigned int from, bool loose_close)
{
	unsigned int other = from ^ 1, dir = from == flow_client(f) ? 0 : 1;
	uint8_t fl = pi->tcp_flags, syn = fl & (PARSE_TCP_SYN | PARSE_TCP_ACK | PARSE_TCP_RST);
	enum tcpt_event ev;
	bool rst_keep;

	if (syn == PARSE_TCP_SYN && f->state >= FLOW_TCP_ESTABLISHED) {
		/* Port reuse after the close (conntrack: sTW/sCL -> sSS). */
		if (f->state >= FLOW_TCP_TIME_WAIT)
			return TCPT_RESTART;
		/*
		 * On a live connection: a SYN past the sender's stream may be a new connection
		 * (the peer's SYN+ACK will tell); at or before it, a delayed or replayed copy of
		 * the first SYN: ignored. A sender never seen (flow adopted from its peer) has no
		 * stream to compare with: its SYN is kept as the mark (seq_next is unused until
		 * it is seen).
		 */
		if (!(f->flags & FLOW_F_SEEN(from))) {
			f->seq_next[from] = pi->seq;
			f->tflags |= FLOW_T_SYN_AGAIN(from);
		} else if (flow_seq_after(pi->seq, f->seq_next[from])) {
			f->tflags |= FLOW_T_SYN_AGAIN(from);
		}
		return TCPT_OK;
	}
	/* The peer acknowledges the SYN past the old stream: both ends run a new connection. */
	if (syn == (PARSE_TCP_SYN | PARSE_TCP_ACK) && (f->tflags & FLOW_T_SYN_AGAIN(other)) &&
	    flow_seq_after(pi->ack, f->seq_next[other]))
		return TCPT_RESTART_SYNACK;

	if (!tcpt_in_window(f, pi, from))
		return TCPT_OUT_OF_WINDOW;
	if ((fl & PARSE_TCP_SYN) && f->state <= FLOW_TCP_SYN_RECV)
		tcpt_syn_wscale(f, pi, from);
	/*
	 * conntrack's RST rule on an established connection: an in-window RST closes only at
	 * the receiver's RCV.NXT (its highest ACK) or right after the sender's own stream (an
	 * RST following its data, not yet acknowledged). Any other one draws a challenge ACK
	 * from an RFC 5961 stack, which the real sender answers with an exact RST: until then
	 * the state stays (the segment is tracked, as conntrack does).
	 */
	rst_keep = (fl & PARSE_TCP_RST) && f->state == FLOW_TCP_ESTABLISHED &&
		   (f->flags & FLOW_F_ACKED(other)) && pi->seq != f->ack[other] &&
		   !((f->flags & FLOW_F_SEEN(from)) && pi->seq == f->seq_next[from]);
	tcpt_track(f, pi, from);

	if (rst_keep) {
		return TCPT_OK;
	} else if (fl & PARSE_TCP_RST) {
		ev = EV_RST;
	} else if (fl & PARSE_TCP_SYN) {
		ev = (fl & PARSE_TCP_ACK) ? EV_SYNACK : EV_SYN;
	} else if (fl & PARSE_TCP_FIN) {
		ev = (f->flags & FLOW_F_FIN(other)) ? EV_FIN2 : EV_FIN;
		f->flags |= FLOW_F_FIN(from);
		if (loose_close)
			return TCPT_CLOSE_NOW;
	} else {
		ev = EV_ACK;
	}
	/* An ACK covering the other endpoint's FIN acknowledges it. */
	if ((fl & PARSE_TCP_ACK) && (f->flags & FLOW_F_FIN(other)) &&
	    !flow_seq_after(f->seq_next[other], pi->ack)) {
		f->flags |= FLOW_F_FINACK(other);
		if (ev == EV_ACK && (f->flags & FLOW_F_FINACK(from)))
			ev = EV_LASTACK;
	}
	f->state = tcpt_next[f->state][ev][dir];
	return TCPT_OK;
}

enum tcpt_verdict
tcpt_update(struct flow *f, const struct parse_info *pi, unsigned int from, bool loose_close)
{
	enum tcpt_verdict v = update(f, pi, from, loose_close);

	tcpt_mark(f);
	return v;
}

uint8_t
tcpt_rst_seq(const struct flow *f, unsigned int to, uint32_t *seq, uint32_t *ack)
{
	unsigned int from = to ^ 1;
	uint8_t flags = PARSE_TCP_RST;

	/* The receiver's RCV.NXT: what it last acknowledged, else what its peer sends next. */
	if (f->flags & FLOW_F_ACKED(to))
		*seq = f->ack[to];
	else if (f->flags & FLOW_F_SEEN(from))
		*seq = f->seq_next[from];
	else
		*seq = 0;
	/* Acknowledge all the receiver sent: a SYN_SENT stack only accepts an RST that does. */
	if (f->flags & FLOW_F_SEEN(to)) {
		*ack = f->seq_next[to];
		flags |= PARSE_TCP_ACK;
	} else if (f->flags & FLOW_F_ACKED(from)) {
		*ack = f->ack[from];
		flags |= PARSE_TCP_ACK;
	} else {
		*ack = 0;
	}
	return flags;
}
