/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP tracker: connection state and, per endpoint, the next sequence number, last ACK,
 * window and MAC, so that an injected RST is one a real stack accepts (RFC 5961: its
 * sequence number must be exactly the receiver's RCV.NXT).
 *
 * Segments are checked against the windows the way Linux conntrack does (tcp_in_window(),
 * SPEC §4): one outside changes nothing and is reported as TCPT_OUT_OF_WINDOW, so a
 * forged or stale RST cannot close a live flow; only an in-window RST does, and on an
 * ESTABLISHED flow (conntrack's rule) only one at the receiver's RCV.NXT or right after the
 * sender's own stream: another in-window RST is tracked but leaves the state, waiting for
 * the exact RST a real sender answers the receiver's challenge ACK with. Windows are
 * scaled once both SYNs offered window scaling; a flow picked up without its handshake
 * (adopt) takes both shifts as 14, the largest, so that its windows are upper bounds.
 * A plain SYN on a live flow (ESTABLISHED, FIN_WAIT, CLOSING) never restarts it by itself:
 * one at or before the sender's tracked stream is a delayed copy and is ignored; one past
 * it is remembered (FLOW_T_SYN_AGAIN) and the peer's SYN+ACK acknowledging it restarts the
 * flow (TCPT_RESTART_SYNACK), as conntrack's TCP_CONNTRACK_IGNORE handling. In TIME_WAIT
 * or CLOSED a SYN restarts at once (TCPT_RESTART).
 *
 * Usage: tcpt_start() on the packet that creates a flow, tcpt_update_fast() (or
 * tcpt_update()) on every later one; tcpt_rst_seq() gives the numbers for an RST towards
 * an endpoint.
 *
 * Thread safety: works on one flow, owned by the calling worker. No shutdown order: no
 * state outside the flow.
 */
#ifndef IDLECUT_FLOW_TCP_H
#define IDLECUT_FLOW_TCP_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_branch_prediction.h>
#include <rte_common.h>

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
 * Track one packet of an existing flow: SYN rules, window check, then the state machine.
 * On any verdict but TCPT_OK and TCPT_CLOSE_NOW the flow is left as it was (except that a
 * SYN past the stream sets FLOW_T_SYN_AGAIN, with TCPT_OK).
 *
 * @param from  endpoint index of the sender.
 * @param loose_close  the profile's loose_close.
 */
enum tcpt_verdict tcpt_update(struct flow *f, const struct parse_info *pi, unsigned int from,
			      bool loose_close);

#define TCPT_MAXACKWIN_MIN 66000u /**< conntrack's MAXACKWINDOW floor (bytes) */
#define TCPT_WSCALE_MAX 14	  /**< RFC 7323: the largest window shift */
/** flow.wscale of a flow whose shifts were never seen: both taken as the largest. */
#define TCPT_WSCALE_UNKNOWN (TCPT_WSCALE_MAX | TCPT_WSCALE_MAX << 4)

/* Sequence space taken by a segment: data, plus one each for SYN and FIN. */
static inline uint32_t
tcpt_end_(const struct parse_info *pi)
{
	return pi->seq + pi->payload_len + !!(pi->tcp_flags & PARSE_TCP_SYN) +
	       !!(pi->tcp_flags & PARSE_TCP_FIN);
}

/* Largest window endpoint @p e has offered, in bytes (at least 1, as conntrack's). */
static inline uint32_t
tcpt_maxwin_(const struct flow *f, unsigned int e)
{
	uint32_t w = (uint32_t)f->win[e] << flow_wscale(f, e);

	return w != 0 ? w : 1;
}

/*
 * The window of a SYN is never scaled (RFC 7323 2.2): in a flow whose windows are, it is
 * kept in the scaled unit, rounded up, so that win[] stays one unit and an upper bound.
 */
static inline uint16_t
tcpt_syn_win_(const struct flow *f, unsigned int e, uint16_t w)
{
	unsigned int sh = flow_wscale(f, e);

	return (uint16_t)(((uint32_t)w + (1u << sh) - 1) >> sh);
}

/**
 * Whether the segment from endpoint @p s is in the window (Linux conntrack's
 * tcp_in_window(), with upper bounds where conntrack keeps more state; r is the receiver):
 *   I   seq is not after r's highest ACK + r's largest scaled window (conntrack's td_maxend;
 *       before r ACKed anything: what s already sent + that window);
 *   II  end is not before what s already sent minus r's largest window (data far behind);
 *   III an ACK acknowledges nothing r has not sent;
 *   IV  an ACK is not further behind what r sent than max(s's largest window, 66000).
 * A check needing a number not yet seen (r silent, no window from r, r never ACKed) passes.
 * An ACK number of 0 in an RST is not checked (stacks that set ACK in RSTs with 0).
 * III accepts an ACK one past what r sent when it is the first word from s: r's segment was
 * a keepalive probe (SND.NXT - 1) on a flow picked up mid-stream, as conntrack does.
 */
static inline bool
tcpt_in_window(const struct flow *f, const struct parse_info *pi, unsigned int s)
{
	unsigned int r = s ^ 1;
	uint8_t fl = pi->tcp_flags;

	if (f->tflags & FLOW_T_WIN(r)) {
		uint32_t wr = tcpt_maxwin_(f, r);

		uint32_t edge = ((f->flags & FLOW_F_ACKED(r)) ? f->ack[r] : f->seq_next[s]) + wr;

		if ((f->flags & (FLOW_F_ACKED(r) | FLOW_F_SEEN(s))) &&
		    flow_seq_after(pi->seq, edge))
			return false; /* I */
		if ((f->flags & FLOW_F_SEEN(s)) &&
		    flow_seq_after(f->seq_next[s] - wr, tcpt_end_(pi)))
			return false; /* II */
	}
	if ((fl & PARSE_TCP_ACK) && (f->flags & FLOW_F_SEEN(r)) &&
	    !((fl & PARSE_TCP_RST) && pi->ack == 0)) {
		uint32_t rn = f->seq_next[r];

		if (flow_seq_after(pi->ack, rn) &&
		    ((f->flags & FLOW_F_SEEN(s)) || pi->ack != rn + 1))
			return false; /* III */
		if (f->tflags & FLOW_T_WIN(s)) {
			uint32_t ws = tcpt_maxwin_(f, s);

			if (flow_seq_after(rn - (ws > TCPT_MAXACKWIN_MIN ? ws : TCPT_MAXACKWIN_MIN),
					   pi->ack))
				return false; /* IV */
		}
	}
	return true;
}

/**
 * Record what endpoint @p e said in @p pi (a segment in the window): its next sequence
 * number, highest ACK, largest window. A segment other than a SYN from @p e also ends a
 * pending SYN_AGAIN of @p e (its old connection goes on).
 */
static inline void
tcpt_track(struct flow *f, const struct parse_info *pi, unsigned int e)
{
	uint32_t end = tcpt_end_(pi);
	uint16_t w = pi->tcp_win;

	if (unlikely(!(f->flags & FLOW_F_SEEN(e)))) {
		/* First word from e, ACKing one past its peer's last: the peer's keepalive. */
		if ((pi->tcp_flags & PARSE_TCP_ACK) && (f->flags & FLOW_F_SEEN(e ^ 1)) &&
		    pi->ack == f->seq_next[e ^ 1] + 1)
			f->seq_next[e ^ 1]++;
		f->seq_next[e] = end;
		f->flags |= FLOW_F_SEEN(e);
	} else if (flow_seq_after(end, f->seq_next[e])) {
		f->seq_next[e] = end;
	}
	if (pi->tcp_flags & PARSE_TCP_ACK) {
		if (!(f->flags & FLOW_F_ACKED(e)) || flow_seq_after(pi->ack, f->ack[e]))
			f->ack[e] = pi->ack;
		f->flags |= FLOW_F_ACKED(e);
	}
	if (unlikely(pi->tcp_flags & PARSE_TCP_SYN))
		w = tcpt_syn_win_(f, e, w);
	else
		f->tflags &= (uint8_t)~FLOW_T_SYN_AGAIN(e);
	if (!(f->tflags & FLOW_T_WIN(e)) || w > f->win[e])
		f->win[e] = w;
	f->tflags |= FLOW_T_WIN(e);
}

/*
 * Both ends have sent, ACKed and advertised a window, and neither has a SYN_AGAIN pending
 * (tcpt_track() ends it; the fast path leaves that to tcpt_update()): tcpt_established()
 * applies.
 */
#define TCPT_KNOWN_FLAGS (FLOW_F_SEEN0 | FLOW_F_SEEN1 | FLOW_F_ACKED0 | FLOW_F_ACKED1)
#define TCPT_KNOWN_TFLAGS (FLOW_T_WIN0 | FLOW_T_WIN1)
#define TCPT_FAST_TFLAGS (TCPT_KNOWN_TFLAGS | FLOW_T_SYN_AGAIN0 | FLOW_T_SYN_AGAIN1)

/**
 * Set FLOW_T_FAST from the flow's state and flags: ESTABLISHED, both ends have sent, ACKed
 * and advertised a window, no SYN_AGAIN pending. tcpt_update() calls it (nothing else
 * changes what it sums up: tcpt_established() changes none of it, and a flow tcpt_start()
 * began has one end seen and tflags zeroed); a caller
 * that sets a flow's state or flags by hand (a test) calls it after.
 */
static inline void
tcpt_mark(struct flow *f)
{
	bool fast = f->state == FLOW_TCP_ESTABLISHED &&
		    (f->flags & TCPT_KNOWN_FLAGS) == TCPT_KNOWN_FLAGS &&
		    (f->tflags & TCPT_FAST_TFLAGS) == TCPT_KNOWN_TFLAGS;

	f->tflags = (uint8_t)((f->tflags & ~FLOW_T_FAST) | (fast ? FLOW_T_FAST : 0));
}

/**
 * Whether tcpt_established() can take segment @p pi of flow @p f: an ACK or data segment (no
 * SYN, FIN or RST) of an established connection whose two ends have both sent, ACKed and
 * advertised a window, with no SYN_AGAIN pending (FLOW_T_FAST). Such a segment changes no
 * state, only its sender's endpoint.
 */
static inline bool
tcpt_is_established(const struct flow *f, const struct parse_info *pi)
{
	return (f->tflags & FLOW_T_FAST) &&
	       !(pi->tcp_flags & (PARSE_TCP_SYN | PARSE_TCP_FIN | PARSE_TCP_RST));
}

/**
 * tcpt_update() of a segment tcpt_is_established() took: tcpt_in_window()'s four checks
 * (every number they need is known; for an in-order segment acknowledging all the peer sent,
 * the one that can fail), then tcpt_track()'s updates (no SYN, no FIN: the segment's end is
 * seq + payload).
 *
 * @return false if the segment is outside the window (the flow is left as it was).
 */
static __rte_always_inline bool
tcpt_established(struct flow *f, const struct parse_info *pi, unsigned int s)
{
	unsigned int r = s ^ 1;
	unsigned int sc = (f->tflags & FLOW_T_SCALED) ? f->wscale : 0;
	uint32_t wr = (uint32_t)f->win[r] << ((sc >> (4 * r)) & 0xf);
	uint32_t sn = f->seq_next[s], rn = f->seq_next[r];
	uint32_t end = pi->seq + pi->payload_len, ack = pi->ack;
	bool has_ack = (pi->tcp_flags & PARSE_TCP_ACK) != 0;

	wr += wr == 0; /* at least 1, as tcpt_maxwin_() */
	if (likely(pi->seq == sn && ack == rn && has_ack)) {
		/*
		 * The usual segment: in order, acknowledging all the peer sent. II holds (end is
		 * at or after seq = sn, and wr + payload < 2^31), III and IV hold (ack = rn, and
		 * the largest window < 2^31): only I is left.
		 */
		if (unlikely(flow_seq_after(pi->seq, f->ack[r] + wr)))
			return false;
		f->seq_next[s] = end; /* never before seq = sn (payload < 2^16) */
		if (flow_seq_after(ack, f->ack[s]))
			f->ack[s] = ack;
	} else {
		uint32_t ws = (uint32_t)f->win[s] << ((sc >> (4 * s)) & 0xf);
		uint32_t mw = ws > TCPT_MAXACKWIN_MIN ? ws : TCPT_MAXACKWIN_MIN;
		unsigned int bad;

		/* Bitwise on purpose: no branch per check. */
		bad = (unsigned int)flow_seq_after(pi->seq, f->ack[r] + wr) | /* I */
		      (unsigned int)flow_seq_after(sn - wr, end);	      /* II */
		if (has_ack)
			bad |= (unsigned int)flow_seq_after(ack, rn) |	   /* III */
			       (unsigned int)flow_seq_after(rn - mw, ack); /* IV */
		if (unlikely(bad != 0))
			return false;
		if (flow_seq_after(end, sn))
			f->seq_next[s] = end;
		if (has_ack && flow_seq_after(ack, f->ack[s]))
			f->ack[s] = ack;
	}
	if (pi->tcp_win > f->win[s])
		f->win[s] = pi->tcp_win;
	return true;
}

/**
 * tcpt_update() with its common case inline (tcpt_is_established(), tcpt_established());
 * the flow engine calls those two itself, to keep its own common case together.
 */
static inline enum tcpt_verdict
tcpt_update_fast(struct flow *f, const struct parse_info *pi, unsigned int from,
		 bool loose_close)
{
	if (likely(tcpt_is_established(f, pi)))
		return tcpt_established(f, pi, from) ? TCPT_OK : TCPT_OUT_OF_WINDOW;
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
