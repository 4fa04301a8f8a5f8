/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Capture reader for idlecut-replay: pcap and pcapng files through libpcap, with
 * nanosecond timestamps, and the conversion of each frame of a supported link type to the
 * Ethernet frame the flow engine parses (and back, for what the replay writes).
 *
 * Usage:
 *	struct cap_reader r;
 *	char err[CAP_ERR_MAX];
 *	if (cap_open(&r, path, err, sizeof(err)) < 0)     // "PATH: message"
 *		fail(err);
 *	while ((rc = cap_next(&r, &pkt, err, sizeof(err))) > 0)
 *		cap_to_eth(r.linktype, &pkt, buf, sizeof(buf), &eth_len, &truncated);
 *	if (rc < 0) the file ends with a damaged or cut record (err says which);
 *	cap_close(&r);
 *
 * Link types: Ethernet (VLAN tags kept), Linux cooked SLL and SLL2 (`tcpdump -i any`; the
 * protocol field may be a VLAN TPID, the tag then follows), raw IP (DLT_RAW, LINKTYPE 101),
 * DLT_IPV4 and DLT_IPV6. The Ethernet frame gets fixed locally administered MACs, except
 * that an SLL/SLL2 source address of 6 bytes becomes the source MAC.
 *
 * A frame cut by the snap length (caplen < len) is zero-filled up to its length on the wire
 * in the converted copy, so that the parser sees the IP lengths the frame had and the TCP
 * tracker counts the segment's real length (sequence numbers stay exact); its headers must
 * lie within the captured bytes to be tracked, like any frame.
 *
 * Thread safety: a reader belongs to one thread; the conversions are pure functions.
 *
 * Shutdown: cap_close() once the last record's data is no longer used (it unmaps the file).
 */
#ifndef IDLECUT_CAPTURE_H
#define IDLECUT_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <pcap/pcap.h>

#define CAP_ERR_MAX 512
/** Largest frame handed to the engine: an IP datagram (64 KiB) with its link headers. */
#define CAP_FRAME_MAX (65535 + 64)
/** Bytes of Ethernet header the conversion adds in front of a raw IP datagram. */
#define CAP_ETH_HLEN 14

struct cap_reader {
	pcap_t *p;
	/* Classic pcap files are read from a private read-only mapping rather than through
	 * libpcap's stdio reads (a quarter of the replay's time): libpcap still opens and
	 * checks the file header, and reads pcapng. */
	const uint8_t *map;
	size_t map_len;
	size_t off;	  /**< next record in map */
	bool swapped;	  /**< the file's byte order is not ours */
	bool nsec;	  /**< nanosecond timestamps */
	bool map_owned;	  /**< map is ours to unmap (else the caller's buffer) */
	int linktype;	  /**< DLT_* of the file (pcap_datalink) */
	uint32_t snaplen; /**< the file's snap length */
	char name[256];	  /**< file name, for messages */
	uint64_t records; /**< records read so far */
	uint64_t bad_ts;  /**< records whose timestamp cannot be a time (read as 0) */
};

struct cap_pkt {
	uint64_t ts_ns;	     /**< capture time, ns since the epoch */
	uint32_t caplen;     /**< bytes captured, at data */
	uint32_t len;	     /**< bytes on the wire */
	const uint8_t *data; /**< valid until the next cap_next() */
};

/** Conversion results of cap_to_eth(). */
enum cap_conv {
	CAP_CONV_OK,	 /**< an Ethernet frame was written */
	CAP_CONV_SHORT,	 /**< shorter than its link-layer header: nothing to convert */
	CAP_CONV_NOT_IP, /**< raw link type, but not an IPv4/IPv6 datagram */
};

/**
 * Open a capture file (pcap or pcapng).
 *
 * @return 0, or -1 with @p err = "PATH: message" (missing, empty, not a capture, an
 *         unsupported link type, ...).
 */
int cap_open(struct cap_reader *r, const char *path, char *err, size_t errlen);

/** The same on an open stream (the fuzzer reads from memory); @p f is closed by cap_close. */
int cap_fopen(struct cap_reader *r, FILE *f, const char *name, char *err, size_t errlen);

/**
 * Read the next record.
 *
 * @return 1 (a record in @p pkt), 0 (end of file), or -1: the file is damaged or cut in the
 *         middle of a record; @p err says where ("PATH: after record N: ...").
 */
int cap_next(struct cap_reader *r, struct cap_pkt *pkt, char *err, size_t errlen);

void cap_close(struct cap_reader *r);

/**
 * After cap_fopen() of a stream whose bytes are all at @p buf (the fuzzer's fmemopen):
 * read the records of a classic pcap file from @p buf, as cap_open() does from its
 * mapping. @p buf must outlive the reader.
 *
 * @return whether @p buf is a classic pcap file (else libpcap keeps reading the stream).
 */
bool cap_use_buffer(struct cap_reader *r, const uint8_t *buf, size_t len);

/** Whether idlecut-replay reads link type @p dlt. */
bool cap_linktype_supported(int dlt);

/** Short name of link type @p dlt ("EN10MB", "LINUX_SLL2", ...), or "unknown". */
const char *cap_linktype_name(int dlt);

/**
 * Write the Ethernet frame of record @p pkt (link type @p dlt) at @p buf (@p room bytes,
 * at least CAP_FRAME_MAX). A record cut by the snap length is zero-filled up to its length
 * on the wire (at most CAP_FRAME_MAX) and *@p truncated set.
 *
 * @return a enum cap_conv; *@p len is the frame length on CAP_CONV_OK.
 */
enum cap_conv cap_to_eth(int dlt, const struct cap_pkt *pkt, uint8_t *buf, uint32_t room,
			 uint32_t *len, bool *truncated);

/**
 * Write Ethernet frame @p eth (@p len bytes, as rst_build() makes them) in link type
 * @p dlt at @p buf: the same frame for Ethernet; an SLL/SLL2 header (outgoing, source
 * address = the source MAC) before the Ethernet payload; the bare IP datagram for raw IP.
 * Ethernet padding after the IP datagram is dropped for the other link types.
 *
 * @return bytes written, or 0 if the frame does not fit or is not IP (raw types).
 */
uint32_t cap_from_eth(int dlt, const uint8_t *eth, uint32_t len, uint8_t *buf, uint32_t room);

#endif /* IDLECUT_CAPTURE_H */
