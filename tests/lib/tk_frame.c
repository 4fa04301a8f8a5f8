/* SPDX-License-Identifier: BSD-3-Clause */
/* Test kit: the frame builder (see tk_frame.h). */
#include <string.h>

#include "tk_csum.h"
#include "tk_frame.h"

void
tk_wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

void
tk_wr32(uint8_t *p, uint32_t v)
{
	tk_wr16(p, (uint16_t)(v >> 16));
	tk_wr16(p + 2, (uint16_t)v);
}

uint16_t
tk_rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

uint32_t
tk_rd32(const uint8_t *p)
{
	return (uint32_t)tk_rd16(p) << 16 | tk_rd16(p + 2);
}

uint8_t *
tk_put(struct tk_pkt *p, uint32_t n)
{
	uint8_t *h;

	if (p->overflow || n > TK_PKT_MAX - p->len) {
		p->overflow = true;
		return NULL;
	}
	h = p->b + p->len;
	memset(h, 0, n);
	p->len += n;
	return h;
}

uint8_t *
tk_eth(struct tk_pkt *p, const uint8_t *dst, const uint8_t *src, uint16_t type)
{
	uint8_t *h;

	/* Not the whole buffer: a frame costs what it appends (the benchmark builds many). */
	p->len = 0;
	p->ip4 = p->ip6 = p->udp = p->l3 = p->l4 = 0;
	p->l3_family = p->l4_proto = 0;
	p->csum_break = 0;
	p->overflow = false;
	h = tk_put(p, 14);
	if (dst != NULL)
		memcpy(h, dst, 6);
	if (src != NULL)
		memcpy(h + 6, src, 6);
	tk_wr16(h + 12, type);
	return h;
}

uint8_t *
tk_vlan(struct tk_pkt *p, uint16_t tci, uint16_t type)
{
	uint8_t *h = tk_put(p, 4);

	if (h == NULL)
		return NULL;
	tk_wr16(h, tci);
	tk_wr16(h + 2, type);
	return h;
}

uint8_t *
tk_l2(struct tk_pkt *p, const uint8_t *dst, const uint8_t *src, unsigned int n_vlan,
      const uint16_t *tpid, const uint16_t *tci, uint16_t type)
{
	uint8_t *h = tk_eth(p, dst, src, n_vlan > 0 ? tpid[0] : type);

	for (unsigned int t = 0; t < n_vlan; t++)
		tk_vlan(p, tci[t], t + 1 < n_vlan ? tpid[t + 1] : type);
	return p->overflow ? NULL : h;
}

uint8_t *
tk_ipv4(struct tk_pkt *p, const uint8_t *src, const uint8_t *dst, uint8_t proto, uint32_t opt_len)
{
	uint8_t *h = opt_len <= 40 && opt_len % 4 == 0 ? tk_put(p, 20 + opt_len) : NULL;

	if (h == NULL) {
		p->overflow = true;
		return NULL;
	}
	p->ip4 = p->l3 = (uint32_t)(h - p->b);
	p->l3_family = 4;
	h[0] = (uint8_t)(0x40 | (20 + opt_len) / 4);
	h[8] = 64;
	h[9] = proto;
	if (src != NULL)
		memcpy(h + 12, src, 4);
	if (dst != NULL)
		memcpy(h + 16, dst, 4);
	memset(h + 20, 1, opt_len);
	return h;
}

void
tk_ipv4_frag(struct tk_pkt *p, uint16_t word)
{
	if (!p->overflow && p->ip4 != 0)
		tk_wr16(p->b + p->ip4 + 6, word);
}

uint8_t *
tk_ipv6(struct tk_pkt *p, const uint8_t *src, const uint8_t *dst, uint8_t nh)
{
	uint8_t *h = tk_put(p, 40);

	if (h == NULL)
		return NULL;
	p->ip6 = p->l3 = (uint32_t)(h - p->b);
	p->l3_family = 6;
	h[0] = 0x60;
	h[6] = nh;
	h[7] = 64;
	if (src != NULL)
		memcpy(h + 8, src, 16);
	if (dst != NULL)
		memcpy(h + 24, dst, 16);
	return h;
}

uint8_t *
tk_ipv6_ext(struct tk_pkt *p, uint8_t type, uint8_t nh, uint32_t len)
{
	uint32_t unit = type == 51 ? 4 : 8; /* AH counts 4-byte words */
	uint8_t *h = len >= 8 && len % unit == 0 && len <= 2048 ? tk_put(p, len) : NULL;

	if (h == NULL) {
		p->overflow = true;
		return NULL;
	}
	h[0] = nh;
	h[1] = (uint8_t)(type == 51 ? len / 4 - 2 : len / 8 - 1);
	return h;
}

uint8_t *
tk_ipv6_frag(struct tk_pkt *p, uint8_t nh, uint16_t offset8, bool more)
{
	uint8_t *h = tk_put(p, 8);

	if (h == NULL)
		return NULL;
	h[0] = nh;
	tk_wr16(h + 2, (uint16_t)(offset8 << 3 | (more ? 1 : 0)));
	tk_wr32(h + 4, 0xdeadbeef);
	return h;
}

/* The header just appended at @p h is the one whose checksum tk_finish() writes. */
static void
set_l4(struct tk_pkt *p, const uint8_t *h, uint8_t proto)
{
	p->l4 = (uint32_t)(h - p->b);
	p->l4_proto = proto;
}

uint8_t *
tk_tcp(struct tk_pkt *p, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags,
       uint16_t win, uint32_t opt_len)
{
	uint8_t *h = opt_len <= 40 && opt_len % 4 == 0 ? tk_put(p, 20 + opt_len) : NULL;

	if (h == NULL) {
		p->overflow = true;
		return NULL;
	}
	set_l4(p, h, 6);
	tk_wr16(h, sport);
	tk_wr16(h + 2, dport);
	tk_wr32(h + 4, seq);
	tk_wr32(h + 8, ack);
	h[12] = (uint8_t)((20 + opt_len) / 4 << 4);
	h[13] = flags;
	tk_wr16(h + 14, win);
	memset(h + 20, 1, opt_len);
	return h;
}

uint8_t *
tk_udp(struct tk_pkt *p, uint16_t sport, uint16_t dport)
{
	uint8_t *h = tk_put(p, 8);

	if (h == NULL)
		return NULL;
	set_l4(p, h, 17);
	p->udp = p->l4;
	tk_wr16(h, sport);
	tk_wr16(h + 2, dport);
	return h;
}

uint8_t *
tk_icmp(struct tk_pkt *p, uint8_t type, uint8_t code, uint16_t id, uint16_t seq)
{
	uint8_t *h = tk_put(p, 8);

	if (h == NULL)
		return NULL;
	set_l4(p, h, p->l3_family == 6 ? 58 : 1);
	h[0] = type;
	h[1] = code;
	tk_wr16(h + 4, id);
	tk_wr16(h + 6, seq);
	return h;
}

uint8_t *
tk_payload(struct tk_pkt *p, uint32_t n)
{
	uint8_t *h = tk_put(p, n);

	if (h == NULL)
		return NULL;
	for (uint32_t i = 0; i < n; i++)
		h[i] = (uint8_t)(i * 7 + 3);
	return h;
}

/* What to write instead of @p c when asked to break it: never another form of the same. */
static uint16_t
broken(uint16_t c)
{
	return c == 0x0101 ? 0x0202 : c ^ 0x0101;
}

static void
finish_l4(struct tk_pkt *p)
{
	uint32_t at, need, seg;
	uint16_t c;
	uint8_t *ip = p->b + p->l3;

	switch (p->l4_proto) {
	case 6:
		at = 16, need = 20;
		break;
	case 17:
		at = 6, need = 8;
		break;
	default: /* ICMP, ICMPv6 */
		at = 2, need = 4;
		break;
	}
	if (p->l3 == 0 || p->l4 < p->l3 || p->len < p->l4 + need)
		return;
	seg = p->len - p->l4;
	tk_wr16(p->b + p->l4 + at, 0);
	c = (uint16_t) ~(
		p->l3_family == 4
			? tk_csum_l4_sum(4, ip + 12, ip + 16, p->l4_proto, p->b + p->l4, seg)
			: tk_csum_l4_sum(6, ip + 8, ip + 24, p->l4_proto, p->b + p->l4, seg));
	if (p->l4_proto == 17 && c == 0)
		c = 0xffff; /* 0 would mean "no checksum" (RFC 768) */
	if (p->csum_break & TK_BREAK_L4)
		c = broken(c);
	tk_wr16(p->b + p->l4 + at, c);
}

static void
finish_ipv4(struct tk_pkt *p)
{
	uint8_t *ip = p->b + p->ip4;
	uint32_t ihl = (uint32_t)(ip[0] & 0xf) * 4;
	uint16_t c;

	if (ihl < 20 || p->len < p->ip4 + ihl)
		return;
	tk_wr16(ip + 10, 0);
	c = (uint16_t)~tk_csum_sum(ip, ihl);
	if (p->csum_break & TK_BREAK_IP4)
		c = broken(c);
	tk_wr16(ip + 10, c);
}

uint32_t
tk_finish(struct tk_pkt *p)
{
	if (p->overflow)
		return 0;
	if (p->ip4 && p->len >= p->ip4 + 4)
		tk_wr16(p->b + p->ip4 + 2, (uint16_t)(p->len - p->ip4));
	if (p->ip6 && p->len >= p->ip6 + 6)
		tk_wr16(p->b + p->ip6 + 4, (uint16_t)(p->len - p->ip6 - 40));
	if (p->udp && p->len >= p->udp + 6)
		tk_wr16(p->b + p->udp + 4, (uint16_t)(p->len - p->udp));
	/* The L4 sum covers the addresses, so IP lengths first, the IPv4 header sum last. */
	if (p->l4)
		finish_l4(p);
	if (p->ip4)
		finish_ipv4(p);
	return p->len;
}

void
tk_pad(struct tk_pkt *p, uint32_t to, uint8_t fill)
{
	uint32_t n = p->len < to ? to - p->len : 0;
	uint8_t *h = tk_put(p, n);

	if (h != NULL)
		memset(h, fill, n);
}

uint32_t
tk_build(uint8_t *buf, uint32_t room, const struct tk_spec *s)
{
	static const uint8_t zero[16];
	const uint8_t *src = s->src != NULL ? s->src : zero, *dst = s->dst != NULL ? s->dst : zero;
	struct tk_pkt p;
	uint8_t *h = NULL;

	if ((s->family != 4 && s->family != 6) || s->n_vlan > 2)
		return 0;
	tk_l2(&p, s->dst_mac, s->src_mac, s->n_vlan, s->tpid, s->tci,
	      s->family == 4 ? 0x0800 : 0x86dd);
	if (s->family == 4) {
		tk_ipv4(&p, src, dst, s->proto, s->ip_opt_len);
		tk_ipv4_frag(&p, s->ip_frag);
	} else {
		tk_ipv6(&p, src, dst, s->proto);
	}
	switch (s->proto) {
	case 6:
		h = tk_tcp(&p, s->sport, s->dport, s->seq, s->ack, s->tcp_flags, s->win,
			   s->tcp_opt_len);
		if (h != NULL && s->tcp_doff != 0)
			h[12] = (uint8_t)(s->tcp_doff << 4);
		break;
	case 17:
		tk_udp(&p, s->sport, s->dport);
		break;
	case 1:
	case 58:
		tk_icmp(&p, s->icmp_type, s->icmp_code, s->icmp_id, s->icmp_seq);
		break;
	default:
		break;
	}
	tk_put(&p, s->payload_len);
	p.csum_break = s->csum_break;
	tk_finish(&p);
	tk_pad(&p, s->pad_to != 0 ? s->pad_to : TK_ETH_MIN, 0);
	if (p.overflow || p.len > room)
		return 0;
	memcpy(buf, p.b, p.len);
	return p.len;
}
