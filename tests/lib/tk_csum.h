/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Test kit: an independent checksum verifier (RFC 1071 sums; IPv4 header; TCP, UDP and
 * ICMPv6 over the RFC 793 / RFC 8200 pseudo-header; ICMPv4 over its message).
 *
 * It exists to check what the dataplane writes (dataplane/rst.c), so it shares nothing with
 * it: the sums are the textbook loop (16-bit big-endian words, odd tail padded, carries
 * folded at the end) and tk_csum_frame() finds the headers with its own walk, not with
 * parse_frame(). The frame builder (tk_frame.h) uses the same sums to write checksums; what
 * keeps the pair honest is tests/unit/testkit_test.c, which checks both against frames
 * made by scapy.
 *
 * Usage:
 *   - a whole frame: tk_csum_frame(frame, len) == TK_CSUM_OK when the IPv4 header checksum
 *     (for IPv4) and the TCP, UDP, ICMP or ICMPv6 checksum are right; any other status says
 *     which one is wrong or why nothing could be checked (tk_csum_status_name()).
 *   - pieces: tk_csum_sum() over a header that holds its checksum is 0xffff when it is
 *     right; tk_csum_l4_sum() does the same for a segment, with the pseudo-header made from
 *     the addresses the caller passes (not from a frame), so a test can check that a
 *     builder put the right addresses in the right place.
 *
 * Lengths come from the IP headers, never from the frame length: Ethernet padding is not
 * summed. For IPv6 the pseudo-header takes the header's destination (a routing header's
 * final destination is not looked up). Plain C, no DPDK, no cmocka: usable from unit
 * tests, EAL tests, the benchmark and the fuzzers.
 *
 * Thread safety: pure functions, no state. Shutdown: nothing to set up or release.
 */
#ifndef IDLECUT_TK_CSUM_H
#define IDLECUT_TK_CSUM_H

#include <stddef.h>
#include <stdint.h>

enum tk_csum_status {
	TK_CSUM_OK = 0,	  /**< every checksum the frame carries is right */
	TK_CSUM_BAD_IP4,  /**< the IPv4 header checksum is wrong */
	TK_CSUM_BAD_L4,	  /**< the TCP, UDP, ICMP or ICMPv6 checksum is wrong */
	TK_CSUM_UDP_NONE, /**< IPv4 UDP without a checksum (0, RFC 768); the IPv4 header is right */
	TK_CSUM_NO_L4,	  /**< IP header right, nothing else to check: a fragment, or a protocol
			   *   other than TCP, UDP, ICMP, ICMPv6 */
	TK_CSUM_MALFORMED, /**< not IP, truncated, or lengths that do not add up */
	TK_CSUM_STATUS_COUNT
};

/** A status as a word ("ok", "bad_ipv4", ...); "unknown" for a value out of range. */
const char *tk_csum_status_name(enum tk_csum_status s);

/**
 * RFC 1071 one's-complement sum of @p n bytes as big-endian 16-bit words (an odd last byte
 * is the high byte of a word), carries folded, not complemented: data that includes a right
 * checksum sums to 0xffff.
 */
uint16_t tk_csum_sum(const uint8_t *d, size_t n);

/**
 * One's-complement sum of a transport segment and its pseudo-header, not complemented:
 * 0xffff when the checksum inside @p l4 is right.
 *
 * @param family 4 or 6.
 * @param src, dst 4 bytes for IPv4, 16 for IPv6.
 * @param proto the IP protocol (next header): 6, 17, 58; for IPv4 ICMP (1) no pseudo-header
 *        is summed, as RFC 792 says.
 * @param l4, l4_len the segment, header included.
 */
uint16_t tk_csum_l4_sum(uint8_t family, const uint8_t *src, const uint8_t *dst, uint8_t proto,
			const uint8_t *l4, size_t l4_len);

/**
 * Check the checksums of an Ethernet frame: any number of 802.1Q / 802.1ad tags (0x8100,
 * 0x88a8, 0x9100), IPv4 with options or IPv6 with extension headers (hop-by-hop, routing,
 * destination options, fragment, AH), then TCP, UDP, ICMP or ICMPv6.
 */
enum tk_csum_status tk_csum_frame(const uint8_t *frame, size_t len);

#endif /* IDLECUT_TK_CSUM_H */
