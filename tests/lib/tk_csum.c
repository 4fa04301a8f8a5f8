/* SPDX-License-Identifier: BSD-3-Clause */
/* Test kit: the independent checksum verifier (see tk_csum.h). */
#include <stdbool.h>

#include "tk_csum.h"

#define ETH_HLEN 14
#define MAX_TAGS 8 /* more tags than any frame of ours: a loop bound, not a rule */
#define MAX_EXT 16

/* clang-format off: one name a line */
static const char *const status_names[TK_CSUM_STATUS_COUNT] = {
	[TK_CSUM_OK] = "ok",	     [TK_CSUM_BAD_IP4] = "bad_ipv4",
	[TK_CSUM_BAD_L4] = "bad_l4", [TK_CSUM_UDP_NONE] = "udp_none",
	[TK_CSUM_NO_L4] = "no_l4",   [TK_CSUM_MALFORMED] = "malformed",
};
/* clang-format on */

const char *
tk_csum_status_name(enum tk_csum_status s)
{
	return (unsigned int)s < TK_CSUM_STATUS_COUNT ? status_names[s] : "unknown";
}

static uint16_t
be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Unfolded: a 64-bit accumulator cannot overflow for any frame. */
static uint64_t
add_words(uint64_t sum, const uint8_t *d, size_t n)
{
	while (n > 1) {
		sum += (uint64_t)d[0] << 8 | d[1];
		d += 2;
		n -= 2;
	}
	if (n > 0)
		sum += (uint64_t)d[0] << 8;
	return sum;
}

static uint16_t
fold(uint64_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

uint16_t
tk_csum_sum(const uint8_t *d, size_t n)
{
	return fold(add_words(0, d, n));
}

uint16_t
tk_csum_l4_sum(uint8_t family, const uint8_t *src, const uint8_t *dst, uint8_t proto,
	       const uint8_t *l4, size_t l4_len)
{
	size_t alen = family == 4 ? 4 : 16;
	uint64_t sum = 0;

	if (!(family == 4 && proto == 1)) {
		/* Both pseudo-headers sum to: addresses, protocol, upper-layer length. */
		sum = add_words(sum, src, alen);
		sum = add_words(sum, dst, alen);
		sum += proto;
		sum += (uint64_t)(l4_len & 0xffff) + (l4_len >> 16);
	}
	return fold(add_words(sum, l4, l4_len));
}

/* Whether @p proto carries a checksum we verify, and the header it needs for that. */
static bool
l4_layout(uint8_t proto, size_t *min_len)
{
	switch (proto) {
	case 6:
		*min_len = 20;
		return true;
	case 17:
		*min_len = 8;
		return true;
	case 1:
	case 58:
		*min_len = 4;
		return true;
	default:
		return false;
	}
}

static enum tk_csum_status
check_l4(uint8_t family, const uint8_t *src, const uint8_t *dst, uint8_t proto, const uint8_t *l4,
	 size_t l4_len)
{
	size_t min_len;

	if (!l4_layout(proto, &min_len) || (family == 4 && proto == 58) ||
	    (family == 6 && proto == 1))
		return TK_CSUM_NO_L4;
	if (l4_len < min_len)
		return TK_CSUM_MALFORMED;
	if (proto == 17 && be16(l4 + 6) == 0)
		return family == 4 ? TK_CSUM_UDP_NONE : TK_CSUM_BAD_L4; /* RFC 8200 8.1 */
	return tk_csum_l4_sum(family, src, dst, proto, l4, l4_len) == 0xffff ? TK_CSUM_OK
									     : TK_CSUM_BAD_L4;
}

static enum tk_csum_status
check_ipv4(const uint8_t *ip, size_t room)
{
	size_t ihl, total;

	if (room < 20 || ip[0] >> 4 != 4)
		return TK_CSUM_MALFORMED;
	ihl = (size_t)(ip[0] & 0xf) * 4;
	total = be16(ip + 2);
	if (ihl < 20 || total < ihl || total > room)
		return TK_CSUM_MALFORMED;
	if (tk_csum_sum(ip, ihl) != 0xffff)
		return TK_CSUM_BAD_IP4;
	if ((be16(ip + 6) & 0x3fff) != 0) /* MF or an offset: the segment is not all here */
		return TK_CSUM_NO_L4;
	return check_l4(4, ip + 12, ip + 16, ip[9], ip + ihl, total - ihl);
}

static enum tk_csum_status
check_ipv6(const uint8_t *ip, size_t room)
{
	size_t off = 40, end;
	uint8_t nh;

	if (room < 40 || ip[0] >> 4 != 6)
		return TK_CSUM_MALFORMED;
	end = 40 + (size_t)be16(ip + 4);
	nh = ip[6];
	if (end == 40) /* nothing, or a jumbogram, which no test of ours sends */
		return nh == 59 ? TK_CSUM_NO_L4 : TK_CSUM_MALFORMED;
	if (end > room)
		return TK_CSUM_MALFORMED;
	for (unsigned int i = 0; i < MAX_EXT; i++) {
		size_t hlen;

		switch (nh) {
		case 0:	 /* hop-by-hop */
		case 43: /* routing */
		case 60: /* destination options */
			if (off + 8 > end)
				return TK_CSUM_MALFORMED;
			hlen = ((size_t)ip[off + 1] + 1) * 8;
			break;
		case 44: /* fragment */
			if (off + 8 > end)
				return TK_CSUM_MALFORMED;
			if ((be16(ip + off + 2) & 0xfff9) != 0)
				return TK_CSUM_NO_L4;
			hlen = 8;
			break;
		case 51: /* AH: length in 4-byte units, minus 2 */
			if (off + 8 > end)
				return TK_CSUM_MALFORMED;
			hlen = ((size_t)ip[off + 1] + 2) * 4;
			break;
		default:
			return check_l4(6, ip + 8, ip + 24, nh, ip + off, end - off);
		}
		if (off + hlen > end)
			return TK_CSUM_MALFORMED;
		nh = ip[off];
		off += hlen;
	}
	return TK_CSUM_MALFORMED;
}

enum tk_csum_status
tk_csum_frame(const uint8_t *frame, size_t len)
{
	size_t off = 12;
	uint16_t type;

	if (frame == NULL || len < ETH_HLEN)
		return TK_CSUM_MALFORMED;
	type = be16(frame + off);
	for (unsigned int t = 0;
	     t < MAX_TAGS && (type == 0x8100 || type == 0x88a8 || type == 0x9100); t++) {
		off += 4;
		if (off + 2 > len)
			return TK_CSUM_MALFORMED;
		type = be16(frame + off);
	}
	off += 2;
	if (type == 0x0800)
		return check_ipv4(frame + off, len - off);
	if (type == 0x86dd)
		return check_ipv6(frame + off, len - off);
	return TK_CSUM_MALFORMED;
}
