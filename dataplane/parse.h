/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Frame parser: Ethernet, up to two VLAN tags, IPv4 (with options), IPv6 (with extension
 * headers), TCP, UDP, ICMP, ICMPv6 and "other" IP protocols.
 *
 * Usage: call parse_frame() on the frame's bytes (first segment of an mbuf, or a plain
 * buffer in tests). It never reads outside [data, data + len): every header is
 * bounds-checked before it is read. The result says whether the frame is IP and tracked,
 * non-IP (bridged untouched), a non-first fragment (forwarded untracked), or malformed and
 * why (counted under parse_status_name()).
 *
 * Thread safety: pure functions, no state; callable from any thread.
 */
#ifndef IDLECUT_PARSE_H
#define IDLECUT_PARSE_H

#include <stdbool.h>
#include <stdint.h>

#define PARSE_MAX_VLANS 2
#define PARSE_MAX_IPV6_EXT 8 /**< longer extension-header chains are malformed */

#define PARSE_ETH_IPV4 0x0800
#define PARSE_ETH_IPV6 0x86dd
#define PARSE_ETH_VLAN 0x8100
#define PARSE_ETH_QINQ 0x88a8

#define PARSE_TCP_FIN 0x01
#define PARSE_TCP_SYN 0x02
#define PARSE_TCP_RST 0x04
#define PARSE_TCP_PSH 0x08
#define PARSE_TCP_ACK 0x10
#define PARSE_TCP_URG 0x20

#define PARSE_NO_WSCALE 0xff /**< parse_info.tcp_wscale: no window scale option */

/** Flags in parse_info.flags. */
#define PARSE_F_FRAG_FIRST (1u << 0) /**< first fragment of a fragmented datagram */
#define PARSE_F_ICMP_ECHO (1u << 1)  /**< ICMP/ICMPv6 echo request or reply: ports = id */
#define PARSE_F_ND (1u << 2)	     /**< IPv6 neighbour discovery / router solicitation */
#define PARSE_F_RTHDR (1u << 3)	     /**< IPv6 routing header: dst is its final destination */

enum parse_status {
	PARSE_IP = 0,	/**< IP datagram, parse_info fully filled */
	PARSE_NON_IP,	/**< not IPv4/IPv6 (ARP, LLDP, ...): bridge untouched */
	PARSE_FRAGMENT, /**< non-first IP fragment: forward untracked, count */
	/* Malformed frames, one reason each (counter label = parse_status_name()). */
	PARSE_MAL_TRUNCATED,	/**< "truncated": a header runs past the end of the frame */
	PARSE_MAL_VLAN_DEPTH,	/**< "too_many_vlans": three or more VLAN tags */
	PARSE_MAL_IPV4_HEADER,	/**< "bad_ipv4_header": version != 4 or IHL < 5 */
	PARSE_MAL_IPV4_LENGTH,	/**< "bad_ipv4_length": total length < IHL*4 or > frame */
	PARSE_MAL_IPV6_HEADER,	/**< "bad_ipv6_header": version != 6 */
	PARSE_MAL_IPV6_LENGTH,	/**< "bad_ipv6_length": payload length beyond the frame */
	PARSE_MAL_IPV6_EXT,	/**< "bad_ipv6_ext": chain too long or runs off the end */
	PARSE_MAL_TCP_OFFSET,	/**< "bad_tcp_offset": data offset < 5 or beyond the packet */
	PARSE_MAL_TCP_FLAGS,	/**< "bad_tcp_flags": SYN+FIN, SYN+RST or no flag at all */
	PARSE_MAL_UDP_LENGTH,	/**< "bad_udp_length": UDP length < 8 or beyond the packet */
	PARSE_STATUS_COUNT
};

#define PARSE_MAL_FIRST PARSE_MAL_TRUNCATED
#define PARSE_MAL_COUNT (PARSE_STATUS_COUNT - PARSE_MAL_FIRST)

/**
 * What parse_frame() found. Fields past the one that failed are unspecified; on PARSE_IP
 * all are set. Multi-byte numbers are in host order.
 */
struct parse_info {
	uint16_t vlan[PARSE_MAX_VLANS]; /**< VLAN IDs, outer first; 0 where absent */
	uint16_t tpid[PARSE_MAX_VLANS]; /**< 0x8100 or 0x88a8 per tag */
	uint8_t n_vlan;			/**< tags in the frame (0..2) */
	uint8_t family;			/**< 4 or 6 once an IP header was found, else 0 */
	uint8_t proto;			/**< final IP protocol (after IPv6 extension headers) */
	uint8_t flags;			/**< PARSE_F_* */
	uint16_t ethertype;		/**< after the VLAN tags */
	uint16_t l3_off;		/**< offset of the IP header */
	uint16_t l4_off;		/**< offset of the L4 header (after IPv6 ext headers) */
	uint16_t l4_len;		/**< bytes from l4_off to the end of the IP datagram */
	uint16_t sport;			/**< TCP/UDP ports; ICMP echo: id in both; else 0 */
	uint16_t dport;
	uint8_t src[16]; /**< source address; IPv4 as v4-mapped IPv6 (::ffff:a.b.c.d) */
	uint8_t dst[16];
	/* TCP only */
	uint8_t tcp_flags; /**< PARSE_TCP_* */
	uint16_t tcp_win;  /**< raw window field (unscaled) */
	uint32_t seq;
	uint32_t ack;
	uint16_t payload_len; /**< TCP segment data length */
	uint8_t tcp_wscale;   /**< SYN segments: window scale option (0..14), else PARSE_NO_WSCALE */
	/* ICMP only */
	uint8_t icmp_type;
	uint8_t icmp_code;
};

/**
 * Parse one frame.
 *
 * @param data  first byte of the Ethernet header.
 * @param len   bytes available at @p data.
 * @param pi    filled as described in struct parse_info.
 * @return a enum parse_status; >= PARSE_MAL_FIRST means malformed.
 */
enum parse_status parse_frame(const uint8_t *data, uint32_t len, struct parse_info *pi);

/**
 * Parse a frame of @p wire_len bytes of which the first @p len are at @p data (an mbuf
 * chain's first segment: jumbo frames with RX scatter). Every header must be within
 * @p len (else "truncated"); the IP lengths are checked against @p wire_len, so l4_len and
 * payload_len are the whole datagram's. parse_frame() is this with wire_len = len.
 */
enum parse_status parse_frame_wire(const uint8_t *data, uint32_t len, uint32_t wire_len,
				   struct parse_info *pi);

/**
 * The fast path of parse_frame_wire(), alone: the frames a wire mostly carries (Ethernet,
 * untagged or with one 802.1Q tag; IPv4 without options, not fragmented; a TCP segment
 * other than a SYN, or a UDP datagram; every header within @p len). For those it fills
 * @p pi exactly as parse_frame_general() does and returns true (status PARSE_IP); for any
 * other frame it returns false and @p pi is undefined. @p wire_len >= @p len.
 */
bool parse_frame_fast(const uint8_t *data, uint32_t len, uint32_t wire_len,
		      struct parse_info *pi);

/**
 * parse_frame_wire() without its fast path: every frame, every check. The reference that
 * the unit tests compare parse_frame_fast() against.
 */
enum parse_status parse_frame_general(const uint8_t *data, uint32_t len, uint32_t wire_len,
				      struct parse_info *pi);

/** Counter label of a status: "ok", "non_ip", "fragment", "truncated", "bad_tcp_offset"... */
const char *parse_status_name(enum parse_status s);

#endif /* IDLECUT_PARSE_H */
