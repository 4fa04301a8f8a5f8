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

#include "flow.h"
#include "parse.h"

enum tcpt_verdict {
	TCPT_OK,	/**< forward, flow updated */
	TCPT_RESTART,	/**< a SYN on a flow past its handshake: replace it with a new flow */
	TCPT_CLOSE_NOW, /**< loose_close and this is the first FIN: forget the flow now */
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

/**
 * Sequence and acknowledgment numbers for an RST sent to endpoint @p to (as if from the
 * other endpoint): seq = @p to's RCV.NXT (its last ACK, or the peer's next sequence
 * number), ack = @p to's next sequence number.
 *
 * @return TCP flags for the RST: RST|ACK when an ACK number is known, else RST.
 */
uint8_t tcpt_rst_seq(const struct flow *f, unsigned int to, uint32_t *seq, uint32_t *ack);

#endif /* IDLECUT_FLOW_TCP_H */
