/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP RST frame builder.
 *
 * Usage: fill a struct rst_params (addresses as the receiver must see them: src = the
 * endpoint the RST pretends to come from) and call rst_build() on an mbuf's data room.
 * The frame carries the VLAN tags given, a full IPv4 or IPv6 header and a TCP header with
 * software checksums (TAP ports have no checksum offload), and the payload given if any
 * (the reset cause: rst_payload).
 *
 * Thread safety: pure function.
 */
#ifndef IDLECUT_RST_H
#define IDLECUT_RST_H

#include <stdint.h>

/** Most payload an RST carries (rst_payload: the reset's cause as text). */
#define RST_PAYLOAD_MAX 128
/** Largest frame rst_build() writes without payload: Ethernet + 2 tags + IPv6 + TCP. */
#define RST_FRAME_MAX (14 + 8 + 40 + 20)
/** ... and with the largest payload. */
#define RST_FRAME_MAX_PAYLOAD (RST_FRAME_MAX + RST_PAYLOAD_MAX)
/** Frames shorter than this are zero-padded (Ethernet minimum without FCS). */
#define RST_FRAME_MIN 60

struct rst_params {
	uint8_t dst_mac[6];
	uint8_t src_mac[6];
	uint8_t n_vlan;	     /**< 0..2 tags, outer first */
	uint16_t vlan[2];    /**< VLAN IDs */
	uint16_t tpid[2];    /**< 0x8100 or 0x88a8 */
	uint8_t family;	     /**< 4 or 6 */
	uint8_t src[16];     /**< IPv4 as v4-mapped IPv6 (::ffff:a.b.c.d) */
	uint8_t dst[16];
	uint16_t sport;	     /**< host order */
	uint16_t dport;
	uint32_t seq;
	uint32_t ack;
	uint8_t tcp_flags;   /**< PARSE_TCP_RST, optionally | PARSE_TCP_ACK */
	uint16_t payload_len; /**< 0..RST_PAYLOAD_MAX bytes of data after the TCP header */
	const uint8_t *payload; /**< (valid while the caller builds the frame) */
};

/**
 * Write an RST frame at @p buf.
 *
 * @param buf  destination, at least @p room bytes.
 * @param room bytes available.
 * @return the frame length (>= RST_FRAME_MIN), or 0 if @p room is too small or
 *         @p p->family / @p p->n_vlan is invalid.
 */
uint16_t rst_build(uint8_t *buf, uint16_t room, const struct rst_params *p);

#endif /* IDLECUT_RST_H */
