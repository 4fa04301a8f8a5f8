/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP tracker: connection state and, per endpoint, the next sequence number, last ACK,
 * window and MAC, so that an injected RST is one a real stack accepts (RFC 5961: its
 * sequence number must be exactly the receiver's RCV.NXT).
 *
 * Usage: tcpt_start() on the packet that creates a flow, tcpt_update() on every later
 * one; tcpt_rst_seq() gives the numbers for an RST towards an endpoint.
 *
 * Thread safety: works on one flow, owned by the calling worker.
 */
#ifndef IDLECUT_FLOW_TCP_H
#define IDLECUT_FLOW_TCP_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_branch_prediction.h>

#include "flow.h"
#include "parse.h"

enum tcpt_verdict {
	TCPT_OK,	      /**< forward, flow updated */
	TCPT_RESTART,	      /**< a new connection's SYN (the flow was closing): replace the
			       *   flow with a new one started by this SYN */
	TCPT_RESTART_SYNACK,  /**< a SYN+ACK confirming a SYN_AGAIN (a new connection on the
			       *   same ports): replace the flow with one adopted from this
			       *   SYN+ACK (its sender is the server) */
	TCPT_CLOSE_NOW,	      /**< loose_close and this is the first FIN: forget the flow now */
	TCPT_OUT_OF_WINDOW,   /**< outside the window (conntrack's tcp_in_window): the flow is
			       *   unchanged; the profile's out_of_window says forward or drop */
};

/**
 * Initialise the TCP part of a new flow from its first packet.
 *
 * @param from  endpoint index (0/1 in the key) of the packet's sender.
 * @param adopt true when a non-SYN packet creates the flow (stray_tcp: adopt): the flow
 *              starts ESTABLISHED, or SYN_RECV for a SYN+ACK (whose sender is the server:
 *              the caller marks the other endpoint as client), or FIN_WAIT for a FIN;
 *              else it must be a SYN and starts SYN_SENT.
 */
void tcpt_start(struct flow *f, const struct parse_info *pi, unsigned int from, bool adopt);

/**
 * Track one packet of an existing flow.
 *
 * @param from  endpoint index of the sender.
 * @param loose_close  the profile's loose_close.
 */
enum tcpt_verdict tcpt_update(struct flow *f, const struct parse_info *pi, unsigned int from,
			      bool loose_close);

/** Record what endpoint @p e said in @p pi: its next sequence number, ACK, window. */
static inline void
tcpt_track(struct flow *f, const struct parse_info *pi, unsigned int e)
{
	/* Sequence space taken by the segment: data, plus one each for SYN and FIN. */
	uint32_t end = pi->seq + pi->payload_len + !!(pi->tcp_flags & PARSE_TCP_SYN) +
		       !!(pi->tcp_flags & PARSE_TCP_FIN);

	if (!(f->flags & FLOW_F_SEEN(e)) || flow_seq_after(end, f->seq_next[e])) {
		f->seq_next[e] = end;
		f->flags |= FLOW_F_SEEN(e);
	}
	if (pi->tcp_flags & PARSE_TCP_ACK) {
		if (!(f->flags & FLOW_F_ACKED(e)) || flow_seq_after(pi->ack, f->ack[e]))
			f->ack[e] = pi->ack;
		f->flags |= FLOW_F_ACKED(e);
	}
	f->win[e] = pi->tcp_win;
}

/**
 * tcpt_update() with its common case inline: an ACK or data segment of an established
 * connection changes no state (no FIN has been seen in ESTABLISHED), only the endpoint.
 */
static inline enum tcpt_verdict
tcpt_update_fast(struct flow *f, const struct parse_info *pi, unsigned int from,
		 bool loose_close)
{
	if (likely(f->state == FLOW_TCP_ESTABLISHED &&
		   !(pi->tcp_flags & (PARSE_TCP_SYN | PARSE_TCP_FIN | PARSE_TCP_RST)))) {
		tcpt_track(f, pi, from);
		return TCPT_OK;
	}
	return tcpt_update(f, pi, from, loose_close);
}

/**
 * Sequence and acknowledgment numbers for an RST sent to endpoint @p to (as if from the
 * other endpoint): seq = @p to's RCV.NXT (its last ACK, or the peer's next sequence
 * number), ack = @p to's next sequence number.
 *
 * @return TCP flags for the RST: RST|ACK when an ACK number is known, else RST.
 */
uint8_t tcpt_rst_seq(const struct flow *f, unsigned int to, uint32_t *seq, uint32_t *ack);

#endif /* IDLECUT_FLOW_TCP_H */
