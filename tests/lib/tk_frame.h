/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Test kit: the frame builder every test, the benchmark and the fuzzers share. Ethernet,
 * any number of VLAN tags (each with its TPID), IPv4 with options or IPv6 with extension
 * headers and fragment headers, TCP (flags, seq, ack, window, options, payload), UDP, ICMP
 * and ICMPv6 (echo or any type), with right lengths and checksums unless asked otherwise.
 *
 * Usage, two levels:
 *
 *   1. One call for an ordinary frame: fill a struct tk_spec (designated initialisers; what
 *      is left zero is the plain choice: no tags, no options, no payload, checksums right)
 *      and call tk_build(buf, room, &spec). It returns the frame's length, Ethernet padding
 *      included, or 0 if it does not fit in @p room.
 *
 *        uint8_t f[128];
 *        uint32_t len = tk_build(f, sizeof(f), &(struct tk_spec){
 *                .family = 4, .src = src4, .dst = dst4, .proto = 6, .sport = 40000,
 *                .dport = 80, .tcp_flags = 0x02, .seq = 1000, .win = 0xffff});
 *
 *   2. Header by header, for anything else (chains of extension headers, a third VLAN
 *      tag, an IPv6 header in IPv4...): a struct tk_pkt holds the frame in b[0, len).
 *      tk_eth() starts it; each tk_*() call appends one header (zeroed, then filled) and
 *      returns where it is, so a test can change a field; tk_payload() or tk_put() appends
 *      bytes; tk_finish() writes the IPv4 total length, IPv6 payload length, UDP length and
 *      the checksums from what was appended; tk_pad() adds Ethernet padding after that.
 *      Bytes may be changed freely between the calls (a malformed header, a wrong length):
 *      tk_finish() only writes the fields named above, and may be called again after len
 *      was cut.
 *
 *        struct tk_pkt p;
 *        tk_eth(&p, dmac, smac, 0x8100);
 *        tk_vlan(&p, 300, 0x86dd);                 // the TPID is the previous type
 *        tk_ipv6(&p, src6, dst6, 44);
 *        tk_ipv6_frag(&p, 6, 0, true);             // first fragment, then TCP
 *        tk_tcp(&p, 80, 8080, 1, 2, 0x12, 512, 4); // 4 option bytes (NOPs)
 *        tk_payload(&p, 4);
 *        tk_finish(&p);
 *
 * Checksums: tk_finish() writes the IPv4 header checksum of the last IPv4 header and the
 * checksum of the last TCP, UDP or ICMP header appended, over its pseudo-header from the
 * last IP header before it and the bytes from that header to the end of the frame.
 * tk_pkt.csum_break (TK_BREAK_*) makes it write a wrong value instead, one tk_csum_frame()
 * reports as such. Addresses are in network order: 4 bytes for IPv4, 16 for IPv6.
 *
 * Errors: nothing is asserted (the builder runs in worker threads and in fuzzers too). An
 * append that does not fit sets tk_pkt.overflow, appends nothing and returns NULL; every
 * later call then does nothing and tk_finish() returns 0.
 *
 * Plain C (no DPDK, no cmocka). Thread safety: no state outside the caller's tk_pkt.
 * Shutdown: nothing to set up or release.
 */
#ifndef IDLECUT_TK_FRAME_H
#define IDLECUT_TK_FRAME_H

#include <stdbool.h>
#include <stdint.h>

/** Room in a tk_pkt: more than a jumbo frame's worth of headers. */
#define TK_PKT_MAX 4096
/** Ethernet minimum frame without FCS: what tk_build() pads to by default. */
#define TK_ETH_MIN 60

/** The IPv4 flags and fragment offset word (tk_spec.ip_frag, tk_ipv4_frag()). */
#define TK_IP4_DF 0x4000
#define TK_IP4_MF 0x2000

/** tk_pkt.csum_break, tk_spec.csum_break: the checksums written wrong. */
#define TK_BREAK_IP4 (1u << 0)
#define TK_BREAK_L4 (1u << 1)

/** A frame under construction. Fields other than b and len are for tk_finish(). */
struct tk_pkt {
	uint8_t b[TK_PKT_MAX]; /**< the frame is b[0, len) */
	uint32_t len;
	uint32_t ip4;	    /**< IPv4 header whose total length is set (0: none) */
	uint32_t ip6;	    /**< IPv6 header whose payload length is set (0: none) */
	uint32_t udp;	    /**< UDP header whose length is set (0: none) */
	uint32_t l3;	    /**< IP header the L4 pseudo-header is taken from (0: none) */
	uint32_t l4;	    /**< TCP, UDP or ICMP header whose checksum is set (0: none) */
	uint8_t l3_family;  /**< 4 or 6: of the header at l3 */
	uint8_t l4_proto;   /**< 6, 17, 1 or 58: of the header at l4 */
	uint8_t csum_break; /**< TK_BREAK_* */
	bool overflow;	    /**< an append did not fit */
};

/** Big-endian stores and loads, for tests that change or read a field. */
void tk_wr16(uint8_t *p, uint16_t v);
void tk_wr32(uint8_t *p, uint32_t v);
uint16_t tk_rd16(const uint8_t *p);
uint32_t tk_rd32(const uint8_t *p);

/** Appends @p n zero bytes; returns them, or NULL (overflow). */
uint8_t *tk_put(struct tk_pkt *p, uint32_t n);

/** Starts a frame: MACs (NULL: all zero) and the EtherType or first TPID. */
uint8_t *tk_eth(struct tk_pkt *p, const uint8_t *dst, const uint8_t *src, uint16_t type);

/** A VLAN tag: its TCI (PCP, DEI, VID) and the type after it. Its TPID is the type before. */
uint8_t *tk_vlan(struct tk_pkt *p, uint16_t tci, uint16_t type);

/**
 * Starts a frame with @p n_vlan tags: tag i has TPID @p tpid[i] and TCI @p tci[i] (outer
 * first), then @p type.
 */
uint8_t *tk_l2(struct tk_pkt *p, const uint8_t *dst, const uint8_t *src, unsigned int n_vlan,
	       const uint16_t *tpid, const uint16_t *tci, uint16_t type);

/**
 * IPv4, TTL 64, ID 0, no flags; @p opt_len (a multiple of 4, at most 40) option bytes
 * filled with NOPs (1).
 */
uint8_t *tk_ipv4(struct tk_pkt *p, const uint8_t *src, const uint8_t *dst, uint8_t proto,
		 uint32_t opt_len);

/** Sets the flags and fragment offset word of the IPv4 header (TK_IP4_DF | offset / 8...). */
void tk_ipv4_frag(struct tk_pkt *p, uint16_t word);

/** IPv6, hop limit 64, traffic class and flow label 0, next header @p nh. */
uint8_t *tk_ipv6(struct tk_pkt *p, const uint8_t *src, const uint8_t *dst, uint8_t nh);

/**
 * An IPv6 extension header of @p type (hop-by-hop 0, routing 43, destination options 60,
 * AH 51...), @p len bytes: a multiple of 8, or of 4 for AH, whose length field counts
 * 4-byte units (the others' count 8), zero-filled but for next header @p nh and the length.
 */
uint8_t *tk_ipv6_ext(struct tk_pkt *p, uint8_t type, uint8_t nh, uint32_t len);

/** An IPv6 fragment header: offset in 8-byte units, M flag, identification 0xdeadbeef. */
uint8_t *tk_ipv6_frag(struct tk_pkt *p, uint8_t nh, uint16_t offset8, bool more);

/**
 * TCP: @p flags is the whole flags byte (ECE and CWR included); @p opt_len (a multiple of
 * 4, at most 40) option bytes follow the 20-byte header, filled with NOPs (1) for the
 * caller to overwrite; the data offset counts them. Urgent pointer 0.
 */
uint8_t *tk_tcp(struct tk_pkt *p, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
		uint8_t flags, uint16_t win, uint32_t opt_len);

/** UDP (its length is set by tk_finish()). */
uint8_t *tk_udp(struct tk_pkt *p, uint16_t sport, uint16_t dport);

/** ICMP after IPv4, ICMPv6 after IPv6: type, code, then identifier and sequence number. */
uint8_t *tk_icmp(struct tk_pkt *p, uint8_t type, uint8_t code, uint16_t id, uint16_t seq);

/** @p n payload bytes of a fixed pattern (byte i is i * 7 + 3). */
uint8_t *tk_payload(struct tk_pkt *p, uint32_t n);

/**
 * Lengths and checksums from what was appended (see the top of this file); a checksum whose
 * header is not all within len is left alone. Returns len, or 0 after an overflow.
 */
uint32_t tk_finish(struct tk_pkt *p);

/** Appends @p fill bytes up to @p to bytes in all (after tk_finish(): no length covers it). */
void tk_pad(struct tk_pkt *p, uint32_t to, uint8_t fill);

/** An ordinary frame for tk_build(). Zero means the plain choice. */
struct tk_spec {
	const uint8_t *dst_mac, *src_mac; /**< NULL: 00:00:00:00:00:00 */
	uint8_t n_vlan;			  /**< tags, outer first (at most 2) */
	uint16_t tpid[2];
	uint16_t tci[2];
	uint8_t family;		  /**< 4 or 6 */
	const uint8_t *src, *dst; /**< 4 or 16 bytes; NULL: all zero */
	uint16_t ip_frag;	  /**< IPv4 flags and offset word (TK_IP4_DF) */
	uint8_t ip_opt_len;	  /**< IPv4 option bytes (NOPs) */
	uint8_t proto;		  /**< 6, 17, 1/58 (ICMP, ICMPv6), or any other: no L4 header */
	uint16_t sport, dport;	  /**< TCP, UDP */
	uint8_t tcp_flags;
	uint32_t seq, ack;
	uint16_t win;
	uint8_t tcp_opt_len; /**< TCP option bytes (NOPs) */
	uint8_t tcp_doff;    /**< non-zero: written as the data offset whatever the header's size */
	uint8_t icmp_type, icmp_code;
	uint16_t icmp_id, icmp_seq;
	uint16_t payload_len; /**< zero bytes after the L4 header */
	uint16_t pad_to;      /**< Ethernet padding (zeros) up to this length; 0: TK_ETH_MIN */
	uint8_t csum_break;   /**< TK_BREAK_* */
};

/**
 * Writes the frame @p s describes at @p buf. Returns its length, or 0 if it needs more than
 * @p room bytes or @p s is not a frame (family not 4 or 6, more than 2 tags).
 */
uint32_t tk_build(uint8_t *buf, uint32_t room, const struct tk_spec *s);

#endif /* IDLECUT_TK_FRAME_H */
