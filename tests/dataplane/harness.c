/* SPDX-License-Identifier: BSD-3-Clause */
/* Dataplane test harness (see harness.h): the one file that knows the worker's insides. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mempool.h>
#include <rte_ring_elem.h>

#include "harness.h"
#include "port.h"
#include "rst.h"
#include "tk_csum.h"
#include "tk_frame.h"

#define TSC_PER_MS 2500000ull /* 2.5 GHz */
#define N_PORTS 4
#define POOL_MBUFS 8191
#define MAX_TESTS 128

static struct rte_mempool *g_mp;
static uint16_t g_port[N_PORTS]; /* ethdev ids of net_null0..3 = worker port index 0..3 */

/* ------------------------------------------------------------------ frames */

#define V4(a, b, c, d)                                                                             \
	{                                                                                          \
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, a, b, c, d                               \
	}

const struct fx_ep EP_CLIENT = {
	.mac = {0x02, 0x00, 0x00, 0x00, 0x00, 0xc1},
	.ip4 = V4(198, 18, 0, 10),
	.ip6 = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10},
	.port = 40000,
};

const struct fx_ep EP_CLIENT_HI = {
	.mac = {0x02, 0x00, 0x00, 0x00, 0x00, 0xc2},
	.ip4 = V4(198, 18, 2, 10),
	.ip6 = {0x20, 0x01, 0x0d, 0xb8, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10},
	.port = 40001,
};

const struct fx_ep EP_SERVER = {
	.mac = {0x02, 0x00, 0x00, 0x00, 0x00, 0x5e},
	.ip4 = V4(198, 18, 1, 20),
	.ip6 = {0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x20},
	.port = 80,
};

const uint8_t *
fx_ip_of(const struct fx_ep *e, uint8_t family)
{
	return family == 4 ? e->ip4 : e->ip6;
}

static struct fx_pkt
pkt_v4(const struct fx_ep *src, const struct fx_ep *dst, uint8_t proto, uint16_t len)
{
	struct fx_pkt p;

	memset(&p, 0, sizeof(p));
	p.family = 4;
	p.proto = proto;
	p.src = src;
	p.dst = dst;
	p.len = len;
	return p;
}

struct fx_pkt
fx_tcp_pkt(const struct fx_ep *src, const struct fx_ep *dst, uint8_t flags, uint32_t seq,
	   uint32_t ack, uint16_t len)
{
	struct fx_pkt p = pkt_v4(src, dst, 6, len);

	p.flags = flags;
	p.seq = seq;
	p.ack = ack;
	return p;
}

struct fx_pkt
fx_udp_pkt(const struct fx_ep *src, const struct fx_ep *dst)
{
	return pkt_v4(src, dst, 17, 16);
}

uint16_t
fx_build(uint8_t *b, uint16_t room, const struct fx_pkt *p)
{
	/* The kit's addresses are 4 bytes for IPv4: the end of the v4-mapped form. */
	size_t a = p->family == 4 ? 12 : 0;
	const struct tk_spec s = {
		.dst_mac = p->dst->mac,
		.src_mac = p->src->mac,
		.n_vlan = p->n_vlan,
		.tpid = {p->tpid[0], p->tpid[1]},
		.tci = {p->vlan[0], p->vlan[1]},
		.family = p->family,
		.src = fx_ip_of(p->src, p->family) + a,
		.dst = fx_ip_of(p->dst, p->family) + a,
		.ip_frag = TK_IP4_DF,
		.proto = p->proto,
		.sport = p->src->port,
		.dport = p->dst->port,
		.tcp_flags = p->flags,
		.seq = p->seq,
		.ack = p->ack,
		.win = 0x2000,
		.tcp_doff = p->doff,
		.icmp_type = p->icmp_type,
		.icmp_id = p->icmp_id,
		.icmp_seq = 1,
		.payload_len = p->len,
	};
	uint32_t len = tk_build(b, room, &s);

	if (len == 0)
		return 0;
	return (uint16_t)(p->cut ? p->cut : len);
}

uint16_t
fx_fill(struct rte_mbuf *m, const struct fx_pkt *p)
{
	uint16_t len =
		fx_build(rte_pktmbuf_mtod(m, uint8_t *), (uint16_t)rte_pktmbuf_tailroom(m), p);

	m->data_len = len;
	m->pkt_len = len;
	return len;
}

struct rte_mbuf *
fx_mbuf(const struct fx_pkt *p)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(g_mp);

	if (m == NULL)
		fail_msg("mbuf pool empty (%u available)", rte_mempool_avail_count(g_mp));
	assert_true(fx_fill(m, p) > 0);
	return m;
}

int
fx_mbufs_alloc(struct rte_mbuf **m, unsigned int n)
{
	return rte_pktmbuf_alloc_bulk(g_mp, m, n);
}

unsigned int
fx_mbufs_avail(void)
{
	return rte_mempool_avail_count(g_mp);
}

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

void
fx_check_rst(const char *what, const struct rte_mbuf *m, const struct fx_rst *e)
{
	const uint8_t *d = rte_pktmbuf_mtod(m, const uint8_t *);
	uint32_t len = rte_pktmbuf_data_len(m);
	struct parse_info pi;
	enum parse_status st = parse_frame(d, len, &pi);
	enum tk_csum_status cs;
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
	cs = tk_csum_frame(d, len);
	if (cs != TK_CSUM_OK)
		fail_msg("%s: wrong IPv4 or TCP checksum (%s)", what, tk_csum_status_name(cs));
}

/* ------------------------------------------------------------------ fixture */

struct dp_snapshot *
fx_snap_build(const struct cfg_scenario *scn, double scale)
{
	struct dp_snapshot *s = calloc(1, sizeof(*s));
	char err[SCN_ERR_MAX];

	assert_non_null(s);
	if (dp_snapshot_build(s, scn, scale, err, sizeof(err)) != 0)
		fail_msg("dp_snapshot_build: %s", err);
	s->generation = 1;
	return s;
}

struct fx *
fx_new_at(struct cfg_scenario *scn, double scale, uint32_t capacity, unsigned int base)
{
	struct fx *x = calloc(1, sizeof(*x));

	assert_non_null(x);
	x->scn = scn;
	x->snap = fx_snap_build(scn, scale);
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

struct fx *
fx_new_scn(struct cfg_scenario *scn, double scale, uint32_t capacity)
{
	return fx_new_at(scn, scale, capacity, 0);
}

struct fx *
fx_load(const char *yaml, double scale, uint32_t capacity, unsigned int base)
{
	struct cfg_scenario *scn = calloc(1, sizeof(*scn));
	char err[SCN_ERR_MAX];

	assert_non_null(scn);
	if (scn_load_buffer("test.yaml", yaml, strlen(yaml), scn, err, sizeof(err)) != 0)
		fail_msg("scenario: %s", err);
	return fx_new_at(scn, scale, capacity, base);
}

struct fx *
fx_new(const char *yaml, double scale, uint32_t capacity)
{
	return fx_load(yaml, scale, capacity, 0);
}

void
fx_free(struct fx *x)
{
	worker_destroy(x->w);
	free(x->snap);
	free(x->scn);
	free(x);
}

void
fx_at(struct fx *x, uint32_t ms)
{
	worker_tick(x->w, (uint64_t)ms * TSC_PER_MS);
}

int
fx_profile(const struct fx *x, const char *name)
{
	int p = cfg_profile_find(x->scn, name);

	if (p < 0)
		fail_msg("no profile %s", name);
	return p;
}

uint16_t
fx_push(struct fx *x, unsigned int pi, struct rte_mbuf *m)
{
	struct rte_mbuf *out[WORKER_BURST];
	uint16_t n = worker_process_burst(x->w, pi, &m, 1, out);

	if (n > 1 || (n == 1 && out[0] != m))
		fail_msg("worker_process_burst forwarded something it was not given");
	if (n == 1)
		rte_pktmbuf_free(out[0]); /* what the TX of the peer port would do */
	return n;
}

uint16_t
fx_burst(struct fx *x, unsigned int pi, struct rte_mbuf **m, uint16_t n, struct rte_mbuf **out)
{
	return worker_process_burst(x->w, pi, m, n, out);
}

void
fx_publish(struct fx *x, const struct dp_snapshot *s)
{
	x->w->eng.snap = s;
}

void
fx_requests(struct fx *x)
{
	worker_requests(x->w);
}

const struct stats_lcore *
fx_stats(const struct fx *x)
{
	return &x->w->eng.stats;
}

uint32_t
fx_n_flows(const struct fx *x)
{
	return x->w->eng.ft->n_active;
}

uint64_t
fx_expired_total(const struct fx *x)
{
	uint64_t n = 0;

	for (unsigned int p = 0; p < CFG_MAX_PROFILES; p++)
		for (unsigned int s = 0; s < STATS_FLOW_STATES; s++)
			n += x->w->eng.stats.flows_expired[p][s];
	return n;
}

unsigned int
fx_rst_n(const struct fx *x, unsigned int pi)
{
	return x->w->rst_n[pi];
}

const struct rte_mbuf *
fx_rst(const struct fx *x, unsigned int pi, unsigned int i)
{
	if (i >= x->w->rst_n[pi])
		fail_msg("RST %u towards port %u asked for, %u queued", i, pi, x->w->rst_n[pi]);
	return x->w->rst_buf[pi][i];
}

unsigned int
fx_rst_queued(const struct fx *x)
{
	unsigned int n = 0;

	for (unsigned int p = 0; p < x->w->eng.n_ports; p++)
		n += x->w->rst_n[p];
	return n;
}

void
fx_flush_and_check(struct fx *x)
{
	uint64_t tx[N_PORTS], queued[N_PORTS];

	for (unsigned int p = 0; p < x->w->eng.n_ports; p++) {
		tx[p] = x->w->eng.stats.tx_packets[x->w->port_id[p]];
		queued[p] = x->w->rst_n[p];
	}
	worker_flush_rst(x->w);
	EQ("flush", fx_rst_queued(x), 0);
	EQ("flush", x->w->eng.stats.rst_failed, 0);
	for (unsigned int p = 0; p < x->w->eng.n_ports; p++)
		EQ("flush: tx_packets", x->w->eng.stats.tx_packets[x->w->port_id[p]],
		   tx[p] + queued[p]);
	EQ("mbufs back in the pool", rte_mempool_avail_count(g_mp), x->avail0);
}

uint32_t
fx_dump_done(const struct fx *x)
{
	return x->w->dump_done;
}

uint32_t
fx_dump_n(const struct fx *x)
{
	return x->w->dump_n;
}

const struct flow_dump *
fx_dump(const struct fx *x, unsigned int i)
{
	return &x->w->dump[i];
}

uint32_t
fx_flush_done(const struct fx *x)
{
	return x->w->flush_done;
}

unsigned int
fx_events(struct fx *x, struct flow_event *ev, unsigned int max)
{
	return rte_ring_sc_dequeue_burst_elem(x->w->events, ev, sizeof(ev[0]), max, NULL);
}

uint16_t
fx_port_id(unsigned int i)
{
	return g_port[i];
}

struct flow *
fx_flow_find(struct fx *x, uint8_t family, const uint8_t *a, uint16_t ap, const uint8_t *b,
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

void
fx_expect_expiry_at(struct fx *x, uint32_t due, int prof, enum flow_state state)
{
	uint64_t before = fx_expired_total(x),
		 in_state = x->w->eng.stats.flows_expired[prof][state];

	fx_at(x, due - 1);
	worker_tick(x->w, (uint64_t)due * TSC_PER_MS - 1);
	EQ("expired one tick before the due tick", fx_expired_total(x), before);
	EQ("RSTs one tick before the due tick", fx_rst_queued(x), 0);
	fx_at(x, due);
	EQ("expired at the due tick", fx_expired_total(x), before + 1);
	EQ(flow_state_name(state), x->w->eng.stats.flows_expired[prof][state], in_state + 1);
}

/* ------------------------------------------------------------------ TCP connections */

void
tc_init(struct tconn *t, uint8_t family, const struct fx_ep *c, const struct fx_ep *s, uint8_t pair,
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

void
tc_tags(struct tconn *t, uint8_t n, uint16_t tpid0, uint16_t vlan0, uint16_t tpid1, uint16_t vlan1)
{
	t->n_vlan = n;
	t->tpid[0] = tpid0;
	t->vlan[0] = vlan0;
	t->tpid[1] = tpid1;
	t->vlan[1] = vlan1;
}

static struct fx_pkt
tc_pkt(const struct tconn *t, unsigned int e)
{
	struct fx_pkt p;

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

uint16_t
tc_seg(struct fx *x, struct tconn *t, unsigned int e, uint8_t flags, uint16_t len)
{
	struct fx_pkt p = tc_pkt(t, e);

	p.flags = flags;
	p.seq = t->nxt[e];
	p.ack = (flags & ACK) ? t->nxt[e ^ 1] : 0;
	p.len = len;
	if (flags & ACK)
		t->ack[e] = p.ack;
	t->nxt[e] += len + !!(flags & SYN) + !!(flags & FIN);
	return fx_push(x, t->pi[e], fx_mbuf(&p));
}

uint32_t
tc_open(struct fx *x, struct tconn *t, uint32_t t0)
{
	fx_at(x, t0);
	EQ("SYN forwarded", tc_seg(x, t, 0, SYN, 0), 1);
	EQ("SYN-ACK forwarded", tc_seg(x, t, 1, SYN | ACK, 0), 1);
	fx_at(x, t0 + 1);
	EQ("ACK forwarded", tc_seg(x, t, 0, ACK, 0), 1);
	EQ("client data forwarded", tc_seg(x, t, 0, PSH | ACK, 100), 1);
	fx_at(x, t0 + 2);
	EQ("server data forwarded", tc_seg(x, t, 1, PSH | ACK, 200), 1);
	EQ("client ACK forwarded", tc_seg(x, t, 0, ACK, 0), 1);
	return t0 + 2;
}

struct flow *
tc_flow(struct fx *x, const struct tconn *t)
{
	uint16_t v0 = t->n_vlan > 0 ? t->vlan[0] : t->access_vlan;
	uint16_t v1 = t->n_vlan > 1 ? t->vlan[1] : 0;

	return fx_flow_find(x, t->family, fx_ip_of(&t->c, t->family), t->c.port,
			    fx_ip_of(&t->s, t->family), t->s.port, 6, t->pair, v0, v1);
}

struct fx_rst
tc_rst_exp(const struct tconn *t, unsigned int to)
{
	const struct fx_ep *dst = to ? &t->s : &t->c, *src = to ? &t->c : &t->s;
	struct fx_rst e;

	memset(&e, 0, sizeof(e));
	e.dmac = dst->mac;
	e.smac = src->mac;
	e.family = t->family;
	e.sip = fx_ip_of(src, t->family);
	e.dip = fx_ip_of(dst, t->family);
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

void
tc_check_rsts(struct fx *x, const struct tconn *t, unsigned int n_client, unsigned int n_server)
{
	struct fx_rst e;

	EQ("RSTs queued towards the client's port", x->w->rst_n[t->pi[0]], n_client);
	EQ("RSTs queued towards the server's port", x->w->rst_n[t->pi[1]], n_server);
	EQ("RSTs queued in all", fx_rst_queued(x), n_client + n_server);
	if (n_client) {
		e = tc_rst_exp(t, 0);
		fx_check_rst("RST to the client", x->w->rst_buf[t->pi[0]][0], &e);
	}
	if (n_server) {
		e = tc_rst_exp(t, 1);
		fx_check_rst("RST to the server", x->w->rst_buf[t->pi[1]][0], &e);
	}
}

/* ------------------------------------------------------------------ scenarios */

const char FX_T1_YAML[] =
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

const char FX_T3_YAML[] = "name: t3\n"
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

/* ------------------------------------------------------------------ running */

const char *
fx_source_root(void)
{
	const char *r = getenv("IDLECUT_SOURCE_ROOT");

	return r != NULL && r[0] != '\0' ? r : NULL;
}

double
fx_now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct CMUnitTest tests[MAX_TESTS];
static unsigned int n_tests;

void
fx_add_test(const char *name, CMUnitTestFunction fn, const void *arg)
{
	if (n_tests == MAX_TESTS) {
		fprintf(stderr, "dataplane tests: raise MAX_TESTS\n");
		exit(1);
	}
	tests[n_tests++] = (struct CMUnitTest){
		.name = name, .test_func = fn, .initial_state = (void *)(uintptr_t)arg};
}

const char *
fx_fmt(const char *f, ...)
{
	va_list ap;
	char *s;

	va_start(ap, f);
	if (vasprintf(&s, f, ap) < 0)
		s = NULL;
	va_end(ap);
	if (s == NULL) {
		fprintf(stderr, "dataplane tests: out of memory\n");
		exit(1);
	}
	return s;
}

int
fx_main(int argc, char **argv, const char *group, void (*add_tests)(void))
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
		fprintf(stderr, "%s: cannot initialise EAL: %s\n", group, rte_strerror(rte_errno));
		return 1;
	}
	g_mp = rte_pktmbuf_pool_create("dptest", POOL_MBUFS, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       (int)rte_socket_id());
	if (g_mp == NULL) {
		fprintf(stderr, "%s: mbuf pool: %s\n", group, rte_strerror(rte_errno));
		return 1;
	}
	for (unsigned int i = 0; i < N_PORTS; i++) {
		char name[16];

		snprintf(name, sizeof(name), "net_null%u", i);
		if (rte_eth_dev_get_port_by_name(name, &g_port[i]) != 0 ||
		    (rc = port_setup(g_port[i], g_mp)) < 0) {
			fprintf(stderr, "%s: %s: cannot set up\n", group, name);
			return 1;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	add_tests();
	if (n_tests == 0) {
		fprintf(stderr, "%s: no test registered\n", group);
		return 1;
	}
	rc = _cmocka_run_group_tests(group, tests, n_tests, NULL, NULL);
	port_close_all();
	rte_mempool_free(g_mp);
	snprintf(rundir, sizeof(rundir), "%s", rte_eal_get_runtime_dir());
	rte_eal_cleanup();
	if (rmdir(rundir) != 0)
		fprintf(stderr, "rmdir %s: %s\n", rundir, strerror(errno));
	return rc;
}
