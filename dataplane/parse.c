/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Frame parser. Each header is checked against the bytes that remain before any of it is
 * read. Offsets and lengths are computed in 32 bits from 16-bit wire fields, so no sum
 * below can wrap; they are stored in the 16-bit parse_info fields only once bounded by an
 * IP length field. Wire fields are assembled byte by byte: frames carry no alignment
 * promise and the compiler turns the pattern into a single load plus byte swap.
 */
#include <netinet/in.h>
#include <stddef.h>
#include <string.h>

#include "parse.h"

#define ETH_HLEN 14
#define VLAN_HLEN 4
#define VLAN_VID_MASK 0x0fff
#define IPV4_HLEN 20
#define IPV4_MF 0x2000
#define IPV4_OFFSET_MASK 0x1fff
#define IPV6_HLEN 40
#define IPV6_FRAG_HLEN 8
#define IPV6_FRAG_M 0x0001
#define IPV6_FRAG_OFFSET_MASK 0xfff8
#define TCP_HLEN 20
#define TCP_FLAG_MASK 0x3f /* FIN..URG; ECE and CWR are not used for validation */
#define TCP_OPT_EOL 0
#define TCP_OPT_NOP 1
#define TCP_OPT_WSCALE 3
#define TCP_OPT_WSCALE_LEN 3
#define TCP_WSCALE_MAX 14 /* RFC 7323 2.3: a larger shift is used as 14 */
#define UDP_HLEN 8
#define ICMP_HLEN 4	 /* type, code, checksum */
#define ICMP_ECHO_HLEN 8 /* + identifier, sequence number */

/* Not in every libc's <netinet/in.h>. */
#define PROTO_HIP 139
#define PROTO_SHIM6 140

#define ICMP_ECHO_REPLY 0
#define ICMP_ECHO_REQUEST 8
#define ICMP6_ECHO_REQUEST 128
#define ICMP6_ECHO_REPLY 129
#define ICMP6_ND_FIRST 133 /* router solicitation */
#define ICMP6_ND_LAST 137  /* redirect */

static const char *const status_names[PARSE_STATUS_COUNT] = {
	[PARSE_IP] = "ok",
	[PARSE_NON_IP] = "non_ip",
	[PARSE_FRAGMENT] = "fragment",
	[PARSE_MAL_TRUNCATED] = "truncated",
	[PARSE_MAL_VLAN_DEPTH] = "too_many_vlans",
	[PARSE_MAL_IPV4_HEADER] = "bad_ipv4_header",
	[PARSE_MAL_IPV4_LENGTH] = "bad_ipv4_length",
	[PARSE_MAL_IPV6_HEADER] = "bad_ipv6_header",
	[PARSE_MAL_IPV6_LENGTH] = "bad_ipv6_length",
	[PARSE_MAL_IPV6_EXT] = "bad_ipv6_ext",
	[PARSE_MAL_TCP_OFFSET] = "bad_tcp_offset",
	[PARSE_MAL_TCP_FLAGS] = "bad_tcp_flags",
	[PARSE_MAL_UDP_LENGTH] = "bad_udp_length",
};

static inline uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/*
 * Both ports in one 4-byte store: the flow key reads them together, and a load spanning two
 * narrower stores cannot be forwarded from the store buffer.
 */
static inline void
set_ports(struct parse_info *pi, uint16_t sport, uint16_t dport)
{
	uint32_t w = (uint32_t)sport | (uint32_t)dport << 16;

	_Static_assert(offsetof(struct parse_info, dport) ==
			       offsetof(struct parse_info, sport) + 2,
		       "ports are adjacent");
	memcpy(&pi->sport, &w, sizeof(w));
}

/* Bytes 8..15 of ::ffff:a.b.c.d (the address at @p v4) as one 8-byte store. */
static inline void
set_v4mapped_tail(uint8_t *addr, const uint8_t *v4)
{
	uint32_t a;
	uint64_t w;

	memcpy(&a, v4, 4);
	_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "word layout assumes LE");
	w = 0xffff0000ull | (uint64_t)a << 32; /* bytes 10, 11 = 0xff, 12..15 = a.b.c.d */
	memcpy(addr + 8, &w, 8);
}

static enum parse_status
parse_ipv4(const uint8_t *ip, uint32_t avail, uint32_t wire, struct parse_info *pi)
{
	uint32_t hlen, tot;
	uint16_t frag;

	if (avail < IPV4_HLEN)
		return PARSE_MAL_TRUNCATED;
	hlen = (uint32_t)(ip[0] & 0x0f) * 4;
	if (ip[0] >> 4 != 4 || hlen < IPV4_HLEN)
		return PARSE_MAL_IPV4_HEADER;
	if (hlen > avail)
		return PARSE_MAL_TRUNCATED;
	/* Bytes past the total length are Ethernet padding (or junk): never part of L4. */
	tot = rd16(ip + 2);
	if (tot < hlen || tot > wire)
		return PARSE_MAL_IPV4_LENGTH;

	pi->family = 4;
	pi->proto = ip[9];
	/*
	 * ::ffff:a.b.c.d; bytes 0..7 are already zero. Bytes 8..15 go in one 8-byte store: the
	 * flow key reads them back as one word, and a load that spans several narrower stores
	 * cannot be forwarded from the store buffer (a stall of about a dozen cycles).
	 */
	set_v4mapped_tail(pi->src, ip + 12);
	set_v4mapped_tail(pi->dst, ip + 16);

	/* Only the first fragment carries the L4 header: the rest cannot be keyed. */
	frag = rd16(ip + 6);
	if (frag & IPV4_OFFSET_MASK)
		return PARSE_FRAGMENT;
	if (frag & IPV4_MF)
		pi->flags |= PARSE_F_FRAG_FIRST;

	pi->l4_off = (uint16_t)(pi->l3_off + hlen);
	pi->l4_len = (uint16_t)(tot - hlen);
	return PARSE_IP;
}

/*
 * Length of the extension header @p nh that starts at @p h with @p room bytes left in the
 * datagram; 0 if @p nh ends the chain (an upper-layer protocol, ESP whose payload is
 * opaque, or no next header). A length field that is itself out of reach yields
 * UINT32_MAX, which the caller's room check rejects.
 */
static uint32_t
ipv6_ext_len(uint8_t nh, const uint8_t *h, uint32_t room)
{
	switch (nh) {
	case IPPROTO_HOPOPTS:
	case IPPROTO_ROUTING:
	case IPPROTO_DSTOPTS:
	case IPPROTO_MH:
	case PROTO_HIP:
	case PROTO_SHIM6:
		return room < 2 ? UINT32_MAX : ((uint32_t)h[1] + 1) * 8;
	case IPPROTO_AH: /* RFC 4302 counts 32-bit words minus 2 */
		return room < 2 ? UINT32_MAX : ((uint32_t)h[1] + 2) * 4;
	case IPPROTO_FRAGMENT:
		return IPV6_FRAG_HLEN;
	default:
		return 0;
	}
}

/*
 * A routing header with segments left puts an intermediate node in the IPv6 destination:
 * the flow's far end is the final one, as the reply (sent to the source, without a
 * routing header) shows it. Key on that (SPEC §4), or both directions would build
 * different keys: type 0 (RFC 2460, deprecated) and 2 (Mobile IPv6: the home address)
 * list it last; type 4 (SRv6, RFC 8754) first, in segment list[0]. Other types, and
 * headers whose list runs off their length, keep the destination as it is.
 */
static void
routing_final_dst(const uint8_t *rh, uint32_t hlen, struct parse_info *pi)
{
	uint8_t type = rh[2], left = rh[3];
	uint32_t n = (hlen - 8) / 16; /* addresses in the header */

	if (left == 0 || n == 0)
		return;
	switch (type) {
	case 0:
	case 2:
		memcpy(pi->dst, rh + 8 + (n - 1) * 16, 16);
		pi->flags |= PARSE_F_RTHDR;
		break;
	case 4:
		memcpy(pi->dst, rh + 8, 16);
		pi->flags |= PARSE_F_RTHDR;
		break;
	default:
		break;
	}
}

static enum parse_status
parse_ipv6(const uint8_t *ip, uint32_t avail, uint32_t wire, struct parse_info *pi)
{
	uint32_t end, pos = IPV6_HLEN, hlen, n_ext = 0;
	uint16_t frag;
	uint8_t nh;

	if (avail < IPV6_HLEN)
		return PARSE_MAL_TRUNCATED;
	if (ip[0] >> 4 != 6)
		return PARSE_MAL_IPV6_HEADER;
	end = IPV6_HLEN + (uint32_t)rd16(ip + 4);
	nh = ip[6];
	if (end > wire)
		return PARSE_MAL_IPV6_LENGTH;
	/* Payload length 0 announces a jumbogram (RFC 2675); no port we drive carries one. */
	if (end == IPV6_HLEN && nh != IPPROTO_NONE)
		return PARSE_MAL_IPV6_LENGTH;

	pi->family = 6;
	memcpy(pi->src, ip + 8, 16);
	memcpy(pi->dst, ip + 24, 16);

	/* Invariant: pos <= end. The cap bounds the work an attacker can make us do. */
	while ((hlen = ipv6_ext_len(nh, ip + pos, (end < avail ? end : avail) - pos)) != 0) {
		if (++n_ext > PARSE_MAX_IPV6_EXT || hlen > end - pos)
			return PARSE_MAL_IPV6_EXT;
		/* In a chained frame the headers must be in the first segment. */
		if (hlen > avail - pos)
			return PARSE_MAL_TRUNCATED;
		if (nh == IPPROTO_FRAGMENT) {
			frag = rd16(ip + pos + 2);
			if (frag & IPV6_FRAG_OFFSET_MASK) {
				pi->proto = ip[pos];
				return PARSE_FRAGMENT;
			}
			/* Offset 0 without M is an atomic fragment (RFC 6946): a whole packet. */
			if (frag & IPV6_FRAG_M)
				pi->flags |= PARSE_F_FRAG_FIRST;
		}
		if (nh == IPPROTO_ROUTING)
			routing_final_dst(ip + pos, hlen, pi);
		nh = ip[pos];
		pos += hlen;
	}

	pi->proto = nh;
	pi->l4_off = (uint16_t)(pi->l3_off + pos);
	pi->l4_len = (uint16_t)(end - pos);
	return PARSE_IP;
}

/*
 * The window scale option of a SYN, from the @p olen option bytes at @p opt (all inside
 * the TCP header, already bounds-checked). Options that run past the header end the scan:
 * a malformed option list is no reason to call the frame malformed (stacks ignore it), it
 * just has no window scale.
 */
static uint8_t
tcp_wscale(const uint8_t *opt, uint32_t olen)
{
	uint32_t i = 0;

	while (i < olen) {
		uint8_t kind = opt[i];
		uint32_t l;

		if (kind == TCP_OPT_EOL)
			break;
		if (kind == TCP_OPT_NOP) {
			i++;
			continue;
		}
		if (olen - i < 2)
			break;
		l = opt[i + 1];
		if (l < 2 || l > olen - i)
			break;
		if (kind == TCP_OPT_WSCALE) {
			if (l != TCP_OPT_WSCALE_LEN)
				break;
			return opt[i + 2] > TCP_WSCALE_MAX ? TCP_WSCALE_MAX : opt[i + 2];
		}
		i += l;
	}
	return PARSE_NO_WSCALE;
}

static enum parse_status
parse_tcp(const uint8_t *th, uint32_t reach, struct parse_info *pi)
{
	uint32_t hlen;
	uint8_t fl;

	if (pi->l4_len < TCP_HLEN || reach < TCP_HLEN)
		return PARSE_MAL_TRUNCATED;
	set_ports(pi, rd16(th), rd16(th + 2));
	pi->seq = rd32(th + 4);
	pi->ack = rd32(th + 8);
	pi->tcp_win = rd16(th + 14);
	fl = th[13] & TCP_FLAG_MASK;
	pi->tcp_flags = fl;
	pi->tcp_wscale = PARSE_NO_WSCALE;

	hlen = (uint32_t)(th[12] >> 4) * 4;
	if (hlen < TCP_HLEN || hlen > pi->l4_len)
		return PARSE_MAL_TCP_OFFSET;
	if (hlen > reach)
		return PARSE_MAL_TRUNCATED;
	pi->payload_len = (uint16_t)(pi->l4_len - hlen);
	/* Only a SYN's window scale counts (RFC 7323 2.2): other segments skip the scan. */
	if (fl & PARSE_TCP_SYN)
		pi->tcp_wscale = tcp_wscale(th + TCP_HLEN, hlen - TCP_HLEN);

	/* No stack sends these; scanners and fingerprinting tools do. */
	if (fl == 0 || ((fl & PARSE_TCP_SYN) && (fl & (PARSE_TCP_FIN | PARSE_TCP_RST))))
		return PARSE_MAL_TCP_FLAGS;
	return PARSE_IP;
}

static enum parse_status
parse_udp(const uint8_t *uh, uint32_t reach, struct parse_info *pi)
{
	uint32_t ulen, room;

	if (pi->l4_len < UDP_HLEN || reach < UDP_HLEN)
		return PARSE_MAL_TRUNCATED;
	set_ports(pi, rd16(uh), rd16(uh + 2));
	/*
	 * The UDP length covers the whole datagram, of which a first fragment carries only a
	 * part: there only the lower bound can be checked.
	 */
	ulen = rd16(uh + 4);
	room = (pi->flags & PARSE_F_FRAG_FIRST) ? UINT16_MAX : pi->l4_len;
	if (ulen < UDP_HLEN || ulen > room)
		return PARSE_MAL_UDP_LENGTH;
	return PARSE_IP;
}

static enum parse_status
parse_icmp(const uint8_t *ih, uint32_t reach, struct parse_info *pi)
{
	uint8_t type;
	uint16_t id;
	int echo;

	if (pi->l4_len < ICMP_HLEN || reach < ICMP_HLEN)
		return PARSE_MAL_TRUNCATED;
	type = ih[0];
	pi->icmp_type = type;
	pi->icmp_code = ih[1];
	if (pi->family == 4) {
		echo = type == ICMP_ECHO_REQUEST || type == ICMP_ECHO_REPLY;
	} else {
		echo = type == ICMP6_ECHO_REQUEST || type == ICMP6_ECHO_REPLY;
		if (type >= ICMP6_ND_FIRST && type <= ICMP6_ND_LAST)
			pi->flags |= PARSE_F_ND;
	}
	if (!echo)
		return PARSE_IP;

	/* The identifier tells concurrent pings apart the way ports tell sockets apart. */
	if (pi->l4_len < ICMP_ECHO_HLEN || reach < ICMP_ECHO_HLEN)
		return PARSE_MAL_TRUNCATED;
	id = rd16(ih + 4);
	set_ports(pi, id, id);
	pi->flags |= PARSE_F_ICMP_ECHO;
	return PARSE_IP;
}

enum parse_status
parse_frame(const uint8_t *data, uint32_t len, struct parse_info *pi)
{
	return parse_frame_wire(data, len, len, pi);
}

/* Inlined into its callers, the engine's bursts among them, whatever their number. */
__attribute__((always_inline)) inline bool
parse_frame_fast(const uint8_t *data, uint32_t len, uint32_t wire_len, struct parse_info *pi)
{
	uint32_t off = ETH_HLEN, tot, l4_len, reach, hlen;
	uint16_t et, frag;
	const uint8_t *ip, *l4;
	uint8_t fl;

	/* The smallest frame taken here: IPv4 and UDP headers, untagged. */
	if (len < ETH_HLEN + IPV4_HLEN + UDP_HLEN)
		return false;
	et = rd16(data + 12);
	memset(pi, 0, sizeof(*pi));
	if (et == PARSE_ETH_VLAN) {
		pi->tpid[0] = et;
		pi->vlan[0] = rd16(data + ETH_HLEN) & VLAN_VID_MASK;
		pi->n_vlan = 1;
		et = rd16(data + ETH_HLEN + 2);
		off += VLAN_HLEN;
	}
	if (len < off + IPV4_HLEN + UDP_HLEN)
		return false;
	ip = data + off;
	tot = rd16(ip + 2);
	frag = rd16(ip + 6);
	/* IPv4, header of 20 bytes, a whole datagram within the frame. */
	if (et != PARSE_ETH_IPV4 || ip[0] != 0x45 || tot < IPV4_HLEN || tot > wire_len - off ||
	    (frag & (IPV4_OFFSET_MASK | IPV4_MF)) != 0)
		return false;
	pi->ethertype = et;
	pi->l3_off = (uint16_t)off;
	pi->family = 4;
	pi->proto = ip[9];
	set_v4mapped_tail(pi->src, ip + 12);
	set_v4mapped_tail(pi->dst, ip + 16);
	off += IPV4_HLEN;
	l4 = data + off;
	l4_len = tot - IPV4_HLEN;
	reach = len - off;
	pi->l4_off = (uint16_t)off;
	pi->l4_len = (uint16_t)l4_len;
	if (pi->proto == IPPROTO_TCP) {
		if (l4_len < TCP_HLEN || reach < TCP_HLEN)
			return false;
		hlen = (uint32_t)(l4[12] >> 4) * 4;
		fl = l4[13] & TCP_FLAG_MASK;
		/* A SYN (its window scale) and flags no stack sends: parse_tcp() decides. */
		if (hlen < TCP_HLEN || hlen > l4_len || hlen > reach || fl == 0 ||
		    (fl & PARSE_TCP_SYN))
			return false;
		set_ports(pi, rd16(l4), rd16(l4 + 2));
		pi->seq = rd32(l4 + 4);
		pi->ack = rd32(l4 + 8);
		pi->tcp_win = rd16(l4 + 14);
		pi->tcp_flags = fl;
		pi->tcp_wscale = PARSE_NO_WSCALE;
		pi->payload_len = (uint16_t)(l4_len - hlen);
		return true;
	}
	if (pi->proto == IPPROTO_UDP) {
		uint32_t ulen = rd16(l4 + 4);

		if (l4_len < UDP_HLEN || ulen < UDP_HLEN || ulen > l4_len)
			return false;
		set_ports(pi, rd16(l4), rd16(l4 + 2));
		return true;
	}
	return false;
}

__attribute__((always_inline)) inline enum parse_status
parse_frame_wire(const uint8_t *data, uint32_t len, uint32_t wire_len, struct parse_info *pi)
{
	if (wire_len < len)
		wire_len = len;
	if (__builtin_expect(parse_frame_fast(data, len, wire_len, pi), 1))
		return PARSE_IP;
	return parse_frame_general(data, len, wire_len, pi);
}

enum parse_status
parse_frame_general(const uint8_t *data, uint32_t len, uint32_t wire_len,
		    struct parse_info *pi)
{
	enum parse_status st;
	uint32_t off = ETH_HLEN, reach;
	uint16_t et;

	if (wire_len < len)
		wire_len = len;

	/* Absent VLANs, ports and TCP fields read as 0 without a store on each path. */
	memset(pi, 0, sizeof(*pi));
	if (len < ETH_HLEN)
		return PARSE_MAL_TRUNCATED;

	et = rd16(data + 12);
	while (et == PARSE_ETH_VLAN || et == PARSE_ETH_QINQ) {
		if (pi->n_vlan == PARSE_MAX_VLANS)
			return PARSE_MAL_VLAN_DEPTH;
		if (len - off < VLAN_HLEN)
			return PARSE_MAL_TRUNCATED;
		pi->tpid[pi->n_vlan] = et;
		pi->vlan[pi->n_vlan] = rd16(data + off) & VLAN_VID_MASK;
		pi->n_vlan++;
		et = rd16(data + off + 2);
		off += VLAN_HLEN;
	}
	pi->ethertype = et;
	pi->l3_off = (uint16_t)off;

	/* 802.3 length fields (< 0x600) land here too. */
	if (et == PARSE_ETH_IPV4)
		st = parse_ipv4(data + off, len - off, wire_len - off, pi);
	else if (et == PARSE_ETH_IPV6)
		st = parse_ipv6(data + off, len - off, wire_len - off, pi);
	else
		return PARSE_NON_IP;
	if (st != PARSE_IP)
		return st;

	/* Bytes of the L4 header in reach: all of it, but in a chained frame's first segment. */
	reach = len - pi->l4_off;
	switch (pi->proto) {
	case IPPROTO_TCP:
		return parse_tcp(data + pi->l4_off, reach, pi);
	case IPPROTO_UDP:
		return parse_udp(data + pi->l4_off, reach, pi);
	case IPPROTO_ICMP:
		return pi->family == 4 ? parse_icmp(data + pi->l4_off, reach, pi) : PARSE_IP;
	case IPPROTO_ICMPV6:
		return pi->family == 6 ? parse_icmp(data + pi->l4_off, reach, pi) : PARSE_IP;
	default:
		/* "other" flows are keyed by addresses and protocol alone. */
		return PARSE_IP;
	}
}

const char *
parse_status_name(enum parse_status s)
{
	return (unsigned int)s < PARSE_STATUS_COUNT ? status_names[s] : "unknown";
}
