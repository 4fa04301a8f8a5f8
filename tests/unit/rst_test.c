/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rst_build() tests. Every field is read back at the offset the wire format puts it, and the
 * checksums are verified by the test kit's independent RFC 1071 sums (tests/lib/tk_csum.h)
 * over a pseudo-header assembled from the parameters (not from the frame), so a builder that
 * summed the wrong bytes or wrote an address to the wrong place fails; tk_csum_frame() checks
 * the whole frame again with its own header walk. Two known-answer frames produced by scapy
 * pin the whole byte layout independently of this file's reading of the RFCs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "parse.h"
#include "rst.h"
#include "tk_csum.h"
#include "tk_frame.h"

/* Filler that rst_build() never writes: shows both padding and the absence of overruns. */
#define POISON 0xa5

static const uint8_t dst_mac[6] = {0x02, 0x11, 0x22, 0x33, 0x44, 0x55};
static const uint8_t src_mac[6] = {0x0a, 0xbb, 0xcc, 0xdd, 0xee, 0xff};
/* High bytes everywhere so that the checksum sums carry. */
static const uint8_t v4_src[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 198, 51, 100, 255};
static const uint8_t v4_dst[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 203, 0, 113, 7};
static const uint8_t v6_src[16] = {0x20, 0x01, 0x0d, 0xb8, 0xff, 0xff, 0, 0,
				   0,	 0,    0,    0,	   0,	 0,    0, 1};
static const uint8_t v6_dst[16] = {0x20, 0x01, 0x0d, 0xb8, 0,	 0,    0,    0,
				   0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe};

static void
fill_params(struct rst_params *p, uint8_t family, uint8_t n_vlan, uint8_t flags)
{
	memset(p, 0, sizeof(*p));
	memcpy(p->dst_mac, dst_mac, 6);
	memcpy(p->src_mac, src_mac, 6);
	p->n_vlan = n_vlan;
	if (n_vlan == 1) {
		p->tpid[0] = 0x8100;
		p->vlan[0] = 300;
	} else if (n_vlan == 2) {
		p->tpid[0] = 0x88a8;
		p->vlan[0] = 4094;
		p->tpid[1] = 0x8100;
		p->vlan[1] = 1;
	}
	p->family = family;
	memcpy(p->src, family == 4 ? v4_src : v6_src, 16);
	memcpy(p->dst, family == 4 ? v4_dst : v6_dst, 16);
	p->sport = 65535;
	p->dport = 80;
	p->seq = 0xfffffffe;
	p->ack = 0x80000001;
	p->tcp_flags = flags;
}

/*
 * The one's-complement sum of the frame's segment under a pseudo-header built from @p p
 * (not from the frame): 0xffff when the checksum is right and the addresses are @p p's.
 */
static uint16_t
tcp_sum(const struct rst_params *p, const uint8_t *tcp)
{
	size_t a = p->family == 4 ? 12 : 0; /* IPv4: the last 4 bytes of the v4-mapped form */

	return tk_csum_l4_sum(p->family, p->src + a, p->dst + a, 6, tcp, 20);
}

static void
check_frame(uint8_t family, uint8_t n_vlan, uint8_t flags)
{
	struct rst_params p;
	uint8_t frame[128];
	size_t l2 = 14 + 4u * n_vlan, hdr_len, want_len, i;
	const uint8_t *ip = frame + l2, *tcp;
	uint16_t len;

	fill_params(&p, family, n_vlan, flags);
	memset(frame, POISON, sizeof(frame));
	len = rst_build(frame, sizeof(frame), &p);

	hdr_len = l2 + (family == 4 ? 20 : 40) + 20;
	want_len = hdr_len < 60 ? 60 : hdr_len;
	assert_int_equal(len, want_len);

	assert_memory_equal(frame, dst_mac, 6);
	assert_memory_equal(frame + 6, src_mac, 6);
	for (i = 0; i < n_vlan; i++) {
		assert_int_equal(tk_rd16(frame + 12 + 4 * i), p.tpid[i]);
		/* TCI: PCP 0, DEI 0, VLAN ID. */
		assert_int_equal(tk_rd16(frame + 14 + 4 * i), p.vlan[i]);
	}
	assert_int_equal(tk_rd16(frame + l2 - 2), family == 4 ? 0x0800 : 0x86dd);

	if (family == 4) {
		assert_int_equal(ip[0], 0x45);
		assert_int_equal(ip[1], 0);		   /* TOS */
		assert_int_equal(tk_rd16(ip + 2), 40);	   /* total length */
		assert_int_equal(tk_rd16(ip + 4), 0);	   /* ID */
		assert_int_equal(tk_rd16(ip + 6), 0x4000); /* DF, offset 0 */
		assert_int_equal(ip[8], 64);
		assert_int_equal(ip[9], 6);
		assert_memory_equal(ip + 12, v4_src + 12, 4);
		assert_memory_equal(ip + 16, v4_dst + 12, 4);
		assert_int_equal(tk_csum_sum(ip, 20), 0xffff);
		tcp = ip + 20;
	} else {
		assert_int_equal(tk_rd32(ip), 0x60000000); /* version, class, flow label */
		assert_int_equal(tk_rd16(ip + 4), 20);	   /* payload length */
		assert_int_equal(ip[6], 6);
		assert_int_equal(ip[7], 64);
		assert_memory_equal(ip + 8, v6_src, 16);
		assert_memory_equal(ip + 24, v6_dst, 16);
		tcp = ip + 40;
	}

	assert_int_equal(tk_rd16(tcp), 65535);
	assert_int_equal(tk_rd16(tcp + 2), 80);
	assert_int_equal(tk_rd32(tcp + 4), 0xfffffffe);
	assert_int_equal(tk_rd32(tcp + 8), 0x80000001);
	assert_int_equal(tcp[12], 0x50); /* data offset 5, reserved 0 */
	assert_int_equal(tcp[13], flags);
	assert_int_equal(tk_rd16(tcp + 14), 0); /* window */
	assert_int_equal(tk_rd16(tcp + 18), 0); /* urgent pointer */
	assert_int_equal(tcp_sum(&p, tcp), 0xffff);

	assert_int_equal(tk_csum_frame(frame, len), TK_CSUM_OK);

	for (i = hdr_len; i < want_len; i++)
		assert_int_equal(frame[i], 0);
	for (i = want_len; i < sizeof(frame); i++)
		assert_int_equal(frame[i], POISON);
}

#define FRAME_CASE(name, family, n_vlan, flags)                                                    \
	static void name(void **state)                                                             \
	{                                                                                          \
		(void)state;                                                                       \
		check_frame(family, n_vlan, flags);                                                \
	}

FRAME_CASE(test_v4_untagged_rst, 4, 0, PARSE_TCP_RST)
FRAME_CASE(test_v4_untagged_rst_ack, 4, 0, PARSE_TCP_RST | PARSE_TCP_ACK)
FRAME_CASE(test_v4_dot1q_rst, 4, 1, PARSE_TCP_RST)
FRAME_CASE(test_v4_dot1q_rst_ack, 4, 1, PARSE_TCP_RST | PARSE_TCP_ACK)
FRAME_CASE(test_v4_qinq_rst, 4, 2, PARSE_TCP_RST)
FRAME_CASE(test_v4_qinq_rst_ack, 4, 2, PARSE_TCP_RST | PARSE_TCP_ACK)
FRAME_CASE(test_v6_untagged_rst, 6, 0, PARSE_TCP_RST)
FRAME_CASE(test_v6_untagged_rst_ack, 6, 0, PARSE_TCP_RST | PARSE_TCP_ACK)
FRAME_CASE(test_v6_dot1q_rst, 6, 1, PARSE_TCP_RST)
FRAME_CASE(test_v6_dot1q_rst_ack, 6, 1, PARSE_TCP_RST | PARSE_TCP_ACK)
FRAME_CASE(test_v6_qinq_rst, 6, 2, PARSE_TCP_RST)
FRAME_CASE(test_v6_qinq_rst_ack, 6, 2, PARSE_TCP_RST | PARSE_TCP_ACK)

/* The verifiers themselves must be able to say no, or the checksum assertions prove nothing. */
static void
test_checksum_verifier_detects_corruption(void **state)
{
	struct rst_params p;
	uint8_t frame[RST_FRAME_MAX];
	uint8_t *ip = frame + 14, *tcp = ip + 20;

	(void)state;
	fill_params(&p, 4, 0, PARSE_TCP_RST);
	assert_int_equal(rst_build(frame, sizeof(frame), &p), 60);
	assert_int_equal(tk_csum_sum(ip, 20), 0xffff);
	assert_int_equal(tcp_sum(&p, tcp), 0xffff);

	ip[8]--; /* TTL */
	assert_int_not_equal(tk_csum_sum(ip, 20), 0xffff);
	tcp[4] ^= 0x01; /* seq */
	assert_int_not_equal(tcp_sum(&p, tcp), 0xffff);
	tcp[4] ^= 0x01;
	p.src[15] ^= 0x01; /* the pseudo-header no longer matches what was summed */
	assert_int_not_equal(tcp_sum(&p, tcp), 0xffff);
}

/*
 * Sweep one 16-bit word of the addresses and both of the sequence number through all
 * values, so that every sum residue occurs and any carry the builder forgets to fold back
 * in shows up (the fixed cases above may never hit the end-around carry).
 */
static void
test_checksum_sweep(void **state)
{
	static const uint8_t families[2] = {4, 6};
	struct rst_params p;
	uint8_t frame[RST_FRAME_MAX];
	uint32_t i;
	size_t f;

	(void)state;
	for (f = 0; f < 2; f++) {
		const uint8_t *ip = frame + 14 + 4;
		const uint8_t *tcp = ip + (families[f] == 4 ? 20 : 40);

		fill_params(&p, families[f], 1, PARSE_TCP_RST | PARSE_TCP_ACK);
		for (i = 0; i <= 0xffff; i++) {
			p.src[14] = (uint8_t)(i >> 8);
			p.src[15] = (uint8_t)i;
			p.seq = i * 0x10001u;
			assert_int_not_equal(rst_build(frame, sizeof(frame), &p), 0);
			if (families[f] == 4 && tk_csum_sum(ip, 20) != 0xffff)
				fail_msg("IPv4 header checksum wrong at i=%u", i);
			if (tcp_sum(&p, tcp) != 0xffff)
				fail_msg("IPv%u TCP checksum wrong at i=%u", families[f], i);
		}
	}
}

/*
 * The same for the IPv4 untagged frame without payload, which rst_build() writes from a
 * template of its own (every RST of an untagged IPv4 storm): all the words it sums move.
 */
static void
test_checksum_sweep_v4_untagged(void **state)
{
	struct rst_params p;
	uint8_t frame[RST_FRAME_MAX];
	const uint8_t *ip = frame + 14, *tcp = ip + 20;
	uint32_t i;

	(void)state;
	fill_params(&p, 4, 0, PARSE_TCP_RST | PARSE_TCP_ACK);
	/* First as above (every residue, so the end-around carry), then every field moving. */
	for (i = 0; i <= 0x1ffff; i++) {
		p.src[14] = (uint8_t)(i >> 8);
		p.src[15] = (uint8_t)i;
		p.seq = (i & 0xffff) * 0x10001u;
		if (i > 0xffff) {
			p.dst[12] = (uint8_t)~i;
			p.dst[13] = (uint8_t)(i * 7);
			p.sport = (uint16_t)(i * 31);
			p.dport = (uint16_t)~i;
			p.ack = ~p.seq ^ i;
			p.tcp_flags = (i & 1) ? PARSE_TCP_RST : PARSE_TCP_RST | PARSE_TCP_ACK;
		}
		memset(frame, POISON, sizeof(frame));
		assert_int_equal(rst_build(frame, sizeof(frame), &p), 60);
		if (tk_csum_sum(ip, 20) != 0xffff)
			fail_msg("IPv4 header checksum wrong at i=%u", i);
		if (tcp_sum(&p, tcp) != 0xffff)
			fail_msg("TCP checksum wrong at i=%u", i);
		if (tk_csum_frame(frame, 60) != TK_CSUM_OK || tk_rd16(tcp) != p.sport ||
		    tk_rd16(tcp + 2) != p.dport || tk_rd32(tcp + 4) != p.seq ||
		    tk_rd32(tcp + 8) != p.ack || tcp[13] != p.tcp_flags ||
		    memcmp(ip + 12, p.src + 12, 4) != 0 || memcmp(ip + 16, p.dst + 12, 4) != 0 ||
		    frame[60] != POISON)
			fail_msg("IPv4 untagged frame wrong at i=%u", i);
	}
}

static void
test_room(void **state)
{
	struct rst_params p;
	uint8_t frame[RST_FRAME_MAX];

	(void)state;
	/* IPv4 untagged is 54 bytes of headers but needs 60 with padding. */
	fill_params(&p, 4, 0, PARSE_TCP_RST);
	assert_int_equal(rst_build(frame, 54, &p), 0);
	assert_int_equal(rst_build(frame, 59, &p), 0);
	assert_int_equal(rst_build(frame, 60, &p), 60);
	assert_int_equal(rst_build(frame, 0, &p), 0);

	fill_params(&p, 4, 2, PARSE_TCP_RST);
	assert_int_equal(rst_build(frame, 61, &p), 0);
	assert_int_equal(rst_build(frame, 62, &p), 62);

	fill_params(&p, 6, 0, PARSE_TCP_RST);
	assert_int_equal(rst_build(frame, 73, &p), 0);
	assert_int_equal(rst_build(frame, 74, &p), 74);

	fill_params(&p, 6, 2, PARSE_TCP_RST);
	assert_int_equal(rst_build(frame, RST_FRAME_MAX - 1, &p), 0);
	assert_int_equal(rst_build(frame, RST_FRAME_MAX, &p), RST_FRAME_MAX);
}

static void
test_bad_params(void **state)
{
	static const uint8_t bad_families[] = {0, 1, 5, 10, 41, 255};
	struct rst_params p;
	uint8_t frame[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad_families); i++) {
		fill_params(&p, 4, 0, PARSE_TCP_RST);
		p.family = bad_families[i];
		assert_int_equal(rst_build(frame, sizeof(frame), &p), 0);
	}
	fill_params(&p, 4, 3, PARSE_TCP_RST);
	assert_int_equal(rst_build(frame, sizeof(frame), &p), 0);
	fill_params(&p, 6, 255, PARSE_TCP_RST);
	assert_int_equal(rst_build(frame, sizeof(frame), &p), 0);
}

/*
 * Generated with /usr/bin/python3 and scapy 2.5.0 (zero padding appended to 60 bytes by hand,
 * as scapy's Ether does not pad; rows of 12 bytes as dumped, kept out of clang-format):
 *   Ether(dst='02:00:00:00:00:01', src='02:00:00:00:00:02') / Dot1Q(vlan=300) /
 *   IP(src='198.18.1.10', dst='10.0.0.1', id=0, flags='DF', ttl=64) /
 *   TCP(sport=443, dport=51234, seq=0x89abcdef, ack=0x01234567, flags='RA', window=0)
 */
/* clang-format off */
static const uint8_t kat_v4_dot1q[60] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x02,
	0x81, 0x00, 0x01, 0x2c, 0x08, 0x00, 0x45, 0x00, 0x00, 0x28, 0x00, 0x00,
	0x40, 0x00, 0x40, 0x06, 0x69, 0xb3, 0xc6, 0x12, 0x01, 0x0a, 0x0a, 0x00,
	0x00, 0x01, 0x01, 0xbb, 0xc8, 0x22, 0x89, 0xab, 0xcd, 0xef, 0x01, 0x23,
	0x45, 0x67, 0x50, 0x14, 0x00, 0x00, 0x76, 0xb0, 0x00, 0x00, 0x00, 0x00,
};
/* clang-format on */

/*
 * Generated with /usr/bin/python3 and scapy 2.5.0 (rows of 12 bytes as dumped):
 *   Ether(dst='02:00:00:00:00:01', src='02:00:00:00:00:02') / Dot1AD(vlan=100) /
 *   Dot1Q(vlan=200) / IPv6(src='2001:db8::1', dst='2001:db8:ffff::fffe', hlim=64) /
 *   TCP(sport=51234, dport=443, seq=0xfffffffe, ack=0x80000000, flags='R', window=0)
 */
/* clang-format off */
static const uint8_t kat_v6_qinq[82] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x02,
	0x88, 0xa8, 0x00, 0x64, 0x81, 0x00, 0x00, 0xc8, 0x86, 0xdd, 0x60, 0x00,
	0x00, 0x00, 0x00, 0x14, 0x06, 0x40, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x20, 0x01,
	0x0d, 0xb8, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0xff, 0xfe, 0xc8, 0x22, 0x01, 0xbb, 0xff, 0xff, 0xff, 0xfe, 0x80, 0x00,
	0x00, 0x00, 0x50, 0x04, 0x00, 0x00, 0x0a, 0x92, 0x00, 0x00,
};
/* clang-format on */

static void
kat_params(struct rst_params *p)
{
	static const uint8_t mac1[6] = {0x02, 0, 0, 0, 0, 0x01};
	static const uint8_t mac2[6] = {0x02, 0, 0, 0, 0, 0x02};

	memset(p, 0, sizeof(*p));
	memcpy(p->dst_mac, mac1, 6);
	memcpy(p->src_mac, mac2, 6);
}

static void
test_known_answer_v4_dot1q(void **state)
{
	static const uint8_t src[16] = {[10] = 0xff, [11] = 0xff, 198, 18, 1, 10};
	static const uint8_t dst[16] = {[10] = 0xff, [11] = 0xff, 10, 0, 0, 1};
	struct rst_params p;
	uint8_t frame[RST_FRAME_MAX];

	(void)state;
	kat_params(&p);
	p.n_vlan = 1;
	p.tpid[0] = 0x8100;
	p.vlan[0] = 300;
	p.family = 4;
	memcpy(p.src, src, 16);
	memcpy(p.dst, dst, 16);
	p.sport = 443;
	p.dport = 51234;
	p.seq = 0x89abcdef;
	p.ack = 0x01234567;
	p.tcp_flags = PARSE_TCP_RST | PARSE_TCP_ACK;
	memset(frame, POISON, sizeof(frame));
	assert_int_equal(rst_build(frame, sizeof(frame), &p), sizeof(kat_v4_dot1q));
	assert_memory_equal(frame, kat_v4_dot1q, sizeof(kat_v4_dot1q));
}

static void
test_known_answer_v6_qinq(void **state)
{
	static const uint8_t src[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 0x01};
	static const uint8_t dst[16] = {0x20, 0x01, 0x0d, 0xb8, 0xff, 0xff, [14] = 0xff, 0xfe};
	struct rst_params p;
	uint8_t frame[RST_FRAME_MAX];

	(void)state;
	kat_params(&p);
	p.n_vlan = 2;
	p.tpid[0] = 0x88a8;
	p.vlan[0] = 100;
	p.tpid[1] = 0x8100;
	p.vlan[1] = 200;
	p.family = 6;
	memcpy(p.src, src, 16);
	memcpy(p.dst, dst, 16);
	p.sport = 51234;
	p.dport = 443;
	p.seq = 0xfffffffe;
	p.ack = 0x80000000;
	p.tcp_flags = PARSE_TCP_RST;
	assert_int_equal(rst_build(frame, sizeof(frame), &p), sizeof(kat_v6_qinq));
	assert_memory_equal(frame, kat_v6_qinq, sizeof(kat_v6_qinq));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v4_untagged_rst),
		cmocka_unit_test(test_v4_untagged_rst_ack),
		cmocka_unit_test(test_v4_dot1q_rst),
		cmocka_unit_test(test_v4_dot1q_rst_ack),
		cmocka_unit_test(test_v4_qinq_rst),
		cmocka_unit_test(test_v4_qinq_rst_ack),
		cmocka_unit_test(test_v6_untagged_rst),
		cmocka_unit_test(test_v6_untagged_rst_ack),
		cmocka_unit_test(test_v6_dot1q_rst),
		cmocka_unit_test(test_v6_dot1q_rst_ack),
		cmocka_unit_test(test_v6_qinq_rst),
		cmocka_unit_test(test_v6_qinq_rst_ack),
		cmocka_unit_test(test_checksum_verifier_detects_corruption),
		cmocka_unit_test(test_checksum_sweep),
		cmocka_unit_test(test_checksum_sweep_v4_untagged),
		cmocka_unit_test(test_room),
		cmocka_unit_test(test_bad_params),
		cmocka_unit_test(test_known_answer_v4_dot1q),
		cmocka_unit_test(test_known_answer_v6_qinq),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
