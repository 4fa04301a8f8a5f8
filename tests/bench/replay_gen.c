/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Capture generator for the idlecut-replay benchmark: a pcap (Ethernet, nanosecond
 * timestamps) of FLOWS TCP connections between 198.18.0.0/15 addresses, 60-byte frames (64 on
 * the wire with the FCS): each connection's handshake, then rounds of one data segment per
 * connection, alternating direction, until PACKETS records. Records are 100 ns apart.
 *
 *	replay-gen FLOWS PACKETS OUT.pcap
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FRAME 60

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

/* Flow i: client 198.18.x.y:(10000 + i % 50000), server 198.19.0.1:80. */
static void
frame(uint8_t *f, uint32_t i, int from_client, uint8_t flags, uint32_t seq, uint32_t ack)
{
	uint32_t c = 0xc6120000u | (i / 50000 + 1), s = 0xc6130001u; /* 198.18.., 198.19.0.1 */
	uint16_t cp = (uint16_t)(10000 + i % 50000);
	uint32_t sum = 0;

	memset(f, 0, FRAME);
	memcpy(f, from_client ? "\x02\0\0\0\0\x02" : "\x02\0\0\0\0\x01", 6);
	memcpy(f + 6, from_client ? "\x02\0\0\0\0\x01" : "\x02\0\0\0\0\x02", 6);
	put16(f + 12, 0x0800);
	f[14] = 0x45;
	put16(f + 16, 46); /* 20 + 20 + 6 bytes of data */
	f[22] = 64;
	f[23] = 6;
	put32(f + 26, from_client ? c : s);
	put32(f + 30, from_client ? s : c);
	for (int k = 14; k < 34; k += 2)
		sum += (uint32_t)(f[k] << 8 | f[k + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	put16(f + 24, (uint16_t)~sum);
	put16(f + 34, from_client ? cp : 80);
	put16(f + 36, from_client ? 80 : cp);
	put32(f + 38, seq);
	put32(f + 42, ack);
	f[46] = 0x50;
	f[47] = flags;
	put16(f + 48, 502);
}

int
main(int argc, char **argv)
{
	static uint8_t buf[1 << 20];
	uint64_t packets, n = 0, ns = 1700000000ull * 1000000000ull;
	uint32_t flows;
	size_t o = 0;
	FILE *out;

	if (argc != 4 || (flows = (uint32_t)strtoul(argv[1], NULL, 10)) == 0 || flows > 2500000 ||
	    (packets = strtoull(argv[2], NULL, 10)) < 3ull * flows) {
		fprintf(stderr,
			"usage: replay-gen FLOWS(1..2500000) PACKETS(>= 3 FLOWS) OUT.pcap\n");
		return 2;
	}
	out = fopen(argv[3], "wb");
	if (out == NULL) {
		perror(argv[3]);
		return 1;
	}
	{
		uint32_t hdr[6] = {0xa1b23c4d, 2 | (4u << 16), 0, 0, 65535, 1};

		fwrite(hdr, sizeof(hdr), 1, out);
	}
	for (uint64_t k = 0; n < packets; k++) {
		uint32_t i = (uint32_t)(k % flows);
		uint64_t round = k / flows;
		uint32_t rec[4];
		uint8_t *f;

		if (o + 16 + FRAME > sizeof(buf)) {
			fwrite(buf, 1, o, out);
			o = 0;
		}
		rec[0] = (uint32_t)(ns / 1000000000ull);
		rec[1] = (uint32_t)(ns % 1000000000ull);
		rec[2] = rec[3] = FRAME;
		memcpy(buf + o, rec, 16);
		f = buf + o + 16;
		if (round == 0) {
			/* the handshake, three records in a row */
			frame(f, i, 1, 0x02, 1000, 0);
			o += 16 + FRAME;
			memcpy(buf + o, rec, 16);
			frame(buf + o + 16, i, 0, 0x12, 5000, 1001);
			o += 16 + FRAME;
			memcpy(buf + o, rec, 16);
			f = buf + o + 16;
			frame(f, i, 1, 0x10, 1001, 5001);
			n += 2;
		} else {
			uint32_t d = (uint32_t)(round - 1) / 2 * 6;

			if (round % 2)
				frame(f, i, 1, 0x18, 1001 + d, 5001 + d);
			else
				frame(f, i, 0, 0x18, 5001 + d, 1007 + d);
		}
		o += 16 + FRAME;
		n++;
		ns += 100;
	}
	fwrite(buf, 1, o, out);
	return fclose(out) == 0 ? 0 : 1;
}
