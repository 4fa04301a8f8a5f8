/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * replay/capture.c link-type conversions, in plain buffers: each supported link type to
 * the Ethernet frame the engine parses (header bytes placed by hand here, after the link
 * types' published layouts, not by the code under test), the zero-fill of frames cut by
 * the snap length, records too short for their link header, and the way back for the
 * RSTs idlecut-replay writes (SLL, SLL2, raw IP, VLAN tags, Ethernet padding dropped).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "capture.h"

/* An IPv4/TCP datagram of 44 bytes: 20 IP + 20 TCP + 4 bytes of data. */
static void
ip_datagram(uint8_t *d)
{
	memset(d, 0, 44);
	d[0] = 0x45;
	d[3] = 44; /* total length */
	d[8] = 64;
	d[9] = 6;
	memcpy(d + 12, "\xc6\x12\x00\x01\xc6\x12\x00\x02", 8);
	d[20] = 0x9c; /* sport 40000 */
	d[21] = 0x40;
	d[23] = 80;
	d[32] = 0x50;
	d[33] = 0x18;
	memcpy(d + 40, "data", 4);
}

static uint8_t *
big(void)
{
	uint8_t *b = malloc(CAP_FRAME_MAX);

	assert_non_null(b);
	memset(b, 0xa5, CAP_FRAME_MAX);
	return b;
}

static void
test_ethernet_as_is(void **state)
{
	uint8_t rec[62], *b = big();
	struct cap_pkt p = {.caplen = 62, .len = 62, .data = rec};
	uint32_t len;
	bool tr;

	(void)state;
	memcpy(rec, "\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x81\x00\x01\x2c\x08\x00", 18);
	ip_datagram(rec + 18);
	assert_int_equal(cap_to_eth(DLT_EN10MB, &p, b, CAP_FRAME_MAX, &len, &tr), CAP_CONV_OK);
	assert_int_equal(len, 62);
	assert_false(tr);
	assert_memory_equal(b, rec, 62);
	free(b);
}

static void
test_sll_and_sll2(void **state)
{
	uint8_t rec[72], *b = big();
	struct cap_pkt p = {.data = rec};
	uint32_t len;
	bool tr;

	(void)state;
	/* SLL: packet type, ARPHRD, address length 6, address (8), protocol 0x0800 */
	memset(rec, 0, sizeof(rec));
	rec[1] = 4;
	rec[3] = 1;
	rec[5] = 6;
	memcpy(rec + 6, "\x0a\x0b\x0c\x0d\x0e\x0f", 6);
	rec[14] = 0x08;
	ip_datagram(rec + 16);
	p.caplen = p.len = 60;
	assert_int_equal(cap_to_eth(DLT_LINUX_SLL, &p, b, CAP_FRAME_MAX, &len, &tr), CAP_CONV_OK);
	assert_int_equal(len, 14 + 44);
	assert_memory_equal(b + 6, "\x0a\x0b\x0c\x0d\x0e\x0f", 6); /* the address: source MAC */
	assert_int_equal(b[12], 0x08);
	assert_int_equal(b[13], 0x00);
	assert_memory_equal(b + 14, rec + 16, 44);

	/* SLL2: protocol 0x8100 (a tag follows), reserved, ifindex, ARPHRD, type, alen 6 */
	memset(rec, 0, sizeof(rec));
	rec[0] = 0x81;
	rec[9] = 1;
	rec[11] = 6;
	memcpy(rec + 12, "\x0a\x0b\x0c\x0d\x0e\x0f", 6);
	memcpy(rec + 20, "\x01\x2c\x08\x00", 4); /* VLAN 300, then IPv4 */
	ip_datagram(rec + 24);
	p.caplen = p.len = 20 + 4 + 44;
	assert_int_equal(cap_to_eth(DLT_LINUX_SLL2, &p, b, CAP_FRAME_MAX, &len, &tr), CAP_CONV_OK);
	assert_int_equal(len, 14 + 4 + 44);
	assert_int_equal(b[12], 0x81);
	assert_int_equal(b[13], 0x00);
	assert_memory_equal(b + 14, "\x01\x2c\x08\x00", 4);
	assert_memory_equal(b + 6, "\x0a\x0b\x0c\x0d\x0e\x0f", 6);
	free(b);
}

static void
test_raw_ip(void **state)
{
	uint8_t rec[44], *b = big();
	struct cap_pkt p = {.caplen = 44, .len = 44, .data = rec};
	uint32_t len;
	bool tr;

	(void)state;
	ip_datagram(rec);
	assert_int_equal(cap_to_eth(DLT_RAW, &p, b, CAP_FRAME_MAX, &len, &tr), CAP_CONV_OK);
	assert_int_equal(len, 58);
	assert_int_equal(b[12] << 8 | b[13], 0x0800);
	assert_memory_equal(b + 14, rec, 44);
	rec[0] = 0x60;
	assert_int_equal(cap_to_eth(DLT_IPV6, &p, b, CAP_FRAME_MAX, &len, &tr), CAP_CONV_OK);
	assert_int_equal(b[12] << 8 | b[13], 0x86dd);
	rec[0] = 0x55; /* version 5: not IP */
	assert_int_equal(cap_to_eth(DLT_RAW, &p, b, CAP_FRAME_MAX, &len, &tr), CAP_CONV_NOT_IP);
	free(b);
}

static void
test_snaplen_zero_fill(void **state)
{
	uint8_t rec[14 + 44], *b = big();
	struct cap_pkt p = {.caplen = 14 + 40, .len = 14 + 1000, .data = rec};
	uint32_t len;
	bool tr;

	(void)state;
	memcpy(rec, "\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x08\x00", 14);
	ip_datagram(rec + 14);
	assert_int_equal(cap_to_eth(DLT_EN10MB, &p, b, CAP_FRAME_MAX, &len, &tr), CAP_CONV_OK);
	assert_true(tr);
	assert_int_equal(len, 14 + 1000); /* as long as it was on the wire */
	assert_memory_equal(b, rec, 14 + 40);
	for (uint32_t i = 14 + 40; i < len; i++)
		assert_int_equal(b[i], 0);
	/* Longer than any frame the engine takes: capped, not overrun. */
	p.len = 1u << 20;
	assert_int_equal(cap_to_eth(DLT_EN10MB, &p, b, CAP_FRAME_MAX, &len, &tr), CAP_CONV_OK);
	assert_int_equal(len, CAP_FRAME_MAX);
	free(b);
}

static void
test_short_records(void **state)
{
	uint8_t rec[20] = {0}, *b = big();
	struct cap_pkt p = {.data = rec};
	uint32_t len;
	bool tr;

	(void)state;
	p.caplen = p.len = 13;
	assert_int_equal(cap_to_eth(DLT_EN10MB, &p, b, CAP_FRAME_MAX, &len, &tr), CAP_CONV_SHORT);
	p.caplen = p.len = 15;
	assert_int_equal(cap_to_eth(DLT_LINUX_SLL, &p, b, CAP_FRAME_MAX, &len, &tr),
			 CAP_CONV_SHORT);
	p.caplen = p.len = 19;
	assert_int_equal(cap_to_eth(DLT_LINUX_SLL2, &p, b, CAP_FRAME_MAX, &len, &tr),
			 CAP_CONV_SHORT);
	p.caplen = p.len = 0;
	assert_int_equal(cap_to_eth(DLT_RAW, &p, b, CAP_FRAME_MAX, &len, &tr), CAP_CONV_SHORT);
	/* A room below CAP_FRAME_MAX is refused rather than risked. */
	p.caplen = p.len = 20;
	assert_int_equal(cap_to_eth(DLT_EN10MB, &p, b, 100, &len, &tr), CAP_CONV_SHORT);
	assert_false(cap_linktype_supported(105));
	assert_true(cap_linktype_supported(DLT_LINUX_SLL2));
	free(b);
}

static void
test_back_from_ethernet(void **state)
{
	uint8_t eth[64], out[128];
	uint32_t n;

	(void)state;
	/* A tagged RST as rst_build() makes it: padded to 64 bytes after a 44-byte datagram. */
	memset(eth, 0, sizeof(eth));
	memcpy(eth, "\x02\0\0\0\0\x02\x0a\x0b\x0c\x0d\x0e\x0f\x81\x00\x01\x2c\x08\x00", 18);
	ip_datagram(eth + 18);
	n = cap_from_eth(DLT_EN10MB, eth, 64, out, sizeof(out));
	assert_int_equal(n, 64);
	n = cap_from_eth(DLT_LINUX_SLL, eth, 64, out, sizeof(out));
	assert_int_equal(n, 16 + 4 + 44); /* the padding is not part of it */
	assert_int_equal(out[1], 4);	  /* outgoing */
	assert_int_equal(out[5], 6);
	assert_memory_equal(out + 6, "\x0a\x0b\x0c\x0d\x0e\x0f", 6);
	assert_memory_equal(out + 14, "\x81\x00\x01\x2c\x08\x00", 6); /* TPID, tag, type */
	assert_memory_equal(out + 20, eth + 18, 44);
	n = cap_from_eth(DLT_LINUX_SLL2, eth, 64, out, sizeof(out));
	assert_int_equal(n, 20 + 4 + 44);
	assert_int_equal(out[0] << 8 | out[1], 0x8100);
	assert_int_equal(out[10], 4);
	assert_int_equal(out[11], 6);
	assert_memory_equal(out + 24, eth + 18, 44);
	n = cap_from_eth(DLT_RAW, eth, 64, out, sizeof(out));
	assert_int_equal(n, 44);
	assert_memory_equal(out, eth + 18, 44);
	assert_int_equal(cap_from_eth(DLT_IPV6, eth, 64, out, sizeof(out)), 0); /* not IPv6 */
	assert_int_equal(cap_from_eth(DLT_LINUX_SLL, eth, 64, out, 40), 0);	/* no room */
	eth[16] = 0x08;
	eth[17] = 0x06; /* ARP: not IP */
	assert_int_equal(cap_from_eth(DLT_RAW, eth, 64, out, sizeof(out)), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ethernet_as_is), cmocka_unit_test(test_sll_and_sll2),
		cmocka_unit_test(test_raw_ip),	       cmocka_unit_test(test_snaplen_zero_fill),
		cmocka_unit_test(test_short_records),  cmocka_unit_test(test_back_from_ethernet),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
