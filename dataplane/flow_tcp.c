/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

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
 * ACK on a flow at or past ESTABLISHED never reaches this table: it starts a new flow
 * (SPEC §6).
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
		[EV_SYN] = {ES, ES},	/* (not reached: a SYN restarts the flow) */
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

void
tcpt_start(struct flow *f, const struct parse_info *pi, unsigned int from, bool adopt)
{
	tcpt_track(f, pi, from);
	if (!adopt) {
		f->state = FLOW_TCP_SYN_SENT;
	} else if ((pi->tcp_flags & (PARSE_TCP_SYN | PARSE_TCP_ACK)) ==
		   (PARSE_TCP_SYN | PARSE_TCP_ACK)) {
		/* Picked up mid-handshake: the sender is the server (the caller knows). */
		f->state = FLOW_TCP_SYN_RECV;
	} else if (pi->tcp_flags & PARSE_TCP_FIN) {
		/* Picked up while closing: the FIN counts, so the close can reach TIME_WAIT. */
		f->state = FLOW_TCP_FIN_WAIT;
		f->flags |= FLOW_F_FIN(from);
	} else {
		f->state = FLOW_TCP_ESTABLISHED;
	}
}

enum tcpt_verdict
tcpt_update(struct flow *f, const struct parse_info *pi, unsigned int from, bool loose_close)
{
	unsigned int other = from ^ 1, dir = from == flow_client(f) ? 0 : 1;
	uint8_t fl = pi->tcp_flags;
	enum tcpt_event ev;

	/* Port reuse: a new handshake on a connection that was established or closing. */
	if ((fl & (PARSE_TCP_SYN | PARSE_TCP_ACK | PARSE_TCP_RST)) == PARSE_TCP_SYN &&
	    f->state >= FLOW_TCP_ESTABLISHED)
		return TCPT_RESTART;

	tcpt_track(f, pi, from);

	if (fl & PARSE_TCP_RST) {
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
