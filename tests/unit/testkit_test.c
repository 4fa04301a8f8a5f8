/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tests of the test kit itself (tests/lib): the frame builder and the checksum verifier
 * that the other tests lean on. Known-answer frames made by scapy pin both: the builder
 * must produce them byte for byte (lengths, checksums, every header field), and the
 * verifier must accept scapy's bytes, which it did not write. Then the verifier must say
 * no: to every single flipped bit of every datagram, to a checksum broken on request, to
 * UDP without a checksum where IPv6 forbids it, to frames cut short.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "tk_csum.h"
#include "tk_frame.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static const uint8_t mac1[6] = {0x02, 0, 0, 0, 0, 0x01};
static const uint8_t mac2[6] = {0x02, 0, 0, 0, 0, 0x02};

/*
 * Generated with /usr/bin/python3 and scapy 2.5.0 (from scapy.all import *; pl(n) is
 * bytes((i * 7 + 3) & 0xff for i in range(n)), tk_payload()'s pattern; M1, M2 =
 * '02:00:00:00:00:01', '02:00:00:00:00:02'; bytes(frame).hex()):
 *
 * v4_dot1q_tcp_opts: Ether(dst=M1, src=M2) / Dot1Q(vlan=300) / IP(src='198.18.0.10',
 *   dst='198.19.255.254', id=0, flags=0, ttl=64, options=[IPOption_NOP()] * 4) /
 *   TCP(sport=40000, dport=443, seq=0xfffffff0, ack=0x80000001, flags='PA', window=0xfedc,
 *   options=[('NOP', None)] * 8) / Raw(pl(13))
 * v6_qinq_ext_tcp: Ether(dst=M1, src=M2) / Dot1AD(vlan=100) / Dot1Q(vlan=200) /
 *   IPv6(src='2001:db8::1', dst='2001:db8:ffff::fffe', hlim=64) /
 *   IPv6ExtHdrHopByHop(options=[Pad1()] * 6) / IPv6ExtHdrDestOpt(options=[Pad1()] * 14) /
 *   TCP(sport=51234, dport=80, seq=1, ack=0, flags='S', window=65535) / Raw(pl(5))
 * v4_udp: Ether(dst=M1, src=M2) / IP(src='198.18.255.255', dst='198.19.0.1', id=0, flags=0,
 *   ttl=64) / UDP(sport=65535, dport=53) / Raw(pl(33))
 * v6_frag_udp: Ether(dst=M1, src=M2) / IPv6(src='2001:db8::ffff', dst='2001:db8::2',
 *   hlim=64) / IPv6ExtHdrFragment(offset=0, m=0, id=0xdeadbeef) / UDP(sport=5353,
 *   dport=5353) / Raw(pl(20))
 * v4_icmp_echo: Ether(dst=M1, src=M2) / IP(src='198.18.1.1', dst='198.18.2.2', id=0,
 *   flags=0, ttl=64) / ICMP(type=8, code=0, id=0x4242, seq=7) / Raw(pl(56))
 * v6_icmp6_echo: Ether(dst=M1, src=M2) / Dot1Q(vlan=7) / IPv6(src='2001:db8:1::10',
 *   dst='2001:db8:2::20', hlim=64) / ICMPv6EchoReply(id=0x0bad, seq=1) / Raw(pl(16))
 * spec_v4_syn_df (zero padding to 60 bytes added by hand, as scapy's Ether does not pad):
 *   Ether(dst=M1, src=M2) / IP(src='198.18.0.10', dst='198.18.1.20', id=0, flags='DF',
 *   ttl=64) / TCP(sport=40000, dport=80, seq=0xffffffc0, ack=0, flags='S', window=0x2000)
 * spec_v6_qinq_udp: Ether(dst=M1, src=M2) / Dot1AD(vlan=4094) / Dot1Q(vlan=1) /
 *   IPv6(src='2001:db8::10', dst='2001:db8:1::20', hlim=64) / UDP(sport=40000, dport=53) /
 *   Raw(bytes(16))
 */
static const char kat_v4_dot1q_tcp_opts[] = /* 83 bytes */
	"0200000000010200000000028100012c080046000041000000004006eb86c612000ac613fffe010101019c40"
	"01bbfffffff0800000017018fedca6aa00000101010101010101030a11181f262d343b42495057";
static const char kat_v6_qinq_ext_tcp[] = /* 111 bytes */
	"02000000000102000000000288a80064810000c886dd600000000031004020010db800000000000000000000"
	"000120010db8ffff0000000000000000fffe3c0000000000000006010000000000000000000000000000c822"
	"005000000001000000005002ffff58d60000030a11181f";
static const char kat_v4_udp[] = /* 75 bytes */
	"02000000000102000000000208004500003d000000004011ee89c612ffffc6130001ffff00350029c908030a"
	"11181f262d343b424950575e656c737a81888f969da4abb2b9c0c7ced5dce3";
static const char kat_v6_frag_udp[] = /* 90 bytes */
	"02000000000102000000000286dd6000000000242c4020010db800000000000000000000ffff20010db80000"
	"0000000000000000000211000000deadbeef14e914e9001ce393030a11181f262d343b424950575e656c737a"
	"8188";
static const char kat_v4_icmp_echo[] = /* 98 bytes */
	"020000000001020000000002080045000054000000004001eb81c6120101c61202020800a9e642420007030a"
	"11181f262d343b424950575e656c737a81888f969da4abb2b9c0c7ced5dce3eaf1f8ff060d141b222930373e"
	"454c535a61686f767d84";
static const char kat_v6_icmp6_echo[] = /* 82 bytes */
	"0200000000010200000000028100000786dd6000000000183a4020010db80001000000000000000000102001"
	"0db8000200000000000000000020810075800bad0001030a11181f262d343b424950575e656c";
static const char kat_spec_v4_syn_df[] = /* 60 bytes */
	"020000000001020000000002080045000028000040004006ad8dc612000ac61201149c400050ffffffc00000"
	"000050022000664e0000000000000000";
static const char kat_spec_v6_qinq_udp[] = /* 86 bytes */
	"02000000000102000000000288a80ffe8100000186dd600000000018114020010db800000000000000000000"
	"001020010db80001000000000000000000209c400035001807a600000000000000000000000000000000";

#define DB8(...)                                                                                   \
	{                                                                                          \
		0x20, 0x01, 0x0d, 0xb8, __VA_ARGS__                                                \
	}

static const uint8_t a4_10[4] = {198, 18, 0, 10};
static const uint8_t a6_1[16] = DB8([15] = 0x01);

static uint32_t
unhex(const char *hex, uint8_t *out, size_t room)
{
	size_t n = strlen(hex) / 2;

	assert_true(n <= room);
	for (size_t i = 0; i < n; i++) {
		unsigned int v;

		assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
	return (uint32_t)n;
}

/* ---- the frames, header by header ---- */

static void
build_v4_dot1q_tcp_opts(struct tk_pkt *p)
{
	static const uint8_t dst[4] = {198, 19, 255, 254};

	tk_eth(p, mac1, mac2, 0x8100);
	tk_vlan(p, 300, 0x0800);
	tk_ipv4(p, a4_10, dst, 6, 4);
	tk_tcp(p, 40000, 443, 0xfffffff0, 0x80000001, 0x18, 0xfedc, 8);
	tk_payload(p, 13);
	tk_finish(p);
}

static void
build_v6_qinq_ext_tcp(struct tk_pkt *p)
{
	static const uint8_t dst[16] = DB8(0xff, 0xff, [14] = 0xff, 0xfe);

	tk_eth(p, mac1, mac2, 0x88a8);
	tk_vlan(p, 100, 0x8100);
	tk_vlan(p, 200, 0x86dd);
	tk_ipv6(p, a6_1, dst, 0);
	tk_ipv6_ext(p, 0, 60, 8);
	tk_ipv6_ext(p, 60, 6, 16);
	tk_tcp(p, 51234, 80, 1, 0, 0x02, 65535, 0);
	tk_payload(p, 5);
	tk_finish(p);
}

static void
build_v4_udp(struct tk_pkt *p)
{
	static const uint8_t src[4] = {198, 18, 255, 255}, dst[4] = {198, 19, 0, 1};

	tk_eth(p, mac1, mac2, 0x0800);
	tk_ipv4(p, src, dst, 17, 0);
	tk_udp(p, 65535, 53);
	tk_payload(p, 33);
	tk_finish(p);
}

static void
build_v6_frag_udp(struct tk_pkt *p)
{
	static const uint8_t src[16] = DB8([14] = 0xff, 0xff), dst[16] = DB8([15] = 2);

	tk_eth(p, mac1, mac2, 0x86dd);
	tk_ipv6(p, src, dst, 44);
	tk_ipv6_frag(p, 17, 0, false);
	tk_udp(p, 5353, 5353);
	tk_payload(p, 20);
	tk_finish(p);
}

static void
build_v4_icmp_echo(struct tk_pkt *p)
{
	static const uint8_t src[4] = {198, 18, 1, 1}, dst[4] = {198, 18, 2, 2};

	tk_eth(p, mac1, mac2, 0x0800);
	tk_ipv4(p, src, dst, 1, 0);
	tk_icmp(p, 8, 0, 0x4242, 7);
	tk_payload(p, 56);
	tk_finish(p);
}

static void
build_v6_icmp6_echo(struct tk_pkt *p)
{
	static const uint8_t src[16] = DB8(0, 1, [15] = 0x10), dst[16] = DB8(0, 2, [15] = 0x20);

	tk_eth(p, mac1, mac2, 0x8100);
	tk_vlan(p, 7, 0x86dd);
	tk_ipv6(p, src, dst, 58);
	tk_icmp(p, 129, 0, 0x0bad, 1);
	tk_payload(p, 16);
	tk_finish(p);
}

/* ---- the same through tk_build() ---- */

static const uint8_t a4_20[4] = {198, 18, 1, 20};
static const uint8_t a6_10[16] = DB8([15] = 0x10), a6_20[16] = DB8(0, 1, [15] = 0x20);

static const struct tk_spec spec_v4_syn_df = {
	.dst_mac = mac1,
	.src_mac = mac2,
	.family = 4,
	.src = a4_10,
	.dst = a4_20,
	.ip_frag = TK_IP4_DF,
	.proto = 6,
	.sport = 40000,
	.dport = 80,
	.tcp_flags = 0x02,
	.seq = 0xffffffc0,
	.win = 0x2000,
};

static const struct tk_spec spec_v6_qinq_udp = {
	.dst_mac = mac1,
	.src_mac = mac2,
	.n_vlan = 2,
	.tpid = {0x88a8, 0x8100},
	.tci = {4094, 1},
	.family = 6,
	.src = a6_10,
	.dst = a6_20,
	.proto = 17,
	.sport = 40000,
	.dport = 53,
	.payload_len = 16,
};

struct kat {
	const char *name;
	const char *hex;
	void (*build)(struct tk_pkt *p); /* or: */
	const struct tk_spec *spec;
	uint16_t l4;		     /* where the L4 header starts, counted by hand */
	uint16_t csum_at;	     /* where its checksum is in it */
	enum tk_csum_status l4_zero; /* what the verifier says with that zeroed */
};

static const struct kat kats[] = {
	/* 18 + IPv4 with 4 option bytes */
	{"v4_dot1q_tcp_opts", kat_v4_dot1q_tcp_opts, build_v4_dot1q_tcp_opts, NULL, 42, 16,
	 TK_CSUM_BAD_L4},
	/* 22 + IPv6 + hop-by-hop 8 + destination options 16 */
	{"v6_qinq_ext_tcp", kat_v6_qinq_ext_tcp, build_v6_qinq_ext_tcp, NULL, 86, 16,
	 TK_CSUM_BAD_L4},
	{"v4_udp", kat_v4_udp, build_v4_udp, NULL, 14 + 20, 6, TK_CSUM_UDP_NONE},
	{"v6_frag_udp", kat_v6_frag_udp, build_v6_frag_udp, NULL, 14 + 40 + 8, 6, TK_CSUM_BAD_L4},
	{"v4_icmp_echo", kat_v4_icmp_echo, build_v4_icmp_echo, NULL, 14 + 20, 2, TK_CSUM_BAD_L4},
	{"v6_icmp6_echo", kat_v6_icmp6_echo, build_v6_icmp6_echo, NULL, 18 + 40, 2, TK_CSUM_BAD_L4},
	{"spec_v4_syn_df", kat_spec_v4_syn_df, NULL, &spec_v4_syn_df, 14 + 20, 16, TK_CSUM_BAD_L4},
	{"spec_v6_qinq_udp", kat_spec_v6_qinq_udp, NULL, &spec_v6_qinq_udp, 22 + 40, 6,
	 TK_CSUM_BAD_L4},
};

/* The kit's frame for @p k, in @p f; returns its length. */
static uint32_t
kat_build(const struct kat *k, uint8_t *f, size_t room)
{
	struct tk_pkt p;

	if (k->spec != NULL)
		return tk_build(f, (uint32_t)room, k->spec);
	k->build(&p);
	assert_false(p.overflow);
	assert_true(p.len <= room);
	memcpy(f, p.b, p.len);
	return p.len;
}

/* Offsets of the IP header and the end of the datagram, read from the frame. */
static void
datagram(const uint8_t *f, uint32_t *l3, uint32_t *end)
{
	uint32_t off = 12;

	while (tk_rd16(f + off) == 0x8100 || tk_rd16(f + off) == 0x88a8)
		off += 4;
	*l3 = off + 2;
	if (tk_rd16(f + off) == 0x0800)
		*end = *l3 + tk_rd16(f + *l3 + 2);
	else
		*end = *l3 + 40 + tk_rd16(f + *l3 + 4);
}

/* The builder writes scapy's bytes; the verifier accepts scapy's bytes. */
static void
test_known_answer(void **state)
{
	const struct kat *k = *state;
	uint8_t want[256], got[256];
	uint32_t n = unhex(k->hex, want, sizeof(want)), len;

	assert_int_equal(tk_csum_frame(want, n), TK_CSUM_OK);
	len = kat_build(k, got, sizeof(got));
	assert_int_equal(len, n);
	assert_memory_equal(got, want, n);
	assert_int_equal(tk_csum_frame(got, len), TK_CSUM_OK);
}

/*
 * Whether bit @p bit of byte @p i is under a checksum: the IPv4 header, the L4 segment, and
 * what of an IPv6 header the pseudo-header holds (addresses, payload length) or makes it
 * IPv6 (version). Not: traffic class, flow label, hop limit, and next header and extension
 * headers, which only move where the segment is (a fragment header whose next header turns
 * 44 into 60 is a destination options header, and the frame is right).
 */
static bool
covered(const struct kat *k, const uint8_t *f, uint32_t l3, uint32_t i, unsigned int bit)
{
	uint32_t o = i - l3;

	if (i >= k->l4)
		return true;
	if (i < l3)
		return false;
	if (f[l3] >> 4 == 4)
		return true;
	return (o == 0 && bit >= 4) || o == 4 || o == 5 || (o >= 8 && o < 40);
}

/* Every single-bit error under a checksum is caught; bits outside the datagram are not. */
static void
test_every_bit_flip_detected(void **state)
{
	const struct kat *k = *state;
	uint8_t f[256];
	uint32_t n = unhex(k->hex, f, sizeof(f)), l3, end;

	datagram(f, &l3, &end);
	assert_true(end <= n);
	for (uint32_t i = 0; i < n; i++) {
		for (unsigned int bit = 0; bit < 8; bit++) {
			enum tk_csum_status st;

			f[i] ^= (uint8_t)(1u << bit);
			st = tk_csum_frame(f, n);
			f[i] ^= (uint8_t)(1u << bit);
			if (i < end && covered(k, f, l3, i, bit) && st == TK_CSUM_OK)
				fail_msg("%s: bit %u of byte %u flipped, verifier says ok", k->name,
					 bit, i);
			/* MACs, padding: no checksum covers them. */
			if ((i < 12 || i >= end) && st != TK_CSUM_OK)
				fail_msg("%s: bit %u of byte %u flipped outside the datagram: %s",
					 k->name, bit, i, tk_csum_status_name(st));
		}
	}
}

/* TK_BREAK_* writes wrong checksums, each reported as what it is. */
static void
test_break_on_request(void **state)
{
	const struct kat *k = *state;
	struct tk_spec s;
	struct tk_pkt p;
	uint8_t f[256];
	uint32_t len;

	if (k->spec != NULL) {
		s = *k->spec;
		s.csum_break = TK_BREAK_L4;
		len = tk_build(f, sizeof(f), &s);
		assert_int_not_equal(len, 0);
		assert_int_equal(tk_csum_frame(f, len), TK_CSUM_BAD_L4);
		s.csum_break = TK_BREAK_IP4 | TK_BREAK_L4;
		len = tk_build(f, sizeof(f), &s);
		assert_int_equal(tk_csum_frame(f, len),
				 s.family == 4 ? TK_CSUM_BAD_IP4 : TK_CSUM_BAD_L4);
		return;
	}
	k->build(&p);
	p.csum_break = TK_BREAK_L4;
	tk_finish(&p);
	assert_int_equal(tk_csum_frame(p.b, p.len), TK_CSUM_BAD_L4);
	if (p.ip4) {
		p.csum_break = TK_BREAK_IP4;
		tk_finish(&p);
		assert_int_equal(tk_csum_frame(p.b, p.len), TK_CSUM_BAD_IP4);
	}
	p.csum_break = 0;
	tk_finish(&p);
	assert_int_equal(tk_csum_frame(p.b, p.len), TK_CSUM_OK);
}

/* A zero L4 checksum: "none" for IPv4 UDP only (RFC 768, RFC 8200 8.1), wrong elsewhere. */
static void
test_zero_l4_checksum(void **state)
{
	const struct kat *k = *state;
	uint8_t f[256];
	uint32_t n = unhex(k->hex, f, sizeof(f));

	assert_true(k->l4 + k->csum_at + 2u <= n);
	assert_int_not_equal(tk_rd16(f + k->l4 + k->csum_at), 0);
	tk_wr16(f + k->l4 + k->csum_at, 0);
	assert_int_equal(tk_csum_frame(f, n), k->l4_zero);
}

static void
test_rfc1071_sum(void **state)
{
	/* RFC 1071 section 3: these eight bytes sum to ddf2. */
	static const uint8_t rfc[8] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
	static const uint8_t odd[3] = {0x12, 0x34, 0x56};
	/* 0x1ffff: the first fold gives 0x10000, which needs a second one. */
	static const uint8_t carry[6] = {0xff, 0xff, 0xff, 0xff, 0x00, 0x01};

	(void)state;
	assert_int_equal(tk_csum_sum(rfc, sizeof(rfc)), 0xddf2);
	assert_int_equal(tk_csum_sum(odd, sizeof(odd)), 0x1234 + 0x5600);
	assert_int_equal(tk_csum_sum(carry, sizeof(carry)), 0x0001); /* end-around carry */
	assert_int_equal(tk_csum_sum(odd, 0), 0);
}

/* tk_csum_l4_sum() takes the addresses it is given: the wrong ones do not verify. */
static void
test_l4_sum_explicit_addresses(void **state)
{
	uint8_t f[256];
	uint32_t n = unhex(kat_v4_dot1q_tcp_opts, f, sizeof(f));
	const uint8_t *ip = f + 18, *tcp = ip + 24;
	uint8_t wrong[4];

	(void)state;
	assert_int_equal(tk_csum_l4_sum(4, ip + 12, ip + 16, 6, tcp, n - 18 - 24), 0xffff);
	memcpy(wrong, ip + 12, 4);
	wrong[3] ^= 1;
	assert_int_not_equal(tk_csum_l4_sum(4, wrong, ip + 16, 6, tcp, n - 18 - 24), 0xffff);
	assert_int_not_equal(tk_csum_l4_sum(4, ip + 12, ip + 16, 17, tcp, n - 18 - 24), 0xffff);
	assert_int_not_equal(tk_csum_l4_sum(4, ip + 12, ip + 16, 6, tcp, n - 18 - 24 - 1), 0xffff);

	n = unhex(kat_v6_icmp6_echo, f, sizeof(f));
	ip = f + 18;
	assert_int_equal(tk_csum_l4_sum(6, ip + 8, ip + 24, 58, ip + 40, n - 18 - 40), 0xffff);
	assert_int_not_equal(tk_csum_l4_sum(6, ip + 8, ip + 24, 17, ip + 40, n - 18 - 40), 0xffff);
}

/* Every cut of a frame inside its datagram is malformed, never ok and never a crash. */
static void
test_cut_frames(void **state)
{
	const struct kat *k = *state;
	uint8_t f[256];
	uint32_t n = unhex(k->hex, f, sizeof(f)), l3, end;

	datagram(f, &l3, &end);
	for (uint32_t len = 0; len < end; len++) {
		enum tk_csum_status st = tk_csum_frame(f, len);

		if (st != TK_CSUM_MALFORMED)
			fail_msg("%s cut to %u bytes: %s", k->name, len, tk_csum_status_name(st));
	}
	assert_int_equal(tk_csum_frame(f, n), TK_CSUM_OK);
	assert_int_equal(tk_csum_frame(NULL, 0), TK_CSUM_MALFORMED);
}

/* Nothing to check past the IP header: fragments, other protocols, non-IP. */
static void
test_no_l4(void **state)
{
	struct tk_pkt p;

	(void)state;
	tk_eth(&p, mac1, mac2, 0x0800);
	tk_ipv4(&p, a4_10, a4_20, 6, 0);
	tk_tcp(&p, 1, 2, 3, 4, 0x10, 5, 0);
	tk_ipv4_frag(&p, TK_IP4_MF);
	tk_finish(&p);
	assert_int_equal(tk_csum_frame(p.b, p.len), TK_CSUM_NO_L4);
	p.b[14 + 10] ^= 1;
	assert_int_equal(tk_csum_frame(p.b, p.len), TK_CSUM_BAD_IP4);

	tk_eth(&p, mac1, mac2, 0x86dd);
	tk_ipv6(&p, a6_10, a6_20, 44);
	tk_ipv6_frag(&p, 17, 100, false);
	tk_udp(&p, 1, 2);
	tk_finish(&p);
	assert_int_equal(tk_csum_frame(p.b, p.len), TK_CSUM_NO_L4);

	tk_eth(&p, mac1, mac2, 0x0800);
	tk_ipv4(&p, a4_10, a4_20, 47, 0);
	tk_payload(&p, 4);
	tk_finish(&p);
	assert_int_equal(tk_csum_frame(p.b, p.len), TK_CSUM_NO_L4);

	/* IPv6 with nothing after it: right for no next header (59), wrong for anything else. */
	tk_eth(&p, mac1, mac2, 0x86dd);
	tk_ipv6(&p, a6_10, a6_20, 59);
	tk_finish(&p);
	tk_pad(&p, 60, 0);
	assert_int_equal(tk_csum_frame(p.b, p.len), TK_CSUM_NO_L4);
	p.b[14 + 6] = 6;
	assert_int_equal(tk_csum_frame(p.b, p.len), TK_CSUM_MALFORMED);

	tk_eth(&p, mac1, mac2, 0x0806);
	tk_payload(&p, 28);
	assert_int_equal(tk_csum_frame(p.b, p.len), TK_CSUM_MALFORMED);
	assert_string_equal(tk_csum_status_name(TK_CSUM_OK), "ok");
	assert_string_equal(tk_csum_status_name(TK_CSUM_STATUS_COUNT), "unknown");
}

/* A frame that does not fit is refused, never written past its buffer. */
static void
test_overflow(void **state)
{
	struct tk_spec s = spec_v4_syn_df;
	uint8_t f[64];
	struct tk_pkt p;

	(void)state;
	tk_eth(&p, NULL, NULL, 0x0800);
	assert_non_null(tk_put(&p, TK_PKT_MAX - 14));
	assert_false(p.overflow);
	assert_null(tk_put(&p, 1));
	assert_true(p.overflow);
	assert_null(tk_tcp(&p, 1, 2, 3, 4, 5, 6, 0));
	assert_int_equal(tk_finish(&p), 0);
	tk_eth(&p, NULL, NULL, 0x0800);
	assert_false(p.overflow);
	assert_null(tk_ipv4(&p, a4_10, a4_20, 6, 3)); /* not a multiple of 4 */
	assert_int_equal(tk_finish(&p), 0);

	memset(f, 0xa5, sizeof(f));
	assert_int_equal(tk_build(f, 59, &s), 0);
	for (size_t i = 0; i < sizeof(f); i++)
		assert_int_equal(f[i], 0xa5);
	assert_int_equal(tk_build(f, 60, &s), 60);
	s.family = 5;
	assert_int_equal(tk_build(f, sizeof(f), &s), 0);
	s.family = 4;
	s.n_vlan = 3;
	assert_int_equal(tk_build(f, sizeof(f), &s), 0);
}

/*
 * Every value of one address word and the port: all sum residues occur, so an end-around
 * carry that the builder or the verifier forgot shows up somewhere.
 */
static void
test_sweep(void **state)
{
	uint8_t src[16] = DB8([15] = 1), f[128];
	struct tk_spec s = spec_v6_qinq_udp;

	(void)state;
	s.src = src;
	for (uint32_t i = 0; i <= 0xffff; i++) {
		uint32_t len;

		src[14] = (uint8_t)(i >> 8);
		src[15] = (uint8_t)i;
		s.sport = (uint16_t)(i * 7);
		len = tk_build(f, sizeof(f), &s);
		if (tk_csum_frame(f, len) != TK_CSUM_OK)
			fail_msg("UDP over IPv6 at i=%u: %s", i,
				 tk_csum_status_name(tk_csum_frame(f, len)));
		if (tk_rd16(f + len - 16 - 8 + 6) == 0)
			fail_msg("UDP checksum 0 written at i=%u", i);
	}
}

static void (*const kat_tests[])(void **) = {
	test_known_answer,     test_every_bit_flip_detected,
	test_break_on_request, test_zero_l4_checksum,
	test_cut_frames,
};
static const char *const kat_test_names[] = {
	"known_answer", "every_bit_flip_detected", "break_on_request", "zero_l4_checksum",
	"cut_frames",
};

int
main(void)
{
	static const struct CMUnitTest other[] = {
		cmocka_unit_test(test_rfc1071_sum),
		cmocka_unit_test(test_l4_sum_explicit_addresses),
		cmocka_unit_test(test_no_l4),
		cmocka_unit_test(test_overflow),
		cmocka_unit_test(test_sweep),
	};
	static struct CMUnitTest tests[ARRAY_LEN(kat_tests) * ARRAY_LEN(kats) + ARRAY_LEN(other)];
	static char names[ARRAY_LEN(kat_tests) * ARRAY_LEN(kats)][64];
	size_t n = 0;

	/* Each frame under each test, by name: test_known_answer_v4_udp and so on. */
	for (size_t t = 0; t < ARRAY_LEN(kat_tests); t++) {
		for (size_t k = 0; k < ARRAY_LEN(kats); k++, n++) {
			snprintf(names[n], sizeof(names[n]), "test_%s_%s", kat_test_names[t],
				 kats[k].name);
			tests[n] = (struct CMUnitTest){.name = names[n],
						       .test_func = kat_tests[t],
						       .initial_state = (void *)&kats[k]};
		}
	}
	for (size_t i = 0; i < ARRAY_LEN(other); i++)
		tests[n++] = other[i];
	return _cmocka_run_group_tests("testkit", tests, n, NULL, NULL);
}
