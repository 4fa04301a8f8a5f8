/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP RST frame builder. Fields are stored byte by byte: the destination is an mbuf's data
 * room at an arbitrary headroom offset, so no alignment may be assumed, and explicit shifts
 * make the wire order obvious whatever the host order is.
 *
 * Checksums are computed in software because TAP ports offer no offload and the frame is
 * tiny; the sum is accumulated in 32 bits over 16-bit words, which cannot overflow for fewer
 * than 65536 words, and folded once at the end. It is taken from the parameters, not read
 * back from the frame: only the addresses and the payload are summed as bytes (an expiry
 * storm builds millions of RSTs, and summing 40 header bytes back cost 40% of each).
 */
#include <string.h>

#include "rst.h"

#define ETH_HLEN 14
#define VLAN_HLEN 4
#define VLAN_VID_MASK 0x0fff
#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86dd
#define IPV4_HLEN 20
#define IPV6_HLEN 40
#define TCP_HLEN 20
#define IPV4_DF 0x4000
#define IP_TTL_DEFAULT 64
#define IPPROTO_TCP_NUM 6
#define V4MAPPED_OFF 12 /* IPv4 address inside a v4-mapped IPv6 one */

static inline void
wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void
wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Big-endian 16-bit words of an even-length buffer, added to @p sum. */
static inline uint32_t
sum16(uint32_t sum, const uint8_t *p, uint32_t len)
{
	uint32_t i;

	for (i = 0; i < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	return sum;
}

static inline uint16_t
fold(uint32_t sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/*
 * The common case (IPv4, no tag, no payload: every RST of an untagged IPv4 storm) from a
 * template: the constant bytes and the padding in four wide stores, then the fields; the
 * same frame as the general path below (tests/unit/test_rst.c compares them).
 */
static uint16_t
rst_build_v4(uint8_t *buf, const struct rst_params *p)
{
	static const uint8_t tmpl[RST_FRAME_MIN] = {
		[12] = ETHERTYPE_IPV4 >> 8, [14] = 0x45,	   [17] = IPV4_HLEN + TCP_HLEN,
		[20] = IPV4_DF >> 8,	    [22] = IP_TTL_DEFAULT, [23] = IPPROTO_TCP_NUM,
		[46] = (TCP_HLEN / 4) << 4,
	};
	const uint8_t *s = p->src + V4MAPPED_OFF, *d = p->dst + V4MAPPED_OFF;
	uint32_t asum = (uint32_t)(s[0] << 8 | s[1]) + (uint32_t)(s[2] << 8 | s[3]) +
			(uint32_t)(d[0] << 8 | d[1]) + (uint32_t)(d[2] << 8 | d[3]);
	uint32_t sum = IPPROTO_TCP_NUM + TCP_HLEN + asum + p->sport + p->dport + (p->seq >> 16) +
		       (p->seq & 0xffff) + (p->ack >> 16) + (p->ack & 0xffff) +
		       ((TCP_HLEN / 4) << 12 | p->tcp_flags);

	memcpy(buf, tmpl, sizeof(tmpl));
	memcpy(buf, p->dst_mac, 6);
	memcpy(buf + 6, p->src_mac, 6);
	wr16(buf + 24, fold(0x4500u + IPV4_HLEN + TCP_HLEN + IPV4_DF +
			    (IP_TTL_DEFAULT << 8 | IPPROTO_TCP_NUM) + asum));
	memcpy(buf + 26, s, 4);
	memcpy(buf + 30, d, 4);
	wr16(buf + 34, p->sport);
	wr16(buf + 36, p->dport);
	wr32(buf + 38, p->seq);
	wr32(buf + 42, p->ack);
	buf[47] = p->tcp_flags;
	wr16(buf + 50, fold(sum));
	return RST_FRAME_MIN;
}

uint16_t
rst_build(uint8_t *buf, uint16_t room, const struct rst_params *p)
{
	uint32_t l3_len, len, frame_len, sum, i, pl = p->payload_len, seg;
	uint8_t *ip, *tcp;

	if (p->family == 4 && p->n_vlan == 0 && pl == 0)
		return room >= RST_FRAME_MIN ? rst_build_v4(buf, p) : 0;
	if (p->n_vlan > 2 || pl > RST_PAYLOAD_MAX || (pl != 0 && p->payload == NULL))
		return 0;
	if (p->family == 4)
		l3_len = IPV4_HLEN;
	else if (p->family == 6)
		l3_len = IPV6_HLEN;
	else
		return 0;
	seg = TCP_HLEN + pl;
	len = ETH_HLEN + (uint32_t)p->n_vlan * VLAN_HLEN + l3_len + seg;
	frame_len = len < RST_FRAME_MIN ? RST_FRAME_MIN : len;
	if (room < frame_len)
		return 0;

	memcpy(buf, p->dst_mac, 6);
	memcpy(buf + 6, p->src_mac, 6);
	ip = buf + 12;
	for (i = 0; i < p->n_vlan; i++) {
		wr16(ip, p->tpid[i]);
		/* PCP and DEI stay 0: an RST is ordinary best-effort traffic. */
		wr16(ip + 2, p->vlan[i] & VLAN_VID_MASK);
		ip += VLAN_HLEN;
	}
	wr16(ip, p->family == 4 ? ETHERTYPE_IPV4 : ETHERTYPE_IPV6);
	ip += 2;
	tcp = ip + l3_len;

	/* The pseudo-header sum: addresses + protocol + TCP length. */
	sum = IPPROTO_TCP_NUM + seg;
	if (p->family == 4) {
		uint32_t asum = sum16(sum16(0, p->src + V4MAPPED_OFF, 4), p->dst + V4MAPPED_OFF, 4);

		ip[0] = 0x45;
		ip[1] = 0;
		wr16(ip + 2, (uint16_t)(IPV4_HLEN + seg));
		wr16(ip + 4, 0);
		/* DF: an RST is never fragmented, and ID 0 is then allowed (RFC 6864). */
		wr16(ip + 6, IPV4_DF);
		ip[8] = IP_TTL_DEFAULT;
		ip[9] = IPPROTO_TCP_NUM;
		memcpy(ip + 12, p->src + V4MAPPED_OFF, 4);
		memcpy(ip + 16, p->dst + V4MAPPED_OFF, 4);
		/* The header's words: version/IHL/TOS, length, ID 0, DF, TTL/protocol. */
		wr16(ip + 10, fold(0x4500u + IPV4_HLEN + seg + IPV4_DF +
				   (IP_TTL_DEFAULT << 8 | IPPROTO_TCP_NUM) + asum));
		sum += asum;
	} else {
		wr32(ip, 6u << 28);
		wr16(ip + 4, (uint16_t)seg);
		ip[6] = IPPROTO_TCP_NUM;
		ip[7] = IP_TTL_DEFAULT;
		memcpy(ip + 8, p->src, 16);
		memcpy(ip + 24, p->dst, 16);
		sum = sum16(sum16(sum, p->src, 16), p->dst, 16);
	}

	wr16(tcp, p->sport);
	wr16(tcp + 2, p->dport);
	wr32(tcp + 4, p->seq);
	/* Written as given even without ACK: a receiver ignores it then (RFC 9293 3.1). */
	wr32(tcp + 8, p->ack);
	tcp[12] = (TCP_HLEN / 4) << 4;
	tcp[13] = p->tcp_flags;
	wr16(tcp + 14, 0); /* window */
	wr16(tcp + 16, 0); /* checksum: written below */
	wr16(tcp + 18, 0); /* urgent pointer */
	/* The TCP header's words (window, checksum and urgent pointer are 0). */
	sum += (uint32_t)p->sport + p->dport + (p->seq >> 16) + (p->seq & 0xffff) + (p->ack >> 16) +
	       (p->ack & 0xffff) + ((TCP_HLEN / 4) << 12 | p->tcp_flags);
	/* RFC 9293 3.5.3: an RST may carry data, e.g. the reason (F5's tm.rstcause.pkt). */
	if (pl != 0) {
		memcpy(tcp + TCP_HLEN, p->payload, pl);
		sum = sum16(sum, p->payload, pl & ~1u);
		if (pl & 1) /* an odd length: pad the last byte with 0 */
			sum += (uint32_t)p->payload[pl - 1] << 8;
	}
	wr16(tcp + 16, fold(sum));

	/* At most 6 bytes of padding (IPv4, no tag, no payload): no memset call. */
	for (i = len; i < frame_len; i++)
		buf[i] = 0;
	return (uint16_t)frame_len;
}
