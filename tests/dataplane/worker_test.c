/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Dataplane integration tests: the real worker (dataplane/worker.c, flow.c, flow_tcp.c,
 * rst.c, rules.c) under EAL, with net_null ports (valid port ids, no NIC, no hugepages),
 * scenarios loaded from inline YAML or configs/ by the real loader, crafted mbufs and an
 * injected clock: dp_shared.tsc0 = 0 and tsc_per_ms = 2.5e6 (a 2.5 GHz TSC: not 1e6, so that
 * a TSC-vs-nanosecond mix-up in the lateness shows), so worker_tick(w, ms * 2.5e6) puts the
 * worker exactly at tick "ms" and expiry, lateness and re-arming are deterministic.
 *
 * Expected values come from the test's own bookkeeping of what each endpoint sent, never
 * from the flow: RST frames are parsed back with parse_frame() and their IPv4 and TCP
 * checksums verified by an implementation of their own here. RSTs are inspected in
 * w->rst_buf, then worker_flush_rst() sends them to net_null, which frees them.
 *
 * The test named big_table_16Mi runs only with IDLECUT_BIG=1 (about 1.9 GB).
 *
 * Run: meson test -C build --suite dataplane (needs IDLECUT_SOURCE_ROOT, set by meson).
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_ring_elem.h>
#include <rte_mempool.h>

#include <cmocka.h>

#include "flow.h"
#include "flow_tcp.h"
#include "parse.h"
#include "port.h"
#include "rst.h"
#include "scenario.h"
#include "snapshot.h"
#include "stats.h"
#include "worker.h"

#define TSC_PER_MS 2500000ull /* 2.5 GHz */
#define N_PORTS 4
#define POOL_MBUFS 8191
#define MAX_TESTS 128

#define SYN PARSE_TCP_SYN
#define ACK PARSE_TCP_ACK
#define FIN PARSE_TCP_FIN
#define RST PARSE_TCP_RST
#define PSH PARSE_TCP_PSH

/* Client ISN close to 2^32 so that the data of every connection wraps the sequence space. */
#define ISN_C 0xffffffc0u
#define ISN_S 500000u

static struct rte_mempool *g_mp;
static uint16_t g_port[N_PORTS]; /* ethdev ids of net_null0..3 = worker port index 0..3 */

/* ------------------------------------------------------------------ checks */

#define EQ(what, got, want)                                                                        \
	do {                                                                                       \
		uint64_t g_ = (uint64_t)(got), w_ = (uint64_t)(want);                              \
		if (g_ != w_)                                                                      \
			fail_msg("%s: %s = %" PRIu64 " (0x%" PRIx64 "), expected %" PRIu64         \
				 " (0x%" PRIx64 ")",                                               \
				 (what), #got, g_, g_, w_, w_);                                    \
	} while (0)

static const char *
mac_str(const uint8_t *m, char *buf)
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
	return buf;
}

static void
mac_eq(const char *what, const uint8_t *got, const uint8_t *want)
{
	char a[18], b[18];

	if (memcmp(got, want, 6) != 0)
		fail_msg("%s: MAC %s, expected %s", what, mac_str(got, a), mac_str(want, b));
}

/* ------------------------------------------------------------------ frames */

#define V4(a, b, c, d)                                                                             \
	{                                                                                          \
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, a, b, c, d                               \
	}

/* An endpoint: its MAC, its address in each family (IPv4 v4-mapped) and its port. */
struct ep {
	uint8_t mac[6];
	uint8_t ip4[16];
	uint8_t ip6[16];
	uint16_t port;
};

static const struct ep EP_CLIENT = {
	.mac = {0x02, 0x00, 0x00, 0x00, 0x00, 0xc1},
	.ip4 = V4(198, 18, 0, 10),
	.ip6 = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10},
	.port = 40000,
};

/* A client whose address sorts after the server's: endpoint 1 of the flow key. */
static const struct ep EP_CLIENT_HI = {
	.mac = {0x02, 0x00, 0x00, 0x00, 0x00, 0xc2},
	.ip4 = V4(198, 18, 2, 10),
	.ip6 = {0x20, 0x01, 0x0d, 0xb8, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10},
	.port = 40001,
};

static const struct ep EP_SERVER = {
	.mac = {0x02, 0x00, 0x00, 0x00, 0x00, 0x5e},
	.ip4 = V4(198, 18, 1, 20),
	.ip6 = {0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x20},
	.port = 80,
};

static const uint8_t *
ip_of(const struct ep *e, uint8_t family)
{
	return family == 4 ? e->ip4 : e->ip6;
}

struct pkt {
	uint8_t family; /* 4 or 6 */
	uint8_t proto;	/* 6, 17, 1, 58 or anything else */
	uint8_t n_vlan;
	uint16_t tpid[2];
	uint16_t vlan[2];
	const struct ep *src;
	const struct ep *dst;
	uint8_t flags; /* TCP */
	uint32_t seq;
	uint32_t ack;
	uint16_t len;	   /* payload bytes after the L4 header */
	uint8_t icmp_type; /* ICMP/ICMPv6 */
	uint16_t icmp_id;
	uint8_t doff; /* TCP data offset in 32-bit words; 0 means 5 */
	uint16_t cut; /* non-zero: the frame is cut to this many bytes */
};

static inline void
wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void
wr32(uint8_t *p, uint32_t v)
{
	wr16(p, (uint16_t)(v >> 16));
	wr16(p + 2, (uint16_t)v);
}

/* Big-endian 16-bit one's complement sum (odd length padded with a zero byte). */
static uint32_t
sum16(uint32_t s, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	return s;
}

static uint16_t
fold16(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/*
 * Write the frame @p p describes at @p b (Ethernet, tags, IPv4/IPv6, L4, zero payload,
 * padded to 60 bytes). Returns its length, or 0 if @p room is too small. No asserts: the
 * concurrency test calls it from its own threads.
 */
static uint16_t
build(uint8_t *b, uint16_t room, const struct pkt *p)
{
	uint32_t l3h = p->family == 4 ? 20 : 40, l4h, l4_len, len, flen, off = 12;
	uint8_t *ip, *l4;

	switch (p->proto) {
	case 6:
		l4h = 20;
		break;
	case 17:
	case 1:
	case 58:
		l4h = 8;
		break;
	default:
		l4h = 0;
		break;
	}
	l4_len = l4h + p->len;
	len = 14 + 4u * p->n_vlan + l3h + l4_len;
	flen = len < 60 ? 60 : len;
	if (flen > room)
		return 0;
	memset(b, 0, flen);
	memcpy(b, p->dst->mac, 6);
	memcpy(b + 6, p->src->mac, 6);
	for (unsigned int t = 0; t < p->n_vlan; t++, off += 4) {
		wr16(b + off, p->tpid[t]);
		wr16(b + off + 2, p->vlan[t]);
	}
	wr16(b + off, p->family == 4 ? 0x0800 : 0x86dd);
	ip = b + off + 2;
	l4 = ip + l3h;
	if (p->family == 4) {
		ip[0] = 0x45;
		wr16(ip + 2, (uint16_t)(l3h + l4_len));
		wr16(ip + 4, 0x1234);
		wr16(ip + 6, 0x4000);
		ip[8] = 64;
		ip[9] = p->proto;
		memcpy(ip + 12, p->src->ip4 + 12, 4);
		memcpy(ip + 16, p->dst->ip4 + 12, 4);
		wr16(ip + 10, (uint16_t)~fold16(sum16(0, ip, 20)));
	} else {
		wr32(ip, 6u << 28);
		wr16(ip + 4, (uint16_t)l4_len);
		ip[6] = p->proto;
		ip[7] = 64;
		memcpy(ip + 8, p->src->ip6, 16);
		memcpy(ip + 24, p->dst->ip6, 16);
	}
	switch (p->proto) {
	case 6:
		wr16(l4, p->src->port);
		wr16(l4 + 2, p->dst->port);
		wr32(l4 + 4, p->seq);
		wr32(l4 + 8, p->ack);
		l4[12] = (uint8_t)((p->doff ? p->doff : 5) << 4);
		l4[13] = p->flags;
		wr16(l4 + 14, 0x2000);
		break;
	case 17:
		wr16(l4, p->src->port);
		wr16(l4 + 2, p->dst->port);
		wr16(l4 + 4, (uint16_t)l4_len);
		break;
	case 1:
	case 58:
		l4[0] = p->icmp_type;
		wr16(l4 + 4, p->icmp_id);
		wr16(l4 + 6, 1);
		break;
	default:
		break;
	}
	return (uint16_t)(p->cut ? p->cut : flen);
}

static struct rte_mbuf *
mk(const struct pkt *p)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(g_mp);
	uint16_t len;

	if (m == NULL)
		fail_msg("mbuf pool empty (%u available)", rte_mempool_avail_count(g_mp));
	len = build(rte_pktmbuf_mtod(m, uint8_t *), (uint16_t)rte_pktmbuf_tailroom(m), p);
	assert_true(len > 0);
	m->data_len = len;
	m->pkt_len = len;
	return m;
}

/* Whether the IPv4 header checksum and the TCP checksum of a parsed frame are right. */
static bool
csum_ok(const uint8_t *d, const struct parse_info *pi)
{
	const uint8_t *ip = d + pi->l3_off;
	uint32_t s;

	if (pi->family == 4) {
		if (fold16(sum16(0, ip, 20)) != 0xffff)
			return false;
		s = sum16(0, ip + 12, 8);
	} else {
		s = sum16(0, ip + 8, 32);
	}
	s += 6u + pi->l4_len;
	s = sum16(s, d + pi->l4_off, pi->l4_len);
	return fold16(s) == 0xffff;
}

/* What an RST must look like. */
struct rst_exp {
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

static void
check_rst(const char *what, const struct rte_mbuf *m, const struct rst_exp *e)
{
	const uint8_t *d = rte_pktmbuf_mtod(m, const uint8_t *);
	uint32_t len = rte_pktmbuf_data_len(m);
	struct parse_info pi;
	enum parse_status st = parse_frame(d, len, &pi);
	char w[128];

	if (st != PARSE_IP)
		fail_msg("%s: RST frame does not parse: %s", what, parse_status_name(st));
	snprintf(w, sizeof(w), "%s: dst", what);
	mac_eq(w, d, e->dmac);
	if (e->smac != NULL) {
		snprintf(w, sizeof(w), "%s: src", what);
		mac_eq(w, d + 6, e->smac);
	}
	EQ(what, pi.n_vlan, e->n_vlan);
	for (unsigned int t = 0; t < e->n_vlan; t++) {
		EQ(what, pi.tpid[t], e->tpid[t]);
		EQ(what, pi.vlan[t], e->vlan[t]);
	}
	EQ(what, pi.family, e->family);
	EQ(what, pi.proto, 6);
	if (memcmp(pi.src, e->sip, 16) != 0 || memcmp(pi.dst, e->dip, 16) != 0)
		fail_msg("%s: RST addresses are not the expected ones (swapped?)", what);
	EQ(what, pi.sport, e->sport);
	EQ(what, pi.dport, e->dport);
	EQ(what, pi.tcp_flags, e->flags);
	EQ(what, pi.seq, e->seq);
	if (e->flags & ACK)
		EQ(what, pi.ack, e->ack);
	EQ(what, pi.payload_len, 0);
	if (len < RST_FRAME_MIN)
		fail_msg("%s: RST frame of %u bytes, under the Ethernet minimum", what, len);
	if (!csum_ok(d, &pi))
		fail_msg("%s: wrong IPv4 or TCP checksum", what);
}

/* ------------------------------------------------------------------ fixture */

struct fx {
	struct dp_shared sh;
	struct cfg_scenario *scn;
	struct dp_snapshot *snap;
	struct worker *w;
	unsigned int avail0; /* free mbufs when the fixture was made */
};

static struct dp_snapshot *
snap_build(const struct cfg_scenario *scn, double scale)
{
	struct dp_snapshot *s = calloc(1, sizeof(*s));
	char err[SCN_ERR_MAX];

	assert_non_null(s);
	if (dp_snapshot_build(s, scn, scale, err, sizeof(err)) != 0)
		fail_msg("dp_snapshot_build: %s", err);
	s->generation = 1;
	return s;
}

/* A worker on the scenario's pairs (pair p on net_null base+2p and base+2p+1), at tick 0. */
static struct fx *
fx_new_at(struct cfg_scenario *scn, double scale, uint32_t capacity, unsigned int base)
{
	struct fx *x = calloc(1, sizeof(*x));

	assert_non_null(x);
	x->scn = scn;
	x->snap = snap_build(scn, scale);
	x->sh.snap = x->snap;
	x->sh.tsc0 = 0;
	x->sh.tsc_per_ms = TSC_PER_MS;
	x->sh.tsc_hz = TSC_PER_MS * 1000;
	x->w = worker_create(&x->sh, rte_get_main_lcore(), 0, capacity, g_mp, 0x5eed1234u);
	if (x->w == NULL)
		fail_msg("worker_create(%u): %s", capacity, rte_strerror(rte_errno));
	if (base + 2u * scn->n_pairs > N_PORTS)
		fail_msg("scenario has %u pairs, the test has %d ports", scn->n_pairs, N_PORTS);
	for (unsigned int p = 0; p < scn->n_pairs; p++)
		assert_int_equal(worker_add_pair(x->w, (uint8_t)p, g_port[base + 2 * p],
						 g_port[base + 2 * p + 1],
						 scn->pairs[p].side[0].vlan,
						 scn->pairs[p].side[1].vlan),
				 0);
	x->w->eng.snap = x->snap; /* what worker_main does each loop */
	worker_tick(x->w, 0);
	x->avail0 = rte_mempool_avail_count(g_mp);
	return x;
}

static struct fx *
fx_new_scn(struct cfg_scenario *scn, double scale, uint32_t capacity)
{
	return fx_new_at(scn, scale, capacity, 0);
}

static struct fx *
fx_load(const char *yaml, double scale, uint32_t capacity, unsigned int base)
{
	struct cfg_scenario *scn = calloc(1, sizeof(*scn));
	char err[SCN_ERR_MAX];

	assert_non_null(scn);
	if (scn_load_buffer("test.yaml", yaml, strlen(yaml), scn, err, sizeof(err)) != 0)
		fail_msg("scenario: %s", err);
	return fx_new_at(scn, scale, capacity, base);
}

static struct fx *
fx_new(const char *yaml, double scale, uint32_t capacity)
{
	return fx_load(yaml, scale, capacity, 0);
}

static void
fx_free(struct fx *x)
{
	worker_destroy(x->w);
	free(x->snap);
	free(x->scn);
	free(x);
}

static void
at(struct fx *x, uint32_t ms)
{
	worker_tick(x->w, (uint64_t)ms * TSC_PER_MS);
}

static int
profile(const struct fx *x, const char *name)
{
	int p = cfg_profile_find(x->scn, name);

	if (p < 0)
		fail_msg("no profile %s", name);
	return p;
}

/* One frame through the worker as received on worker port @p pi; returns 1 if forwarded. */
static uint16_t
push(struct fx *x, unsigned int pi, struct rte_mbuf *m)
{
	struct rte_mbuf *out[WORKER_BURST];
	uint16_t n = worker_process_burst(x->w, pi, &m, 1, out);

	if (n > 1 || (n == 1 && out[0] != m))
		fail_msg("worker_process_burst forwarded something it was not given");
	if (n == 1)
		rte_pktmbuf_free(out[0]); /* what the TX of the peer port would do */
	return n;
}

static uint64_t
expired_total(const struct worker *w)
{
	uint64_t n = 0;

	for (unsigned int p = 0; p < CFG_MAX_PROFILES; p++)
		for (unsigned int s = 0; s < STATS_FLOW_STATES; s++)
			n += w->eng.stats.flows_expired[p][s];
	return n;
}

static unsigned int
rst_queued(const struct worker *w)
{
	unsigned int n = 0;

	for (unsigned int p = 0; p < w->eng.n_ports; p++)
		n += w->rst_n[p];
	return n;
}

/* Send the queued RSTs to net_null and check they all left and every mbuf came back. */
static void
flush_and_check(struct fx *x)
{
	uint64_t tx[N_PORTS], queued[N_PORTS];

	for (unsigned int p = 0; p < x->w->eng.n_ports; p++) {
		tx[p] = x->w->eng.stats.tx_packets[x->w->port_id[p]];
		queued[p] = x->w->rst_n[p];
	}
	worker_flush_rst(x->w);
	EQ("flush", rst_queued(x->w), 0);
	EQ("flush", x->w->eng.stats.rst_failed, 0);
	for (unsigned int p = 0; p < x->w->eng.n_ports; p++)
		EQ("flush: tx_packets", x->w->eng.stats.tx_packets[x->w->port_id[p]],
		   tx[p] + queued[p]);
	EQ("mbufs back in the pool", rte_mempool_avail_count(g_mp), x->avail0);
}

static struct flow *
flow_find(struct fx *x, uint8_t family, const uint8_t *a, uint16_t ap, const uint8_t *b,
	  uint16_t bp, uint8_t proto, uint8_t pair, uint16_t v0, uint16_t v1)
{
	struct flow_table *ft = x->w->eng.ft;
	struct flow_key k;
	uint32_t idx;

	memset(&k, 0, sizeof(k));
	flow_key_make(&k, family, a, ap, b, bp, proto, pair, v0, v1);
	idx = flow_lookup(ft, &k, flow_hash(ft, &k));
	return idx == FLOW_NONE ? NULL : &ft->flows[idx];
}

/* ------------------------------------------------------------------ TCP connections */

/* A TCP connection driven through the worker, with what each end sent. */
struct tconn {
	struct ep c, s; /* client, server */
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

static void
tc_init(struct tconn *t, uint8_t family, const struct ep *c, const struct ep *s, uint8_t pair,
	bool client_outside)
{
	memset(t, 0, sizeof(*t));
	t->c = *c;
	t->s = *s;
	t->family = family;
	t->pair = pair;
	t->pi[0] = 2u * pair + (client_outside ? 1 : 0);
	t->pi[1] = t->pi[0] ^ 1;
	t->nxt[0] = ISN_C;
	t->nxt[1] = ISN_S;
}

static void
tc_tags(struct tconn *t, uint8_t n, uint16_t tpid0, uint16_t vlan0, uint16_t tpid1, uint16_t vlan1)
{
	t->n_vlan = n;
	t->tpid[0] = tpid0;
	t->vlan[0] = vlan0;
	t->tpid[1] = tpid1;
	t->vlan[1] = vlan1;
}

static struct pkt
tc_pkt(const struct tconn *t, unsigned int e)
{
	struct pkt p;

	memset(&p, 0, sizeof(p));
	p.family = t->family;
	p.proto = 6;
	p.n_vlan = t->n_vlan;
	memcpy(p.tpid, t->tpid, sizeof(p.tpid));
	memcpy(p.vlan, t->vlan, sizeof(p.vlan));
	p.src = e ? &t->s : &t->c;
	p.dst = e ? &t->c : &t->s;
	return p;
}

/* Endpoint @p e (0 client, 1 server) sends a segment; returns 1 if it was forwarded. */
static uint16_t
tc_seg(struct fx *x, struct tconn *t, unsigned int e, uint8_t flags, uint16_t len)
{
	struct pkt p = tc_pkt(t, e);

	p.flags = flags;
	p.seq = t->nxt[e];
	p.ack = (flags & ACK) ? t->nxt[e ^ 1] : 0;
	p.len = len;
	if (flags & ACK)
		t->ack[e] = p.ack;
	t->nxt[e] += len + !!(flags & SYN) + !!(flags & FIN);
	return push(x, t->pi[e], mk(&p));
}

/* Handshake and data both ways, from tick @p t0 to t0 + 2; returns the last tick. */
static uint32_t
tc_open(struct fx *x, struct tconn *t, uint32_t t0)
{
	at(x, t0);
	EQ("SYN forwarded", tc_seg(x, t, 0, SYN, 0), 1);
	EQ("SYN-ACK forwarded", tc_seg(x, t, 1, SYN | ACK, 0), 1);
	at(x, t0 + 1);
	EQ("ACK forwarded", tc_seg(x, t, 0, ACK, 0), 1);
	EQ("client data forwarded", tc_seg(x, t, 0, PSH | ACK, 100), 1);
	at(x, t0 + 2);
	EQ("server data forwarded", tc_seg(x, t, 1, PSH | ACK, 200), 1);
	EQ("client ACK forwarded", tc_seg(x, t, 0, ACK, 0), 1);
	return t0 + 2;
}

static struct flow *
tc_flow(struct fx *x, const struct tconn *t)
{
	uint16_t v0 = t->n_vlan > 0 ? t->vlan[0] : t->access_vlan;
	uint16_t v1 = t->n_vlan > 1 ? t->vlan[1] : 0;

	return flow_find(x, t->family, ip_of(&t->c, t->family), t->c.port, ip_of(&t->s, t->family),
			 t->s.port, 6, t->pair, v0, v1);
}

/* The RST towards endpoint @p to (0 client, 1 server) the bookkeeping predicts. */
static struct rst_exp
tc_rst_exp(const struct tconn *t, unsigned int to)
{
	const struct ep *dst = to ? &t->s : &t->c, *src = to ? &t->c : &t->s;
	struct rst_exp e;

	memset(&e, 0, sizeof(e));
	e.dmac = dst->mac;
	e.smac = src->mac;
	e.family = t->family;
	e.sip = ip_of(src, t->family);
	e.dip = ip_of(dst, t->family);
	e.sport = src->port;
	e.dport = dst->port;
	e.seq = t->ack[to]; /* the receiver's RCV.NXT: its last ACK */
	e.ack = t->nxt[to]; /* all the receiver sent */
	e.flags = RST | ACK;
	e.n_vlan = t->n_vlan;
	memcpy(e.tpid, t->tpid, sizeof(e.tpid));
	memcpy(e.vlan, t->vlan, sizeof(e.vlan));
	return e;
}

/*
 * Expect exactly @p n_client / @p n_server RSTs (0 or 1) queued on the ports of the
 * receivers' sides, each exactly as the bookkeeping predicts.
 */
static void
tc_check_rsts(struct fx *x, const struct tconn *t, unsigned int n_client, unsigned int n_server)
{
	struct rst_exp e;

	EQ("RSTs queued towards the client's port", x->w->rst_n[t->pi[0]], n_client);
	EQ("RSTs queued towards the server's port", x->w->rst_n[t->pi[1]], n_server);
	EQ("RSTs queued in all", rst_queued(x->w), n_client + n_server);
	if (n_client) {
		e = tc_rst_exp(t, 0);
		check_rst("RST to the client", x->w->rst_buf[t->pi[0]][0], &e);
	}
	if (n_server) {
		e = tc_rst_exp(t, 1);
		check_rst("RST to the server", x->w->rst_buf[t->pi[1]][0], &e);
	}
}

/*
 * Nothing may expire at tick @p due - 1, up to its last TSC value; exactly one flow of
 * @p prof in @p state at the first TSC value of tick @p due.
 */
static void
expect_expiry_at(struct fx *x, uint32_t due, int prof, enum flow_state state)
{
	uint64_t before = expired_total(x->w), in_state = x->w->eng.stats.flows_expired[prof][state];

	at(x, due - 1);
	worker_tick(x->w, (uint64_t)due * TSC_PER_MS - 1);
	EQ("expired one tick before the due tick", expired_total(x->w), before);
	EQ("RSTs one tick before the due tick", rst_queued(x->w), 0);
	at(x, due);
	EQ("expired at the due tick", expired_total(x->w), before + 1);
	EQ(flow_state_name(state), x->w->eng.stats.flows_expired[prof][state], in_state + 1);
}

/* ------------------------------------------------------------------ 1. TCP expiry */

static const char T1_YAML[] =
	"name: t1\n"
	"ports: [{name: a, inside: {port: 0}, outside: {port: 1}}]\n"
	"profiles:\n"
	"  both:\n"
	"    tcp: &tcp {handshake: 5s, established: 10s, closing: 5s, time_wait: 2s}\n"
	"    on_timeout: reset-both\n"
	"  client: {tcp: *tcp, on_timeout: reset-client}\n"
	"  server: {tcp: *tcp, on_timeout: reset-server}\n"
	"  silent: {tcp: *tcp, on_timeout: silent}\n"
	"rules:\n"
	"  - {match: {dst_port: 80}, profile: both}\n"
	"  - {match: {dst_port: 81}, profile: client}\n"
	"  - {match: {dst_port: 82}, profile: server}\n"
	"  - {match: {dst_port: 83}, profile: silent}\n"
	"default_profile: untracked\n";

struct t1_case {
	const char *profile;
	uint16_t port; /* server port: selects the profile */
	uint8_t family;
	bool client_outside; /* the client sits behind the outside port */
	bool client_hi;	     /* the client is endpoint 1 of the key */
	unsigned int rst_client, rst_server;
};

static const struct t1_case t1_cases[] = {
	{"both", 80, 4, false, false, 1, 1},   {"both", 80, 4, true, false, 1, 1},
	{"both", 80, 4, false, true, 1, 1},    {"both", 80, 6, false, false, 1, 1},
	{"both", 80, 6, true, true, 1, 1},     {"client", 81, 4, false, false, 1, 0},
	{"server", 82, 4, false, false, 0, 1}, {"silent", 83, 4, false, false, 0, 0},
};

static void
test_tcp_expiry(void **state)
{
	const struct t1_case *k = *state;
	struct fx *x = fx_new(T1_YAML, 1.0, 1024);
	int prof = profile(x, k->profile);
	struct tconn t;
	struct flow *f;
	uint32_t last;

	tc_init(&t, k->family, k->client_hi ? &EP_CLIENT_HI : &EP_CLIENT, &EP_SERVER, 0,
		k->client_outside);
	t.s.port = k->port;
	last = tc_open(x, &t, 100);
	f = tc_flow(x, &t);
	assert_non_null(f);
	EQ("state", f->state, FLOW_TCP_ESTABLISHED);
	EQ("profile", f->profile, prof);
	EQ("client endpoint", flow_client(f), k->client_hi ? 1 : 0);
	EQ("flows", x->w->eng.ft->n_active, 1);
	EQ("flows_created", x->w->eng.stats.flows_created[prof], 1);
	EQ("flows_active", x->w->eng.stats.flows_active[prof], 1);

	expect_expiry_at(x, last + 10000, prof, FLOW_TCP_ESTABLISHED);
	EQ("flows left", x->w->eng.ft->n_active, 0);
	EQ("flows_active", x->w->eng.stats.flows_active[prof], 0);
	EQ("late_count", x->w->eng.stats.late_count, 1);
	EQ("late_max_ns (expired exactly when due)", x->w->eng.stats.late_max_ns, 0);
	tc_check_rsts(x, &t, k->rst_client, k->rst_server);
	/* rst_sent counts what the port took (SPEC §6): queued is not sent yet. */
	EQ("rst_sent{client} before TX", x->w->eng.stats.rst_sent[STATS_RST_CLIENT], 0);
	flush_and_check(x);
	EQ("rst_sent{client}", x->w->eng.stats.rst_sent[STATS_RST_CLIENT], k->rst_client);
	EQ("rst_sent{server}", x->w->eng.stats.rst_sent[STATS_RST_SERVER], k->rst_server);
	EQ("rst_sent{stray}", x->w->eng.stats.rst_sent[STATS_RST_STRAY], 0);
	fx_free(x);
}

/* ------------------------------------------------------------------ flush, dump, events */

/*
 * The control thread's requests: a dump copies the flows with their state and time left; a
 * flush of one profile expires exactly its flows with the profile's action (RSTs, an event
 * each with reason "flush"), a silent flush sends nothing; the per-state gauges follow.
 */
static void
test_flush_dump_events(void **state)
{
	struct fx *x = fx_new(T1_YAML, 1.0, 1024);
	int both = profile(x, "both"), silent = profile(x, "silent");
	struct flow_event ev[8];
	struct tconn t[5];
	unsigned int n;

	(void)state;
	x->sh.events_on = true;
	for (unsigned int i = 0; i < 5; i++) {
		tc_init(&t[i], 4, &EP_CLIENT, &EP_SERVER, 0, false);
		t[i].c.port = (uint16_t)(41000 + i);
		t[i].s.port = i < 3 ? 80 : 83; /* three under "both", two under "silent" */
		tc_open(x, &t[i], 100);
	}
	EQ("flows", x->w->eng.ft->n_active, 5);
	EQ("established gauge both", x->w->eng.stats.flows_state[both][FLOW_TCP_ESTABLISHED], 3);
	EQ("established gauge silent", x->w->eng.stats.flows_state[silent][FLOW_TCP_ESTABLISHED], 2);

	/* Dump, 1 s later: every flow, idle 1 s, 9 s left of its 10 s. */
	at(x, 1102);
	x->sh.dump_max = 16;
	x->sh.dump_seq++;
	worker_requests(x->w);
	EQ("dump done", x->w->dump_done, x->sh.dump_seq);
	EQ("dump flows", x->w->dump_n, 5);
	for (unsigned int i = 0; i < x->w->dump_n; i++) {
		EQ("dump state", x->w->dump[i].state, FLOW_TCP_ESTABLISHED);
		EQ("dump idle", x->w->dump[i].idle_ms, 1000);
		EQ("dump left", x->w->dump[i].left_ms, 9000);
	}

	/* Flush "both" with its action: 3 flows, 6 RSTs, 3 events. */
	x->sh.flush_mask = 1ull << both;
	x->sh.flush_silent_mask = 0;
	x->sh.flush_seq++;
	worker_requests(x->w);
	EQ("flush done", x->w->flush_done, x->sh.flush_seq);
	EQ("flows left", x->w->eng.ft->n_active, 2);
	EQ("flushed", x->w->eng.stats.flushed, 3);
	EQ("RSTs", rst_queued(x->w), 6);
	EQ("expired both", x->w->eng.stats.flows_expired[both][FLOW_TCP_ESTABLISHED], 3);
	EQ("established gauge both", x->w->eng.stats.flows_state[both][FLOW_TCP_ESTABLISHED], 0);
	/* An event waits for its RSTs' fate: it carries the number the port took. */
	EQ("no event before the RSTs left",
	   rte_ring_sc_dequeue_burst_elem(x->w->events, ev, sizeof(ev[0]), 8, NULL), 0);
	flush_and_check(x);
	n = rte_ring_sc_dequeue_burst_elem(x->w->events, ev, sizeof(ev[0]), 8, NULL);
	EQ("events", n, 3);
	for (unsigned int i = 0; i < n; i++) {
		EQ("event reason", ev[i].reason, FLOW_EV_FLUSH);
		EQ("event action", ev[i].action, CFG_ON_TIMEOUT_RESET_BOTH);
		EQ("event rsts", ev[i].rsts, 2);
		EQ("event profile", ev[i].profile, both);
		EQ("event idle", ev[i].idle_ms, 1000);
	}

	/* A silent flush of the rest: no RST, events without an action. */
	x->sh.flush_mask = 1ull << silent;
	x->sh.flush_silent_mask = 1ull << silent;
	x->sh.flush_seq++;
	worker_requests(x->w);
	EQ("flows left", x->w->eng.ft->n_active, 0);
	EQ("RSTs", rst_queued(x->w), 0);
	n = rte_ring_sc_dequeue_burst_elem(x->w->events, ev, sizeof(ev[0]), 8, NULL);
	EQ("events", n, 2);
	for (unsigned int i = 0; i < n; i++)
		EQ("event action", ev[i].action, FLOW_EV_NO_ACTION);
	EQ("active both", x->w->eng.stats.flows_active[both], 0);
	EQ("active silent", x->w->eng.stats.flows_active[silent], 0);
	fx_free(x);
}

/* ------------------------------------------------------------------ 2. VLANs */

static const char T2_YAML[] =
	"name: t2\n"
	"ports:\n"
	"  - {name: trunk, inside: {port: 0}, outside: {port: 1}}\n"
	"  - {name: access, inside: {port: 2, vlan: 300}, outside: {port: 3, vlan: 300}}\n"
	"profiles:\n"
	"  v300:\n"
	"    tcp: {established: 2s}\n"
	"    on_timeout: reset-both\n"
	"rules:\n"
	"  - {match: {vlan: 300}, profile: v300}\n"
	"default_profile: untracked\n";

struct t2_case {
	uint8_t pair;
	uint8_t n_vlan;
	uint16_t tpid[2];
	uint16_t vlan[2];
	bool client_outside;
	bool tracked; /* the rule vlan: 300 picks v300; else untracked */
};

static const struct t2_case t2_cases[] = {
	{0, 1, {0x8100, 0}, {300, 0}, false, true},
	{0, 1, {0x8100, 0}, {300, 0}, true, true},
	{0, 2, {0x88a8, 0x8100}, {100, 300}, false, true},
	{0, 2, {0x8100, 0x8100}, {300, 42}, true, true},
	{1, 0, {0, 0}, {0, 0}, false, true},
	{1, 0, {0, 0}, {0, 0}, true, true},
	{0, 0, {0, 0}, {0, 0}, false, false},
	{0, 2, {0x88a8, 0x8100}, {100, 200}, false, false},
};

static void
test_vlan(void **state)
{
	const struct t2_case *k = *state;
	struct fx *x = fx_new(T2_YAML, 1.0, 1024);
	int prof = profile(x, "v300");
	struct tconn t;
	struct flow *f;
	uint32_t last;

	tc_init(&t, 4, &EP_CLIENT, &EP_SERVER, k->pair, k->client_outside);
	tc_tags(&t, k->n_vlan, k->tpid[0], k->vlan[0], k->tpid[1], k->vlan[1]);
	t.access_vlan = x->scn->pairs[k->pair].side[0].vlan;
	last = tc_open(x, &t, 100);
	f = tc_flow(x, &t);
	if (!k->tracked) {
		assert_null(f);
		EQ("flows", x->w->eng.ft->n_active, 0);
		EQ("untracked", x->w->eng.stats.untracked, 6);
		at(x, last + 60000);
		EQ("expired", expired_total(x->w), 0);
		EQ("RSTs", rst_queued(x->w), 0);
		fx_free(x);
		return;
	}
	assert_non_null(f);
	EQ("profile", f->profile, prof);
	EQ("state", f->state, FLOW_TCP_ESTABLISHED);
	expect_expiry_at(x, last + 2000, prof, FLOW_TCP_ESTABLISHED);
	/* tc_rst_exp() expects exactly the client's tags and TPIDs (none on the access pair). */
	tc_check_rsts(x, &t, 1, 1);
	flush_and_check(x);
	fx_free(x);
}

/* ------------------------------------------------------------------ 3. stray TCP */

static const char T3_YAML[] = "name: t3\n"
			      "ports: [{name: a, inside: {port: 0}, outside: {port: 1}}]\n"
			      "profiles:\n"
			      "  drop: {stray_tcp: drop}\n"
			      "  reset: {stray_tcp: reset}\n"
			      "  adopt:\n"
			      "    stray_tcp: adopt\n"
			      "    tcp: {handshake: 1s, established: 3s}\n"
			      "    on_timeout: reset-both\n"
			      "rules:\n"
			      "  - {match: {dst_port: 80}, profile: drop}\n"
			      "  - {match: {dst_port: 81}, profile: reset}\n"
			      "  - {match: {dst_port: 82}, profile: adopt}\n"
			      "default_profile: untracked\n";

static struct pkt
stray_pkt(const struct ep *src, const struct ep *dst, uint8_t flags, uint32_t seq, uint32_t ack,
	  uint16_t len)
{
	struct pkt p;

	memset(&p, 0, sizeof(p));
	p.family = 4;
	p.proto = 6;
	p.src = src;
	p.dst = dst;
	p.flags = flags;
	p.seq = seq;
	p.ack = ack;
	p.len = len;
	return p;
}

static void
test_stray_drop(void **state)
{
	struct fx *x = fx_new(T3_YAML, 1.0, 1024);
	struct ep s = EP_SERVER;
	struct pkt p;

	(void)state;
	s.port = 80;
	at(x, 100);
	p = stray_pkt(&EP_CLIENT, &s, ACK, 7000, 9000, 0);
	EQ("ACK forwarded", push(x, 0, mk(&p)), 0);
	EQ("mbuf freed", rte_mempool_avail_count(g_mp), x->avail0);
	/* A FIN with data, from a client behind the outside port. */
	p = stray_pkt(&EP_CLIENT_HI, &s, FIN | ACK, 9000, 7000, 10);
	EQ("FIN forwarded", push(x, 1, mk(&p)), 0);
	EQ("mbuf freed", rte_mempool_avail_count(g_mp), x->avail0);
	EQ("drops{stray}", x->w->eng.stats.drops[STATS_DROP_STRAY], 2);
	EQ("stray{drop}", x->w->eng.stats.stray[CFG_STRAY_DROP], 2);
	EQ("stray{reset}", x->w->eng.stats.stray[CFG_STRAY_RESET], 0);
	EQ("untracked", x->w->eng.stats.untracked, 0);
	EQ("flows", x->w->eng.ft->n_active, 0);
	EQ("RSTs", rst_queued(x->w), 0);
	fx_free(x);
}

static void
test_stray_reset(void **state)
{
	struct fx *x = fx_new(T3_YAML, 1.0, 1024);
	int prof = profile(x, "reset");
	struct ep s = EP_SERVER, c81 = EP_CLIENT;
	struct rst_exp e;
	struct pkt p;

	(void)state;
	s.port = 81;
	c81.port = 81;
	at(x, 100);

	/* A mid-stream segment with ACK, tagged, from the inside: RST seq = its ACK number. */
	p = stray_pkt(&EP_CLIENT, &s, PSH | ACK, 7000, 9000, 10);
	p.n_vlan = 1;
	p.tpid[0] = 0x8100;
	p.vlan[0] = 55;
	EQ("forwarded", push(x, 0, mk(&p)), 0);
	EQ("RST out of the port it came in", x->w->rst_n[0], 1);
	EQ("nothing out of the other port", x->w->rst_n[1], 0);
	memset(&e, 0, sizeof(e));
	e.dmac = EP_CLIENT.mac;
	e.smac = s.mac;
	e.family = 4;
	e.sip = s.ip4;
	e.dip = EP_CLIENT.ip4;
	e.sport = 81;
	e.dport = EP_CLIENT.port;
	e.seq = 9000;
	e.flags = RST;
	e.n_vlan = 1;
	e.tpid[0] = 0x8100;
	e.vlan[0] = 55;
	check_rst("stray RST (ACK)", x->w->rst_buf[0][0], &e);

	/* Without ACK, from the outside, QinQ: seq 0, ack = its SEG.SEQ + SEG.LEN. */
	p = stray_pkt(&EP_SERVER, &c81, PSH, 123, 0, 5);
	p.n_vlan = 2;
	p.tpid[0] = 0x88a8;
	p.vlan[0] = 7;
	p.tpid[1] = 0x8100;
	p.vlan[1] = 8;
	EQ("forwarded", push(x, 1, mk(&p)), 0);
	EQ("RST out of the outside port", x->w->rst_n[1], 1);
	memset(&e, 0, sizeof(e));
	e.dmac = EP_SERVER.mac;
	e.smac = c81.mac;
	e.family = 4;
	e.sip = c81.ip4;
	e.dip = EP_SERVER.ip4;
	e.sport = 81;
	e.dport = EP_SERVER.port;
	e.seq = 0;
	e.ack = 128;
	e.flags = RST | ACK;
	e.n_vlan = 2;
	e.tpid[0] = 0x88a8;
	e.vlan[0] = 7;
	e.tpid[1] = 0x8100;
	e.vlan[1] = 8;
	check_rst("stray RST (no ACK)", x->w->rst_buf[1][0], &e);

	/* A FIN without ACK counts one in sequence space. */
	p = stray_pkt(&EP_CLIENT, &s, FIN, 200, 0, 0);
	EQ("forwarded", push(x, 0, mk(&p)), 0);
	EQ("RSTs on the inside port", x->w->rst_n[0], 2);
	memset(&e, 0, sizeof(e));
	e.dmac = EP_CLIENT.mac;
	e.smac = s.mac;
	e.family = 4;
	e.sip = s.ip4;
	e.dip = EP_CLIENT.ip4;
	e.sport = 81;
	e.dport = EP_CLIENT.port;
	e.seq = 0;
	e.ack = 201;
	e.flags = RST | ACK;
	check_rst("stray RST (FIN)", x->w->rst_buf[0][1], &e);

	EQ("drops{stray}", x->w->eng.stats.drops[STATS_DROP_STRAY], 3);
	EQ("stray{reset}", x->w->eng.stats.stray[CFG_STRAY_RESET], 3);
	EQ("flows", x->w->eng.ft->n_active, 0);
	EQ("flows_created", x->w->eng.stats.flows_created[prof], 0);
	flush_and_check(x);
	EQ("rst_sent{stray}", x->w->eng.stats.rst_sent[STATS_RST_STRAY], 3);
	EQ("rst_sent{client}", x->w->eng.stats.rst_sent[STATS_RST_CLIENT], 0);
	fx_free(x);
}

/* An RST is never answered with an RST, and never creates a flow. */
static void
test_stray_rst_not_answered(void **state)
{
	static const uint16_t ports[] = {80, 81, 82};
	static const uint8_t flags[] = {RST, RST | ACK};
	struct fx *x = fx_new(T3_YAML, 1.0, 1024);
	struct ep s = EP_SERVER;
	struct pkt p;

	(void)state;
	at(x, 100);
	for (unsigned int i = 0; i < RTE_DIM(ports); i++) {
		for (unsigned int j = 0; j < RTE_DIM(flags); j++) {
			s.port = ports[i];
			p = stray_pkt(&EP_CLIENT, &s, flags[j], 7000, 9000, 0);
			/* adopt forwards it (the flow may live elsewhere), drop/reset drop it */
			EQ("forwarded", push(x, j, mk(&p)), ports[i] == 82 ? 1 : 0);
		}
	}
	EQ("RSTs", rst_queued(x->w), 0);
	EQ("rst_sent{stray}", x->w->eng.stats.rst_sent[STATS_RST_STRAY], 0);
	EQ("flows", x->w->eng.ft->n_active, 0);
	EQ("drops{stray}", x->w->eng.stats.drops[STATS_DROP_STRAY], 4);
	EQ("mbufs", rte_mempool_avail_count(g_mp), x->avail0);
	fx_free(x);
}

static void
test_stray_adopt(void **state)
{
	struct fx *x = fx_new(T3_YAML, 1.0, 1024);
	int prof = profile(x, "adopt");
	struct tconn t;
	struct flow *f;

	(void)state;
	tc_init(&t, 4, &EP_CLIENT_HI, &EP_SERVER, 0, true);
	t.s.port = 82;
	t.nxt[0] = 7000;
	t.nxt[1] = 9000;
	at(x, 100);
	EQ("adopted ACK forwarded", tc_seg(x, &t, 0, ACK, 0), 1);
	f = tc_flow(x, &t);
	assert_non_null(f);
	EQ("state", f->state, FLOW_TCP_ESTABLISHED);
	EQ("profile", f->profile, prof);
	/* Adopted mid-stream: the endpoint on the inside port is the client (SPEC §4), here
	 * the one that did not send the adopted ACK. */
	EQ("client = the inside endpoint", flow_client(f), 0);
	EQ("client side", !!(f->flags & FLOW_F_CLIENT_OUTSIDE), 0);
	EQ("stray{adopt}", x->w->eng.stats.stray[CFG_STRAY_ADOPT], 1);
	EQ("drops{stray}", x->w->eng.stats.drops[STATS_DROP_STRAY], 0);
	EQ("flows_created", x->w->eng.stats.flows_created[prof], 1);
	at(x, 101);
	EQ("server data forwarded", tc_seg(x, &t, 1, PSH | ACK, 50), 1);
	EQ("client ACK forwarded", tc_seg(x, &t, 0, ACK, 0), 1);
	EQ("state", f->state, FLOW_TCP_ESTABLISHED);
	EQ("stray counted once", x->w->eng.stats.stray[CFG_STRAY_ADOPT], 1);
	expect_expiry_at(x, 101 + 3000, prof, FLOW_TCP_ESTABLISHED);
	tc_check_rsts(x, &t, 1, 1);
	flush_and_check(x);
	fx_free(x);
}

/* ------------------------------------------------------------------ 4. table full */

static const char T4_YAML[] = "name: t4\n"
			      "ports: [{name: a, inside: {port: 0}, outside: {port: 1}}]\n"
			      "flow_table: {capacity: 64, when_full: %s}\n"
			      "profiles:\n"
			      "  p: {udp: {single: 1s, stream: 1s}}\n"
			      "default_profile: p\n";

static struct pkt
udp_pkt(const struct ep *src, const struct ep *dst)
{
	struct pkt p;

	memset(&p, 0, sizeof(p));
	p.family = 4;
	p.proto = 17;
	p.src = src;
	p.dst = dst;
	p.len = 16;
	return p;
}

static void
test_table_full(void **state)
{
	const char *when_full = *state;
	bool drop = strcmp(when_full, "drop") == 0;
	char yaml[sizeof(T4_YAML) + 16];
	struct ep c[CFG_CAPACITY_MIN + 2], s = EP_SERVER;
	struct fx *x;
	struct pkt p;
	int prof;

	snprintf(yaml, sizeof(yaml), T4_YAML, when_full);
	x = fx_new(yaml, 1.0, CFG_CAPACITY_MIN);
	prof = profile(x, "p");
	s.port = 53;
	at(x, 10);
	for (unsigned int i = 0; i < RTE_DIM(c); i++) {
		c[i] = EP_CLIENT;
		c[i].port = (uint16_t)(10000 + i);
	}
	for (unsigned int i = 0; i < CFG_CAPACITY_MIN; i++) {
		p = udp_pkt(&c[i], &s);
		EQ("forwarded", push(x, 0, mk(&p)), 1);
	}
	EQ("flows", x->w->eng.ft->n_active, CFG_CAPACITY_MIN);
	EQ("table_full", x->w->eng.stats.table_full, 0);

	/* The 65th flow. */
	p = udp_pkt(&c[CFG_CAPACITY_MIN], &s);
	EQ("65th flow forwarded", push(x, 0, mk(&p)), drop ? 0 : 1);
	EQ("mbufs", rte_mempool_avail_count(g_mp), x->avail0);
	EQ("table_full", x->w->eng.stats.table_full, 1);
	EQ("drops{table_full}", x->w->eng.stats.drops[STATS_DROP_TABLE_FULL], drop ? 1 : 0);
	EQ("flows", x->w->eng.ft->n_active, CFG_CAPACITY_MIN);
	EQ("flows_created", x->w->eng.stats.flows_created[prof], CFG_CAPACITY_MIN);

	/* Existing flows keep working, both ways. */
	at(x, 20);
	p = udp_pkt(&s, &c[0]);
	EQ("reply of flow 0 forwarded", push(x, 1, mk(&p)), 1);
	p = udp_pkt(&c[1], &s);
	EQ("flow 1 forwarded", push(x, 0, mk(&p)), 1);
	EQ("table_full", x->w->eng.stats.table_full, 1);
	{
		struct flow *f = flow_find(x, 4, c[0].ip4, c[0].port, s.ip4, 53, 17, 0, 0, 0);

		assert_non_null(f);
		EQ("flow 0 state", f->state, FLOW_UDP_STREAM);
	}

	/* Flows 2..63 (created at 10) expire at 1010, flows 0 and 1 (refreshed at 20) at 1020. */
	at(x, 1010);
	EQ("expired", x->w->eng.stats.flows_expired[prof][FLOW_UDP_SINGLE], CFG_CAPACITY_MIN - 2);
	EQ("flows", x->w->eng.ft->n_active, 2);
	at(x, 1011);
	p = udp_pkt(&c[CFG_CAPACITY_MIN + 1], &s);
	EQ("new flow fits again", push(x, 0, mk(&p)), 1);
	EQ("flows", x->w->eng.ft->n_active, 3);
	EQ("table_full", x->w->eng.stats.table_full, 1);
	EQ("flows_created", x->w->eng.stats.flows_created[prof], CFG_CAPACITY_MIN + 1);
	at(x, 1020);
	EQ("flows", x->w->eng.ft->n_active, 1);
	EQ("RSTs", rst_queued(x->w), 0);
	EQ("mbufs", rte_mempool_avail_count(g_mp), x->avail0);
	fx_free(x);
}

/* ------------------------------------------------------------------ 5. malformed */

static const char T5_YAML[] = "name: t5\n"
			      "ports:\n"
			      "  - {name: lax, inside: {port: 0}, outside: {port: 1}}\n"
			      "  - {name: strict, inside: {port: 2}, outside: {port: 3}}\n"
			      "profiles:\n"
			      "  fwd: {malformed: forward}\n"
			      "  drop: {malformed: drop}\n"
			      "rules:\n"
			      "  - {match: {pair: strict}, profile: drop}\n"
			      "  - {match: {vlan: 42}, profile: drop}\n"
			      "default_profile: fwd\n";

/* A TCP SYN cut after 10 bytes of IPv4 header (truncated) or with data offset 4. */
static struct pkt
mal_pkt(enum parse_status kind, uint16_t vlan)
{
	struct pkt p = stray_pkt(&EP_CLIENT, &EP_SERVER, SYN, 1, 0, 0);

	if (vlan) {
		p.n_vlan = 1;
		p.tpid[0] = 0x8100;
		p.vlan[0] = vlan;
	}
	if (kind == PARSE_MAL_TRUNCATED)
		p.cut = (uint16_t)(14 + 4 * p.n_vlan + 10);
	else
		p.doff = 4;
	return p;
}

static void
test_malformed(void **state)
{
	static const enum parse_status kinds[] = {PARSE_MAL_TRUNCATED, PARSE_MAL_TCP_OFFSET};
	struct fx *x = fx_new(T5_YAML, 1.0, 1024);
	struct parse_info pi;
	uint64_t n_drop = 0;

	(void)state;
	at(x, 100);
	for (unsigned int i = 0; i < RTE_DIM(kinds); i++) {
		struct pkt p = mal_pkt(kinds[i], 0);
		struct rte_mbuf *m = mk(&p);

		/* The frame is what it claims to be. */
		EQ(parse_status_name(kinds[i]),
		   parse_frame(rte_pktmbuf_mtod(m, uint8_t *), rte_pktmbuf_data_len(m), &pi),
		   kinds[i]);
		EQ("lax pair forwards", push(x, 0, m), 1);
		EQ("malformed", x->w->eng.stats.malformed[kinds[i]], 1);
		p = mal_pkt(kinds[i], 0);
		EQ("lax pair forwards (outside)", push(x, 1, mk(&p)), 1);
		EQ("malformed", x->w->eng.stats.malformed[kinds[i]], 2);
		EQ("drops{malformed}", x->w->eng.stats.drops[STATS_DROP_MALFORMED], n_drop);

		p = mal_pkt(kinds[i], 0);
		EQ("strict pair drops", push(x, 2, mk(&p)), 0);
		p = mal_pkt(kinds[i], 0);
		EQ("strict pair drops (outside)", push(x, 3, mk(&p)), 0);
		p = mal_pkt(kinds[i], 42);
		EQ("VLAN 42 on the lax pair drops", push(x, 0, mk(&p)), 0);
		n_drop += 3;
		EQ("malformed", x->w->eng.stats.malformed[kinds[i]], 5);
		EQ("drops{malformed}", x->w->eng.stats.drops[STATS_DROP_MALFORMED], n_drop);
		EQ("mbufs freed", rte_mempool_avail_count(g_mp), x->avail0);
	}
	EQ("flows", x->w->eng.ft->n_active, 0);
	EQ("created", x->w->eng.stats.flows_created[profile(x, "fwd")], 0);
	fx_free(x);
}

/*
 * Regression (found by this test): a malformed frame's profile must come from every field
 * the parser got (IP header, and ports for bad_tcp_offset, bad_tcp_flags, bad_udp_length),
 * so a rule on proto/dst/dst_port applies its profile's `malformed: drop` to a broken
 * segment of that service.
 */
static const char TBUG_MAL_YAML[] = "name: tbug\n"
				    "ports: [{name: a, inside: {port: 0}, outside: {port: 1}}]\n"
				    "profiles:\n"
				    "  fwd: {malformed: forward}\n"
				    "  drop: {malformed: drop}\n"
				    "rules:\n"
				    "  - {match: {proto: tcp, dst_port: 443}, profile: drop}\n"
				    "default_profile: fwd\n";

static void
malformed_profile_uses_parsed_l3_l4(void **state)
{
	struct fx *x = fx_new(TBUG_MAL_YAML, 1.0, 1024);
	struct ep s = EP_SERVER;
	struct pkt p;

	(void)state;
	s.port = 443;
	at(x, 100);
	p = stray_pkt(&EP_CLIENT, &s, SYN, 1, 0, 0);
	p.doff = 4; /* bad_tcp_offset: addresses and ports were parsed */
	EQ("bad_tcp_offset to 443/tcp (profile drop) forwarded", push(x, 0, mk(&p)), 0);
	EQ("drops{malformed}", x->w->eng.stats.drops[STATS_DROP_MALFORMED], 1);
	fx_free(x);
}

/* ------------------------------------------------------------------ 6. silent expiry */

static const char T6_YAML[] =
	"name: t6\n"
	"ports: [{name: a, inside: {port: 0}, outside: {port: 1}}]\n"
	"profiles:\n"
	"  p:\n"
	"    tcp: {handshake: 5s, established: 10s, closing: 4s, time_wait: 2s}\n"
	"    udp: {single: 3s, stream: 6s}\n"
	"    icmp: 7s\n"
	"    other: 8s\n"
	"    on_timeout: reset-both\n"
	"default_profile: p\n";

enum t6_kind { K_UDP_SINGLE, K_UDP_STREAM, K_ICMP4, K_ICMP6, K_OTHER, K_TIME_WAIT, K_CLOSED };

struct t6_case {
	const char *name;
	enum t6_kind kind;
	enum flow_state state;
	uint32_t tmo;
};

static const struct t6_case t6_cases[] = {
	{"udp_single", K_UDP_SINGLE, FLOW_UDP_SINGLE, 3000},
	{"udp_stream", K_UDP_STREAM, FLOW_UDP_STREAM, 6000},
	{"icmp_echo", K_ICMP4, FLOW_ACTIVE, 7000},
	{"icmpv6_echo", K_ICMP6, FLOW_ACTIVE, 7000},
	{"other_gre", K_OTHER, FLOW_ACTIVE, 8000},
	{"tcp_time_wait", K_TIME_WAIT, FLOW_TCP_TIME_WAIT, 2000},
	{"tcp_closed_after_rst", K_CLOSED, FLOW_TCP_CLOSED, 4000},
};

static void
test_silent_expiry(void **state)
{
	const struct t6_case *k = *state;
	struct fx *x = fx_new(T6_YAML, 1.0, 1024);
	int prof = profile(x, "p");
	uint8_t family = k->kind == K_ICMP6 ? 6 : 4, proto;
	struct flow *f;
	struct tconn t;
	struct pkt p;
	uint32_t last;
	uint16_t port_c = EP_CLIENT.port, port_s = EP_SERVER.port;

	memset(&p, 0, sizeof(p));
	p.family = family;
	p.src = &EP_CLIENT;
	p.dst = &EP_SERVER;
	p.len = 8;
	at(x, 100);
	switch (k->kind) {
	case K_UDP_SINGLE:
	case K_UDP_STREAM:
		p.proto = proto = 17;
		EQ("forwarded", push(x, 0, mk(&p)), 1);
		last = 100;
		if (k->kind == K_UDP_STREAM) {
			at(x, 101);
			p.src = &EP_SERVER;
			p.dst = &EP_CLIENT;
			EQ("reply forwarded", push(x, 1, mk(&p)), 1);
			last = 101;
		}
		break;
	case K_ICMP4:
	case K_ICMP6:
		p.proto = proto = family == 4 ? 1 : 58;
		p.icmp_type = family == 4 ? 8 : 128;
		p.icmp_id = 0x4242;
		EQ("echo request forwarded", push(x, 0, mk(&p)), 1);
		at(x, 101);
		p.src = &EP_SERVER;
		p.dst = &EP_CLIENT;
		p.icmp_type = family == 4 ? 0 : 129;
		EQ("echo reply forwarded", push(x, 1, mk(&p)), 1);
		last = 101;
		port_c = port_s = 0x4242;
		break;
	case K_OTHER:
		p.proto = proto = 47;
		EQ("GRE forwarded", push(x, 0, mk(&p)), 1);
		last = 100;
		port_c = port_s = 0;
		break;
	case K_TIME_WAIT:
	case K_CLOSED:
	default:
		proto = 6;
		tc_init(&t, 4, &EP_CLIENT, &EP_SERVER, 0, false);
		last = tc_open(x, &t, 100) + 1;
		at(x, last);
		if (k->kind == K_CLOSED) {
			EQ("RST forwarded", tc_seg(x, &t, 0, RST | ACK, 0), 1);
			break;
		}
		EQ("FIN forwarded", tc_seg(x, &t, 0, FIN | ACK, 0), 1);
		EQ("ACK forwarded", tc_seg(x, &t, 1, ACK, 0), 1);
		EQ("FIN forwarded", tc_seg(x, &t, 1, FIN | ACK, 0), 1);
		EQ("last ACK forwarded", tc_seg(x, &t, 0, ACK, 0), 1);
		break;
	}
	f = flow_find(x, family, ip_of(&EP_CLIENT, family), port_c, ip_of(&EP_SERVER, family),
		      port_s, proto, 0, 0, 0);
	assert_non_null(f);
	EQ("state", f->state, k->state);
	expect_expiry_at(x, last + k->tmo, prof, k->state);
	EQ("flows", x->w->eng.ft->n_active, 0);
	EQ("RSTs queued", rst_queued(x->w), 0);
	EQ("rst_sent",
	   x->w->eng.stats.rst_sent[0] + x->w->eng.stats.rst_sent[1] + x->w->eng.stats.rst_sent[2] +
		   x->w->eng.stats.rst_failed,
	   0);
	EQ("mbufs", rte_mempool_avail_count(g_mp), x->avail0);
	fx_free(x);
}

/* ------------------------------------------------------------------ 7. timeout change */

static const char T7_YAML[] = "name: t7\n"
			      "ports: [{name: a, inside: {port: 0}, outside: {port: 1}}]\n"
			      "profiles:\n"
			      "  p: {tcp: {handshake: 5s, established: 10s}}\n"
			      "default_profile: p\n";

/* A copy of @p x's scenario with tcp.established of @p prof set as a timeline "set" does. */
static struct dp_snapshot *
snap_with_established(const struct fx *x, int prof, uint64_t us)
{
	struct cfg_scenario *scn = malloc(sizeof(*scn));
	struct cfg_set set = {.field = CFG_FIELD_TMO_FIRST + CFG_TMO_TCP_ESTABLISHED, .value = us};
	struct dp_snapshot *s;

	assert_non_null(scn);
	*scn = *x->scn;
	cfg_profile_apply_set(&scn->profiles[prof], &set);
	s = snap_build(scn, 1.0);
	s->generation = x->snap->generation + 1;
	free(scn);
	return s;
}

static void
test_timeout_shortened(void **state)
{
	struct fx *x = fx_new(T7_YAML, 1.0, 1024);
	int prof = profile(x, "p");
	struct dp_snapshot *s2 = snap_with_established(x, prof, 2000000);
	struct tconn a, b;
	struct flow *fa, *fb;
	uint64_t exp_b = 0;

	(void)state;
	tc_init(&a, 4, &EP_CLIENT, &EP_SERVER, 0, false);
	tc_init(&b, 4, &EP_CLIENT_HI, &EP_SERVER, 0, false);
	tc_open(x, &a, 100);
	tc_open(x, &b, 200); /* B's last packet at 202, armed at its handshake due 5200 */
	fa = tc_flow(x, &a);
	fb = tc_flow(x, &b);
	assert_non_null(fa);
	assert_non_null(fb);
	/* Lazy re-arm: still armed at the handshake due, a longer timeout never re-arms. */
	EQ("due of A", fa->due, 100 + 5000);

	at(x, 500);
	x->w->eng.snap = s2; /* the control thread published a new snapshot */
	EQ("A refreshed", tc_seg(x, &a, 0, ACK, 0), 1);
	EQ("A re-armed at its new, earlier due", fa->due, 500 + 2000);
	expect_expiry_at(x, 2500, prof, FLOW_TCP_ESTABLISHED);
	EQ("B still there", x->w->eng.ft->n_active, 1);
	tc_check_rsts(x, &a, 1, 1);
	flush_and_check(x);

	/*
	 * B had no packet since the change: SPEC §5 applies the new timeout "from its next
	 * refresh". It must not go before its new timeout would say (202 + 2000) and must be
	 * gone by the tick its old one gives (202 + 10000).
	 */
	for (uint32_t tick = 2501; tick <= 202 + 10000 && exp_b == 0; tick++) {
		at(x, tick);
		exp_b = expired_total(x->w) - 1;
		if (exp_b)
			printf("timeline-like change: flow without a packet since the change "
			       "(last seen 202, old due 10202, new due 2202) expired at tick %u, "
			       "recorded lateness %" PRIu64 " ms\n",
			       tick, x->w->eng.stats.late_max_ns / 1000000);
	}
	EQ("B expired by its old due", exp_b, 1);
	EQ("flows", x->w->eng.ft->n_active, 0);
	tc_check_rsts(x, &b, 1, 1);
	flush_and_check(x);
	fx_free(x);
	free(s2);
}

static void
test_timeout_lengthened(void **state)
{
	struct fx *x = fx_new(T7_YAML, 1.0, 1024);
	int prof = profile(x, "p");
	struct dp_snapshot *s2 = snap_with_established(x, prof, 20000000);
	struct tconn a;
	struct flow *fa;

	(void)state;
	tc_init(&a, 4, &EP_CLIENT, &EP_SERVER, 0, false);
	tc_open(x, &a, 100);
	fa = tc_flow(x, &a);
	assert_non_null(fa);
	at(x, 500);
	x->w->eng.snap = s2;
	EQ("A refreshed", tc_seg(x, &a, 0, ACK, 0), 1);
	EQ("longer timeout: no re-arm on the packet", fa->due, 100 + 5000);
	at(x, 5100);
	EQ("nothing expired", expired_total(x->w), 0);
	EQ("lazy re-arm at the slot check", fa->due, 500 + 20000);
	expect_expiry_at(x, 20500, prof, FLOW_TCP_ESTABLISHED);
	EQ("late_max_ns", x->w->eng.stats.late_max_ns, 0);
	tc_check_rsts(x, &a, 1, 1);
	flush_and_check(x);
	fx_free(x);
	free(s2);
}

/* ------------------------------------------------------------------ handshake RSTs */

/*
 * Regression (found by this test): an RST towards an endpoint that has not sent a frame yet
 * (a flow timing out in SYN_SENT, or adopted from one direction) must be addressed to the
 * MAC the first frame was sent to, not to 00:00:00:00:00:00, which a host drops.
 */
static void
rst_to_silent_endpoint_uses_first_frame_dst_mac(void **state)
{
	struct fx *x = fx_new(T3_YAML, 1.0, 1024);
	int prof = profile(x, "adopt");
	struct tconn t;
	struct rst_exp e;

	(void)state;
	/* SYN_SENT timeout: the client's RST is right, the server's goes to 00:..:00. */
	tc_init(&t, 4, &EP_CLIENT, &EP_SERVER, 0, false);
	t.s.port = 82;
	at(x, 100);
	EQ("SYN forwarded", tc_seg(x, &t, 0, SYN, 0), 1);
	expect_expiry_at(x, 100 + 1000, prof, FLOW_TCP_SYN_SENT);
	EQ("RSTs", rst_queued(x->w), 2);
	memset(&e, 0, sizeof(e));
	e.dmac = EP_CLIENT.mac;
	e.family = 4;
	e.sip = t.s.ip4;
	e.dip = t.c.ip4;
	e.sport = t.s.port;
	e.dport = t.c.port;
	e.seq = 0;
	e.ack = ISN_C + 1; /* a SYN_SENT stack takes an RST whose ACK covers its SYN */
	e.flags = RST | ACK;
	check_rst("SYN_SENT: RST to the client", x->w->rst_buf[0][0], &e);
	e.dmac = EP_SERVER.mac;
	e.sip = t.c.ip4;
	e.dip = t.s.ip4;
	e.sport = t.c.port;
	e.dport = t.s.port;
	e.seq = ISN_C + 1; /* the RCV.NXT of a server in SYN_RECV */
	e.flags = RST;
	check_rst("SYN_SENT: RST to the server", x->w->rst_buf[1][0], &e);
	flush_and_check(x);

	/* A flow adopted from the client's segments only. */
	tc_init(&t, 4, &EP_CLIENT, &EP_SERVER, 0, false);
	t.s.port = 82;
	t.nxt[0] = 7000;
	t.nxt[1] = 9000;
	at(x, 2000);
	EQ("adopted", tc_seg(x, &t, 0, PSH | ACK, 10), 1);
	expect_expiry_at(x, 2000 + 3000, prof, FLOW_TCP_ESTABLISHED);
	EQ("RSTs", rst_queued(x->w), 2);
	e = tc_rst_exp(&t, 1);
	e.smac = NULL;
	e.seq = t.nxt[0]; /* the server's RCV.NXT: what the client sends next */
	e.ack = t.ack[0]; /* what the client acknowledged is what the server sent */
	check_rst("adopted: RST to the server", x->w->rst_buf[1][0], &e);
	flush_and_check(x);
	fx_free(x);
}

/* ------------------------------------------------------------------ 8. presets */

/* What each preset's comment (and SPEC §8) claims, in seconds. */
struct preset {
	const char *file;
	const char *profile; /* the one an untagged flow on its first pair gets */
	uint32_t handshake, established, udp_single, udp_stream, icmp;
	enum cfg_on_timeout on_timeout; /* at the established timeout (and the handshake's) */
	enum cfg_stray stray;
};

/* Presets whose device resets only ESTABLISHED flows: silent at the handshake timeout. */
static const char *const presets_reset_established_only[] = {"azure-lb-tcp-reset.yaml"};

#define RB CFG_ON_TIMEOUT_RESET_BOTH
#define SIL CFG_ON_TIMEOUT_SILENT

static const struct preset presets[] = {
	{"aws-nat-gateway.yaml", "aws-nat-gateway", 350, 350, 350, 350, 350, SIL, CFG_STRAY_RESET},
	{"aws-nlb.yaml", "aws-nlb", 350, 350, 120, 120, 120, SIL, CFG_STRAY_RESET},
	{"azure-lb-tcp-reset.yaml", "azure-lb-tcp-reset", 240, 240, 240, 240, 240, RB,
	 CFG_STRAY_DROP},
	{"azure-lb.yaml", "azure-lb", 240, 240, 240, 240, 240, SIL, CFG_STRAY_DROP},
	{"cisco-asa.yaml", "cisco-asa", 30, 3600, 120, 120, 2, SIL, CFG_STRAY_DROP},
	{"example.yaml", "f5-fastl4", 5, 300, 300, 300, 300, RB, CFG_STRAY_DROP},
	{"f5-fastl4.yaml", "f5-fastl4", 5, 300, 300, 300, 300, RB, CFG_STRAY_DROP},
	{"f5-standard-tcp.yaml", "f5-standard-tcp", 15, 300, 60, 60, 60, RB, CFG_STRAY_RESET},
	{"gcp-cloud-nat.yaml", "gcp-cloud-nat", 30, 1200, 30, 30, 30, SIL, CFG_STRAY_DROP},
	{"juniper-srx.yaml", "juniper-srx", 20, 1800, 60, 60, 60, SIL, CFG_STRAY_DROP},
	{"lab-f5-300s.yaml", "f5-fastl4", 5, 300, 300, 300, 300, RB, CFG_STRAY_DROP},
	{"lab-f5-fix-timeout.yaml", "f5-fastl4", 5, 3600, 300, 300, 300, RB, CFG_STRAY_DROP},
	{"linux-conntrack.yaml", "linux-conntrack", 120, 432000, 30, 120, 30, SIL, CFG_STRAY_ADOPT},
	{"paloalto.yaml", "paloalto", 10, 3600, 30, 30, 6, SIL, CFG_STRAY_DROP},
};

/* --time-scale 0.001: a preset's seconds become ticks, so 5 days stay 432000 ticks. */
#define PRESET_SCALE 0.001

static const char *
source_root(void)
{
	const char *r = getenv("IDLECUT_SOURCE_ROOT");

	return r != NULL && r[0] != '\0' ? r : NULL;
}

static const struct preset *
preset_of(const char *file)
{
	for (unsigned int i = 0; i < RTE_DIM(presets); i++)
		if (strcmp(presets[i].file, file) == 0)
			return &presets[i];
	return NULL;
}

static void
test_preset(void **state)
{
	const char *file = *state;
	const struct preset *ps = preset_of(file);
	struct cfg_scenario *scn = calloc(1, sizeof(*scn));
	enum cfg_on_timeout a = ps != NULL ? ps->on_timeout : SIL;
	unsigned int n_client = a == RB || a == CFG_ON_TIMEOUT_RESET_CLIENT;
	unsigned int n_server = a == RB || a == CFG_ON_TIMEOUT_RESET_SERVER;
	char path[4096], err[SCN_ERR_MAX];
	struct tconn t;
	struct fx *x;
	struct flow *f;
	struct pkt p;
	uint32_t last, now;
	int prof;

	if (ps == NULL)
		fail_msg("configs/%s: no row in this test's preset table: add what its comment "
			 "claims",
			 file);
	assert_non_null(scn);
	snprintf(path, sizeof(path), "%s/configs/%s", source_root(), file);
	if (scn_load_file(path, scn, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	x = fx_new_scn(scn, PRESET_SCALE, 4096);

	/* An established connection: expires at exactly tcp.established, with its RSTs. */
	tc_init(&t, 4, &EP_CLIENT, &EP_SERVER, 0, false);
	t.access_vlan = scn->pairs[0].side[0].vlan;
	last = tc_open(x, &t, 100);
	f = tc_flow(x, &t);
	assert_non_null(f);
	if (strcmp(scn->profiles[f->profile].name, ps->profile) != 0)
		fail_msg("%s: a TCP flow got profile %s, expected %s", file,
			 scn->profiles[f->profile].name, ps->profile);
	prof = f->profile;
	EQ("on_timeout", scn->profiles[prof].on_timeout_state[FLOW_TCP_ESTABLISHED], ps->on_timeout);
	expect_expiry_at(x, last + ps->established, prof, FLOW_TCP_ESTABLISHED);
	tc_check_rsts(x, &t, n_client, n_server);
	flush_and_check(x);

	/* A SYN nobody answers: tcp.handshake. */
	now = last + ps->established + 10;
	tc_init(&t, 4, &EP_CLIENT, &EP_SERVER, 0, false);
	at(x, now);
	EQ("SYN forwarded", tc_seg(x, &t, 0, SYN, 0), 1);
	expect_expiry_at(x, now + ps->handshake, prof, FLOW_TCP_SYN_SENT);
	for (unsigned int i = 0; i < RTE_DIM(presets_reset_established_only); i++)
		if (strcmp(file, presets_reset_established_only[i]) == 0)
			n_client = n_server = 0;
	EQ("RSTs after a handshake timeout", rst_queued(x->w), n_client + n_server);
	flush_and_check(x);

	/* UDP one way (udp.single) and both ways (udp.stream). */
	now += ps->handshake + 10;
	at(x, now);
	p = udp_pkt(&EP_CLIENT, &EP_SERVER);
	EQ("UDP forwarded", push(x, 0, mk(&p)), 1);
	expect_expiry_at(x, now + ps->udp_single, prof, FLOW_UDP_SINGLE);
	now += ps->udp_single + 10;
	at(x, now);
	EQ("UDP forwarded", push(x, 0, mk(&p)), 1);
	p = udp_pkt(&EP_SERVER, &EP_CLIENT);
	EQ("UDP reply forwarded", push(x, 1, mk(&p)), 1);
	expect_expiry_at(x, now + ps->udp_stream, prof, FLOW_UDP_STREAM);

	/* ICMP echo. */
	now += ps->udp_stream + 10;
	at(x, now);
	memset(&p, 0, sizeof(p));
	p.family = 4;
	p.proto = 1;
	p.src = &EP_CLIENT;
	p.dst = &EP_SERVER;
	p.icmp_type = 8;
	p.icmp_id = 7;
	EQ("ping forwarded", push(x, 0, mk(&p)), 1);
	expect_expiry_at(x, now + ps->icmp, prof, FLOW_ACTIVE);
	EQ("RSTs after UDP/ICMP", rst_queued(x->w), 0);

	/* A stray segment: what stray_tcp claims. */
	now += ps->icmp + 10;
	at(x, now);
	p = stray_pkt(&EP_CLIENT, &EP_SERVER, ACK, 7000, 9000, 0);
	switch (ps->stray) {
	case CFG_STRAY_DROP:
		EQ("stray forwarded", push(x, 0, mk(&p)), 0);
		EQ("RSTs", rst_queued(x->w), 0);
		EQ("flows", x->w->eng.ft->n_active, 0);
		break;
	case CFG_STRAY_RESET:
		EQ("stray forwarded", push(x, 0, mk(&p)), 0);
		EQ("stray RST back out of the same port", x->w->rst_n[0], 1);
		EQ("RSTs", rst_queued(x->w), 1);
		{
			struct rst_exp e;

			memset(&e, 0, sizeof(e));
			e.dmac = EP_CLIENT.mac;
			e.smac = EP_SERVER.mac;
			e.family = 4;
			e.sip = EP_SERVER.ip4;
			e.dip = EP_CLIENT.ip4;
			e.sport = EP_SERVER.port;
			e.dport = EP_CLIENT.port;
			e.seq = 9000;
			e.flags = RST;
			check_rst("stray RST", x->w->rst_buf[0][0], &e);
		}
		EQ("flows", x->w->eng.ft->n_active, 0);
		break;
	case CFG_STRAY_ADOPT:
		EQ("stray forwarded", push(x, 0, mk(&p)), 1);
		EQ("RSTs", rst_queued(x->w), 0);
		f = flow_find(x, 4, EP_CLIENT.ip4, EP_CLIENT.port, EP_SERVER.ip4, EP_SERVER.port, 6,
			      0, t.access_vlan, 0);
		assert_non_null(f);
		EQ("adopted state", f->state, FLOW_TCP_ESTABLISHED);
		expect_expiry_at(x, now + ps->established, prof, FLOW_TCP_ESTABLISHED);
		break;
	}
	EQ("stray counter", x->w->eng.stats.stray[ps->stray], 1);
	flush_and_check(x);
	printf("preset %-24s profile %-18s established %6us handshake %3us udp %3us/%3us icmp "
	       "%3us %-10s stray %s: ok\n",
	       file, ps->profile, ps->established, ps->handshake, ps->udp_single, ps->udp_stream,
	       ps->icmp, cfg_on_timeout_name(ps->on_timeout), cfg_stray_name(ps->stray));
	fx_free(x);
}

static bool
is_yaml(const char *name)
{
	size_t n = strlen(name);

	return n > 5 && strcmp(name + n - 5, ".yaml") == 0;
}

/* Every row names a file that exists: a preset cannot disappear unnoticed. */
static void
test_preset_table(void **state)
{
	char path[4096];

	(void)state;
	if (source_root() == NULL)
		fail_msg("IDLECUT_SOURCE_ROOT is not set (meson test sets it)");
	for (unsigned int i = 0; i < RTE_DIM(presets); i++) {
		snprintf(path, sizeof(path), "%s/configs/%s", source_root(), presets[i].file);
		if (access(path, R_OK) != 0)
			fail_msg("%s: %s", path, strerror(errno));
	}
}

/* ------------------------------------------------------------------ 9. lateness */

static const char T9_YAML[] = "name: t9\n"
			      "ports: [{name: a, inside: {port: 0}, outside: {port: 1}}]\n"
			      "flow_table: {capacity: 131072}\n"
			      "profiles:\n"
			      "  p: {udp: {single: 1s, stream: 1s}}\n"
			      "default_profile: p\n";

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
test_lateness_100k(void **state)
{
	enum { N = 100000, T0 = 10, TMO = 1000, MAX_LATE = 100000 };
	struct fx *x = fx_new(T9_YAML, 1.0, 131072);
	uint32_t *hist = calloc(MAX_LATE, sizeof(*hist));
	uint32_t due = T0 + TMO, tick, max_late = 0, p50 = UINT32_MAX, p99 = UINT32_MAX;
	uint64_t done = 0, seen = 0, buckets = 0;
	struct ep c = EP_CLIENT, s = EP_SERVER;
	double t_create, t_expire;

	(void)state;
	assert_non_null(hist);
	s.port = 53;
	at(x, T0);
	t_create = now_s();
	for (uint32_t i = 0; i < N; i += WORKER_BURST) {
		struct rte_mbuf *m[WORKER_BURST], *out[WORKER_BURST];
		uint16_t n = (uint16_t)RTE_MIN((uint32_t)WORKER_BURST, N - i), fwd;

		assert_int_equal(rte_pktmbuf_alloc_bulk(g_mp, m, n), 0);
		for (uint16_t j = 0; j < n; j++) {
			uint32_t id = i + j;
			struct pkt p = udp_pkt(&c, &s);

			c.ip4[13] = (uint8_t)(id >> 16);
			c.ip4[14] = (uint8_t)(id >> 8);
			c.ip4[15] = (uint8_t)id;
			m[j]->data_len = build(rte_pktmbuf_mtod(m[j], uint8_t *),
					       (uint16_t)rte_pktmbuf_tailroom(m[j]), &p);
			m[j]->pkt_len = m[j]->data_len;
		}
		fwd = worker_process_burst(x->w, 0, m, n, out);
		EQ("forwarded", fwd, n);
		rte_pktmbuf_free_bulk(out, fwd);
	}
	t_create = now_s() - t_create;
	EQ("flows", x->w->eng.ft->n_active, N);
	EQ("flows_created", x->w->eng.stats.flows_created[profile(x, "p")], N);

	at(x, due - 1);
	EQ("expired before due", expired_total(x->w), 0);
	t_expire = now_s();
	for (tick = due; done < N && tick - due < MAX_LATE; tick++) {
		uint64_t got;

		at(x, tick);
		got = expired_total(x->w) - done;
		if (got > WORKER_EXPIRE_BUDGET)
			fail_msg("tick %u: %" PRIu64 " expiries in one call, budget %d", tick, got,
				 WORKER_EXPIRE_BUDGET);
		if (got == 0)
			fail_msg("tick %u: no progress with %" PRIu64 " flows overdue", tick,
				 N - done);
		hist[tick - due] = (uint32_t)got;
		done += got;
		max_late = tick - due;
	}
	t_expire = now_s() - t_expire;
	EQ("all expired", done, N);
	EQ("flows", x->w->eng.ft->n_active, 0);
	for (uint32_t l = 0; l <= max_late; l++) {
		seen += hist[l];
		if (p50 == UINT32_MAX && seen * 2 >= N)
			p50 = l;
		if (p99 == UINT32_MAX && seen * 100 >= (uint64_t)N * 99)
			p99 = l;
	}
	/* The lateness histogram agrees with what the test counted per tick. */
	EQ("late_count", x->w->eng.stats.late_count, N);
	EQ("late_max_ns", x->w->eng.stats.late_max_ns, (uint64_t)max_late * 1000000);
	for (unsigned int b = 0; b <= STATS_LATE_BUCKETS; b++)
		buckets += x->w->eng.stats.late_buckets[b];
	EQ("late_buckets", buckets, N);
	printf("lateness, %d flows due at the same tick, 1 tick = 1 ms, budget %d per call: "
	       "p50 %u ms, p99 %u ms, max %u ms (%u calls)\n",
	       N, WORKER_EXPIRE_BUDGET, p50, p99, max_late, max_late + 1);
	printf("  %d new UDP flows in %.1f ms (%.2f M/s); %d expiries in %.1f ms of CPU "
	       "(%.2f M/s)\n",
	       N, t_create * 1e3, N / t_create / 1e6, N, t_expire * 1e3, N / t_expire / 1e6);
	free(hist);
	fx_free(x);
}

/* ------------------------------------------------------------------ 10. concurrency */

#define T10_BURSTS 4000
#define T10_GROUP 50 /* bursts per group of 32 flows */

static const char T10_YAML[] = "name: t10\n"
			       "ports: [{name: a, inside: {port: 0}, outside: {port: 1}}]\n"
			       "profiles:\n"
			       "  p: {udp: {single: 20ms, stream: 20ms}}\n"
			       "default_profile: p\n";

struct t10_writer {
	struct worker *w;
	const bool *go;
	uint64_t sent[2];
	uint64_t forwarded;
	uint32_t ticks;
	int err;
};

struct t10_reader {
	const struct stats_lcore *in[2];
	const int *done;
	uint64_t reads;
	uint64_t went_back; /* reads where some counter was below its previous value */
	size_t bad_word;
};

static void *
t10_write(void *arg)
{
	struct t10_writer *tw = arg;
	struct ep c = EP_CLIENT, s = EP_SERVER;

	while (!__atomic_load_n(tw->go, __ATOMIC_ACQUIRE))
		;
	for (uint32_t b = 0; b < T10_BURSTS; b++) {
		struct rte_mbuf *m[WORKER_BURST], *out[WORKER_BURST];
		unsigned int pi = b & 1;
		uint16_t n;

		if (b % 8 == 0)
			worker_tick(tw->w, (uint64_t)(tw->ticks = b / 8) * TSC_PER_MS);
		if (rte_pktmbuf_alloc_bulk(g_mp, m, WORKER_BURST) != 0) {
			tw->err = ENOMEM;
			return NULL;
		}
		for (unsigned int i = 0; i < WORKER_BURST; i++) {
			struct pkt p = udp_pkt(pi ? &s : &c, pi ? &c : &s);

			c.port = (uint16_t)(1024 + (b / T10_GROUP) * WORKER_BURST + i);
			m[i]->data_len = build(rte_pktmbuf_mtod(m[i], uint8_t *),
					       (uint16_t)rte_pktmbuf_tailroom(m[i]), &p);
			m[i]->pkt_len = m[i]->data_len;
		}
		n = worker_process_burst(tw->w, pi, m, WORKER_BURST, out);
		tw->sent[pi] += WORKER_BURST;
		tw->forwarded += n;
		rte_pktmbuf_free_bulk(out, n);
	}
	return NULL;
}

static void *
t10_read(void *arg)
{
	struct t10_reader *tr = arg;
	const size_t words = sizeof(struct stats_lcore) / sizeof(uint64_t);
	const size_t g0 = offsetof(struct stats_lcore, flows_active) / sizeof(uint64_t);
	/* The gauges (flows_active, then flows_state) may go down. */
	const size_t g1 = offsetof(struct stats_lcore, flows_state) / sizeof(uint64_t) +
			  CFG_MAX_PROFILES * STATS_FLOW_STATES;
	struct stats_lcore *a = aligned_alloc(RTE_CACHE_LINE_SIZE, sizeof(*a));
	struct stats_lcore *b = aligned_alloc(RTE_CACHE_LINE_SIZE, sizeof(*b));

	if (a == NULL || b == NULL) {
		tr->went_back = UINT64_MAX;
		free(a);
		free(b);
		return NULL;
	}
	stats_sum(a, tr->in, 2);
	while (!__atomic_load_n(tr->done, __ATOMIC_ACQUIRE)) {
		const uint64_t *prev = (const uint64_t *)a, *cur = (const uint64_t *)b;
		struct stats_lcore *tmp;
		bool back = false;

		stats_sum(b, tr->in, 2);
		for (size_t k = 0; k < words; k++) {
			if (k >= g0 && k < g1)
				continue;
			if (cur[k] < prev[k]) {
				back = true;
				tr->bad_word = k;
			}
		}
		tr->went_back += back;
		tr->reads++;
		tmp = a;
		a = b;
		b = tmp;
	}
	free(a);
	free(b);
	return NULL;
}

static void
test_two_workers_concurrent(void **state)
{
	struct fx *x[2];
	struct t10_writer tw[2];
	struct t10_reader tr;
	pthread_t th[3];
	bool go = false;
	int done = 0;
	struct stats_lcore *sum = aligned_alloc(RTE_CACHE_LINE_SIZE, sizeof(*sum));
	const uint64_t groups = (T10_BURSTS + T10_GROUP - 1) / T10_GROUP;
	uint64_t created = 0, expired = 0, active = 0;

	(void)state;
	assert_non_null(sum);
	for (unsigned int i = 0; i < 2; i++) {
		/* Each worker owns one pair: worker i on net_null 2i and 2i+1. */
		x[i] = fx_load(T10_YAML, 1.0, 4096, 2 * i);
		memset(&tw[i], 0, sizeof(tw[i]));
		tw[i].w = x[i]->w;
		tw[i].go = &go;
	}
	memset(&tr, 0, sizeof(tr));
	tr.in[0] = &x[0]->w->eng.stats;
	tr.in[1] = &x[1]->w->eng.stats;
	tr.done = &done;
	assert_int_equal(pthread_create(&th[2], NULL, t10_read, &tr), 0);
	for (unsigned int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&th[i], NULL, t10_write, &tw[i]), 0);
	__atomic_store_n(&go, true, __ATOMIC_RELEASE);
	for (unsigned int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	__atomic_store_n(&done, 1, __ATOMIC_RELEASE);
	pthread_join(th[2], NULL);

	for (unsigned int i = 0; i < 2; i++) {
		EQ("writer", tw[i].err, 0);
		/* Let every flow time out. */
		for (unsigned int k = 0; k < 100 && x[i]->w->eng.ft->n_active > 0; k++)
			at(x[i], tw[i].ticks + 1000 + k);
		EQ("flows left", x[i]->w->eng.ft->n_active, 0);
	}
	stats_sum(sum, tr.in, 2);
	for (unsigned int i = 0; i < 2; i++) {
		EQ("forwarded", tw[i].forwarded, tw[i].sent[0] + tw[i].sent[1]);
		EQ("rx_packets inside", sum->rx_packets[g_port[2 * i]], tw[i].sent[0]);
		EQ("rx_packets outside", sum->rx_packets[g_port[2 * i + 1]], tw[i].sent[1]);
	}
	for (unsigned int p = 0; p < CFG_MAX_PROFILES; p++) {
		created += sum->flows_created[p];
		active += sum->flows_active[p];
		for (unsigned int s = 0; s < STATS_FLOW_STATES; s++)
			expired += sum->flows_expired[p][s];
	}
	EQ("flows_created", created, 2 * groups * WORKER_BURST);
	EQ("flows_expired", expired, created);
	EQ("flows_active", active, 0);
	EQ("drops", sum->drops[0] + sum->drops[1] + sum->drops[2] + sum->drops[3], 0);
	printf("two workers, %u bursts each, stats_sum read %" PRIu64 " times meanwhile\n",
	       T10_BURSTS, tr.reads);
	if (tr.went_back)
		fail_msg("stats_sum saw a counter go backwards %" PRIu64 " times (word %zu)",
			 tr.went_back, tr.bad_word);
	assert_true(tr.reads > 0);
	free(sum);
	fx_free(x[0]);
	fx_free(x[1]);
}

/* ------------------------------------------------------------------ 16 Mi flows */

static void
big_table_16Mi(void **state)
{
	const uint32_t cap = 1u << 24;
	struct flow_table *ft;
	double t;

	(void)state;
	t = now_s();
	ft = flow_table_create(cap, 1, 0);
	t = now_s() - t;
	if (ft == NULL)
		fail_msg("flow_table_create(%u): %s", cap, strerror(errno));
	printf("flow table of %u flows: %.1f MiB (%.1f B/flow), created and pre-faulted in "
	       "%.0f ms\n",
	       cap, (double)flow_table_memory(cap) / (1 << 20),
	       (double)flow_table_memory(cap) / cap, t * 1e3);
	flow_table_destroy(ft);
}

/* ------------------------------------------------------------------ main */

static struct CMUnitTest tests[MAX_TESTS];
static unsigned int n_tests;

static void
add_test(const char *name, CMUnitTestFunction fn, const void *arg)
{
	if (n_tests == MAX_TESTS) {
		fprintf(stderr, "worker_test: raise MAX_TESTS\n");
		exit(1);
	}
	tests[n_tests++] = (struct CMUnitTest){
		.name = name, .test_func = fn, .initial_state = (void *)(uintptr_t)arg};
}

static const char *
fmt(const char *f, ...)
{
	va_list ap;
	char *s;

	va_start(ap, f);
	if (vasprintf(&s, f, ap) < 0)
		s = NULL;
	va_end(ap);
	if (s == NULL) {
		fprintf(stderr, "worker_test: out of memory\n");
		exit(1);
	}
	return s;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
add_preset_tests(void)
{
	char dir[4096], *names[64];
	unsigned int n = 0;
	struct dirent *de;
	DIR *d;

	add_test("preset_table_files_exist", test_preset_table, NULL);
	if (source_root() == NULL)
		return; /* test_preset_table fails and says why */
	snprintf(dir, sizeof(dir), "%s/configs", source_root());
	d = opendir(dir);
	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL && n < RTE_DIM(names))
		if (is_yaml(de->d_name))
			names[n++] = strdup(de->d_name);
	closedir(d);
	qsort(names, n, sizeof(names[0]), cmp_str);
	for (unsigned int i = 0; i < n; i++)
		add_test(fmt("preset_%s", names[i]), test_preset, names[i]);
}

static void
add_tests(void)
{
	static const char *const when_full[] = {"forward", "drop"};

	for (unsigned int i = 0; i < RTE_DIM(t1_cases); i++) {
		const struct t1_case *k = &t1_cases[i];

		add_test(fmt("tcp_expiry_%s_ipv%u%s%s", k->profile, k->family,
			     k->client_outside ? "_client_outside" : "",
			     k->client_hi ? "_client_endpoint1" : ""),
			 test_tcp_expiry, k);
	}
	for (unsigned int i = 0; i < RTE_DIM(t2_cases); i++) {
		const struct t2_case *k = &t2_cases[i];

		add_test(fmt("vlan_%s_%s_%s%s", k->pair ? "access300" : "trunk",
			     k->n_vlan == 0   ? "untagged"
			     : k->n_vlan == 1 ? "dot1q"
					      : (k->tpid[0] == 0x88a8 ? "qinq88a8" : "double8100"),
			     k->tracked ? "tracked" : "untracked",
			     k->client_outside ? "_client_outside" : ""),
			 test_vlan, k);
	}
	add_test("stray_drop", test_stray_drop, NULL);
	add_test("stray_reset", test_stray_reset, NULL);
	add_test("stray_rst_never_answered", test_stray_rst_not_answered, NULL);
	add_test("stray_adopt", test_stray_adopt, NULL);
	for (unsigned int i = 0; i < RTE_DIM(when_full); i++)
		add_test(fmt("table_full_%s", when_full[i]), test_table_full, when_full[i]);
	add_test("malformed_forward_and_drop", test_malformed, NULL);
	for (unsigned int i = 0; i < RTE_DIM(t6_cases); i++)
		add_test(fmt("silent_expiry_%s", t6_cases[i].name), test_silent_expiry,
			 &t6_cases[i]);
	add_test("timeout_shortened_applies_at_next_packet", test_timeout_shortened, NULL);
	add_test("flush_dump_events", test_flush_dump_events, NULL);
	add_test("timeout_lengthened_lazy_rearm", test_timeout_lengthened, NULL);
	add_preset_tests();
	add_test("lateness_100k_same_tick", test_lateness_100k, NULL);
	add_test("two_workers_concurrent_stats", test_two_workers_concurrent, NULL);
	add_test("rst_to_silent_endpoint_uses_first_frame_dst_mac",
		 rst_to_silent_endpoint_uses_first_frame_dst_mac, NULL);
	add_test("malformed_profile_uses_parsed_l3_l4",
		 malformed_profile_uses_parsed_l3_l4, NULL);
	if (getenv("IDLECUT_BIG") != NULL && strcmp(getenv("IDLECUT_BIG"), "1") == 0)
		add_test("big_table_16Mi", big_table_16Mi, NULL);
	else
		printf("big_table_16Mi: not run (set IDLECUT_BIG=1; needs about 2 GB)\n");
}

int
main(int argc, char **argv)
{
	char prefix[64];
	char *eal[] = {argv[0],
		       "--no-huge",
		       "-m",
		       "256",
		       "--no-pci",
		       "--no-shconf",
		       "--no-telemetry",
		       prefix,
		       "-l",
		       "0",
		       "--vdev=net_null0",
		       "--vdev=net_null1",
		       "--vdev=net_null2",
		       "--vdev=net_null3",
		       "--log-level=lib.eal:error",
		       NULL};
	char rundir[4096];
	int rc;

	(void)argc;
	snprintf(prefix, sizeof(prefix), "--file-prefix=idlecut-dptest-%d", (int)getpid());
	if (rte_eal_init((int)RTE_DIM(eal) - 1, eal) < 0) {
		fprintf(stderr, "worker_test: cannot initialise EAL: %s\n",
			rte_strerror(rte_errno));
		return 1;
	}
	g_mp = rte_pktmbuf_pool_create("dptest", POOL_MBUFS, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       (int)rte_socket_id());
	if (g_mp == NULL) {
		fprintf(stderr, "worker_test: mbuf pool: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	for (unsigned int i = 0; i < N_PORTS; i++) {
		char name[16];

		snprintf(name, sizeof(name), "net_null%u", i);
		if (rte_eth_dev_get_port_by_name(name, &g_port[i]) != 0 ||
		    (rc = port_setup(g_port[i], g_mp)) < 0) {
			fprintf(stderr, "worker_test: %s: cannot set up\n", name);
			return 1;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	add_tests();
	rc = _cmocka_run_group_tests("dataplane", tests, n_tests, NULL, NULL);
	port_close_all();
	rte_mempool_free(g_mp);
	snprintf(rundir, sizeof(rundir), "%s", rte_eal_get_runtime_dir());
	rte_eal_cleanup();
	if (rmdir(rundir) != 0)
		fprintf(stderr, "rmdir %s: %s\n", rundir, strerror(errno));
	return rc;
}
