/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * parse_frame() tests. Frames are built in plain buffers by the test kit (tests/lib) and
 * always parsed from a copy placed at the very end of a malloc'd block of exactly the
 * frame's length, so that any read past len is a heap overread that valgrind or ASan
 * reports. parse_info is poisoned before each call so that a field the parser forgot to
 * set shows up as 0xa5a5 rather than as a lucky zero.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "parse.h"
#include "tk_frame.h"

#define P_ICMP 1
#define N_ELEM(a) (sizeof(a) / sizeof((a)[0]))
#define P_TCP 6
#define P_UDP 17
#define P_GRE 47
#define P_ESP 50
#define P_AH 51
#define P_ICMPV6 58
#define P_NONE 59
#define P_SCTP 132
#define P_HOP 0
#define P_ROUTING 43
#define P_FRAG 44
#define P_DSTOPTS 60
#define P_MH 135
#define P_HIP 139
#define P_SHIM6 140

#define F_FIN PARSE_TCP_FIN
#define F_SYN PARSE_TCP_SYN
#define F_RST PARSE_TCP_RST
#define F_PSH PARSE_TCP_PSH
#define F_ACK PARSE_TCP_ACK
#define F_URG PARSE_TCP_URG
#define F_ECE 0x40
#define F_CWR 0x80

/* 192.0.2.1 -> 198.51.100.7, 2001:db8::1 -> 2001:db8::2 */
#define V4A 192, 0, 2, 1
#define V4B 198, 51, 100, 7
#define V6A 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1
#define V6B 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2
/* clang-format off: it would spread this initializer over four lines */
#define MAPPED(a)                                                                                  \
	{                                                                                          \
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, a                                        \
	}
/* clang-format on */

static const uint8_t v4a[4] = {V4A};
static const uint8_t v4b[4] = {V4B};
static const uint8_t v6a[16] = {V6A};
static const uint8_t v6b[16] = {V6B};

/*
 * Frames come from the test kit's builder (tests/lib/tk_frame.h), which also sets lengths
 * and checksums in tk_finish(); the parser checks no checksum, so they change nothing here.
 * The frames of this file go between these MACs and addresses, with an IPv4 ID and an IPv6
 * flow label that must not matter either.
 */
static void
eth(struct tk_pkt *p, uint16_t type)
{
	static const uint8_t mac_dst[6] = {2, 0, 0, 0, 0, 1}, mac_src[6] = {2, 0, 0, 0, 0, 2};

	tk_eth(p, mac_dst, mac_src, type);
}

/* @p opt_len: a multiple of 4, filled with NOPs. */
static void
ipv4(struct tk_pkt *p, uint8_t proto, uint32_t opt_len)
{
	uint8_t *h = tk_ipv4(p, v4a, v4b, proto, opt_len);

	if (h != NULL)
		tk_wr16(h + 4, 0x1234);
}

static void
ipv6(struct tk_pkt *p, uint8_t nh)
{
	uint8_t *h = tk_ipv6(p, v6a, v6b, nh);

	if (h != NULL)
		h[3] = 0x42;
}

/* Parses the first @p len bytes of @p frame from the end of an exactly sized heap block. */
static enum parse_status
run(const uint8_t *frame, uint32_t len, struct parse_info *pi)
{
	uint8_t *blk = malloc(len ? len : 1);
	uint8_t *data;
	enum parse_status st;

	assert_non_null(blk);
	data = blk + (len ? 0 : 1);
	if (len)
		memcpy(data, frame, len);
	memset(pi, 0xa5, sizeof(*pi));
	st = parse_frame(data, len, pi);
	free(blk);
	assert_in_range(st, PARSE_IP, PARSE_STATUS_COUNT - 1);
	return st;
}

static enum parse_status
run_pkt(const struct tk_pkt *p, struct parse_info *pi)
{
	assert_false(p->overflow);
	return run(p->b, p->len, pi);
}

/* Every field, so that an unset or miscomputed one fails by name. */
static void
check_info(const struct parse_info *got, const struct parse_info *exp)
{
	assert_int_equal(got->n_vlan, exp->n_vlan);
	for (int i = 0; i < PARSE_MAX_VLANS; i++) {
		assert_int_equal(got->vlan[i], exp->vlan[i]);
		assert_int_equal(got->tpid[i], exp->tpid[i]);
	}
	assert_int_equal(got->family, exp->family);
	assert_int_equal(got->proto, exp->proto);
	assert_int_equal(got->flags, exp->flags);
	assert_int_equal(got->ethertype, exp->ethertype);
	assert_int_equal(got->l3_off, exp->l3_off);
	assert_int_equal(got->l4_off, exp->l4_off);
	assert_int_equal(got->l4_len, exp->l4_len);
	assert_int_equal(got->sport, exp->sport);
	assert_int_equal(got->dport, exp->dport);
	assert_memory_equal(got->src, exp->src, 16);
	assert_memory_equal(got->dst, exp->dst, 16);
	assert_int_equal(got->tcp_flags, exp->tcp_flags);
	assert_int_equal(got->tcp_win, exp->tcp_win);
	assert_int_equal(got->seq, exp->seq);
	assert_int_equal(got->ack, exp->ack);
	assert_int_equal(got->payload_len, exp->payload_len);
	assert_int_equal(got->icmp_type, exp->icmp_type);
	assert_int_equal(got->icmp_code, exp->icmp_code);
}

static void
expect_ip(const struct tk_pkt *p, const struct parse_info *exp)
{
	struct parse_info pi;

	assert_int_equal(run_pkt(p, &pi), PARSE_IP);
	check_info(&pi, exp);
}

static void
expect_status(const struct tk_pkt *p, enum parse_status want)
{
	struct parse_info pi;
	enum parse_status st = run_pkt(p, &pi);

	if (st != want)
		fail_msg("got %s, want %s", parse_status_name(st), parse_status_name(want));
}

/* ---- status names ---- */

static void
test_status_names(void **state)
{
	static const char *const want[PARSE_STATUS_COUNT] = {
		"ok",
		"non_ip",
		"fragment",
		"truncated",
		"too_many_vlans",
		"bad_ipv4_header",
		"bad_ipv4_length",
		"bad_ipv6_header",
		"bad_ipv6_length",
		"bad_ipv6_ext",
		"bad_tcp_offset",
		"bad_tcp_flags",
		"bad_udp_length",
	};

	(void)state;
	assert_int_equal(PARSE_STATUS_COUNT, 13);
	assert_int_equal(PARSE_MAL_COUNT, 10);
	for (int s = 0; s < PARSE_STATUS_COUNT; s++)
		assert_string_equal(parse_status_name((enum parse_status)s), want[s]);
	assert_string_equal(parse_status_name(PARSE_STATUS_COUNT), "unknown");
	assert_string_equal(parse_status_name((enum parse_status)200), "unknown");
	assert_string_equal(parse_status_name((enum parse_status) ~0u), "unknown");
}

/* ---- valid frames ---- */

static void
test_tcp_v4(void **state)
{
	struct tk_pkt p;

	(void)state;
	eth(&p, 0x0800);
	ipv4(&p, P_TCP, 0);
	tk_tcp(&p, 40000, 443, 0x01020304, 0xa0b0c0d0, F_PSH | F_ACK, 0xfedc, 0);
	tk_payload(&p, 100);
	tk_finish(&p);
	expect_ip(&p, &(struct parse_info){
			      .family = 4,
			      .proto = P_TCP,
			      .ethertype = 0x0800,
			      .l3_off = 14,
			      .l4_off = 34,
			      .l4_len = 120,
			      .sport = 40000,
			      .dport = 443,
			      .src = MAPPED(V4A),
			      .dst = MAPPED(V4B),
			      .tcp_flags = F_PSH | F_ACK,
			      .tcp_win = 0xfedc,
			      .seq = 0x01020304,
			      .ack = 0xa0b0c0d0,
			      .payload_len = 100,
		      });
}

static void
test_tcp_v4_options(void **state)
{
	struct tk_pkt p;

	(void)state;
	/* IHL 15 (40 option bytes) and TCP data offset 15 (40 option bytes). */
	eth(&p, 0x0800);
	ipv4(&p, P_TCP, 40);
	tk_tcp(&p, 1, 65535, 0xffffffff, 0, F_SYN | F_ECE | F_CWR, 65535, 40);
	tk_finish(&p);
	expect_ip(&p, &(struct parse_info){
			      .family = 4,
			      .proto = P_TCP,
			      .ethertype = 0x0800,
			      .l3_off = 14,
			      .l4_off = 74,
			      .l4_len = 60,
			      .sport = 1,
			      .dport = 65535,
			      .src = MAPPED(V4A),
			      .dst = MAPPED(V4B),
			      .tcp_flags = F_SYN, /* ECE and CWR masked off */
			      .tcp_win = 65535,
			      .seq = 0xffffffff,
			      .payload_len = 0,
		      });
}

/*
 * A SYN (or SYN+ACK, @p flags) whose TCP header carries the @p n option bytes of @p opt,
 * padded to a multiple of 4 with EOL, optionally followed by @p data bytes of payload.
 */
static uint8_t
syn_wscale(uint8_t flags, const uint8_t *opt, uint32_t n, uint32_t data)
{
	struct parse_info pi;
	struct tk_pkt p;
	uint32_t olen = (n + 3) / 4 * 4;
	uint8_t *h;

	eth(&p, 0x0800);
	ipv4(&p, P_TCP, 0);
	tk_tcp(&p, 40000, 80, 1, 0, flags, 64240, olen);
	h = p.b + p.len - olen;
	memset(h, 0, olen);
	if (n != 0)
		memcpy(h, opt, n);
	tk_payload(&p, data);
	tk_finish(&p);
	assert_int_equal(run_pkt(&p, &pi), PARSE_IP);
	assert_int_equal(pi.payload_len, data);
	assert_int_equal(pi.tcp_win, 64240);
	return pi.tcp_wscale;
}

/* The window scale option (RFC 7323 2.2), read from SYNs only, bounds-checked. */
static void
test_tcp_wscale(void **state)
{
	/* What Linux sends, one option per line: MSS, SACK permitted, timestamps, NOP, WS 7. */
	/* clang-format off */
	static const uint8_t linux_syn[] = {
		2, 4, 0x05, 0xb4,
		4, 2,
		8, 10, 0, 0, 0, 1, 0, 0, 0, 0,
		1,
		3, 3, 7,
	};
	/* clang-format on */
	static const uint8_t ws0[] = {3, 3, 0};
	static const uint8_t ws14[] = {1, 1, 1, 3, 3, 14};
	static const uint8_t ws15[] = {3, 3, 15};
	static const uint8_t ws255[] = {3, 3, 255};
	static const uint8_t after_eol[] = {0, 3, 3, 5};
	static const uint8_t none[] = {2, 4, 0x05, 0xb4};
	static const uint8_t bad_len0[] = {8, 0, 3, 3, 5};	     /* length 0: scan stops */
	static const uint8_t bad_len1[] = {8, 1, 3, 3, 5};	     /* length 1: scan stops */
	static const uint8_t runs_off[] = {1, 1, 1, 1, 8, 10, 0, 0}; /* 10 bytes in 8 */
	static const uint8_t ws_len4[] = {3, 4, 5, 0};		     /* wrong size */
	static const uint8_t ws_cut[] = {1, 1, 3, 3};		     /* no shift byte: 3 left */
	static const uint8_t first_wins[] = {3, 3, 2, 3, 3, 9};
	struct tk_pkt p;
	struct parse_info pi;

	(void)state;
	assert_int_equal(syn_wscale(F_SYN, linux_syn, sizeof(linux_syn), 0), 7);
	assert_int_equal(syn_wscale(F_SYN | F_ACK, linux_syn, sizeof(linux_syn), 0), 7);
	assert_int_equal(syn_wscale(F_SYN, ws0, sizeof(ws0), 0), 0);
	assert_int_equal(syn_wscale(F_SYN, ws14, sizeof(ws14), 0), 14);
	/* Shifts above 14 are used as 14 (RFC 7323 2.3). */
	assert_int_equal(syn_wscale(F_SYN, ws15, sizeof(ws15), 0), 14);
	assert_int_equal(syn_wscale(F_SYN, ws255, sizeof(ws255), 0), 14);
	assert_int_equal(syn_wscale(F_SYN, after_eol, sizeof(after_eol), 0), PARSE_NO_WSCALE);
	assert_int_equal(syn_wscale(F_SYN, none, sizeof(none), 0), PARSE_NO_WSCALE);
	assert_int_equal(syn_wscale(F_SYN, bad_len0, sizeof(bad_len0), 0), PARSE_NO_WSCALE);
	assert_int_equal(syn_wscale(F_SYN, bad_len1, sizeof(bad_len1), 0), PARSE_NO_WSCALE);
	assert_int_equal(syn_wscale(F_SYN, runs_off, sizeof(runs_off), 0), PARSE_NO_WSCALE);
	assert_int_equal(syn_wscale(F_SYN, ws_len4, sizeof(ws_len4), 0), PARSE_NO_WSCALE);
	assert_int_equal(syn_wscale(F_SYN, first_wins, sizeof(first_wins), 0), 2);
	/* The option bytes end the header: the payload after them is not read as options. */
	assert_int_equal(syn_wscale(F_SYN, ws_cut, sizeof(ws_cut), 20), PARSE_NO_WSCALE);
	/* Not a SYN: the option is not looked at. */
	assert_int_equal(syn_wscale(F_ACK, linux_syn, sizeof(linux_syn), 0), PARSE_NO_WSCALE);
	assert_int_equal(syn_wscale(F_FIN | F_ACK, ws14, sizeof(ws14), 0), PARSE_NO_WSCALE);
	/* No options at all. */
	assert_int_equal(syn_wscale(F_SYN, NULL, 0, 0), PARSE_NO_WSCALE);

	/* The option's last byte is the frame's last byte: read, nothing past it. */
	eth(&p, 0x0800);
	ipv4(&p, P_TCP, 0);
	tk_tcp(&p, 40000, 80, 1, 0, F_SYN, 1, 4);
	memcpy(p.b + p.len - 4, (const uint8_t[]){1, 3, 3, 6}, 4);
	tk_finish(&p);
	assert_int_equal(run_pkt(&p, &pi), PARSE_IP);
	assert_int_equal(pi.tcp_wscale, 6);
	/* Cut anywhere inside the options: a truncated frame, never a read past it. */
	for (uint32_t cut = 1; cut <= 4; cut++)
		assert_int_not_equal(run(p.b, p.len - cut, &pi), PARSE_IP);
}

static void
test_tcp_v4_padding(void **state)
{
	struct tk_pkt p;
	const struct parse_info exp = {
		.family = 4,
		.proto = P_TCP,
		.ethertype = 0x0800,
		.l3_off = 14,
		.l4_off = 34,
		.l4_len = 20,
		.sport = 1234,
		.dport = 80,
		.src = MAPPED(V4A),
		.dst = MAPPED(V4B),
		.tcp_flags = F_ACK,
		.tcp_win = 512,
		.seq = 7,
		.ack = 9,
	};

	(void)state;
	/* A bare ACK is 54 bytes; the NIC pads it to 60. The padding is not TCP payload. */
	eth(&p, 0x0800);
	ipv4(&p, P_TCP, 0);
	tk_tcp(&p, 1234, 80, 7, 9, F_ACK, 512, 0);
	tk_finish(&p);
	tk_pad(&p, 60, 0xee);
	assert_int_equal(p.len, 60);
	expect_ip(&p, &exp);

	/* Lots of trailing junk changes nothing either. */
	tk_pad(&p, 1500, 0xee);
	expect_ip(&p, &exp);
}

static void
test_vlan_single(void **state)
{
	struct tk_pkt p;

	(void)state;
	/* PCP 7, DEI 1, VID 100: only the VID is recorded. */
	eth(&p, 0x8100);
	tk_vlan(&p, 0xf064, 0x0800);
	ipv4(&p, P_UDP, 0);
	tk_udp(&p, 5353, 53);
	tk_payload(&p, 30);
	tk_finish(&p);
	expect_ip(&p, &(struct parse_info){
			      .vlan = {100, 0},
			      .tpid = {0x8100, 0},
			      .n_vlan = 1,
			      .family = 4,
			      .proto = P_UDP,
			      .ethertype = 0x0800,
			      .l3_off = 18,
			      .l4_off = 38,
			      .l4_len = 38,
			      .sport = 5353,
			      .dport = 53,
			      .src = MAPPED(V4A),
			      .dst = MAPPED(V4B),
		      });
}

static void
test_vlan_qinq(void **state)
{
	static const uint16_t tpids[][2] = {{0x88a8, 0x8100}, {0x8100, 0x8100}, {0x88a8, 0x88a8}};
	struct tk_pkt p;

	(void)state;
	for (size_t i = 0; i < sizeof(tpids) / sizeof(tpids[0]); i++) {
		eth(&p, tpids[i][0]);
		tk_vlan(&p, 0x0fff, tpids[i][1]);
		tk_vlan(&p, 0x2001, 0x86dd);
		ipv6(&p, P_TCP);
		tk_tcp(&p, 22, 50000, 1, 2, F_FIN | F_ACK, 3, 12);
		tk_payload(&p, 5);
		tk_finish(&p);
		expect_ip(&p, &(struct parse_info){
				      .vlan = {4095, 1},
				      .tpid = {tpids[i][0], tpids[i][1]},
				      .n_vlan = 2,
				      .family = 6,
				      .proto = P_TCP,
				      .ethertype = 0x86dd,
				      .l3_off = 22,
				      .l4_off = 62,
				      .l4_len = 37,
				      .sport = 22,
				      .dport = 50000,
				      .src = {V6A},
				      .dst = {V6B},
				      .tcp_flags = F_FIN | F_ACK,
				      .tcp_win = 3,
				      .seq = 1,
				      .ack = 2,
				      .payload_len = 5,
			      });
	}
}

static void
test_udp_v6(void **state)
{
	struct tk_pkt p;

	(void)state;
	eth(&p, 0x86dd);
	ipv6(&p, P_UDP);
	tk_udp(&p, 443, 61000);
	tk_payload(&p, 1200);
	tk_finish(&p);
	expect_ip(&p, &(struct parse_info){
			      .family = 6,
			      .proto = P_UDP,
			      .ethertype = 0x86dd,
			      .l3_off = 14,
			      .l4_off = 54,
			      .l4_len = 1208,
			      .sport = 443,
			      .dport = 61000,
			      .src = {V6A},
			      .dst = {V6B},
		      });
}

static void
test_udp_short_length_ok(void **state)
{
	struct tk_pkt p;
	struct parse_info pi;

	(void)state;
	/* UDP length 8 inside a longer IP datagram: legal, the rest is IP-level slack. */
	eth(&p, 0x0800);
	ipv4(&p, P_UDP, 0);
	tk_udp(&p, 1, 2);
	tk_payload(&p, 10);
	tk_finish(&p);
	tk_wr16(p.b + p.udp + 4, 8);
	assert_int_equal(run_pkt(&p, &pi), PARSE_IP);
	assert_int_equal(pi.l4_len, 18);
	assert_int_equal(pi.sport, 1);
	assert_int_equal(pi.dport, 2);
}

static void
test_icmp_v4(void **state)
{
	static const uint8_t echo_types[] = {8, 0};
	struct tk_pkt p;

	(void)state;
	for (size_t i = 0; i < sizeof(echo_types); i++) {
		eth(&p, 0x0800);
		ipv4(&p, P_ICMP, 0);
		tk_icmp(&p, echo_types[i], 0, 0x4321, 1);
		tk_payload(&p, 56);
		tk_finish(&p);
		expect_ip(&p, &(struct parse_info){
				      .family = 4,
				      .proto = P_ICMP,
				      .flags = PARSE_F_ICMP_ECHO,
				      .ethertype = 0x0800,
				      .l3_off = 14,
				      .l4_off = 34,
				      .l4_len = 64,
				      .sport = 0x4321,
				      .dport = 0x4321,
				      .src = MAPPED(V4A),
				      .dst = MAPPED(V4B),
				      .icmp_type = echo_types[i],
			      });
	}

	/* Port unreachable: not echo, ports 0; 4 bytes are enough. */
	eth(&p, 0x0800);
	ipv4(&p, P_ICMP, 0);
	tk_icmp(&p, 3, 3, 0x9999, 1);
	tk_finish(&p);
	p.len -= 4;
	tk_finish(&p);
	expect_ip(&p, &(struct parse_info){
			      .family = 4,
			      .proto = P_ICMP,
			      .ethertype = 0x0800,
			      .l3_off = 14,
			      .l4_off = 34,
			      .l4_len = 4,
			      .src = MAPPED(V4A),
			      .dst = MAPPED(V4B),
			      .icmp_type = 3,
			      .icmp_code = 3,
		      });

	/* ICMPv6 numbering means nothing under IPv4: type 128 is not an echo there. */
	eth(&p, 0x0800);
	ipv4(&p, P_ICMP, 0);
	tk_icmp(&p, 128, 0, 5, 1);
	tk_finish(&p);
	expect_ip(&p, &(struct parse_info){
			      .family = 4,
			      .proto = P_ICMP,
			      .ethertype = 0x0800,
			      .l3_off = 14,
			      .l4_off = 34,
			      .l4_len = 8,
			      .src = MAPPED(V4A),
			      .dst = MAPPED(V4B),
			      .icmp_type = 128,
		      });
}

static void
test_icmp_v6(void **state)
{
	struct tk_pkt p;
	struct parse_info pi;

	(void)state;
	for (int type = 0; type < 256; type++) {
		int echo = type == 128 || type == 129;
		int nd = type >= 133 && type <= 137;

		eth(&p, 0x86dd);
		ipv6(&p, P_ICMPV6);
		tk_icmp(&p, (uint8_t)type, 9, 0x0bad, 1);
		tk_payload(&p, 16);
		tk_finish(&p);
		expect_ip(&p, &(struct parse_info){
				      .family = 6,
				      .proto = P_ICMPV6,
				      .flags = (uint8_t)((echo ? PARSE_F_ICMP_ECHO : 0) |
							 (nd ? PARSE_F_ND : 0)),
				      .ethertype = 0x86dd,
				      .l3_off = 14,
				      .l4_off = 54,
				      .l4_len = 24,
				      .sport = echo ? 0x0bad : 0,
				      .dport = echo ? 0x0bad : 0,
				      .src = {V6A},
				      .dst = {V6B},
				      .icmp_type = (uint8_t)type,
				      .icmp_code = 9,
			      });
	}

	/* Proto 1 under IPv6 is an "other" protocol: no ICMP fields. */
	eth(&p, 0x86dd);
	ipv6(&p, P_ICMP);
	tk_icmp(&p, 8, 0, 7, 1);
	tk_finish(&p);
	assert_int_equal(run_pkt(&p, &pi), PARSE_IP);
	assert_int_equal(pi.proto, P_ICMP);
	assert_int_equal(pi.flags, 0);
	assert_int_equal(pi.sport, 0);
	assert_int_equal(pi.icmp_type, 0);
}

static void
test_other_protocols(void **state)
{
	struct tk_pkt p;

	(void)state;
	eth(&p, 0x0800);
	ipv4(&p, P_GRE, 4);
	tk_payload(&p, 3); /* "other" needs no bytes at all past IP */
	tk_finish(&p);
	expect_ip(&p, &(struct parse_info){
			      .family = 4,
			      .proto = P_GRE,
			      .ethertype = 0x0800,
			      .l3_off = 14,
			      .l4_off = 38,
			      .l4_len = 3,
			      .src = MAPPED(V4A),
			      .dst = MAPPED(V4B),
		      });

	eth(&p, 0x0800);
	ipv4(&p, P_ESP, 0);
	tk_finish(&p);
	expect_ip(&p, &(struct parse_info){
			      .family = 4,
			      .proto = P_ESP,
			      .ethertype = 0x0800,
			      .l3_off = 14,
			      .l4_off = 34,
			      .src = MAPPED(V4A),
			      .dst = MAPPED(V4B),
		      });

	eth(&p, 0x86dd);
	ipv6(&p, P_SCTP);
	tk_payload(&p, 12);
	tk_finish(&p);
	expect_ip(&p, &(struct parse_info){
			      .family = 6,
			      .proto = P_SCTP,
			      .ethertype = 0x86dd,
			      .l3_off = 14,
			      .l4_off = 54,
			      .l4_len = 12,
			      .src = {V6A},
			      .dst = {V6B},
		      });

	/* ESP ends the extension chain: what follows is encrypted. */
	eth(&p, 0x86dd);
	ipv6(&p, P_DSTOPTS);
	tk_ipv6_ext(&p, P_DSTOPTS, P_ESP, 8);
	tk_payload(&p, 40);
	tk_finish(&p);
	expect_ip(&p, &(struct parse_info){
			      .family = 6,
			      .proto = P_ESP,
			      .ethertype = 0x86dd,
			      .l3_off = 14,
			      .l4_off = 62,
			      .l4_len = 40,
			      .src = {V6A},
			      .dst = {V6B},
		      });

	/* No next header with payload length 0 is not a jumbogram. */
	eth(&p, 0x86dd);
	ipv6(&p, P_NONE);
	tk_finish(&p);
	tk_pad(&p, 64, 0xee);
	expect_ip(&p, &(struct parse_info){
			      .family = 6,
			      .proto = P_NONE,
			      .ethertype = 0x86dd,
			      .l3_off = 14,
			      .l4_off = 54,
			      .l4_len = 0,
			      .src = {V6A},
			      .dst = {V6B},
		      });

	/* 59 after an extension header, with bytes behind it that must be ignored. */
	eth(&p, 0x86dd);
	ipv6(&p, P_HOP);
	tk_ipv6_ext(&p, P_HOP, P_NONE, 8);
	tk_payload(&p, 6);
	tk_finish(&p);
	expect_ip(&p, &(struct parse_info){
			      .family = 6,
			      .proto = P_NONE,
			      .ethertype = 0x86dd,
			      .l3_off = 14,
			      .l4_off = 62,
			      .l4_len = 6,
			      .src = {V6A},
			      .dst = {V6B},
		      });
}

static void
test_ipv6_ext_chain(void **state)
{
	struct tk_pkt p;

	(void)state;
	/* Eight headers (the maximum), every kind, varied sizes, then TCP. */
	eth(&p, 0x86dd);
	ipv6(&p, P_HOP);
	tk_ipv6_ext(&p, P_HOP, P_ROUTING, 8);
	tk_ipv6_ext(&p, P_ROUTING, P_DSTOPTS, 24);
	tk_ipv6_ext(&p, P_DSTOPTS, P_AH, 16);
	tk_ipv6_ext(&p, P_AH, P_MH, 12); /* AH: (1 + 2) * 4 */
	tk_ipv6_ext(&p, P_MH, P_HIP, 8);
	tk_ipv6_ext(&p, P_HIP, P_SHIM6, 40);
	tk_ipv6_ext(&p, P_SHIM6, P_FRAG, 8);
	tk_ipv6_frag(&p, P_TCP, 0, 0); /* atomic fragment: no flag */
	tk_tcp(&p, 8080, 9090, 100, 200, F_RST, 0, 0);
	tk_finish(&p);
	expect_ip(&p, &(struct parse_info){
			      .family = 6,
			      .proto = P_TCP,
			      .ethertype = 0x86dd,
			      .l3_off = 14,
			      .l4_off = 14 + 40 + 8 + 24 + 16 + 12 + 8 + 40 + 8 + 8,
			      .l4_len = 20,
			      .sport = 8080,
			      .dport = 9090,
			      .src = {V6A},
			      .dst = {V6B},
			      .tcp_flags = F_RST,
			      .seq = 100,
			      .ack = 200,
		      });
}

static void
test_ipv6_padding(void **state)
{
	struct tk_pkt p;

	(void)state;
	eth(&p, 0x86dd);
	ipv6(&p, P_UDP);
	tk_udp(&p, 10, 20);
	tk_finish(&p);
	tk_pad(&p, 200, 0xee);
	expect_ip(&p, &(struct parse_info){
			      .family = 6,
			      .proto = P_UDP,
			      .ethertype = 0x86dd,
			      .l3_off = 14,
			      .l4_off = 54,
			      .l4_len = 8,
			      .sport = 10,
			      .dport = 20,
			      .src = {V6A},
			      .dst = {V6B},
		      });
}

static void
test_tcp_flag_combos(void **state)
{
	/* Full flags byte -> expected status. */
	static const struct {
		uint8_t flags;
		enum parse_status st;
	} cases[] = {
		{F_SYN, PARSE_IP},
		{F_SYN | F_ACK, PARSE_IP},
		{F_SYN | F_ECE | F_CWR, PARSE_IP},
		{F_ACK, PARSE_IP},
		{F_RST, PARSE_IP},
		{F_RST | F_ACK, PARSE_IP},
		{F_FIN, PARSE_IP},
		{F_FIN | F_ACK, PARSE_IP},
		{F_FIN | F_PSH | F_URG, PARSE_IP}, /* Xmas without SYN: odd, not rejected */
		{F_PSH, PARSE_IP},
		{F_URG, PARSE_IP},
		{F_FIN | F_RST | F_ACK, PARSE_IP},
		{0, PARSE_MAL_TCP_FLAGS},
		{F_ECE, PARSE_MAL_TCP_FLAGS},
		{F_ECE | F_CWR, PARSE_MAL_TCP_FLAGS},
		{F_SYN | F_FIN, PARSE_MAL_TCP_FLAGS},
		{F_SYN | F_RST, PARSE_MAL_TCP_FLAGS},
		{F_SYN | F_FIN | F_RST, PARSE_MAL_TCP_FLAGS},
		{F_SYN | F_FIN | F_ACK, PARSE_MAL_TCP_FLAGS},
		{F_SYN | F_RST | F_ACK | F_PSH, PARSE_MAL_TCP_FLAGS},
		{0xff, PARSE_MAL_TCP_FLAGS},
	};
	struct tk_pkt p;
	struct parse_info pi;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum parse_status st;

		eth(&p, 0x0800);
		ipv4(&p, P_TCP, 0);
		tk_tcp(&p, 3000, 4000, 0x11223344, 0x55667788, cases[i].flags, 999, 4);
		tk_payload(&p, 7);
		tk_finish(&p);
		st = run_pkt(&p, &pi);
		if (st != cases[i].st)
			fail_msg("flags 0x%02x: got %s", cases[i].flags, parse_status_name(st));
		/* Filled even when the combination is rejected. */
		assert_int_equal(pi.sport, 3000);
		assert_int_equal(pi.dport, 4000);
		assert_int_equal(pi.seq, 0x11223344);
		assert_int_equal(pi.ack, 0x55667788);
		assert_int_equal(pi.tcp_win, 999);
		assert_int_equal(pi.tcp_flags, cases[i].flags & 0x3f);
		assert_int_equal(pi.payload_len, 7);
		assert_int_equal(pi.l4_len, 31);
		assert_int_equal(pi.family, 4);
		assert_int_equal(pi.proto, P_TCP);
	}
}

/* ---- fragments ---- */

static void
test_fragments_v4(void **state)
{
	struct tk_pkt p;
	struct parse_info pi;

	(void)state;
	/* First fragment: MF, offset 0; L4 parsed from what is there. */
	eth(&p, 0x0800);
	ipv4(&p, P_TCP, 0);
	tk_tcp(&p, 5000, 6000, 1, 0, F_SYN, 100, 0);
	tk_payload(&p, 16);
	tk_finish(&p);
	tk_ipv4_frag(&p, TK_IP4_MF);
	expect_ip(&p, &(struct parse_info){
			      .family = 4,
			      .proto = P_TCP,
			      .flags = PARSE_F_FRAG_FIRST,
			      .ethertype = 0x0800,
			      .l3_off = 14,
			      .l4_off = 34,
			      .l4_len = 36,
			      .sport = 5000,
			      .dport = 6000,
			      .src = MAPPED(V4A),
			      .dst = MAPPED(V4B),
			      .tcp_flags = F_SYN,
			      .tcp_win = 100,
			      .seq = 1,
			      .payload_len = 16,
		      });

	/* DF is not a fragment. */
	tk_wr16(p.b + p.ip4 + 6, 0x4000);
	assert_int_equal(run_pkt(&p, &pi), PARSE_IP);
	assert_int_equal(pi.flags, 0);

	/* Non-first, with and without MF: family, proto and addresses still known. */
	for (int more = 0; more < 2; more++) {
		static const uint16_t offs[] = {1, 185, 0x1fff};

		for (size_t i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
			tk_ipv4_frag(&p, (uint16_t)(offs[i] | (more ? TK_IP4_MF : 0)));
			assert_int_equal(run_pkt(&p, &pi), PARSE_FRAGMENT);
			assert_int_equal(pi.family, 4);
			assert_int_equal(pi.proto, P_TCP);
			assert_memory_equal(pi.src, ((uint8_t[16])MAPPED(V4A)), 16);
			assert_memory_equal(pi.dst, ((uint8_t[16])MAPPED(V4B)), 16);
			assert_int_equal(pi.l3_off, 14);
		}
	}

	/* A non-first fragment that begins with junk is not mistaken for a bad TCP header. */
	eth(&p, 0x0800);
	ipv4(&p, P_TCP, 0);
	tk_payload(&p, 3);
	tk_finish(&p);
	tk_ipv4_frag(&p, 100);
	expect_status(&p, PARSE_FRAGMENT);
}

static void
test_fragments_v4_udp(void **state)
{
	struct tk_pkt p;
	struct parse_info pi;

	(void)state;
	/* The first fragment of a 3000-byte UDP datagram: its length covers all of it. */
	eth(&p, 0x0800);
	ipv4(&p, P_UDP, 0);
	tk_udp(&p, 53, 33333);
	tk_payload(&p, 1472);
	tk_finish(&p);
	tk_wr16(p.b + p.udp + 4, 3000);
	tk_ipv4_frag(&p, TK_IP4_MF);
	assert_int_equal(run_pkt(&p, &pi), PARSE_IP);
	assert_int_equal(pi.flags, PARSE_F_FRAG_FIRST);
	assert_int_equal(pi.sport, 53);
	assert_int_equal(pi.dport, 33333);
	assert_int_equal(pi.l4_len, 1480);

	/* The lower bound still holds. */
	tk_wr16(p.b + p.udp + 4, 7);
	expect_status(&p, PARSE_MAL_UDP_LENGTH);

	/* Unfragmented, the same length is a lie. */
	tk_wr16(p.b + p.udp + 4, 3000);
	tk_ipv4_frag(&p, 0);
	expect_status(&p, PARSE_MAL_UDP_LENGTH);
}

static void
test_fragments_v6(void **state)
{
	struct tk_pkt p;
	struct parse_info pi;

	(void)state;
	/* First fragment behind a hop-by-hop header. */
	eth(&p, 0x86dd);
	ipv6(&p, P_HOP);
	tk_ipv6_ext(&p, P_HOP, P_FRAG, 8);
	tk_ipv6_frag(&p, P_UDP, 0, 1);
	tk_udp(&p, 4500, 4501);
	tk_payload(&p, 64);
	tk_finish(&p);
	tk_wr16(p.b + p.udp + 4, 5000);
	expect_ip(&p, &(struct parse_info){
			      .family = 6,
			      .proto = P_UDP,
			      .flags = PARSE_F_FRAG_FIRST,
			      .ethertype = 0x86dd,
			      .l3_off = 14,
			      .l4_off = 70,
			      .l4_len = 72,
			      .sport = 4500,
			      .dport = 4501,
			      .src = {V6A},
			      .dst = {V6B},
		      });

	/* Non-first: proto is what the fragment header says follows. */
	for (int more = 0; more < 2; more++) {
		static const uint16_t offs[] = {1, 0x1fff};

		for (size_t i = 0; i < 2; i++) {
			eth(&p, 0x86dd);
			ipv6(&p, P_FRAG);
			tk_ipv6_frag(&p, P_UDP, offs[i], more);
			tk_payload(&p, 5);
			tk_finish(&p);
			assert_int_equal(run_pkt(&p, &pi), PARSE_FRAGMENT);
			assert_int_equal(pi.family, 6);
			assert_int_equal(pi.proto, P_UDP);
			assert_memory_equal(pi.src, v6a, 16);
			assert_memory_equal(pi.dst, v6b, 16);
		}
	}
}

/* ---- malformed ---- */

static void
test_short_frames(void **state)
{
	uint8_t b[14] = {0};
	struct parse_info pi;

	(void)state;
	for (uint32_t len = 0; len < 14; len++)
		assert_int_equal(run(b, len, &pi), PARSE_MAL_TRUNCATED);
	/* 14 zero bytes: ethertype 0 is an 802.3 length field. */
	assert_int_equal(run(b, 14, &pi), PARSE_NON_IP);
}

static void
test_non_ip(void **state)
{
	static const uint16_t types[] = {0x0000, 0x0026, 0x05dc, 0x05ff, 0x0600, 0x0806,
					 0x88cc, 0x8847, 0x86de, 0x0801, 0xffff};
	struct tk_pkt p;
	struct parse_info pi;

	(void)state;
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		eth(&p, types[i]);
		tk_payload(&p, 46);
		assert_int_equal(run_pkt(&p, &pi), PARSE_NON_IP);
		assert_int_equal(pi.ethertype, types[i]);
		assert_int_equal(pi.n_vlan, 0);
		assert_int_equal(pi.family, 0);
		/* Exactly the header is enough to know. */
		p.len = 14;
		assert_int_equal(run_pkt(&p, &pi), PARSE_NON_IP);
	}

	/* Tagged ARP: VLAN still recorded so the caller can count it per VLAN. */
	eth(&p, 0x8100);
	tk_vlan(&p, 42, 0x0806);
	tk_payload(&p, 28);
	expect_status(&p, PARSE_NON_IP);
	assert_int_equal(run_pkt(&p, &pi), PARSE_NON_IP);
	assert_int_equal(pi.n_vlan, 1);
	assert_int_equal(pi.vlan[0], 42);
	assert_int_equal(pi.tpid[0], 0x8100);
	assert_int_equal(pi.ethertype, 0x0806);
	assert_int_equal(pi.l3_off, 18);
	assert_int_equal(pi.family, 0);
}

static void
test_vlan_depth(void **state)
{
	static const uint16_t t[] = {0x8100, 0x88a8};
	struct tk_pkt p;
	struct parse_info pi;

	(void)state;
	for (int i = 0; i < 8; i++) {
		eth(&p, t[i & 1]);
		tk_vlan(&p, 1, t[i >> 1 & 1]);
		tk_vlan(&p, 2, t[i >> 2 & 1]);
		tk_vlan(&p, 3, 0x0800);
		ipv4(&p, P_UDP, 0);
		tk_udp(&p, 1, 2);
		tk_finish(&p);
		assert_int_equal(run_pkt(&p, &pi), PARSE_MAL_VLAN_DEPTH);
		assert_int_equal(pi.n_vlan, 2);
		/* The third TPID alone decides it: the tag need not even be there. */
		p.len = 22;
		assert_int_equal(run_pkt(&p, &pi), PARSE_MAL_VLAN_DEPTH);
	}
}

static void
test_ipv4_header(void **state)
{
	struct tk_pkt p;
	struct parse_info pi;

	(void)state;
	eth(&p, 0x0800);
	ipv4(&p, P_TCP, 0);
	tk_tcp(&p, 1, 2, 3, 4, F_ACK, 5, 0);
	tk_finish(&p);

	/* Version: 6 (an IPv6 packet under the IPv4 ethertype), 0, 15. */
	for (int v = 0; v < 16; v++) {
		if (v == 4)
			continue;
		p.b[14] = (uint8_t)(v << 4 | 5);
		expect_status(&p, PARSE_MAL_IPV4_HEADER);
	}
	/* IHL 0..4. */
	for (int ihl = 0; ihl < 5; ihl++) {
		p.b[14] = (uint8_t)(0x40 | ihl);
		expect_status(&p, PARSE_MAL_IPV4_HEADER);
	}
	/* IHL 15 with only 40 bytes of IP in the frame. */
	p.b[14] = 0x4f;
	expect_status(&p, PARSE_MAL_TRUNCATED);
	/* IHL 10: 40 bytes, all present, total length 40: legal, no room for TCP. */
	p.b[14] = 0x4a;
	assert_int_equal(run_pkt(&p, &pi), PARSE_MAL_TRUNCATED);
	assert_int_equal(pi.l4_off, 54);
	assert_int_equal(pi.l4_len, 0);
}

static void
test_ipv4_length(void **state)
{
	struct tk_pkt p;
	struct parse_info pi;

	(void)state;
	eth(&p, 0x0800);
	ipv4(&p, P_UDP, 8);
	tk_udp(&p, 1, 2);
	tk_payload(&p, 4);
	tk_finish(&p); /* total length 40 */

	tk_wr16(p.b + 16, 41); /* one past the frame */
	expect_status(&p, PARSE_MAL_IPV4_LENGTH);
	tk_wr16(p.b + 16, 0xffff);
	expect_status(&p, PARSE_MAL_IPV4_LENGTH);
	tk_wr16(p.b + 16, 27); /* shorter than the 28-byte header */
	expect_status(&p, PARSE_MAL_IPV4_LENGTH);
	tk_wr16(p.b + 16, 0);
	expect_status(&p, PARSE_MAL_IPV4_LENGTH);
	tk_wr16(p.b + 16, 20);
	expect_status(&p, PARSE_MAL_IPV4_LENGTH);

	/* Exactly the header: an empty datagram, too short for UDP. */
	tk_wr16(p.b + 16, 28);
	assert_int_equal(run_pkt(&p, &pi), PARSE_MAL_TRUNCATED);
	assert_int_equal(pi.l4_len, 0);
	tk_wr16(p.b + 16, 40);
	expect_status(&p, PARSE_IP);
}

static void
test_ipv6_header_length(void **state)
{
	struct tk_pkt p;
	struct parse_info pi;

	(void)state;
	eth(&p, 0x86dd);
	ipv6(&p, P_TCP);
	tk_tcp(&p, 1, 2, 3, 4, F_ACK, 5, 0);
	tk_finish(&p);
	expect_status(&p, PARSE_IP);

	for (int v = 0; v < 16; v++) {
		if (v == 6)
			continue;
		p.b[14] = (uint8_t)(v << 4);
		expect_status(&p, PARSE_MAL_IPV6_HEADER);
	}
	p.b[14] = 0x6f; /* traffic class bits: irrelevant */
	expect_status(&p, PARSE_IP);

	tk_wr16(p.b + 18, 21); /* payload one past the frame */
	expect_status(&p, PARSE_MAL_IPV6_LENGTH);
	tk_wr16(p.b + 18, 0xffff);
	expect_status(&p, PARSE_MAL_IPV6_LENGTH);
	tk_wr16(p.b + 18, 0); /* jumbogram */
	expect_status(&p, PARSE_MAL_IPV6_LENGTH);

	/* A jumbogram with its hop-by-hop header present is still refused. */
	eth(&p, 0x86dd);
	ipv6(&p, P_HOP);
	tk_ipv6_ext(&p, P_HOP, P_TCP, 8);
	tk_tcp(&p, 1, 2, 3, 4, F_ACK, 5, 0);
	assert_int_equal(run_pkt(&p, &pi), PARSE_MAL_IPV6_LENGTH);

	/* Payload shorter than the TCP header. */
	eth(&p, 0x86dd);
	ipv6(&p, P_TCP);
	tk_tcp(&p, 1, 2, 3, 4, F_ACK, 5, 0);
	tk_finish(&p);
	tk_wr16(p.b + 18, 19);
	expect_status(&p, PARSE_MAL_TRUNCATED);
}

static void
test_ipv6_ext_bad(void **state)
{
	struct tk_pkt p;

	(void)state;
	/* Nine extension headers. */
	eth(&p, 0x86dd);
	ipv6(&p, P_DSTOPTS);
	for (int i = 0; i < 8; i++)
		tk_ipv6_ext(&p, P_DSTOPTS, P_DSTOPTS, 8);
	tk_ipv6_ext(&p, P_DSTOPTS, P_TCP, 8);
	tk_tcp(&p, 1, 2, 3, 4, F_ACK, 5, 0);
	tk_finish(&p);
	expect_status(&p, PARSE_MAL_IPV6_EXT);
	/* Eight of the same: fine. */
	p.b[14 + 40 + 7 * 8] = P_TCP;
	memmove(p.b + 14 + 40 + 8 * 8, p.b + 14 + 40 + 9 * 8, 20);
	p.len -= 8;
	tk_finish(&p);
	expect_status(&p, PARSE_IP);

	/* Nine fragment headers (only the fixed length kind). */
	eth(&p, 0x86dd);
	ipv6(&p, P_FRAG);
	for (int i = 0; i < 8; i++)
		tk_ipv6_frag(&p, P_FRAG, 0, 0);
	tk_ipv6_frag(&p, P_UDP, 0, 0);
	tk_udp(&p, 1, 2);
	tk_finish(&p);
	expect_status(&p, PARSE_MAL_IPV6_EXT);

	/* hdr_ext_len runs past the datagram, though the frame holds those bytes. */
	eth(&p, 0x86dd);
	ipv6(&p, P_ROUTING);
	tk_ipv6_ext(&p, P_ROUTING, P_TCP, 8);
	tk_tcp(&p, 1, 2, 3, 4, F_ACK, 5, 0);
	tk_finish(&p);
	p.b[55] = 3; /* 32 bytes, 28 left */
	tk_pad(&p, 400, 0xee);
	expect_status(&p, PARSE_MAL_IPV6_EXT);
	p.b[55] = 255;
	expect_status(&p, PARSE_MAL_IPV6_EXT);

	/* AH length likewise. */
	eth(&p, 0x86dd);
	ipv6(&p, P_AH);
	tk_ipv6_ext(&p, P_AH, P_UDP, 16);
	tk_udp(&p, 1, 2);
	tk_finish(&p);
	expect_status(&p, PARSE_IP);
	p.b[55] = 5; /* 28 bytes, 24 left */
	expect_status(&p, PARSE_MAL_IPV6_EXT);

	/* The chain ends with 1 byte of datagram: not even a length field. */
	eth(&p, 0x86dd);
	ipv6(&p, P_HOP);
	tk_payload(&p, 1);
	tk_finish(&p);
	tk_pad(&p, 100, 0xee);
	expect_status(&p, PARSE_MAL_IPV6_EXT);

	/* A fragment header cut short. */
	eth(&p, 0x86dd);
	ipv6(&p, P_FRAG);
	tk_payload(&p, 7);
	tk_finish(&p);
	expect_status(&p, PARSE_MAL_IPV6_EXT);
}

static void
test_tcp_offset(void **state)
{
	struct tk_pkt p;
	struct parse_info pi;

	(void)state;
	eth(&p, 0x0800);
	ipv4(&p, P_TCP, 0);
	tk_tcp(&p, 1, 2, 3, 4, F_ACK, 5, 0);
	tk_payload(&p, 8); /* 28 bytes of L4 */
	tk_finish(&p);

	for (int doff = 0; doff < 16; doff++) {
		enum parse_status want = doff < 5 || doff > 7 ? PARSE_MAL_TCP_OFFSET : PARSE_IP;
		enum parse_status st;

		p.b[34 + 12] = (uint8_t)(doff << 4);
		st = run_pkt(&p, &pi);
		if (st != want)
			fail_msg("doff %d: got %s", doff, parse_status_name(st));
		if (want == PARSE_IP)
			assert_int_equal(pi.payload_len, 28 - doff * 4);
	}
	/* The reserved low nibble is not part of the offset. */
	p.b[34 + 12] = 0x5f;
	assert_int_equal(run_pkt(&p, &pi), PARSE_IP);
	assert_int_equal(pi.payload_len, 8);

	/* 19 bytes of TCP. */
	eth(&p, 0x0800);
	ipv4(&p, P_TCP, 0);
	tk_payload(&p, 19);
	tk_finish(&p);
	expect_status(&p, PARSE_MAL_TRUNCATED);
}

static void
test_udp_length(void **state)
{
	static const struct {
		uint16_t ulen;
		enum parse_status st;
	} cases[] = {
		{0, PARSE_MAL_UDP_LENGTH},
		{7, PARSE_MAL_UDP_LENGTH},
		{8, PARSE_IP},
		{20, PARSE_IP},
		{21, PARSE_MAL_UDP_LENGTH},
		{0xffff, PARSE_MAL_UDP_LENGTH},
	};
	struct tk_pkt p;
	struct parse_info pi;

	(void)state;
	eth(&p, 0x86dd);
	ipv6(&p, P_UDP);
	tk_udp(&p, 111, 222);
	tk_payload(&p, 12);
	tk_finish(&p);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum parse_status st;

		tk_wr16(p.b + p.udp + 4, cases[i].ulen);
		st = run_pkt(&p, &pi);
		if (st != cases[i].st)
			fail_msg("udp length %u: got %s", cases[i].ulen, parse_status_name(st));
		assert_int_equal(pi.sport, 111);
		assert_int_equal(pi.dport, 222);
	}

	/* 7 bytes of UDP. */
	eth(&p, 0x0800);
	ipv4(&p, P_UDP, 0);
	tk_payload(&p, 7);
	tk_finish(&p);
	expect_status(&p, PARSE_MAL_TRUNCATED);
}

static void
test_icmp_short(void **state)
{
	struct tk_pkt p;

	(void)state;
	for (int fam = 4; fam <= 6; fam += 2) {
		uint8_t echo = fam == 4 ? 8 : 128, other = fam == 4 ? 11 : 1;

		for (uint32_t n = 0; n <= 8; n++) {
			uint8_t types[2] = {echo, other};

			for (int t = 0; t < 2; t++) {
				enum parse_status want = PARSE_IP;

				if (n < 4 || (t == 0 && n < 8))
					want = PARSE_MAL_TRUNCATED;
				if (fam == 4) {
					eth(&p, 0x0800);
					ipv4(&p, P_ICMP, 0);
				} else {
					eth(&p, 0x86dd);
					ipv6(&p, P_ICMPV6);
				}
				tk_icmp(&p, types[t], 0, 1, 1);
				p.len -= 8 - n;
				tk_finish(&p);
				/* IPv6 with no payload at all is a jumbogram, not a short ICMP. */
				if (fam == 6 && n == 0)
					want = PARSE_MAL_IPV6_LENGTH;
				expect_status(&p, want);
			}
		}
	}
}

/* ---- truncation at every byte ---- */

/*
 * Every proper prefix of @p p must fail: TRUNCATED while the cut is inside Ethernet, the
 * tags or the IP header (which ends at @p l3_end), the IP length reason past it.
 */
static void
check_frame_cuts(const struct tk_pkt *p, uint32_t l3_end, enum parse_status past)
{
	struct parse_info pi;

	assert_int_equal(run_pkt(p, &pi), PARSE_IP);
	for (uint32_t len = 0; len < p->len; len++) {
		enum parse_status want = len < l3_end ? PARSE_MAL_TRUNCATED : past;
		enum parse_status st = run(p->b, len, &pi);

		if (st != want)
			fail_msg("cut at %u of %u: got %s, want %s", len, p->len,
				 parse_status_name(st), parse_status_name(want));
	}
}

/*
 * Cut the datagram itself: the frame ends at @p len and the IP length field agrees, so
 * every L4 (and IPv6 extension) bounds check is reached. @p want(n) gives the status for
 * a datagram with n bytes after the IP header, which ends at @p l3_end.
 */
static void
check_datagram_cuts(const struct tk_pkt *p, enum parse_status (*want)(uint32_t n), uint32_t l3_end)
{
	struct tk_pkt c;
	struct parse_info pi;

	for (uint32_t len = l3_end; len <= p->len; len++) {
		enum parse_status st;

		memcpy(&c, p, sizeof(c));
		c.len = len;
		c.udp = 0; /* keep the UDP length that was built */
		tk_finish(&c);
		st = run_pkt(&c, &pi);
		if (st != want(len - l3_end))
			fail_msg("datagram cut to %u: got %s, want %s", len - l3_end,
				 parse_status_name(st), parse_status_name(want(len - l3_end)));
	}
}

/* QinQ, IPv4 with 12 option bytes, TCP with 12 option bytes, 10 bytes of payload. */
static void
build_tcp_v4_vlan(struct tk_pkt *p)
{
	eth(p, 0x88a8);
	tk_vlan(p, 10, 0x8100);
	tk_vlan(p, 20, 0x0800);
	ipv4(p, P_TCP, 12);
	tk_tcp(p, 1111, 2222, 3333, 4444, F_ACK, 5555, 12);
	tk_payload(p, 10);
	tk_finish(p);
}

static enum parse_status
want_tcp_v4_vlan(uint32_t n)
{
	if (n < 20)
		return PARSE_MAL_TRUNCATED;
	return n < 32 ? PARSE_MAL_TCP_OFFSET : PARSE_IP;
}

static void
test_cuts_tcp_v4_vlan(void **state)
{
	struct tk_pkt p;

	(void)state;
	build_tcp_v4_vlan(&p);
	assert_int_equal(p.len, 22 + 32 + 32 + 10);
	check_frame_cuts(&p, 22 + 32, PARSE_MAL_IPV4_LENGTH);
	check_datagram_cuts(&p, want_tcp_v4_vlan, 22 + 32);
}

/* IPv6, hop-by-hop (8), routing (24), AH (16), fragment (first), TCP doff 6, 4 bytes. */
static void
build_tcp_v6_ext(struct tk_pkt *p)
{
	eth(p, 0x8100);
	tk_vlan(p, 300, 0x86dd);
	ipv6(p, P_HOP);
	tk_ipv6_ext(p, P_HOP, P_ROUTING, 8);
	tk_ipv6_ext(p, P_ROUTING, P_AH, 24);
	tk_ipv6_ext(p, P_AH, P_FRAG, 16);
	tk_ipv6_frag(p, P_TCP, 0, 1);
	tk_tcp(p, 80, 8080, 1, 2, F_SYN | F_ACK, 3, 4);
	tk_payload(p, 4);
	tk_finish(p);
}

static enum parse_status
want_tcp_v6_ext(uint32_t n)
{
	if (n == 0)
		return PARSE_MAL_IPV6_LENGTH; /* payload length 0, next header not 59 */
	if (n < 8 + 24 + 16 + 8)
		return PARSE_MAL_IPV6_EXT;
	n -= 8 + 24 + 16 + 8;
	if (n < 20)
		return PARSE_MAL_TRUNCATED;
	return n < 24 ? PARSE_MAL_TCP_OFFSET : PARSE_IP;
}

static void
test_cuts_tcp_v6_ext(void **state)
{
	struct tk_pkt p;
	struct parse_info pi;

	(void)state;
	build_tcp_v6_ext(&p);
	assert_int_equal(run_pkt(&p, &pi), PARSE_IP);
	assert_int_equal(pi.flags, PARSE_F_FRAG_FIRST);
	assert_int_equal(pi.l4_off, 18 + 40 + 56);
	assert_int_equal(pi.l4_len, 28);
	assert_int_equal(pi.payload_len, 4);
	assert_int_equal(pi.vlan[0], 300);
	check_frame_cuts(&p, 18 + 40, PARSE_MAL_IPV6_LENGTH);
	check_datagram_cuts(&p, want_tcp_v6_ext, 18 + 40);
}

static void
build_udp_qinq(struct tk_pkt *p)
{
	eth(p, 0x8100);
	tk_vlan(p, 1, 0x8100);
	tk_vlan(p, 2, 0x0800);
	ipv4(p, P_UDP, 0);
	tk_udp(p, 123, 123);
	tk_payload(p, 48);
	tk_finish(p);
}

static enum parse_status
want_udp_qinq(uint32_t n)
{
	if (n < 8)
		return PARSE_MAL_TRUNCATED;
	return n < 56 ? PARSE_MAL_UDP_LENGTH : PARSE_IP; /* UDP length stays 56 */
}

static void
test_cuts_udp_qinq(void **state)
{
	struct tk_pkt p;

	(void)state;
	build_udp_qinq(&p);
	check_frame_cuts(&p, 22 + 20, PARSE_MAL_IPV4_LENGTH);
	check_datagram_cuts(&p, want_udp_qinq, 22 + 20);
}

static enum parse_status
want_icmp6_echo(uint32_t n)
{
	if (n == 0)
		return PARSE_MAL_IPV6_LENGTH;
	return n < 8 ? PARSE_MAL_TRUNCATED : PARSE_IP;
}

static void
test_cuts_icmp6_echo(void **state)
{
	struct tk_pkt p;

	(void)state;
	eth(&p, 0x86dd);
	ipv6(&p, P_ICMPV6);
	tk_icmp(&p, 129, 0, 77, 1);
	tk_payload(&p, 4);
	tk_finish(&p);
	check_frame_cuts(&p, 14 + 40, PARSE_MAL_IPV6_LENGTH);
	check_datagram_cuts(&p, want_icmp6_echo, 14 + 40);
}

/* ---- fuzz ---- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t
rng(void)
{
	/* xorshift64*: deterministic, good enough to spray bytes */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545f4914f6cdd1dull) >> 32);
}

/* What must hold whatever the input. */
static void
check_invariants(enum parse_status st, const struct parse_info *pi, uint32_t len)
{
	assert_in_range(st, PARSE_IP, PARSE_STATUS_COUNT - 1);
	if (st == PARSE_MAL_TRUNCATED && len < 14)
		return;
	assert_in_range(pi->n_vlan, 0, PARSE_MAX_VLANS);
	if (st == PARSE_MAL_VLAN_DEPTH)
		assert_int_equal(pi->n_vlan, PARSE_MAX_VLANS);
	if (st == PARSE_NON_IP)
		assert_true(pi->ethertype != 0x0800 && pi->ethertype != 0x86dd);
	if (st != PARSE_IP)
		return;
	assert_int_equal(pi->l3_off, 14 + 4 * pi->n_vlan);
	if (pi->family == 4) {
		assert_int_equal(pi->ethertype, 0x0800);
		assert_true(pi->l4_off >= pi->l3_off + 20 && pi->l4_off <= pi->l3_off + 60);
	} else {
		assert_int_equal(pi->family, 6);
		assert_int_equal(pi->ethertype, 0x86dd);
		assert_true(pi->l4_off >= pi->l3_off + 40);
	}
	assert_true((uint32_t)pi->l4_off + pi->l4_len <= len);
	assert_true(pi->flags <= (PARSE_F_FRAG_FIRST | PARSE_F_ICMP_ECHO | PARSE_F_ND | PARSE_F_RTHDR));
	if (pi->proto == P_TCP) {
		assert_true(pi->l4_len >= 20);
		assert_true(pi->payload_len <= pi->l4_len - 20);
		assert_true(pi->tcp_flags != 0 && pi->tcp_flags <= 0x3f);
	} else {
		assert_int_equal(pi->payload_len, 0);
	}
	if (pi->flags & PARSE_F_ICMP_ECHO)
		assert_int_equal(pi->sport, pi->dport);
}

static void
fuzz_one(const uint8_t *b, uint32_t len, unsigned int *hits)
{
	struct parse_info pi;
	enum parse_status st = run(b, len, &pi);

	check_invariants(st, &pi, len);
	hits[st]++;
}

static void
test_fuzz(void **state)
{
	static const uint16_t types[] = {0x0800, 0x86dd, 0x8100, 0x88a8};
	static const uint8_t protos[] = {P_TCP,	    P_UDP,  P_ICMP, P_ICMPV6, P_HOP,
					 P_ROUTING, P_FRAG, P_AH,   P_NONE,   P_ESP};
	unsigned int hits[PARSE_STATUS_COUNT] = {0};
	struct tk_pkt tmpl[6], m;

	(void)state;
	build_tcp_v4_vlan(&tmpl[0]);
	build_tcp_v6_ext(&tmpl[1]);
	build_udp_qinq(&tmpl[2]);
	eth(&tmpl[3], 0x86dd);
	ipv6(&tmpl[3], P_ICMPV6);
	tk_icmp(&tmpl[3], 135, 0, 0, 1);
	tk_payload(&tmpl[3], 16);
	tk_finish(&tmpl[3]);
	eth(&tmpl[4], 0x0800);
	ipv4(&tmpl[4], P_ICMP, 4);
	tk_icmp(&tmpl[4], 8, 0, 99, 1);
	tk_finish(&tmpl[4]);
	tk_ipv4_frag(&tmpl[4], TK_IP4_MF);
	eth(&tmpl[5], 0x86dd);
	ipv6(&tmpl[5], P_DSTOPTS);
	tk_ipv6_ext(&tmpl[5], P_DSTOPTS, P_FRAG, 16);
	tk_ipv6_frag(&tmpl[5], P_UDP, 0, 1);
	tk_udp(&tmpl[5], 1, 2);
	tk_payload(&tmpl[5], 9);
	tk_finish(&tmpl[5]);

	for (int i = 0; i < 200000; i++) {
		uint32_t len;

		if (i & 1) {
			/* Mutate a valid frame: a few bytes, biased to the headers, then cut. */
			const struct tk_pkt *t = &tmpl[rng() % 6];
			uint32_t n = 1 + rng() % 4;

			memcpy(m.b, t->b, t->len);
			len = t->len;
			for (uint32_t k = 0; k < n; k++) {
				uint32_t at = rng() % (rng() & 1 ? len : 70 < len ? 70 : len);

				m.b[at] = rng() & 1 ? (uint8_t)rng()
						    : m.b[at] ^ (uint8_t)(1 << rng() % 8);
			}
			if (rng() % 4 == 0)
				len = rng() % (len + 1);
		} else {
			/* Random bytes behind a plausible chain of ethertypes and IP versions. */
			uint32_t off = 12;

			len = rng() % 160;
			for (uint32_t k = 0; k < len; k++)
				m.b[k] = (uint8_t)rng();
			for (int tag = 0; tag < 4 && off + 2 <= len; tag++) {
				uint16_t et = types[rng() % 4];

				tk_wr16(m.b + off, et);
				off += 2;
				if (et == 0x0800 || et == 0x86dd) {
					if (off < len)
						m.b[off] = (uint8_t)((et == 0x0800 ? 0x45 : 0x60) +
								     rng() % 2);
					if (et == 0x0800 && off + 10 <= len)
						m.b[off + 9] = protos[rng() % 10];
					if (et == 0x86dd && off + 7 <= len)
						m.b[off + 6] = protos[rng() % 10];
					break;
				}
				off += 2;
			}
		}
		fuzz_one(m.b, len, hits);
	}

	/* The fuzz must reach every outcome, or it is not exercising the parser. */
	for (int s = 0; s < PARSE_STATUS_COUNT; s++) {
		print_message("fuzz %-16s %u\n", parse_status_name((enum parse_status)s), hits[s]);
		if (hits[s] == 0)
			fail_msg("fuzz never produced %s", parse_status_name((enum parse_status)s));
	}
}

/*
 * A routing header with segments left: the key uses the final destination (the reply comes
 * from it, with no routing header), SRv6's segment list[0] or type 0/2's last address.
 */
static void
test_ipv6_routing_final_dst(void **state)
{
	static const uint8_t fin[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x99};
	static const uint8_t v6b[16] = {V6B};
	const uint8_t types[3] = {4, 0, 2};
	struct tk_pkt p;

	(void)state;
	for (unsigned int t = 0; t < 3; t++) {
		struct parse_info pi;
		uint8_t *rh;

		for (unsigned int left = 0; left < 2; left++) {
			eth(&p, 0x86dd);
			ipv6(&p, P_ROUTING);
			rh = tk_ipv6_ext(&p, P_ROUTING, P_TCP, 8 + 16);
			rh[2] = types[t];
			rh[3] = (uint8_t)left;
			memcpy(rh + 8, fin, 16);
			tk_tcp(&p, 8080, 9090, 100, 200, F_RST, 0, 0);
			tk_finish(&p);
			assert_int_equal(parse_frame(p.b, p.len, &pi), PARSE_IP);
			if (left) {
				assert_memory_equal(pi.dst, fin, 16);
				assert_true(pi.flags & PARSE_F_RTHDR);
			} else {
				/* Segments left 0: the destination is the final one already. */
				assert_memory_equal(pi.dst, v6b, 16);
				assert_false(pi.flags & PARSE_F_RTHDR);
			}
		}
	}
	/* An unknown type keeps the destination. */
	eth(&p, 0x86dd);
	ipv6(&p, P_ROUTING);
	{
		uint8_t *rh = tk_ipv6_ext(&p, P_ROUTING, P_TCP, 8 + 16);
		struct parse_info pi;

		rh[2] = 3;
		rh[3] = 1;
		memcpy(rh + 8, fin, 16);
		tk_tcp(&p, 8080, 9090, 100, 200, F_RST, 0, 0);
		tk_finish(&p);
		assert_int_equal(parse_frame(p.b, p.len, &pi), PARSE_IP);
		assert_memory_equal(pi.dst, v6b, 16);
	}
}

/*
 * A jumbo frame received as an mbuf chain: the headers are in the first segment, the IP
 * lengths count the whole chain (parse_frame_wire). A header past the first segment is
 * truncated, never read.
 */
static void
test_chained_frame(void **state)
{
	struct tk_pkt p;
	struct parse_info pi;
	uint8_t *ip;

	(void)state;
	eth(&p, 0x0800);
	ip = tk_ipv4(&p, (const uint8_t *)"\xc6\x12\x00\x01", (const uint8_t *)"\xc6\x12\x00\x02",
		     P_TCP, 0);
	tk_tcp(&p, 40000, 80, 1, 2, F_ACK, 512, 0);
	tk_payload(&p, 100);
	tk_finish(&p);
	tk_wr16(ip + 2, 9000); /* the datagram as the whole chain carries it */
	/* As one contiguous frame, it is shorter than its IP length says. */
	assert_int_equal(parse_frame(p.b, p.len, &pi), PARSE_MAL_IPV4_LENGTH);
	/* As the first segment of a 9014-byte chain, it is whole. */
	assert_int_equal(parse_frame_wire(p.b, p.len, 14 + 9000, &pi), PARSE_IP);
	assert_int_equal(pi.l4_len, 9000 - 20);
	assert_int_equal(pi.payload_len, 9000 - 40);
	assert_int_equal(pi.sport, 40000);
	/* A first segment that ends inside the TCP header: truncated. */
	assert_int_equal(parse_frame_wire(p.b, 14 + 20 + 10, 14 + 9000, &pi),
			 PARSE_MAL_TRUNCATED);
	/* A chain shorter than the IP length: still a bad length. */
	assert_int_equal(parse_frame_wire(p.b, p.len, 14 + 8000, &pi), PARSE_MAL_IPV4_LENGTH);
}

/*
 * parse_frame_fast() must fill exactly what parse_frame_general() fills, whenever it takes a
 * frame: every frame it is meant for (single-tagged or untagged IPv4 without options, TCP
 * but SYN, UDP) and mutations of them and of frames it must leave alone (QinQ, options,
 * SYN, fragments, ICMP, IPv6, short frames, chained ones), each cut at every length. And
 * parse_frame_wire() (fast path first) must give the general parser's answer on all.
 */
static void
test_fast_path_same(void **state)
{
	static const struct tk_spec specs[] = {
		{.family = 4, .proto = P_TCP, .tcp_flags = F_ACK, .payload_len = 6},
		{.family = 4, .proto = P_TCP, .tcp_flags = F_ACK, .pad_to = 54},
		{.family = 4, .proto = P_TCP, .tcp_flags = F_ACK | F_FIN, .tcp_opt_len = 12},
		{.family = 4, .n_vlan = 1, .tpid = {0x8100}, .tci = {300}, .proto = P_TCP,
		 .tcp_flags = F_ACK, .payload_len = 100},
		{.family = 4, .n_vlan = 2, .tpid = {0x88a8, 0x8100}, .tci = {10, 20},
		 .proto = P_TCP, .tcp_flags = F_ACK},
		{.family = 4, .proto = P_TCP, .tcp_flags = F_SYN, .tcp_opt_len = 4},
		{.family = 4, .proto = P_TCP, .tcp_flags = F_RST},
		{.family = 4, .proto = P_TCP, .tcp_flags = F_ACK, .ip_opt_len = 4},
		{.family = 4, .proto = P_UDP, .payload_len = 18},
		{.family = 4, .proto = P_UDP, .pad_to = 42},
		{.family = 4, .n_vlan = 1, .tpid = {0x8100}, .tci = {7}, .proto = P_UDP},
		{.family = 4, .proto = P_UDP, .ip_frag = TK_IP4_MF},
		{.family = 4, .proto = P_ICMP, .icmp_type = 8, .icmp_id = 9},
		{.family = 4, .proto = 47, .payload_len = 20},
		{.family = 6, .proto = P_TCP, .tcp_flags = F_ACK},
		{.family = 6, .proto = P_UDP},
	};
	unsigned int fast = 0, fast_tcp = 0, fast_udp = 0, fast_tagged = 0, checked = 0;

	(void)state;
	for (unsigned int k = 0; k < N_ELEM(specs); k++) {
		struct tk_spec sp = specs[k];
		uint8_t base[256];
		uint32_t blen;

		sp.src = sp.family == 4 ? v4a : v6a;
		sp.dst = sp.family == 4 ? v4b : v6b;
		sp.sport = 40000;
		sp.dport = 443;
		sp.seq = 0x10203040;
		sp.ack = 0x50607080;
		sp.win = 0xfff0;
		blen = tk_build(base, sizeof(base), &sp);
		assert_true(blen > 0);
		for (uint32_t mut = 0; mut < 2000; mut++) {
			uint8_t f[256];
			uint32_t len = blen, wire;
			struct parse_info a, b;
			enum parse_status sa, sw;

			memcpy(f, base, blen);
			if (mut > 0) {
				/* One or two bytes of the headers changed, often to a telling value. */
				static const uint8_t vals[] = {0x00, 0xff, 0x45, 0x46, 0x08, 0x81,
							       0x06, 0x11, 0x20, 0x02, 0x10, 0x50};

				for (uint32_t n = 0; n < 1 + rng() % 2; n++) {
					uint32_t at = rng() % (blen < 64 ? blen : 64);

					f[at] = rng() % 2 ? vals[rng() % N_ELEM(vals)]
							  : (uint8_t)(f[at] ^ (1u << rng() % 8));
				}
				if (rng() % 3 == 0)
					len = rng() % (blen + 1);
			}
			/* An exactly sized heap block: ASan sees any read past the frame. */
			uint8_t *blk = malloc(len ? len : 1);
			bool took;

			assert_non_null(blk);
			memcpy(blk, f, len);
			wire = rng() % 4 == 0 ? len + rng() % 100 : len;
			memset(&a, 0x5a, sizeof(a));
			memset(&b, 0xa5, sizeof(b));
			sa = parse_frame_general(blk, len, wire, &a);
			sw = parse_frame_wire(blk, len, wire, &b);
			assert_int_equal(sw, sa);
			assert_memory_equal(&b, &a, sizeof(a));
			memset(&b, 0xa5, sizeof(b));
			took = parse_frame_fast(blk, len, wire, &b);
			free(blk);
			if (took) {
				assert_int_equal(sa, PARSE_IP);
				assert_memory_equal(&b, &a, sizeof(a));
				fast++;
				fast_tcp += a.proto == P_TCP;
				fast_udp += a.proto == P_UDP;
				fast_tagged += a.n_vlan == 1;
			} else if (mut == 0) {
				/* The unmutated frames it is meant for: never left to the slow path. */
				assert_false(sp.n_vlan < 2 && sp.family == 4 && sp.ip_opt_len == 0 &&
					     sp.ip_frag == 0 &&
					     ((sp.proto == P_TCP && !(sp.tcp_flags & F_SYN)) ||
					      sp.proto == P_UDP));
			}
			checked++;
		}
	}
	assert_int_equal(checked, N_ELEM(specs) * 2000);
	/* The fast path itself was taken, on each kind it serves. */
	assert_true(fast_tcp > 1000);
	assert_true(fast_udp > 1000);
	assert_true(fast_tagged > 500);
	assert_true(fast < checked / 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status_names),
		cmocka_unit_test(test_tcp_v4),
		cmocka_unit_test(test_tcp_v4_options),
		cmocka_unit_test(test_tcp_v4_padding),
		cmocka_unit_test(test_vlan_single),
		cmocka_unit_test(test_vlan_qinq),
		cmocka_unit_test(test_udp_v6),
		cmocka_unit_test(test_udp_short_length_ok),
		cmocka_unit_test(test_icmp_v4),
		cmocka_unit_test(test_icmp_v6),
		cmocka_unit_test(test_other_protocols),
		cmocka_unit_test(test_ipv6_ext_chain),
		cmocka_unit_test(test_ipv6_padding),
		cmocka_unit_test(test_tcp_flag_combos),
		cmocka_unit_test(test_fragments_v4),
		cmocka_unit_test(test_fragments_v4_udp),
		cmocka_unit_test(test_fragments_v6),
		cmocka_unit_test(test_short_frames),
		cmocka_unit_test(test_non_ip),
		cmocka_unit_test(test_vlan_depth),
		cmocka_unit_test(test_ipv4_header),
		cmocka_unit_test(test_ipv4_length),
		cmocka_unit_test(test_ipv6_header_length),
		cmocka_unit_test(test_ipv6_ext_bad),
		cmocka_unit_test(test_tcp_offset),
		cmocka_unit_test(test_udp_length),
		cmocka_unit_test(test_icmp_short),
		cmocka_unit_test(test_cuts_tcp_v4_vlan),
		cmocka_unit_test(test_cuts_tcp_v6_ext),
		cmocka_unit_test(test_cuts_udp_qinq),
		cmocka_unit_test(test_cuts_icmp6_echo),
		cmocka_unit_test(test_tcp_wscale),
		cmocka_unit_test(test_fuzz),
		cmocka_unit_test(test_ipv6_routing_final_dst),
		cmocka_unit_test(test_chained_frame),
		cmocka_unit_test(test_fast_path_same),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
