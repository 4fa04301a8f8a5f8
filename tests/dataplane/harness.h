/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Dataplane test harness: EAL set-up and the worker under test, shared by the dataplane test
 * binaries (tests/dataplane/NAME_test.c, one per behaviour).
 *
 * The real worker (dataplane/worker.c and all under it) runs under EAL with four net_null
 * ports (valid port ids, no NIC, no hugepages), scenarios loaded from inline YAML or
 * configs/ by the real loader, mbufs built with the test kit (tests/lib) and an injected
 * clock: dp_shared.tsc0 = 0 and 2.5e6 TSC cycles per ms (a 2.5 GHz TSC: not 1e6, so that a
 * TSC-vs-nanosecond mix-up in the lateness shows), so fx_at(x, ms) puts the worker exactly
 * at tick ms and expiry, lateness and re-arming are deterministic.
 *
 * Expected values come from the test's own bookkeeping of what each endpoint sent (struct
 * tconn), never from the flow: RST frames are parsed back with parse_frame() and their
 * checksums verified by the test kit's independent verifier (fx_check_rst()).
 *
 * Usage: a test file defines its tests, a function that registers them with fx_add_test(),
 * and main() { return fx_main(argc, argv, "group", add_tests); }. A test makes a worker with
 * fx_new(yaml, scale, capacity), sends frames with fx_push(x, port, fx_mbuf(&pkt)) or
 * tc_seg(), moves the clock with fx_at(), reads what the worker did through fx_stats(),
 * fx_n_flows(), fx_rst_n() / fx_rst(), fx_flow_find(), and ends with fx_free(x).
 *
 * Every access to the worker's internals (struct worker fields, worker_*() calls, how RSTs
 * are queued) is in harness.c, behind the fx_*() functions below: tests never touch x->w.
 * The control thread's side (x->sh, struct dp_shared) is the tests' to write, as control
 * does.
 *
 * Thread safety: the fixture functions run on the main lcore, except what the concurrency
 * test calls from its own threads on a fixture each thread owns: fx_at(), fx_burst(),
 * fx_mbufs_alloc(), fx_fill(), fx_build() (no asserts in those), and fx_stats() read by a
 * third thread as the control thread reads counters.
 *
 * Shutdown order: fx_free() each fixture (it destroys the worker, which frees any RST still
 * queued: fx_flush_and_check() first to send and count them); fx_main() closes the ports,
 * frees the pool and cleans up EAL after the last test.
 */
#ifndef IDLECUT_TEST_HARNESS_H
#define IDLECUT_TEST_HARNESS_H

#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <rte_mbuf.h>

#include "event.h"
#include "flow.h"
#include "parse.h"
#include "scenario.h"
#include "snapshot.h"
#include "stats.h"
#include "worker.h"

#define SYN PARSE_TCP_SYN
#define ACK PARSE_TCP_ACK
#define FIN PARSE_TCP_FIN
#define RST PARSE_TCP_RST
#define PSH PARSE_TCP_PSH

/* Client ISN close to 2^32 so that the data of every connection wraps the sequence space. */
#define ISN_C 0xffffffc0u
#define ISN_S 500000u

/** Fails the test, naming both values, unless @p got == @p want. */
#define EQ(what, got, want)                                                                        \
	do {                                                                                       \
		uint64_t g_ = (uint64_t)(got), w_ = (uint64_t)(want);                              \
		if (g_ != w_)                                                                      \
			fail_msg("%s: %s = %" PRIu64 " (0x%" PRIx64 "), expected %" PRIu64         \
				 " (0x%" PRIx64 ")",                                               \
				 (what), #got, g_, g_, w_, w_);                                    \
	} while (0)

/* ------------------------------------------------------------------ frames */

/** An endpoint: its MAC, its address in each family (IPv4 v4-mapped) and its port. */
struct fx_ep {
	uint8_t mac[6];
	uint8_t ip4[16];
	uint8_t ip6[16];
	uint16_t port;
};

extern const struct fx_ep EP_CLIENT;
/** A client whose address sorts after the server's: endpoint 1 of the flow key. */
extern const struct fx_ep EP_CLIENT_HI;
extern const struct fx_ep EP_SERVER;

/** @p e's address in @p family (16 bytes, IPv4 v4-mapped). */
const uint8_t *fx_ip_of(const struct fx_ep *e, uint8_t family);

/** A frame from @p src to @p dst (IPv4 DF, TCP window 0x2000, zero payload). */
struct fx_pkt {
	uint8_t family; /* 4 or 6 */
	uint8_t proto;	/* 6, 17, 1, 58 or anything else */
	uint8_t n_vlan;
	uint16_t tpid[2];
	uint16_t vlan[2];
	const struct fx_ep *src;
	const struct fx_ep *dst;
	uint8_t flags; /* TCP */
	uint32_t seq;
	uint32_t ack;
	uint16_t len;	   /* payload bytes after the L4 header */
	uint8_t icmp_type; /* ICMP/ICMPv6 */
	uint16_t icmp_id;
	uint8_t doff; /* TCP data offset in 32-bit words; 0 means 5 */
	uint16_t cut; /* non-zero: the frame is cut to this many bytes */
};

/** An IPv4 TCP segment. */
struct fx_pkt fx_tcp_pkt(const struct fx_ep *src, const struct fx_ep *dst, uint8_t flags,
			 uint32_t seq, uint32_t ack, uint16_t len);

/** An IPv4 UDP datagram with 16 bytes of payload. */
struct fx_pkt fx_udp_pkt(const struct fx_ep *src, const struct fx_ep *dst);

/**
 * Writes the frame @p p describes at @p b (padded to 60 bytes). Returns its length, or 0 if
 * @p room is too small. No asserts.
 */
uint16_t fx_build(uint8_t *b, uint16_t room, const struct fx_pkt *p);

/** An mbuf from the pool holding @p p (fails the test if the pool is empty). */
struct rte_mbuf *fx_mbuf(const struct fx_pkt *p);

/** Writes @p p into the allocated mbuf @p m and sets its lengths; returns the length. */
uint16_t fx_fill(struct rte_mbuf *m, const struct fx_pkt *p);

/** rte_pktmbuf_alloc_bulk() from the pool: 0, or negative if it has fewer than @p n. */
int fx_mbufs_alloc(struct rte_mbuf **m, unsigned int n);

/** Free mbufs in the pool. */
unsigned int fx_mbufs_avail(void);

/** What an RST must look like. */
struct fx_rst {
	const uint8_t *dmac;
	const uint8_t *smac; /* NULL: not checked */
	uint8_t family;
	const uint8_t *sip;
	const uint8_t *dip;
	uint16_t sport;
	uint16_t dport;
	uint32_t seq;
	uint32_t ack; /* checked when flags has ACK */
	uint8_t flags;
	uint8_t n_vlan;
	uint16_t tpid[2];
	uint16_t vlan[2];
};

/** Fails the test unless @p m is the RST @p e describes, with right checksums. */
void fx_check_rst(const char *what, const struct rte_mbuf *m, const struct fx_rst *e);

/* ------------------------------------------------------------------ the worker */

/** A worker under test and what it was made from. Tests read these, never x->w. */
struct fx {
	struct dp_shared sh; /**< the control thread's side: tests write it as control does */
	struct cfg_scenario *scn;
	struct dp_snapshot *snap;
	struct worker *w;    /**< harness.c only */
	unsigned int avail0; /**< free mbufs when the fixture was made */
};

/** A snapshot of @p scn (generation 1); fails the test if it cannot be built. */
struct dp_snapshot *fx_snap_build(const struct cfg_scenario *scn, double scale);

/**
 * A worker on the scenario's pairs (pair p on net_null base+2p and base+2p+1), at tick 0.
 * Takes @p scn (fx_free() frees it).
 */
struct fx *fx_new_at(struct cfg_scenario *scn, double scale, uint32_t capacity, unsigned int base);
struct fx *fx_new_scn(struct cfg_scenario *scn, double scale, uint32_t capacity);
/** The same from YAML text, loaded by the real loader. */
struct fx *fx_load(const char *yaml, double scale, uint32_t capacity, unsigned int base);
struct fx *fx_new(const char *yaml, double scale, uint32_t capacity);
void fx_free(struct fx *x);

/** The worker's clock to the first TSC value of tick @p ms, and expiry run once. */
void fx_at(struct fx *x, uint32_t ms);

/** The index of profile @p name (fails the test if there is none). */
int fx_profile(const struct fx *x, const char *name);

/** One frame through the worker as received on worker port @p pi; returns 1 if forwarded. */
uint16_t fx_push(struct fx *x, unsigned int pi, struct rte_mbuf *m);

/** A burst through the worker: forwarded mbufs to @p out (returns their count). */
uint16_t fx_burst(struct fx *x, unsigned int pi, struct rte_mbuf **m, uint16_t n,
		  struct rte_mbuf **out);

/** The control thread published snapshot @p s: the worker takes it, as in its loop. */
void fx_publish(struct fx *x, const struct dp_snapshot *s);

/** Serve the control thread's flush and dump requests (x->sh), as the worker's loop does. */
void fx_requests(struct fx *x);

/** The worker's counters. */
const struct stats_lcore *fx_stats(const struct fx *x);

/** Flows in the worker's table. */
uint32_t fx_n_flows(const struct fx *x);

/** Flows expired so far, every profile and state. */
uint64_t fx_expired_total(const struct fx *x);

/** RSTs queued towards worker port @p pi, and the @p i-th of them. */
unsigned int fx_rst_n(const struct fx *x, unsigned int pi);
const struct rte_mbuf *fx_rst(const struct fx *x, unsigned int pi, unsigned int i);
/** RSTs queued on all ports. */
unsigned int fx_rst_queued(const struct fx *x);

/** Send the queued RSTs to net_null and check they all left and every mbuf came back. */
void fx_flush_and_check(struct fx *x);

/** The last dump the worker completed (its dump_seq), its flows and the @p i-th of them. */
uint32_t fx_dump_done(const struct fx *x);
uint32_t fx_dump_n(const struct fx *x);
const struct flow_dump *fx_dump(const struct fx *x, unsigned int i);
/** The last flush the worker completed (its flush_seq). */
uint32_t fx_flush_done(const struct fx *x);

/** Takes up to @p max flow events from the worker's ring; returns how many. */
unsigned int fx_events(struct fx *x, struct flow_event *ev, unsigned int max);

/** The ethdev id of net_null @p i (worker port index i of a fixture at base 0). */
uint16_t fx_port_id(unsigned int i);

/** The flow with this key in the worker's table, or NULL. */
struct flow *fx_flow_find(struct fx *x, uint8_t family, const uint8_t *a, uint16_t ap,
			  const uint8_t *b, uint16_t bp, uint8_t proto, uint8_t pair, uint16_t v0,
			  uint16_t v1);

/**
 * Nothing may expire at tick @p due - 1, up to its last TSC value; exactly one flow of
 * @p prof in @p state at the first TSC value of tick @p due.
 */
void fx_expect_expiry_at(struct fx *x, uint32_t due, int prof, enum flow_state state);

/* ------------------------------------------------------------------ TCP connections */

/** A TCP connection driven through the worker, with what each end sent. */
struct tconn {
	struct fx_ep c, s; /* client, server */
	uint8_t family;
	uint8_t n_vlan;
	uint16_t tpid[2];
	uint16_t vlan[2];
	uint8_t pair;
	uint16_t access_vlan; /* of the pair's ports (untagged frames) */
	unsigned int pi[2];   /* worker port index the client [0] / server [1] sends on */
	uint32_t nxt[2];      /* next sequence number each will send */
	uint32_t ack[2];      /* last ACK number each sent: its RCV.NXT */
};

void tc_init(struct tconn *t, uint8_t family, const struct fx_ep *c, const struct fx_ep *s,
	     uint8_t pair, bool client_outside);
void tc_tags(struct tconn *t, uint8_t n, uint16_t tpid0, uint16_t vlan0, uint16_t tpid1,
	     uint16_t vlan1);
/** Endpoint @p e (0 client, 1 server) sends a segment; returns 1 if it was forwarded. */
uint16_t tc_seg(struct fx *x, struct tconn *t, unsigned int e, uint8_t flags, uint16_t len);
/** Handshake and data both ways, from tick @p t0 to t0 + 2; returns the last tick. */
uint32_t tc_open(struct fx *x, struct tconn *t, uint32_t t0);
/** The connection's flow, or NULL. */
struct flow *tc_flow(struct fx *x, const struct tconn *t);
/** The RST towards endpoint @p to (0 client, 1 server) the bookkeeping predicts. */
struct fx_rst tc_rst_exp(const struct tconn *t, unsigned int to);
/**
 * Expect exactly @p n_client / @p n_server RSTs (0 or 1) queued on the ports of the
 * receivers' sides, each exactly as the bookkeeping predicts.
 */
void tc_check_rsts(struct fx *x, const struct tconn *t, unsigned int n_client,
		   unsigned int n_server);

/* ------------------------------------------------------------------ scenarios */

/** Four TCP profiles by server port: 80 reset-both, 81 client, 82 server, 83 silent. */
extern const char FX_T1_YAML[];
/** stray_tcp by server port: 80 drop, 81 reset, 82 adopt (1 s handshake, 3 s established). */
extern const char FX_T3_YAML[];

/* ------------------------------------------------------------------ running */

/** IDLECUT_SOURCE_ROOT (meson test sets it), or NULL. */
const char *fx_source_root(void);
/** CLOCK_MONOTONIC in seconds. */
double fx_now_s(void);

/** Registers a test: @p arg is its initial state. */
void fx_add_test(const char *name, CMUnitTestFunction fn, const void *arg);
/** printf into a string that lives until exit (test names). */
const char *fx_fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));

/**
 * Sets up EAL (--no-huge, four net_null ports, a unique --file-prefix), the mbuf pool and
 * the ports, calls @p add_tests, runs the tests as cmocka group @p group, tears it all down.
 * Returns the process exit status.
 */
int fx_main(int argc, char **argv, const char *group, void (*add_tests)(void));

#endif /* IDLECUT_TEST_HARNESS_H */
