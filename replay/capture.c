/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "capture.h"

#define SLL_HLEN 16
#define SLL2_HLEN 20
#define SLL_PKTTYPE_OUTGOING 4
#define ARPHRD_ETHER 1
#define ETH_VLAN 0x8100
#define ETH_QINQ 0x88a8
#define ETH_IPV4 0x0800
#define ETH_IPV6 0x86dd
#define PCAP_MAGIC_US 0xa1b2c3d4u
#define PCAP_MAGIC_NS 0xa1b23c4du
#define PCAP_FILE_HLEN 24
#define PCAP_REC_HLEN 16
/* libpcap's limit for a record (MAXIMUM_SNAPLEN): larger ones are damage, not frames. */
#define PCAP_MAX_CAPLEN 262144u

/* Locally administered, so that no one mistakes them for the capture's own. */
static const uint8_t fake_dst[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x02};
static const uint8_t fake_src[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};

static inline uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline void
wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

bool
cap_linktype_supported(int dlt)
{
	return dlt == DLT_EN10MB || dlt == DLT_LINUX_SLL || dlt == DLT_LINUX_SLL2 ||
	       dlt == DLT_RAW || dlt == DLT_IPV4 || dlt == DLT_IPV6;
}

const char *
cap_linktype_name(int dlt)
{
	const char *n = pcap_datalink_val_to_name(dlt);

	return n != NULL ? n : "unknown";
}

int
cap_fopen(struct cap_reader *r, FILE *f, const char *name, char *err, size_t errlen)
{
	char pe[PCAP_ERRBUF_SIZE] = "";
	struct stat st;

	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "%s", name);
	if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0) {
		snprintf(err, errlen, "%s: empty file: not a pcap or pcapng capture", name);
		fclose(f);
		return -1;
	}
	r->p = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_NANO, pe);
	if (r->p == NULL) {
		/* libpcap's words ("unknown file format", "truncated dump file; ..."). */
		pe[strcspn(pe, "\n")] = '\0';
		snprintf(err, errlen, "%s: not a readable pcap or pcapng capture: %s", name, pe);
		fclose(f);
		return -1;
	}
	r->linktype = pcap_datalink(r->p);
	r->snaplen = (uint32_t)pcap_snapshot(r->p);
	if (!cap_linktype_supported(r->linktype)) {
		snprintf(err, errlen,
			 "%s: link type %d (%s) is not supported: Ethernet, LINUX_SLL, "
			 "LINUX_SLL2 and raw IP (RAW, IPV4, IPV6) are",
			 name, r->linktype, cap_linktype_name(r->linktype));
		cap_close(r);
		return -1;
	}
	return 0;
}

static inline uint32_t
rd32x(const uint8_t *p, bool swapped)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return swapped ? __builtin_bswap32(v) : v;
}

/* Whether @m (@len bytes) is a classic pcap file; if so, read its records from @m. */
static bool
use_classic(struct cap_reader *r, const uint8_t *m, size_t len)
{
	uint32_t magic;

	if (len < PCAP_FILE_HLEN)
		return false;
	memcpy(&magic, m, 4);
	if (magic == PCAP_MAGIC_US || magic == PCAP_MAGIC_NS) {
		r->swapped = false;
	} else if (__builtin_bswap32(magic) == PCAP_MAGIC_US ||
		   __builtin_bswap32(magic) == PCAP_MAGIC_NS) {
		r->swapped = true;
		magic = __builtin_bswap32(magic);
	} else {
		return false; /* pcapng, or a variant only libpcap knows */
	}
	r->nsec = magic == PCAP_MAGIC_NS;
	r->map = m;
	r->map_len = len;
	r->off = PCAP_FILE_HLEN;
	return true;
}

bool
cap_use_buffer(struct cap_reader *r, const uint8_t *buf, size_t len)
{
	r->map_owned = false;
	return use_classic(r, buf, len);
}

/* A classic pcap file libpcap has opened: map it and read its records from the map. */
static void
map_classic(struct cap_reader *r, int fd)
{
	struct stat st;
	void *m;

	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < PCAP_FILE_HLEN)
		return;
	m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (m == MAP_FAILED)
		return;
	if (!use_classic(r, m, (size_t)st.st_size)) {
		munmap(m, (size_t)st.st_size);
		return;
	}
	(void)madvise(m, (size_t)st.st_size, MADV_SEQUENTIAL);
	r->map_owned = true;
}

int
cap_open(struct cap_reader *r, const char *path, char *err, size_t errlen)
{
	struct stat st;
	FILE *f;

	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s: is a directory, not a capture file", path);
		return -1;
	}
	f = fopen(path, "rb");
	if (f == NULL) {
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return -1;
	}
	if (cap_fopen(r, f, path, err, errlen) < 0)
		return -1;
	map_classic(r, fileno(pcap_file(r->p)));
	return 0;
}

void
cap_close(struct cap_reader *r)
{
	if (r->map != NULL && r->map_owned)
		munmap((void *)(uintptr_t)r->map, r->map_len);
	r->map = NULL;
	if (r->p != NULL)
		pcap_close(r->p);
	r->p = NULL;
}

/* cap_next() on a mapped classic pcap file: libpcap's checks, libpcap's words. */
static int
next_mapped(struct cap_reader *r, struct cap_pkt *pkt, char *err, size_t errlen)
{
	const uint8_t *h = r->map + r->off;
	size_t left = r->map_len - r->off;
	uint32_t sec, frac, caplen, len;

	if (left == 0)
		return 0;
	if (left < PCAP_REC_HLEN) {
		snprintf(err, errlen,
			 "%s: after record %llu: truncated dump file; tried to read %u header "
			 "bytes, only got %zu",
			 r->name, (unsigned long long)r->records, PCAP_REC_HLEN, left);
		return -1;
	}
	sec = rd32x(h, r->swapped);
	frac = rd32x(h + 4, r->swapped);
	caplen = rd32x(h + 8, r->swapped);
	len = rd32x(h + 12, r->swapped);
	if (caplen > PCAP_MAX_CAPLEN) {
		snprintf(err, errlen,
			 "%s: after record %llu: invalid packet capture length %u, bigger than "
			 "the maximum of %u",
			 r->name, (unsigned long long)r->records, caplen, PCAP_MAX_CAPLEN);
		return -1;
	}
	if (left - PCAP_REC_HLEN < caplen) {
		snprintf(err, errlen,
			 "%s: after record %llu: truncated dump file; tried to read %u captured "
			 "bytes, only got %zu",
			 r->name, (unsigned long long)r->records, caplen, left - PCAP_REC_HLEN);
		return -1;
	}
	r->records++;
	r->off += PCAP_REC_HLEN + caplen;
	/* The hardware's prefetch stops at 4 KiB pages: ask for the next ones early. */
	if (r->map_len - r->off > 2048)
		__builtin_prefetch(r->map + r->off + 2048);
	if (frac >= (r->nsec ? 1000000000u : 1000000u)) {
		r->bad_ts++;
		pkt->ts_ns = 0;
	} else {
		pkt->ts_ns = (uint64_t)sec * 1000000000ull + (r->nsec ? frac : frac * 1000ull);
	}
	pkt->caplen = caplen;
	pkt->len = len < caplen ? caplen : len;
	pkt->data = h + PCAP_REC_HLEN;
	return 1;
}

int
cap_next(struct cap_reader *r, struct cap_pkt *pkt, char *err, size_t errlen)
{
	struct pcap_pkthdr *h;
	const u_char *data;
	int rc;

	if (r->map != NULL)
		return next_mapped(r, pkt, err, errlen);
	rc = pcap_next_ex(r->p, &h, &data);
	if (rc == PCAP_ERROR_BREAK)
		return 0;
	if (rc != 1) {
		const char *pe = pcap_geterr(r->p);

		snprintf(err, errlen, "%s: after record %llu: %.*s", r->name,
			 (unsigned long long)r->records, (int)strcspn(pe, "\n"), pe);
		return -1;
	}
	r->records++;
	/* The reader was opened for nanoseconds: tv_usec holds them. */
	if (h->ts.tv_sec < 0 || (uint64_t)h->ts.tv_sec > UINT64_MAX / 1000000000ull - 1 ||
	    h->ts.tv_usec < 0 || h->ts.tv_usec >= 1000000000) {
		r->bad_ts++;
		pkt->ts_ns = 0;
	} else {
		pkt->ts_ns = (uint64_t)h->ts.tv_sec * 1000000000ull + (uint64_t)h->ts.tv_usec;
	}
	pkt->caplen = h->caplen;
	pkt->len = h->len < h->caplen ? h->caplen : h->len;
	pkt->data = data;
	return 1;
}

/*
 * Copy @p n payload bytes (of which @p have were captured) after an Ethernet header at
 * @p buf; zero-fill the rest. Returns the frame length.
 */
static uint32_t
fill(uint8_t *buf, uint32_t room, const uint8_t *payload, uint32_t have, uint32_t wire,
     bool *truncated)
{
	uint32_t n = wire;

	if (n > room - CAP_ETH_HLEN)
		n = room - CAP_ETH_HLEN;
	if (have > n)
		have = n;
	memcpy(buf + CAP_ETH_HLEN, payload, have);
	if (have < n) {
		memset(buf + CAP_ETH_HLEN + have, 0, n - have);
		*truncated = true;
	}
	return CAP_ETH_HLEN + n;
}

enum cap_conv
cap_to_eth(int dlt, const struct cap_pkt *pkt, uint8_t *buf, uint32_t room, uint32_t *len,
	   bool *truncated)
{
	const uint8_t *d = pkt->data;
	uint32_t cap = pkt->caplen, wire = pkt->len;
	uint32_t hl;
	uint16_t proto;

	*truncated = cap < wire;
	if (room < CAP_FRAME_MAX)
		return CAP_CONV_SHORT;
	switch (dlt) {
	case DLT_EN10MB:
		if (cap < CAP_ETH_HLEN)
			return CAP_CONV_SHORT;
		memcpy(buf, d, CAP_ETH_HLEN);
		*len = fill(buf, room, d + CAP_ETH_HLEN, cap - CAP_ETH_HLEN, wire - CAP_ETH_HLEN,
			    truncated);
		return CAP_CONV_OK;
	case DLT_LINUX_SLL:
	case DLT_LINUX_SLL2: {
		const uint8_t *addr;
		uint16_t alen;

		hl = dlt == DLT_LINUX_SLL ? SLL_HLEN : SLL2_HLEN;
		if (cap < hl)
			return CAP_CONV_SHORT;
		if (dlt == DLT_LINUX_SLL) {
			proto = rd16(d + 14);
			alen = rd16(d + 4);
			addr = d + 6;
		} else {
			proto = rd16(d);
			alen = d[11];
			addr = d + 12;
		}
		memcpy(buf, fake_dst, 6);
		memcpy(buf + 6, alen == 6 ? addr : fake_src, 6);
		wr16(buf + 12, proto);
		*len = fill(buf, room, d + hl, cap - hl, wire - hl, truncated);
		return CAP_CONV_OK;
	}
	case DLT_RAW:
	case DLT_IPV4:
	case DLT_IPV6:
		if (cap < 1)
			return CAP_CONV_SHORT;
		switch (d[0] >> 4) {
		case 4:
			proto = ETH_IPV4;
			break;
		case 6:
			proto = ETH_IPV6;
			break;
		default:
			return CAP_CONV_NOT_IP;
		}
		memcpy(buf, fake_dst, 6);
		memcpy(buf + 6, fake_src, 6);
		wr16(buf + 12, proto);
		*len = fill(buf, room, d, cap, wire, truncated);
		return CAP_CONV_OK;
	default:
		return CAP_CONV_SHORT;
	}
}

/* Offset of the IP header in Ethernet frame @p eth and its ethertype; 0 if not IP. */
static uint32_t
eth_l3(const uint8_t *eth, uint32_t len, uint16_t *et, uint32_t *ip_len)
{
	uint32_t off = CAP_ETH_HLEN;

	if (len < CAP_ETH_HLEN)
		return 0;
	*et = rd16(eth + 12);
	while ((*et == ETH_VLAN || *et == ETH_QINQ) && off + 4 <= len) {
		*et = rd16(eth + off + 2);
		off += 4;
	}
	if (*et == ETH_IPV4 && off + 20 <= len)
		*ip_len = rd16(eth + off + 2);
	else if (*et == ETH_IPV6 && off + 40 <= len)
		*ip_len = 40u + rd16(eth + off + 4);
	else
		return 0;
	if (*ip_len > len - off)
		*ip_len = len - off;
	return off;
}

uint32_t
cap_from_eth(int dlt, const uint8_t *eth, uint32_t len, uint8_t *buf, uint32_t room)
{
	uint32_t off, ip_len = 0, n;
	uint16_t et = 0;

	if (dlt == DLT_EN10MB) {
		if (len > room)
			return 0;
		memcpy(buf, eth, len);
		return len;
	}
	off = eth_l3(eth, len, &et, &ip_len);
	if (off == 0)
		return 0;
	switch (dlt) {
	case DLT_LINUX_SLL:
	case DLT_LINUX_SLL2:
		/* Tags stay in the payload, the protocol field names the first TPID. */
		n = off + ip_len - CAP_ETH_HLEN;
		if (dlt == DLT_LINUX_SLL) {
			if (SLL_HLEN + n > room)
				return 0;
			memset(buf, 0, SLL_HLEN);
			wr16(buf, SLL_PKTTYPE_OUTGOING);
			wr16(buf + 2, ARPHRD_ETHER);
			wr16(buf + 4, 6);
			memcpy(buf + 6, eth + 6, 6);
			memcpy(buf + 14, eth + 12, 2);
			memcpy(buf + SLL_HLEN, eth + CAP_ETH_HLEN, n);
			return SLL_HLEN + n;
		}
		if (SLL2_HLEN + n > room)
			return 0;
		memset(buf, 0, SLL2_HLEN);
		memcpy(buf, eth + 12, 2);
		wr16(buf + 8, ARPHRD_ETHER);
		buf[10] = SLL_PKTTYPE_OUTGOING;
		buf[11] = 6;
		memcpy(buf + 12, eth + 6, 6);
		memcpy(buf + SLL2_HLEN, eth + CAP_ETH_HLEN, n);
		return SLL2_HLEN + n;
	case DLT_RAW:
	case DLT_IPV4:
	case DLT_IPV6:
		if (ip_len > room || (dlt == DLT_IPV4 && et != ETH_IPV4) ||
		    (dlt == DLT_IPV6 && et != ETH_IPV6))
			return 0;
		memcpy(buf, eth + off, ip_len);
		return ip_len;
	default:
		return 0;
	}
}
