/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * idlecut-bench: the figures of SPEC §10, measured on the real dataplane (worker.c and
 * everything under it: parser, rules, flow table, timer wheel, TCP tracker, RST builder,
 * counters) on one lcore against an in-process generator. A benchmark, not a test: it
 * prints figures and judges them against the targets, but only a broken run (EAL, memory,
 * a phase that cannot complete) makes it exit non-zero.
 *
 * How the worker is driven: each loop does what worker_main() does — load the snapshot,
 * worker_tick() with the real TSC, one burst per port through worker_process_burst(),
 * worker_requests(), worker_flush_rst() — minus the PMD. Instead of rte_eth_rx_burst() the
 * generator rewrites the 2 x 32 mbufs the previous loop forwarded (allocated once and
 * recycled); instead of rte_eth_tx_burst() the forwarded mbufs go back to the generator.
 * RSTs do leave through rte_eth_tx_burst() to net_null, which frees them. So the figures
 * are the dataplane's own cost per packet with the packet data hot in cache, without NIC or
 * PMD costs; tests/bench/compare.sh puts them next to dpdk-testpmd on net_null.
 *
 * Traffic: 64-byte frames (60 bytes + FCS), IPv4, untagged. Flow i is client
 * 198.18.(i>>16).(i>>8 & 255) port 1024 + (i & 255) to server 198.19.0.(1 + (i & 7)); in
 * the mixed sets one flow in 8 is UDP. Flows are visited in a random but fixed order (a
 * permutation walked again and again), alternating direction per burst and per walk, so
 * the working set really is N flows.
 *
 * Phases:
 *  - per flow count N: a table of capacity N gets N flows by a SYN / SYN+ACK / ACK round
 *    each (the SYN round is timed: new flows per second at N), then steady data packets
 *    over the N flows; the same traffic through a scenario whose default profile is
 *    "untracked" (parse, rules, forward; its table has 64 entries and stays empty). The two
 *    alternate for --rounds rounds; each figure is the best round (noise only slows down).
 *  - new flows: all-SYN traffic, each packet a new flow, into an empty table of 1 Mi.
 *  - churn: 64 Ki concurrent connections cycling SYN, SYN+ACK, ACK, data both ways,
 *    FIN, FIN, last ACK (TIME_WAIT), and a SYN again (a new flow replaces the old one).
 *  - expiry storm: 64 Ki background flows carry traffic while 1 Mi other TCP flows, all
 *    stamped due at the same tick, expire with reset-both; clock = real TSC. Every expiry is
 *    read back from the worker's event ring (dp_shared.events_on) for its exact lateness.
 *  - steady expiry: 100 Ki flows due uniformly over 1 s, under the same traffic.
 *
 *  - --workers LIST: several workers at once, each on its own CPU with its own generator
 *    (see "several workers" below): alone on each CPU, port steering, software handoff,
 *    and the storm spread over them.
 *
 * Run: build/tests/bench/idlecut-bench [--flows 1K,64K,1M,4M] [--seconds S] [--rounds R]
 *      [--big] [--quick] [--json FILE] [--plot FILE.png] [--storm N] [--lcore N]
 *      [--phases plain,tracking,new,churn,expiry] [--seed N] [--workers 1,2] [--cpus 0,1]
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_memcpy.h>
#include <rte_ring_elem.h>
#include <rte_version.h>

#include "config.h"
#include "event.h"
#include "flow.h"
#include "parse.h"
#include "port.h"
#include "snapshot.h"
#include "stats.h"
#include "tk_frame.h"
#include "worker.h"

#define KI 1024u
#define MI (1024u * 1024u)
#define FRAME_LEN 60   /* 64 bytes on the wire with the FCS */
#define TCP_DATA_LEN 6 /* payload that makes a TCP data segment a 60-byte frame */
#define UDP_DATA_LEN 18
#define POOL_MBUFS 8191
#define MAX_SIZES 8
#define MAX_ROUNDS 16
#define FLOWS_MIN 64
#define FLOWS_MAX (16u * MI) /* the address plan holds 2^24 clients */

#define LONG_US (3600ull * 1000000) /* nothing expires during a throughput measurement */
#define STORM_TMO_MS 5000u	    /* the storm profile's tcp.established */
#define STORM_LEAD_MS 400u	    /* forwarding measured this long before the storm */
#define STORM_DEADLINE_MS 20000u    /* give up on a storm phase after this */
#define BG_FLOWS (64u * KI)
#define CHURN_FLOWS (64u * KI)
#define NEW_FLOWS (1u * MI)
#define STEADY_FLOWS (100u * 1000u)
#define STEADY_SPREAD_MS 1000u

#define ISN_C 1000u
#define ISN_S 5000000u
#define PORT_BG 80
#define PORT_STORM 443

/* Offsets in an untagged IPv4 frame. */
#define OFF_SRC 26
#define OFF_DST 30
#define OFF_L4 34

#define LOG(...) fprintf(stderr, "[idlecut-bench] " __VA_ARGS__)

/* Phases (--phases), all by default; fewer is for profiling one path at a time. */
#define PH_PLAIN (1u << 0)
#define PH_TRACK (1u << 1)
#define PH_NEW (1u << 2)
#define PH_CHURN (1u << 3)
#define PH_EXPIRY (1u << 4)
#define PH_ALL 0x1fu
#define PH_WSTORM (1u << 5) /* --workers: the storm with several workers */

/* ------------------------------------------------------------------ options, globals */

static struct {
	uint32_t flows[MAX_SIZES];
	unsigned int n_flows;
	double seconds;
	unsigned int rounds;
	bool big;
	const char *huge_dir; /**< --hugepages DIR: EAL on hugepages (hugetlbfs at DIR) */
	bool quick;
	const char *json;
	const char *plot;
	uint32_t storm;
	unsigned int lcore;
	unsigned int phases;
	uint32_t seed;
	bool phases_set;
	bool ho_tx; /* --ho-tx */
} opt = {.seconds = 2.0, .rounds = 3, .storm = MI, .phases = PH_ALL, .seed = 0x1dc07e5u};

static struct rte_mempool *g_mp;
static uint16_t g_port[2];
static uint64_t g_tsc0, g_hz, g_per_ms;
/*
 * The generator's mbufs: one burst per port, recycled loop after loop, and what they hold;
 * one set per lcore (--workers runs a generator on each worker lcore).
 */
#define STASH_MAX 4096
static struct gen_slots {
	struct rte_mbuf *slot[2][WORKER_BURST];
	uint8_t tag[2][WORKER_BURST];
	bool ready;
	/* Sharing a pair: the frames the worker handed over and got back forwarded
	 * (worker_set_handoff_sink()), reused before fresh ones, as forwarded frames are. */
	unsigned int n_stash;
	uint64_t sunk; /* frames the sink took */
	struct rte_mbuf *stash[STASH_MAX];
} __rte_cache_aligned g_slots[RTE_MAX_LCORE];
#define g_slot (g_slots[rte_lcore_id()].slot)
#define g_tag (g_slots[rte_lcore_id()].tag)

static double
tsc_s(uint64_t cycles)
{
	return (double)cycles / (double)g_hz;
}

static void
die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "idlecut-bench: ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static const char *
flows_label(uint32_t n, char *buf, size_t len)
{
	if (n % MI == 0)
		snprintf(buf, len, "%uM", n / MI);
	else if (n % KI == 0)
		snprintf(buf, len, "%uK", n / KI);
	else
		snprintf(buf, len, "%u", n);
	return buf;
}

/* ------------------------------------------------------------------ generator */

/* One connection's life; the steady data phases use the two data stages. */
enum stage {
	ST_SYN,
	ST_SYNACK,
	ST_ACK,
	ST_DATA_C,
	ST_DATA_S,
	ST_FIN_C,
	ST_FIN_S,
	ST_LAST_ACK,
	ST_COUNT
};

/* Sender of each stage: 0 = client (inside port), 1 = server (outside port). */
static const uint8_t stage_dir[ST_COUNT] = {0, 1, 0, 0, 1, 0, 1, 0};

struct gen {
	uint32_t *perm; /* flow ids in visiting order */
	uint32_t n;
	uint32_t pos;
	uint32_t pass; /* completed walks over perm */
	uint16_t srv_port;
	bool mixed; /* flow ids with (id & 7) == 7 are UDP */
	uint8_t tcp[ST_COUNT][FRAME_LEN];
	uint8_t udp[2][FRAME_LEN];
};

/*
 * A template frame from endpoint @dir, built once by the test kit. Addresses and ports are
 * written per packet, so its checksums hold only for the template's zero addresses: the
 * dataplane does not verify them, and the frames are never seen by anyone else.
 */
static void
tmpl_build(uint8_t *b, unsigned int dir, uint8_t proto, uint8_t flags, uint32_t seq, uint32_t ack,
	   uint16_t len)
{
	static const uint8_t mac[2][6] = {{0x02, 0, 0, 0, 0, 0xc1}, {0x02, 0, 0, 0, 0, 0x5e}};
	const struct tk_spec spec = {
		.dst_mac = mac[dir ^ 1],
		.src_mac = mac[dir],
		.family = 4,
		.ip_frag = TK_IP4_DF,
		.proto = proto,
		.tcp_flags = flags,
		.seq = seq,
		.ack = ack,
		.win = 0xffff,
		.payload_len = len,
	};
	uint32_t n = tk_build(b, FRAME_LEN, &spec);

	if (n != FRAME_LEN)
		die("template frame of %u bytes, expected %d", n, FRAME_LEN);
}

static void
gen_init(struct gen *g, uint32_t *perm, uint32_t n, uint16_t srv_port, bool mixed)
{
	static const struct {
		uint8_t flags;
		uint32_t seq, ack;
		uint16_t len;
	} st[ST_COUNT] = {
		[ST_SYN] = {PARSE_TCP_SYN, ISN_C, 0, 0},
		[ST_SYNACK] = {PARSE_TCP_SYN | PARSE_TCP_ACK, ISN_S, ISN_C + 1, 0},
		[ST_ACK] = {PARSE_TCP_ACK, ISN_C + 1, ISN_S + 1, 0},
		[ST_DATA_C] = {PARSE_TCP_PSH | PARSE_TCP_ACK, ISN_C + 1, ISN_S + 1, TCP_DATA_LEN},
		[ST_DATA_S] = {PARSE_TCP_PSH | PARSE_TCP_ACK, ISN_S + 1, ISN_C + 7, TCP_DATA_LEN},
		[ST_FIN_C] = {PARSE_TCP_FIN | PARSE_TCP_ACK, ISN_C + 7, ISN_S + 7, 0},
		[ST_FIN_S] = {PARSE_TCP_FIN | PARSE_TCP_ACK, ISN_S + 7, ISN_C + 8, 0},
		[ST_LAST_ACK] = {PARSE_TCP_ACK, ISN_C + 8, ISN_S + 8, 0},
	};

	memset(g, 0, sizeof(*g));
	g->perm = perm;
	g->n = n;
	g->srv_port = srv_port;
	g->mixed = mixed;
	for (unsigned int s = 0; s < ST_COUNT; s++)
		tmpl_build(g->tcp[s], stage_dir[s], 6, st[s].flags, st[s].seq, st[s].ack,
			   st[s].len);
	for (unsigned int d = 0; d < 2; d++)
		tmpl_build(g->udp[d], d, 17, 0, 0, 0, UDP_DATA_LEN);
}

/* Flow ids 0..n-1 in a random order, the same for every run (fixed seed). */
static uint32_t *
perm_new(uint32_t n, uint64_t seed)
{
	uint32_t *p = malloc((size_t)n * sizeof(*p));
	uint64_t x = seed | 1;

	if (p == NULL)
		die("out of memory for a permutation of %u flows", n);
	for (uint32_t i = 0; i < n; i++)
		p[i] = i;
	for (uint32_t i = n - 1; i > 0; i--) {
		uint32_t j, t;

		x ^= x >> 12; /* xorshift64* */
		x ^= x << 25;
		x ^= x >> 27;
		j = (uint32_t)(((x * 0x2545f4914f6cdd1dull) >> 32) % (i + 1));
		t = p[i];
		p[i] = p[j];
		p[j] = t;
	}
	return p;
}

/* The stage value meaning "steady data, sequence numbers moving on each walk". */
#define ST_STEADY ST_COUNT

/* What an mbuf of a slot holds, so the generator rewrites only what changes. */
enum tag {
	TAG_TCP = 0,		/* + stage (ST_STEADY: + dir) */
	TAG_UDP = ST_COUNT + 2, /* + dir */
	TAG_NONE = 0xff,
};

static inline void
st32(uint8_t *p, uint32_t host)
{
	uint32_t be = rte_cpu_to_be_32(host);

	memcpy(p, &be, 4);
}

/*
 * Write the next @n frames of @g into @m: stage @stage (or ST_STEADY: data) sent by
 * endpoint @dir. A frame is copied from its hot template only when the mbuf held another
 * kind (@tag says which); otherwise four address and port stores, and two sequence number
 * stores for steady data, are all a packet costs.
 */
static void
gen_fill(struct gen *g, struct rte_mbuf **m, uint8_t *tag, unsigned int n, unsigned int stage,
	 unsigned int dir)
{
	const uint16_t srv_port = rte_cpu_to_be_16(g->srv_port);
	/*
	 * Steady data is valid TCP for a window tracker: a connection sends one segment per
	 * walk, its direction alternating from walk to walk, so after walk pair q each end has
	 * sent q segments of TCP_DATA_LEN; the second segment of a pair also acknowledges the
	 * first. Sequence numbers advance by what was sent, ACKs by what was received.
	 */
	const uint32_t k = TCP_DATA_LEN * (g->pass >> 1);
	const uint32_t k_ack = k + TCP_DATA_LEN * (g->pass & 1);

	for (unsigned int i = 0; i < n; i++) {
		uint32_t id = g->perm[g->pos];
		uint32_t cli = rte_cpu_to_be_32(0xc6120000u | (id >> 8));
		uint32_t srv = rte_cpu_to_be_32(0xc6130001u + (id & 7));
		uint16_t cport = rte_cpu_to_be_16((uint16_t)(1024 + (id & 0xff)));
		uint8_t *d = rte_pktmbuf_mtod(m[i], uint8_t *);
		bool udp = g->mixed && (id & 7) == 7;
		const uint8_t *tmpl;
		uint8_t t;

		if (udp) {
			t = TAG_UDP + dir;
			tmpl = g->udp[dir];
		} else if (stage == ST_STEADY) {
			t = TAG_TCP + ST_STEADY + dir;
			tmpl = g->tcp[dir ? ST_DATA_S : ST_DATA_C];
		} else {
			t = TAG_TCP + stage;
			tmpl = g->tcp[stage];
		}
		if (tag[i] != t) {
			rte_memcpy(d, tmpl, FRAME_LEN);
			tag[i] = t;
			m[i]->packet_type = t; /* for slot_alloc(), if it comes back handed over */
		}
		if (!udp && stage == ST_STEADY) {
			/* The pass moves: each walk is new data on every connection. */
			st32(d + OFF_L4 + 4, (dir ? ISN_S + 1 : ISN_C + 1) + k);
			st32(d + OFF_L4 + 8, (dir ? ISN_C + 1 : ISN_S + 1) + k_ack);
		}
		memcpy(d + OFF_SRC, dir ? &srv : &cli, 4);
		memcpy(d + OFF_DST, dir ? &cli : &srv, 4);
		memcpy(d + OFF_L4, dir ? &srv_port : &cport, 2);
		memcpy(d + OFF_L4 + 2, dir ? &cport : &srv_port, 2);
		if (unlikely(++g->pos == g->n)) {
			g->pos = 0;
			g->pass++;
		}
	}
}

/* ------------------------------------------------------------------ workers under test */

enum scn_kind {
	SCN_PLAIN, /* default profile "untracked": parse, rules, forward */
	SCN_TRACK, /* one profile, every timeout 1 h */
	SCN_STORM, /* SCN_TRACK plus "storm" (5 s established, reset-both) for dst port 443 */
};

#define PROF_LONG 1
#define PROF_STORM 2

struct bw {
	struct dp_shared sh;
	struct cfg_scenario scn;
	struct dp_snapshot snap;
	struct worker *w;
};

static void
scn_fill(struct cfg_scenario *s, enum scn_kind kind, uint32_t capacity)
{
	struct cfg_profile *p;

	memset(s, 0, sizeof(*s));
	snprintf(s->name, sizeof(s->name), "bench");
	s->n_pairs = 1;
	snprintf(s->pairs[0].name, sizeof(s->pairs[0].name), "bench");
	for (unsigned int side = 0; side < 2; side++) {
		s->pairs[0].side[side].kind = CFG_PORT_INDEX;
		s->pairs[0].side[side].index = g_port[side];
	}
	s->capacity = capacity;
	s->when_full = CFG_WHEN_FULL_FORWARD;
	cfg_profile_init_untracked(&s->profiles[CFG_PROFILE_UNTRACKED]);
	s->n_profiles = 1;
	s->default_profile = CFG_PROFILE_UNTRACKED;
	if (kind == SCN_PLAIN)
		return;
	p = &s->profiles[PROF_LONG];
	cfg_profile_init_defaults(p, "long");
	for (unsigned int t = 0; t < CFG_TMO_COUNT; t++)
		p->timeout_us[t] = LONG_US;
	s->n_profiles = 2;
	s->default_profile = PROF_LONG;
	if (kind == SCN_TRACK)
		return;
	p = &s->profiles[PROF_STORM];
	cfg_profile_init_defaults(p, "storm");
	for (unsigned int t = 0; t < CFG_TMO_COUNT; t++)
		p->timeout_us[t] = 600ull * 1000000;
	p->timeout_us[CFG_TMO_TCP_ESTABLISHED] = (uint64_t)STORM_TMO_MS * 1000;
	p->on_timeout = CFG_ON_TIMEOUT_RESET_BOTH;
	s->n_profiles = 3;
	s->rules[0].match.present = CFG_MATCH_DST_PORT;
	s->rules[0].match.dst_port = (struct cfg_range){PORT_STORM, PORT_STORM};
	s->rules[0].profile = PROF_STORM;
	s->rules[0].line = 1;
	s->n_rules = 1;
}

static struct bw *
bw_new(enum scn_kind kind, uint32_t capacity, bool events)
{
	struct bw *b = rte_zmalloc("bench_bw", sizeof(*b), RTE_CACHE_LINE_SIZE);
	char err[256];

	if (b == NULL)
		die("out of memory");
	scn_fill(&b->scn, kind, capacity);
	if (dp_snapshot_build(&b->snap, &b->scn, 1.0, err, sizeof(err)) != 0)
		die("dp_snapshot_build: %s", err);
	b->snap.generation = 1;
	b->sh.snap = &b->snap;
	b->sh.tsc0 = g_tsc0;
	b->sh.tsc_per_ms = g_per_ms;
	b->sh.tsc_hz = g_hz;
	b->sh.events_on = events;
	/*
	 * A fixed flow hash seed (--seed), for figures that repeat: a full table's probe lengths,
	 * and so its lookup cost, depend on it.
	 */
	b->w = worker_create(&b->sh, rte_lcore_id(), 0, capacity, g_mp, opt.seed);
	if (b->w == NULL)
		die("worker_create(%u flows): %s", capacity, rte_strerror(rte_errno));
	if (worker_add_pair(b->w, 0, g_port[0], g_port[1], 0, 0) != 0)
		die("worker_add_pair failed");
	b->w->eng.snap = &b->snap;
	worker_tick(b->w, rte_rdtsc());
	return b;
}

static void
bw_free(struct bw *b)
{
	worker_destroy(b->w);
	rte_free(b);
}

/* ------------------------------------------------------------------ the loop */

enum traffic {
	TR_STEADY, /* data both ways, direction alternating per burst and per walk */
	TR_ROUND,  /* one stage for every flow of the walk, from that stage's sender */
	TR_CHURN,  /* stage = walk number mod 8: whole connection lives, over and over */
};

struct run;
typedef bool (*run_hook)(struct run *r, uint64_t tsc);

struct run {
	struct bw *b;
	struct gen *g;
	enum traffic tr;
	unsigned int stage;  /* TR_ROUND */
	uint64_t max_pkts;   /* 0: no limit */
	uint64_t max_cycles; /* 0: no limit */
	run_hook hook;	     /* after each loop; returns true to stop */
	void *arg;
	bool handoff;	     /* it shares its pair: take what the others hand over */
	/* results */
	uint64_t pkts;	    /* offered */
	uint64_t fwd;	    /* forwarded */
	uint64_t cycles;    /* wall TSC cycles of the run */
	uint64_t dp_cycles; /* of those, inside the worker's functions */
};

/*
 * Mbufs for slot @b from index @from on. First the frames this worker handed over and got
 * back forwarded (the most recently used): forwarded untouched, as every frame a worker
 * forwards at once, they are taken back as those are, contents and tag kept (the tag is in
 * packet_type, which gen_fill() sets and nothing else here reads or writes). Then fresh ones
 * from the pool: 60-byte frames, contents unknown, rearmed as a PMD's RX does (only the first
 * cache line of the header is written: a free mbuf already has refcnt 1, nb_segs 1 and no
 * next), not with rte_pktmbuf_reset(), which also writes the second line: with the mbuf
 * handoff (--ho-tx, the long-header fallback) a handed mbuf is freed by its owner, and that
 * line would cross cores twice for nothing on each round trip.
 */
static void
slot_alloc(unsigned int b, unsigned int from)
{
	struct gen_slots *gs = &g_slots[rte_lcore_id()];
	unsigned int need = WORKER_BURST - from, k = RTE_MIN(need, gs->n_stash);

	gs->n_stash -= k;
	memcpy(&g_slot[b][from], &gs->stash[gs->n_stash], k * sizeof(gs->stash[0]));
	for (unsigned int i = from; i < from + k; i++)
		g_tag[b][i] = (uint8_t)g_slot[b][i]->packet_type;
	if (need > k && rte_mempool_get_bulk(g_mp, (void **)&g_slot[b][from + k], need - k) != 0)
		die("mbuf pool empty");
	for (unsigned int i = from + k; i < WORKER_BURST; i++) {
		struct rte_mbuf *m = g_slot[b][i];

		RTE_ASSERT(m->next == NULL && m->nb_segs == 1 && rte_mbuf_refcnt_read(m) == 1);
		m->data_off = RTE_MIN((uint16_t)RTE_PKTMBUF_HEADROOM, m->buf_len);
		m->port = 0;
		m->ol_flags = 0;
		m->packet_type = TAG_NONE;
		m->vlan_tci = 0;
		m->data_len = FRAME_LEN;
		m->pkt_len = FRAME_LEN;
		g_tag[b][i] = TAG_NONE;
	}
}

/*
 * The worker forwards mbufs untouched (data_off, lengths, data), so a forwarded burst is the
 * next input as it is. After drops (freed by the worker) put it back together; the frames
 * that moved keep their contents, so their tags move with them.
 */
static void
slot_refill(unsigned int b, struct rte_mbuf *const *out, uint16_t n_out, uint16_t n)
{
	uint8_t tag[WORKER_BURST];
	unsigned int j = 0;

	for (unsigned int i = 0; i < n && j < n_out; i++)
		if (g_slot[b][i] == out[j])
			tag[j++] = g_tag[b][i];
	memcpy(g_slot[b], out, n_out * sizeof(out[0]));
	memcpy(g_tag[b], tag, n_out);
	/* Slots n.. were not offered: keep them after the survivors. */
	memmove(&g_slot[b][n_out], &g_slot[b][n], (WORKER_BURST - n) * sizeof(out[0]));
	memmove(&g_tag[b][n_out], &g_tag[b][n], WORKER_BURST - n);
	slot_alloc(b, WORKER_BURST - (n - n_out));
}

/* Room for two more bursts in each of @p w's handoff channels (and fallback rings). */
static inline bool
ho_room(const struct worker *w)
{
	for (unsigned int o = 0; o < w->n_share; o++) {
		const struct worker_ho_chan *c = w->hc_out[o];

		if (c != NULL && WORKER_HO_DESCS - (c->head - c->reap) < 2 * WORKER_BURST)
			return false;
		if (w->ho_out[o] != NULL && rte_ring_free_count(w->ho_out[o]) < 2 * WORKER_BURST)
			return false;
	}
	return true;
}

/* worker_set_handoff_sink(): the generator of this lcore takes them back. */
static void
ho_sink(void *arg, unsigned int port, struct rte_mbuf **m, uint16_t n)
{
	struct gen_slots *gs = arg;
	unsigned int k = RTE_MIN((unsigned int)n, STASH_MAX - gs->n_stash);

	(void)port;
	memcpy(&gs->stash[gs->n_stash], m, k * sizeof(m[0]));
	gs->n_stash += k;
	if (k < n)
		rte_pktmbuf_free_bulk(&m[k], n - k);
	gs->sunk += n;
}

/* Frames @p w sent on the ports of pair 0 (handed frames, once their owner decided). */
static inline uint64_t
ho_tx(const struct worker *w)
{
	return w->eng.stats.tx_packets[0] + w->eng.stats.tx_packets[1];
}

static void
run_traffic(struct run *r)
{
	struct worker *w = r->b->w;
	struct gen *g = r->g;
	uint64_t start = rte_rdtsc(), t = start;

	for (;;) {
		struct rte_mbuf *out[WORKER_BURST];
		unsigned int nb[2] = {0, 0}, dir[2] = {0, 0};
		uint64_t t0;

		/*
		 * Sharing a pair: offer nothing while a ring to another worker lacks room for
		 * two bursts, as a NIC delivers no faster than the workers take (closed loop:
		 * the figure is the rate forwarded without loss, not an overload).
		 */
		if (unlikely(r->handoff) && !ho_room(w))
			goto process;
		for (unsigned int b = 0; b < 2; b++) {
			unsigned int stage = ST_STEADY, n = WORKER_BURST;

			switch (r->tr) {
			case TR_STEADY:
				dir[b] = b ^ (g->pass & 1);
				break;
			case TR_ROUND:
				stage = r->stage;
				dir[b] = stage_dir[stage];
				if (r->max_pkts - r->pkts - (b ? nb[0] : 0) < n)
					n = (unsigned int)(r->max_pkts - r->pkts - (b ? nb[0] : 0));
				break;
			case TR_CHURN:
				stage = g->pass % ST_COUNT;
				dir[b] = stage_dir[stage];
				if (g->n - g->pos < n)
					n = g->n - g->pos; /* a burst never straddles two stages */
				break;
			}
			nb[b] = n;
			gen_fill(g, g_slot[b], g_tag[b], n, stage, dir[b]);
		}
process:
		t0 = rte_rdtsc();
		w->eng.snap = &r->b->snap;
		worker_tick(w, t0);
		for (unsigned int b = 0; b < 2; b++) {
			uint16_t n_out;

			if (nb[b] == 0)
				continue;
			/* As the lcore loop does: what goes to other workers leaves once both
			 * bursts are in (one ring operation per owner and loop). */
			n_out = worker_process_burst_staged(w, dir[b], g_slot[b], (uint16_t)nb[b],
							    out);
			r->fwd += n_out;
			if (unlikely(n_out != nb[b]))
				slot_refill(b, out, n_out, (uint16_t)nb[b]);
		}
		worker_handoff_flush(w);
		if (r->handoff) {
			/* Forwarded here: the frames this worker handed over whose verdicts came
			 * back, and those handed to it as mbufs (the fallback). */
			uint64_t tx0 = ho_tx(w), s0 = g_slots[rte_lcore_id()].sunk;

			(void)worker_poll_handoff(w);
			r->fwd += ho_tx(w) - tx0 + g_slots[rte_lcore_id()].sunk - s0;
		}
		worker_requests(w);
		worker_flush_rst(w);
		t = rte_rdtsc();
		r->dp_cycles += t - t0;
		r->pkts += nb[0] + nb[1];
		if (r->hook != NULL && r->hook(r, t))
			break;
		if (r->max_pkts != 0 && r->pkts >= r->max_pkts)
			break;
		if (r->max_cycles != 0 && t - start >= r->max_cycles)
			break;
	}
	r->cycles = t - start;
}

static void
run_round(struct bw *b, struct gen *g, unsigned int stage, struct run *r)
{
	memset(r, 0, sizeof(*r));
	r->b = b;
	r->g = g;
	r->tr = TR_ROUND;
	r->stage = stage;
	r->max_pkts = g->n;
	g->pos = 0;
	run_traffic(r);
}

/* A SYN (first packet), SYN+ACK (answer), ACK round over all flows of @g. */
static double
handshake(struct bw *b, struct gen *g)
{
	struct run r;
	double syn_s;

	run_round(b, g, ST_SYN, &r);
	syn_s = tsc_s(r.cycles);
	run_round(b, g, ST_SYNACK, &r);
	run_round(b, g, ST_ACK, &r);
	g->pass = 0;
	return (double)g->n / syn_s;
}

/* ------------------------------------------------------------------ results */

struct tp {
	double mpps;   /* best round */
	double cyc;    /* wall TSC cycles per packet, best round */
	double dp_cyc; /* of which inside the worker */
	double rounds[MAX_ROUNDS];
	uint64_t fwd_ok; /* 1 when every packet was forwarded */
};

struct size_res {
	uint32_t flows;
	struct tp plain, track;
	double ratio;	  /* tracking / plain, best rounds */
	double ratio_dp;  /* the same on worker cycles only */
	double setup_fps; /* new flows/s of the SYN round into the empty table */
	size_t table_bytes;
	double bytes_per_flow;
	uint64_t active; /* flows in the table after set-up */
};

struct lat {
	double p50_ms, p99_ms, max_ms;	     /* exact, from the events */
	double h_p50_ms, h_p99_ms, h_max_ms; /* the worker's histogram (bucket upper bounds) */
	double h_mean_ms;
};

struct storm_res {
	uint32_t flows;	    /* flows that were due */
	uint32_t spread_ms; /* over how long their due ticks spread */
	uint64_t expired;
	uint64_t rsts;
	uint64_t rst_failed;
	uint64_t events, events_dropped;
	double due_to_first_ms, due_to_last_ms; /* first / last expiry, RSTs on the wire */
	double expiries_per_s, rsts_per_s;	/* over [first due, last RST sent] */
	double fwd_before_mpps, fwd_during_mpps;
	struct lat lat;
	bool complete;
};

static struct {
	struct size_res sz[MAX_SIZES];
	double gen_cyc;
	double new_fps;
	double new_cyc;
	uint32_t new_flows;
	double churn_mpps, churn_cps;
	uint64_t churn_created;
	struct storm_res storm, steady;
} res;

static void
tp_add(struct tp *t, unsigned int round, const struct run *r)
{
	double mpps = (double)r->pkts / tsc_s(r->cycles) / 1e6;

	t->rounds[round] = mpps;
	if (mpps > t->mpps) {
		t->mpps = mpps;
		t->cyc = (double)r->cycles / (double)r->pkts;
		t->dp_cyc = (double)r->dp_cycles / (double)r->pkts;
	}
	if (round == 0)
		t->fwd_ok = 1;
	if (r->fwd != r->pkts)
		t->fwd_ok = 0;
}

/* ------------------------------------------------------------------ phases */

static void
measure_gen(void)
{
	uint32_t *perm = perm_new(64 * KI, 7);
	struct gen *g = malloc(sizeof(*g));
	uint64_t t, n = 0, until;

	if (g == NULL)
		die("out of memory");
	gen_init(g, perm, 64 * KI, PORT_BG, true);
	t = rte_rdtsc();
	until = t + g_hz / 5;
	while (rte_rdtsc() < until) {
		for (unsigned int b = 0; b < 2; b++)
			gen_fill(g, g_slot[b], g_tag[b], WORKER_BURST, ST_STEADY,
				 b ^ (g->pass & 1));
		n += 2 * WORKER_BURST;
	}
	res.gen_cyc = (double)(rte_rdtsc() - t) / (double)n;
	free(g);
	free(perm);
}

static void
measure_size(struct size_res *sr, uint32_t n)
{
	uint64_t slice = (uint64_t)(opt.seconds / opt.rounds * (double)g_hz);
	uint32_t *perm = perm_new(n, 0x1dc0 + n);
	struct gen *gp = malloc(sizeof(*gp)), *gt = malloc(sizeof(*gt));
	struct bw *plain = bw_new(SCN_PLAIN, CFG_CAPACITY_MIN, false), *track = NULL;
	char lbl[16];
	double t;

	if (gp == NULL || gt == NULL)
		die("out of memory");
	flows_label(n, lbl, sizeof(lbl));
	sr->flows = n;
	sr->table_bytes = flow_table_memory(n);
	sr->bytes_per_flow = (double)sr->table_bytes / n;
	LOG("%s flows: table of %.1f MiB (%.1f B/flow), setting up...\n", lbl,
	    (double)sr->table_bytes / MI, sr->bytes_per_flow);
	gen_init(gp, perm, n, PORT_BG, true);
	gen_init(gt, perm, n, PORT_BG, true);
	if (opt.phases & PH_TRACK) {
		t = tsc_s(rte_rdtsc());
		track = bw_new(SCN_TRACK, n, false);
		sr->setup_fps = handshake(track, gt);
		sr->active = track->w->eng.ft->n_active;
		if (sr->active != n)
			die("%s flows: %" PRIu64 " flows in the table after set-up", lbl,
			    sr->active);
		LOG("%s flows: set up in %.1f s (SYN round %.2f M new flows/s)\n", lbl,
		    tsc_s(rte_rdtsc()) - t, sr->setup_fps / 1e6);
	}
	for (unsigned int i = 0; i < opt.rounds; i++) {
		struct run r;

		if (opt.phases & PH_PLAIN) {
			memset(&r, 0, sizeof(r));
			r.b = plain;
			r.g = gp;
			r.tr = TR_STEADY;
			r.max_cycles = slice;
			run_traffic(&r);
			tp_add(&sr->plain, i, &r);
		}
		if (track != NULL) {
			memset(&r, 0, sizeof(r));
			r.b = track;
			r.g = gt;
			r.tr = TR_STEADY;
			r.max_cycles = slice;
			run_traffic(&r);
			tp_add(&sr->track, i, &r);
		}
		LOG("%s flows, round %u/%u: plain %.2f Mpps, tracking %.2f Mpps\n", lbl, i + 1,
		    opt.rounds, sr->plain.rounds[i], sr->track.rounds[i]);
	}
	if (track != NULL && track->w->eng.ft->n_active != n)
		die("%s flows: flows expired during the measurement", lbl);
	if (track != NULL) {
		uint64_t oow = 0;

		/* The figure is the in-window path's: the generator must send valid TCP. */
		for (unsigned int p = 0; p < CFG_MAX_PROFILES; p++)
			oow += track->w->eng.stats.out_of_window[p];
		if (oow != 0)
			die("%s flows: %" PRIu64 " tracked segments were out of window: the "
			    "generator's sequence numbers are wrong", lbl, oow);
	}
	sr->ratio = (opt.phases & (PH_PLAIN | PH_TRACK)) == (PH_PLAIN | PH_TRACK)
			    ? sr->track.mpps / sr->plain.mpps
			    : NAN;
	sr->ratio_dp = (opt.phases & (PH_PLAIN | PH_TRACK)) == (PH_PLAIN | PH_TRACK)
			       ? sr->plain.dp_cyc / sr->track.dp_cyc
			       : NAN;
	if (track != NULL)
		bw_free(track);
	bw_free(plain);
	free(gp);
	free(gt);
	free(perm);
}

static void
measure_new_flows(void)
{
	uint32_t n = NEW_FLOWS;
	uint32_t *perm = perm_new(n, 0xfeed);
	struct gen *g = malloc(sizeof(*g));

	if (g == NULL)
		die("out of memory");
	res.new_flows = n;
	for (unsigned int i = 0; i < opt.rounds; i++) {
		struct bw *b = bw_new(SCN_TRACK, n, false);
		struct run r;
		double fps;

		gen_init(g, perm, n, PORT_BG, false);
		run_round(b, g, ST_SYN, &r);
		if (b->w->eng.ft->n_active != n)
			die("new flows: %u flows created of %u", b->w->eng.ft->n_active, n);
		fps = (double)n / tsc_s(r.cycles);
		if (fps > res.new_fps) {
			res.new_fps = fps;
			res.new_cyc = (double)r.cycles / n;
		}
		LOG("new flows, round %u/%u: %u SYNs into an empty table of %u: %.2f M flows/s\n",
		    i + 1, opt.rounds, n, n, fps / 1e6);
		bw_free(b);
	}
	free(g);
	free(perm);
}

static void
measure_churn(void)
{
	uint32_t n = CHURN_FLOWS;
	uint32_t *perm = perm_new(n, 0xc0ffee);
	struct gen *g = malloc(sizeof(*g));
	struct bw *b = bw_new(SCN_TRACK, n, false);
	uint64_t created0;
	struct run r;

	if (g == NULL)
		die("out of memory");
	gen_init(g, perm, n, PORT_BG, true);
	/* One whole cycle first, so every connection has lived once. */
	memset(&r, 0, sizeof(r));
	r.b = b;
	r.g = g;
	r.tr = TR_CHURN;
	r.max_pkts = (uint64_t)n * ST_COUNT;
	run_traffic(&r);
	created0 = b->w->eng.stats.flows_created[PROF_LONG];
	memset(&r, 0, sizeof(r));
	r.b = b;
	r.g = g;
	r.tr = TR_CHURN;
	r.max_cycles = (uint64_t)(opt.seconds * (double)g_hz);
	run_traffic(&r);
	res.churn_mpps = (double)r.pkts / tsc_s(r.cycles) / 1e6;
	res.churn_created = b->w->eng.stats.flows_created[PROF_LONG] - created0;
	res.churn_cps = (double)res.churn_created / tsc_s(r.cycles);
	LOG("churn, %u concurrent connections: %.2f Mpps, %.2f M connections/s\n", n,
	    res.churn_mpps, res.churn_cps / 1e6);
	bw_free(b);
	free(g);
	free(perm);
}

/* --- expiry: storm and steady */

static uint64_t
expired_of(const struct stats_lcore *s, unsigned int prof)
{
	uint64_t n = 0;

	for (unsigned int st = 0; st < STATS_FLOW_STATES; st++)
		n += s->flows_expired[prof][st];
	return n;
}

struct storm_run {
	struct storm_res *out;
	struct worker *w;
	uint32_t n;
	uint64_t due_tsc; /* first due tick's start */
	uint64_t deadline;
	uint64_t expired0;
	uint64_t t_start;
	uint64_t t_due, pkts_due;   /* the first loop that ended past the due time */
	uint64_t t_first;	    /* the loop that saw the first expiry */
	uint64_t t_done, pkts_done; /* the loop that expired the last one */
	uint64_t *late_ns; /* during the run each event's TSC, then its lateness (storm_late) */
	uint32_t *idle_ms; /* during the run each event's idle_ms */
	uint64_t n_late;
	struct flow_event ev[512];
};

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Read the worker's expiry events, as a control thread does, keeping what each lateness
 * needs. The divisions wait for storm_late(), after the storm: here they ran on the worker's
 * lcore, inside the loop being timed, which a control thread on its own core does not cost.
 */
static void
storm_drain(struct storm_run *s)
{
	unsigned int k;

	while ((k = rte_ring_sc_dequeue_burst_elem(s->w->events, s->ev, sizeof(s->ev[0]),
						   RTE_DIM(s->ev), NULL)) > 0) {
		for (unsigned int i = 0; i < k && s->n_late < s->n; i++) {
			s->late_ns[s->n_late] = s->ev[i].tsc;
			s->idle_ms[s->n_late++] = s->ev[i].idle_ms;
		}
	}
}

/* Each event's lateness from what storm_drain() kept. */
static void
storm_late(struct storm_run *s)
{
	for (uint64_t i = 0; i < s->n_late; i++) {
		uint64_t tsc = s->late_ns[i];
		uint32_t now = (uint32_t)((tsc - g_tsc0) / g_per_ms);
		uint32_t due = now - s->idle_ms[i] + STORM_TMO_MS;
		/* As the worker computes it: from the start of the due tick. */
		int64_t d = (int64_t)(tsc - g_tsc0 - (uint64_t)due * g_per_ms);

		s->late_ns[i] = d < 0 ? 0 : (uint64_t)d * 1000000 / g_per_ms;
	}
}

/* After each loop: drain the events, watch the progress; stop when all have expired. */
static bool
storm_hook(struct run *r, uint64_t tsc)
{
	struct storm_run *s = r->arg;
	uint64_t expired;

	storm_drain(s);
	if (s->t_due == 0 && tsc >= s->due_tsc) {
		s->t_due = tsc;
		s->pkts_due = r->pkts;
	}
	expired = expired_of(&s->w->eng.stats, PROF_STORM) - s->expired0;
	if (expired > 0 && s->t_first == 0)
		s->t_first = tsc;
	if (expired >= s->n) {
		/* This loop also sent its RSTs: worker_flush_rst() ran before the hook. */
		s->t_done = tsc;
		s->pkts_done = r->pkts;
		s->out->complete = true;
		return true;
	}
	return tsc > s->deadline;
}

static double
hist_pct_ms(const struct stats_lcore *a, const struct stats_lcore *b, double pct)
{
	uint64_t total = b->late_count - a->late_count, cum = 0;

	if (total == 0)
		return 0;
	for (unsigned int i = 0; i <= STATS_LATE_BUCKETS; i++) {
		cum += b->late_buckets[i] - a->late_buckets[i];
		if ((double)cum >= pct * (double)total)
			return i < STATS_LATE_BUCKETS ? stats_late_bounds_ns[i] / 1e6
						      : b->late_max_ns / 1e6;
	}
	return b->late_max_ns / 1e6;
}

/*
 * Give the @n storm-profile flows of @b the due ticks first_due .. first_due + spread
 * (uniformly, in table order) by stamping last_seen = due - timeout and arming them there:
 * as if each had been idle since then.
 */
static uint32_t
restamp(struct bw *b, uint32_t n, uint32_t first_due, uint32_t spread)
{
	struct flow_table *ft = b->w->eng.ft;
	uint32_t k = 0;

	for (uint32_t i = 0; i < ft->capacity; i++) {
		struct flow *f = &ft->flows[i];
		uint32_t due;

		if (!(f->flags & FLOW_F_USED) || f->profile != PROF_STORM)
			continue;
		if (f->state != FLOW_TCP_ESTABLISHED)
			die("storm flow %u in state %s", i, flow_state_name(f->state));
		due = first_due + (uint32_t)((uint64_t)k * spread / n);
		f->last_seen = due - STORM_TMO_MS;
		flow_arm(ft, i, due);
		k++;
	}
	return k;
}

/*
 * @n flows of the storm profile, set up by handshakes, all idle and due from @lead ms
 * from now over @spread ms, while the background flows of @gbg carry steady traffic.
 */
static void
expiry_phase(struct bw *b, struct gen *gbg, uint32_t n, uint32_t spread, struct storm_res *out,
	     uint32_t id_base, uint32_t (*due_fn)(void))
{
	uint32_t *perm = perm_new(n, 0x5707 + n);
	struct gen *g = malloc(sizeof(*g));
	struct stats_lcore *s0 = malloc(sizeof(*s0)), *s1 = malloc(sizeof(*s1));
	struct storm_run *s = calloc(1, sizeof(*s));
	uint32_t first_due;
	struct run r;

	if (g == NULL || s0 == NULL || s1 == NULL || s == NULL)
		die("out of memory");
	s->late_ns = malloc((size_t)n * sizeof(uint64_t));
	s->idle_ms = malloc((size_t)n * sizeof(uint32_t));
	if (s->late_ns == NULL || s->idle_ms == NULL)
		die("out of memory");
	memset(s->late_ns, 0, (size_t)n * sizeof(uint64_t)); /* no page faults in the storm */
	memset(s->idle_ms, 0, (size_t)n * sizeof(uint32_t));
	memset(out, 0, sizeof(*out));
	out->flows = n;
	out->spread_ms = spread;
	for (uint32_t i = 0; i < n; i++)
		perm[i] += id_base;
	gen_init(g, perm, n, PORT_STORM, false);
	handshake(b, g);
	memcpy(s0, &b->w->eng.stats, sizeof(*s0));
	/* Several workers: one due tick for all of them, once all are set up. */
	first_due = due_fn != NULL ? due_fn() : 0;
	worker_tick(b->w, rte_rdtsc());
	if (due_fn == NULL)
		first_due = b->w->eng.now + STORM_LEAD_MS;
	if (restamp(b, n, first_due, spread) != n)
		die("expected %u storm flows in the table", n);

	s->out = out;
	s->w = b->w;
	s->n = n;
	s->due_tsc = g_tsc0 + (uint64_t)first_due * g_per_ms;
	s->deadline = s->due_tsc + (uint64_t)(spread + STORM_DEADLINE_MS) * g_per_ms;
	s->expired0 = expired_of(&b->w->eng.stats, PROF_STORM);
	memset(&r, 0, sizeof(r));
	r.b = b;
	r.g = gbg;
	r.tr = TR_STEADY;
	r.hook = storm_hook;
	r.arg = s;
	s->t_start = rte_rdtsc();
	run_traffic(&r);
	storm_drain(s);
	memcpy(s1, &b->w->eng.stats, sizeof(*s1));
	if (!out->complete) {
		s->t_done = s->t_start + r.cycles;
		s->pkts_done = r.pkts;
	}
	if (s->t_due == 0) {
		s->t_due = s->t_done;
		s->pkts_due = s->pkts_done;
	}

	out->expired = expired_of(s1, PROF_STORM) - expired_of(s0, PROF_STORM);
	out->rsts = s1->rst_sent[STATS_RST_CLIENT] + s1->rst_sent[STATS_RST_SERVER] -
		    s0->rst_sent[STATS_RST_CLIENT] - s0->rst_sent[STATS_RST_SERVER];
	out->rst_failed = s1->rst_failed - s0->rst_failed;
	out->events = s->n_late;
	out->events_dropped = s1->events_dropped - s0->events_dropped;
	out->due_to_first_ms = s->t_first ? tsc_s(s->t_first - s->due_tsc) * 1e3 : NAN;
	out->due_to_last_ms = tsc_s(s->t_done - s->due_tsc) * 1e3;
	out->expiries_per_s = (double)out->expired / tsc_s(s->t_done - s->due_tsc);
	out->rsts_per_s = (double)out->rsts / tsc_s(s->t_done - s->due_tsc);
	out->fwd_before_mpps = (double)s->pkts_due / tsc_s(s->t_due - s->t_start) / 1e6;
	if (s->t_done > s->t_due)
		out->fwd_during_mpps =
			(double)(s->pkts_done - s->pkts_due) / tsc_s(s->t_done - s->t_due) / 1e6;
	storm_late(s);
	qsort(s->late_ns, s->n_late, sizeof(uint64_t), cmp_u64);
	if (s->n_late > 0) {
		out->lat.p50_ms = s->late_ns[(s->n_late - 1) / 2] / 1e6;
		out->lat.p99_ms = s->late_ns[(uint64_t)((double)(s->n_late - 1) * 0.99)] / 1e6;
		out->lat.max_ms = s->late_ns[s->n_late - 1] / 1e6;
	}
	out->lat.h_p50_ms = hist_pct_ms(s0, s1, 0.50);
	out->lat.h_p99_ms = hist_pct_ms(s0, s1, 0.99);
	/* The worker keeps one maximum for its life: this phase's only if it rose. */
	out->lat.h_max_ms = s1->late_max_ns > s0->late_max_ns ? s1->late_max_ns / 1e6 : NAN;
	if (s1->late_count > s0->late_count)
		out->lat.h_mean_ms = (double)(s1->late_sum_ns - s0->late_sum_ns) /
				     (double)(s1->late_count - s0->late_count) / 1e6;
	free(s->late_ns);
	free(s->idle_ms);
	free(s);
	free(s0);
	free(s1);
	free(g);
	free(perm);
}

static void
measure_expiry(void)
{
	uint32_t n_storm = opt.storm;
	uint32_t *perm = perm_new(BG_FLOWS, 0xb6);
	struct gen *gbg = malloc(sizeof(*gbg));
	struct bw *b;
	char lbl[16];

	if (gbg == NULL)
		die("out of memory");
	flows_label(n_storm, lbl, sizeof(lbl));
	LOG("expiry storm: setting up %u background and %s storm flows...\n", BG_FLOWS, lbl);
	b = bw_new(SCN_STORM, BG_FLOWS + RTE_MAX(n_storm, STEADY_FLOWS), true);
	gen_init(gbg, perm, BG_FLOWS, PORT_BG, true);
	handshake(b, gbg);
	/* Steady first: the worker's lateness maximum only ever grows. */
	LOG("steady expiry: %u flows due over %u ms...\n", STEADY_FLOWS, STEADY_SPREAD_MS);
	expiry_phase(b, gbg, STEADY_FLOWS, STEADY_SPREAD_MS, &res.steady, 0, NULL);
	LOG("steady expiry: p50 %.3f ms, p99 %.3f ms, max %.3f ms late\n", res.steady.lat.p50_ms,
	    res.steady.lat.p99_ms, res.steady.lat.max_ms);
	if (!res.steady.complete)
		die("steady expiry did not complete");
	LOG("expiry storm: %s flows due at one tick...\n", lbl);
	expiry_phase(b, gbg, n_storm, 0, &res.storm, 0, NULL);
	LOG("expiry storm: %" PRIu64 " of %u expired, %" PRIu64 " RSTs, last %.1f ms after due\n",
	    res.storm.expired, n_storm, res.storm.rsts, res.storm.due_to_last_ms);
	if (!res.storm.complete)
		die("expiry storm did not complete within %u ms", STORM_DEADLINE_MS);
	if (b->w->eng.ft->n_active != BG_FLOWS)
		die("background flows were lost: %u active", b->w->eng.ft->n_active);
	bw_free(b);
	free(gbg);
	free(perm);
}

/* ------------------------------------------------------------------ several workers */

/*
 * --workers LIST: several workers, each on its own lcore and CPU (--cpus), each with its own
 * generator, its own mbuf slots and its own table, driven as above (one loop = two bursts
 * in, the worker's tick, requests and RSTs) all at once from a common start.
 *
 *  - alone: one worker with all N flows, on each CPU in turn (the others idle): the
 *    single-worker rate of that CPU in this run;
 *  - port steering: W workers, each fed only the flows it owns (what symmetric RSS or the
 *    tun driver does), N/W flows each, no handoff: aggregate = the sum of their rates,
 *    efficiency = aggregate / (sum of the alone rates of those CPUs);
 *  - software handoff: the same W workers share the pair (worker_share_pair, steering:
 *    software); each generator sends 1/W of its packets to flows its worker owns and the
 *    rest to flows another owns, which its worker hands over (a descriptor with the frame's
 *    headers, worker.h): every such packet is classified twice, by the worker that received
 *    it and by its owner, and sent by its receiver once the owner's verdict is back;
 *  - the storm: W workers, each with its share of the storm's flows (and of the background
 *    flows), all due at one tick common to all.
 *
 * Ownership is computed as the engine does (engine_owner() of flow_hash() with the one
 * seed); the set-up of the handoff run checks it: no flow's handshake may be handed over.
 */
#define MAX_WORKERS 8
/* --wmodes (profiling one of them): alone, steering, handoff, storm */
#define WM_ALONE (1u << 0)
#define WM_STEER (1u << 1)
#define WM_HO (1u << 2)
#define WM_STORM (1u << 3)
#define WM_ALL 0xfu
#define WM_NEIGH (1u << 4) /* not in WM_ALL: what the other CPU's load costs one worker */

struct wjob;
typedef void (*wjob_fn)(struct wjob *j);

struct wjob {
	wjob_fn fn;
	struct bw *b;
	struct gen g;
	uint32_t *perm_own, n_own; /* flows this worker owns: its handshakes */
	uint32_t *perm_mix, n_mix; /* what its generator sends in the handoff run */
	uint64_t slice;
	bool handoff;
	struct run r;
	uint64_t ho_pkts, ho_drops; /* during the run */
	/* the storm */
	uint32_t *bg_perm;
	uint32_t bg_n, storm_n, storm_base;
	struct storm_res storm;
};

struct wrun {
	double mpps[MAX_WORKERS]; /* per worker, best round (by aggregate) */
	uint32_t flows[MAX_WORKERS];
	uint64_t ho_pkts[MAX_WORKERS], ho_drops[MAX_WORKERS];
	uint64_t fwd_short; /* offered but neither forwarded nor handed over: should be 0 */
	double agg, eff;
};

struct wres {
	uint32_t flows;
	unsigned int w;		  /* workers */
	double single[MAX_WORKERS]; /* alone on CPU i, best round */
	double single_sum;
	struct wrun steer, ho;
};

static struct {
	unsigned int counts[MAX_WORKERS]; /* --workers */
	unsigned int n_counts;
	unsigned int max;
	unsigned int cpus[MAX_WORKERS]; /* --cpus */
	unsigned int n_cpus;
	unsigned int lcore[MAX_WORKERS]; /* worker lcore i runs on cpus[i] */
	uint32_t flows[MAX_SIZES];
	unsigned int n_flows;
	/* results */
	struct wres res[MAX_SIZES * MAX_WORKERS];
	unsigned int n_res;
	unsigned int storm_w;
	struct storm_res storm[MAX_WORKERS];
	double storm_last_ms;
	bool storm_ok;
	unsigned int modes; /* --wmodes: WM_* */
	/* --wmodes neighbour: one worker on CPU c, best Mpps with the other CPU idle,
	 * spinning on registers, walking 1 MiB of its own, running a worker of its own */
	double neigh[MAX_SIZES][MAX_WORKERS][4];
} wk = {.cpus = {0, 1}, .n_cpus = 2, .modes = WM_ALL};

static uint32_t w_arrive, w_leave, w_running, w_due, w_due_n;

/* Each job on its lcore: a common start, its work, then (sharing a pair) keep taking what
 * the others hand over until all are done, so that no ring overflows because its consumer
 * stopped first. */
static int
wjob_entry(void *arg)
{
	struct wjob *j = arg;
	unsigned int n = __atomic_load_n(&w_running, __ATOMIC_ACQUIRE);

	if (!g_slots[rte_lcore_id()].ready) {
		slot_alloc(0, 0);
		slot_alloc(1, 0);
		g_slots[rte_lcore_id()].ready = true;
	}
	__atomic_fetch_add(&w_arrive, 1, __ATOMIC_ACQ_REL);
	while (__atomic_load_n(&w_arrive, __ATOMIC_ACQUIRE) < n)
		rte_pause();
	j->fn(j);
	__atomic_fetch_add(&w_leave, 1, __ATOMIC_ACQ_REL);
	while (__atomic_load_n(&w_leave, __ATOMIC_ACQUIRE) < n)
		if (!j->handoff || worker_poll_handoff(j->b->w) == 0)
			rte_pause();
	if (j->handoff)
		while (worker_poll_handoff(j->b->w) != 0)
			;
	return 0;
}

/* Run @p n jobs at once, job i on worker lcore i. The main lcore may share a CPU with a
 * worker: it sleeps meanwhile, never spins. */
static void
w_launch(struct wjob **jobs, const unsigned int *idx, unsigned int n)
{
	w_arrive = 0;
	w_leave = 0;
	w_due = 0;
	w_due_n = 0;
	__atomic_store_n(&w_running, n, __ATOMIC_RELEASE);
	for (unsigned int i = 0; i < n; i++)
		if (rte_eal_remote_launch(wjob_entry, jobs[i], wk.lcore[idx[i]]) != 0)
			die("cannot launch on lcore %u", wk.lcore[idx[i]]);
	/* 10 ms naps: the main lcore shares CPU 0 with worker 0, and each wake-up is a timer
	 * interrupt and two context switches on that CPU (rte_eal_wait_lcore() would spin). */
	while (__atomic_load_n(&w_leave, __ATOMIC_ACQUIRE) < n)
		usleep(10000);
	for (unsigned int i = 0; i < n; i++)
		rte_eal_wait_lcore(wk.lcore[idx[i]]);
}

static void
job_setup(struct wjob *j)
{
	uint64_t h0 = j->b->w->eng.stats.handoff_packets + j->b->w->eng.stats.handoff_drops;

	gen_init(&j->g, j->perm_own, j->n_own, PORT_BG, true);
	handshake(j->b, &j->g);
	if (j->b->w->eng.stats.handoff_packets + j->b->w->eng.stats.handoff_drops != h0)
		die("set-up: a handshake was handed over: the bench's owner is not the engine's");
}

static void
job_steady(struct wjob *j)
{
	const struct stats_lcore *st = &j->b->w->eng.stats;
	uint64_t p0 = st->handoff_packets, d0 = st->handoff_drops;

	memset(&j->r, 0, sizeof(j->r));
	j->r.b = j->b;
	j->r.g = &j->g;
	j->r.tr = TR_STEADY;
	j->r.max_cycles = j->slice;
	j->r.handoff = j->handoff;
	run_traffic(&j->r);
	j->ho_pkts = st->handoff_packets - p0;
	j->ho_drops = st->handoff_drops - d0;
}

static uint32_t w_spin_stop;

/* --wmodes neighbour: keep this CPU busy without memory traffic until the measured job ends. */
static void
job_spin(struct wjob *j)
{
	uint64_t x = 1;

	(void)j;
	while (!__atomic_load_n(&w_spin_stop, __ATOMIC_ACQUIRE))
		for (unsigned int i = 0; i < 4096; i++) {
			__asm__ volatile("" : "+r"(x));
			x = x * 6364136223846793005ull + 1;
		}
}

#define WALK_BYTES (1u << 20) /* in the L2 of one core, as a worker's working set at 1K flows */

/* ... or walking memory of its own (written, one line at a time): nothing shared with the
 * dataplane, but the same caches, L3 and memory as a worker's. */
static void
job_walk(struct wjob *j)
{
	uint64_t *buf = malloc(WALK_BYTES), s = 1;
	size_t pos = 0;

	(void)j;
	if (buf == NULL)
		die("out of memory");
	memset(buf, 1, WALK_BYTES);
	while (!__atomic_load_n(&w_spin_stop, __ATOMIC_ACQUIRE))
		for (unsigned int i = 0; i < 4096; i++) {
			s += buf[pos];
			buf[pos] = s;
			pos = (pos + RTE_CACHE_LINE_SIZE / 8) % (WALK_BYTES / 8);
		}
	free(buf);
}

static void
job_steady_stop(struct wjob *j)
{
	job_steady(j);
	__atomic_store_n(&w_spin_stop, 1, __ATOMIC_RELEASE);
}

/*
 * --wmodes neighbour: worker @p j alone on CPU c, round after round, with the other CPU idle,
 * spinning (no memory traffic: what the host's sharing of cores and clocks costs), walking
 * memory of its own (what sharing caches and memory costs, nothing of idlecut shared), and
 * running a worker with a table of its own (@p j2: shared lines, if any, on top). Best of
 * rounds.
 */
static void
measure_neighbour(struct wjob *j, struct wjob *j2, unsigned int s, const char *lbl)
{
	static const char *const what[4] = {"idle", "spinning", "walking memory",
					    "running a worker"};
	struct wjob spin = {.fn = job_spin}, walk = {.fn = job_walk};

	for (unsigned int round = 0; round < opt.rounds; round++)
		for (unsigned int c = 0; c < 2; c++)
			for (unsigned int k = 0; k < 4; k++) {
				struct wjob *jp[2] = {j, k == 1 ? &spin : k == 2 ? &walk : j2};
				unsigned int idx[2] = {c, c ^ 1};
				double mpps;

				j->fn = k == 1 || k == 2 ? job_steady_stop : job_steady;
				j2->fn = job_steady;
				w_spin_stop = 0;
				w_launch(jp, idx, k == 0 ? 1 : 2);
				mpps = (double)j->r.pkts / tsc_s(j->r.cycles) / 1e6;
				LOG("%s flows, one worker on CPU %u, CPU %u %s, round %u/%u: %.2f "
				    "Mpps\n",
				    lbl, wk.cpus[c], wk.cpus[c ^ 1], what[k], round + 1, opt.rounds,
				    mpps);
				if (mpps > wk.neigh[s][c][k])
					wk.neigh[s][c][k] = mpps;
			}
}

/* The storm's due tick: once every worker has set its flows up, LEAD ms from then. */
static uint32_t
storm_due(void)
{
	unsigned int n = __atomic_load_n(&w_running, __ATOMIC_ACQUIRE);
	uint32_t d;

	if (__atomic_add_fetch(&w_due_n, 1, __ATOMIC_ACQ_REL) == n)
		__atomic_store_n(&w_due,
				 (uint32_t)((rte_rdtsc() - g_tsc0) / g_per_ms) + STORM_LEAD_MS,
				 __ATOMIC_RELEASE);
	while ((d = __atomic_load_n(&w_due, __ATOMIC_ACQUIRE)) == 0)
		rte_pause();
	return d;
}

static void
job_storm(struct wjob *j)
{
	struct gen *gbg = malloc(sizeof(*gbg));

	if (gbg == NULL)
		die("out of memory");
	gen_init(gbg, j->bg_perm, j->bg_n, PORT_BG, true);
	handshake(j->b, gbg);
	expiry_phase(j->b, gbg, j->storm_n, 0, &j->storm, j->storm_base, storm_due);
	free(gbg);
}

/* The owner of each flow id among @p w workers, as the engine decides it. */
static uint8_t *
owners_of(const struct flow_table *ft, uint32_t n, unsigned int w)
{
	uint8_t *own = malloc(n);

	if (own == NULL)
		die("out of memory");
	for (uint32_t id = 0; id < n; id++) {
		uint8_t src[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
		uint8_t dst[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
		uint32_t cli = rte_cpu_to_be_32(0xc6120000u | (id >> 8));
		uint32_t srv = rte_cpu_to_be_32(0xc6130001u + (id & 7));
		struct flow_key k;

		memcpy(src + 12, &cli, 4);
		memcpy(dst + 12, &srv, 4);
		memset(&k, 0, sizeof(k));
		flow_key_make(&k, 4, src, (uint16_t)(1024 + (id & 0xff)), dst, PORT_BG,
			      (id & 7) == 7 ? 17 : 6, 0, 0, 0);
		own[id] = (uint8_t)engine_owner(flow_hash(ft, &k), w);
	}
	return own;
}

static struct bw *
w_bw(enum scn_kind kind, uint32_t capacity, bool events)
{
	return bw_new(kind, RTE_MAX(capacity, (uint32_t)CFG_CAPACITY_MIN), events);
}

/* W workers on lcores 0..W-1 at N flows: port steering, then software handoff. */
static void
measure_workers_at(struct wres *wr, uint32_t n, unsigned int w, const uint32_t *perm,
		   const uint8_t *own)
{
	uint64_t slice = (uint64_t)(opt.seconds / opt.rounds * (double)g_hz);
	struct wjob *jobs[MAX_WORKERS], *jp[MAX_WORKERS];
	unsigned int idx[MAX_WORKERS];
	char lbl[16];

	flows_label(n, lbl, sizeof(lbl));
	for (unsigned int i = 0; i < w; i++) {
		jobs[i] = calloc(1, sizeof(*jobs[i]));
		if (jobs[i] == NULL)
			die("out of memory");
		jobs[i]->perm_own = malloc((size_t)n * sizeof(uint32_t));
		jobs[i]->perm_mix = malloc((size_t)n * sizeof(uint32_t));
		if (jobs[i]->perm_own == NULL || jobs[i]->perm_mix == NULL)
			die("out of memory");
		idx[i] = i;
		jp[i] = jobs[i];
	}
	/* Owned flows, in the visiting order of perm. */
	for (uint32_t k = 0; k < n; k++) {
		struct wjob *j = jobs[own[perm[k]]];

		j->perm_own[j->n_own++] = perm[k];
	}
	/*
	 * The handoff run's generators: generator i takes part i (of w) of every worker's owned
	 * flows, round-robin over the owners, so 1/w of its packets are for its own worker.
	 */
	for (unsigned int o = 0; o < w; o++) {
		for (unsigned int i = 0; i < w; i++) {
			uint32_t a = (uint32_t)((uint64_t)jobs[o]->n_own * i / w);
			uint32_t z = (uint32_t)((uint64_t)jobs[o]->n_own * (i + 1) / w);

			for (uint32_t k = a; k < z; k++)
				jobs[i]->perm_mix[jobs[i]->n_mix++] = jobs[o]->perm_own[k];
		}
	}
	/* Interleave each generator's list so own and others' flows alternate in the walk. */
	for (unsigned int i = 0; i < w; i++) {
		uint32_t *t = malloc((size_t)jobs[i]->n_mix * sizeof(uint32_t));
		uint64_t x = 0x9e3779b97f4a7c15ull + i;

		if (t == NULL)
			die("out of memory");
		memcpy(t, jobs[i]->perm_mix, (size_t)jobs[i]->n_mix * sizeof(uint32_t));
		for (uint32_t k = jobs[i]->n_mix - 1; k > 0; k--) {
			uint32_t r, v;

			x ^= x >> 12;
			x ^= x << 25;
			x ^= x >> 27;
			r = (uint32_t)(((x * 0x2545f4914f6cdd1dull) >> 32) % (k + 1));
			v = t[k];
			t[k] = t[r];
			t[r] = v;
		}
		memcpy(jobs[i]->perm_mix, t, (size_t)jobs[i]->n_mix * sizeof(uint32_t));
		free(t);
	}

	for (unsigned int mode = 0; mode < 2; mode++) {
		struct wrun *wrun = mode ? &wr->ho : &wr->steer;
		struct worker *ws[MAX_WORKERS];

		if (!(wk.modes & (mode ? WM_HO : WM_STEER)))
			continue;
		for (unsigned int i = 0; i < w; i++) {
			jobs[i]->b = w_bw(SCN_TRACK, jobs[i]->n_own, false);
			jobs[i]->handoff = mode == 1;
			jobs[i]->slice = slice;
			ws[i] = jobs[i]->b->w;
			worker_set_queue(ws[i], 0, (uint16_t)i);
			wrun->flows[i] = mode ? jobs[i]->n_mix : jobs[i]->n_own;
		}
		if (mode == 1 && worker_share_pair(ws, w, 0, true) != 0)
			die("worker_share_pair failed");
		/* Handed frames forwarded back: to the generator like every forwarded frame
		 * (--ho-tx: out of net_null, and fresh mbufs instead, as before). */
		for (unsigned int i = 0; mode == 1 && !opt.ho_tx && i < w; i++)
			worker_set_handoff_sink(ws[i], ho_sink, &g_slots[wk.lcore[i]]);
		for (unsigned int i = 0; i < w; i++)
			jobs[i]->fn = job_setup;
		w_launch(jp, idx, w);
		for (unsigned int i = 0; i < w; i++)
			if (jobs[i]->b->w->eng.ft->n_active != jobs[i]->n_own)
				die("%s flows: worker %u holds %u flows after set-up, not %u",
				    lbl, i, jobs[i]->b->w->eng.ft->n_active, jobs[i]->n_own);
		for (unsigned int i = 0; i < w; i++) {
			if (mode == 1)
				gen_init(&jobs[i]->g, jobs[i]->perm_mix, jobs[i]->n_mix, PORT_BG,
					 true);
			else
				jobs[i]->g.pass = 0;
		}
		wrun->agg = 0;
		for (unsigned int round = 0; round < opt.rounds; round++) {
			double agg = 0;

			for (unsigned int i = 0; i < w; i++)
				jobs[i]->fn = job_steady;
			w_launch(jp, idx, w);
			/* Forwarded, by the worker that received it or by the owner it was
			 * handed to (in steering, every packet offered). */
			for (unsigned int i = 0; i < w; i++)
				agg += (double)jobs[i]->r.fwd / tsc_s(jobs[i]->r.cycles) / 1e6;
			LOG("%s flows, %u workers, %s, round %u/%u: %.2f Mpps\n", lbl, w,
			    mode ? "software handoff" : "port steering", round + 1, opt.rounds,
			    agg);
			if (agg <= wrun->agg)
				continue;
			wrun->agg = agg;
			wrun->fwd_short = 0;
			for (unsigned int i = 0; i < w; i++) {
				const struct wjob *j = jobs[i];

				wrun->mpps[i] = (double)j->r.fwd / tsc_s(j->r.cycles) / 1e6;
				wrun->ho_pkts[i] = j->ho_pkts;
				wrun->ho_drops[i] = j->ho_drops;
			}
		}
		/* Every packet offered was forwarded, by its receiver or by its owner. */
		for (unsigned int i = 0; i < w; i++) {
			const struct wjob *j = jobs[i];
			uint64_t out = j->r.fwd;

			if (mode == 0 && out != j->r.pkts)
				wrun->fwd_short += j->r.pkts - out;
		}
		wrun->eff = wr->single_sum > 0 ? wrun->agg / wr->single_sum : NAN;
		for (unsigned int i = 0; i < w; i++) {
			bw_free(jobs[i]->b);
			jobs[i]->b = NULL;
		}
	}
	for (unsigned int i = 0; i < w; i++) {
		free(jobs[i]->perm_own);
		free(jobs[i]->perm_mix);
		free(jobs[i]);
	}
}

static void
measure_workers(void)
{
	for (unsigned int s = 0; s < wk.n_flows; s++) {
		uint32_t n = wk.flows[s];
		uint32_t *perm = perm_new(n, 0x1dc0 + n);
		struct wjob *j = calloc(1, sizeof(*j));
		double single[MAX_WORKERS] = {0};
		uint8_t *own[MAX_WORKERS + 1] = {NULL};
		char lbl[16];

		if (j == NULL)
			die("out of memory");
		flows_label(n, lbl, sizeof(lbl));
		/* Alone: one table of N flows, set up once, driven from each CPU in turn. */
		j->b = w_bw(SCN_TRACK, n, false);
		j->perm_own = perm;
		j->n_own = n;
		j->slice = (uint64_t)(opt.seconds / opt.rounds * (double)g_hz);
		j->fn = job_setup;
		{
			unsigned int i0 = 0;

			w_launch(&j, &i0, 1);
		}
		for (unsigned int round = 0; round < opt.rounds && (wk.modes & WM_ALONE); round++)
			for (unsigned int c = 0; c < wk.max; c++) {
				double mpps;

				j->fn = job_steady;
				w_launch(&j, &c, 1);
				mpps = (double)j->r.pkts / tsc_s(j->r.cycles) / 1e6;
				LOG("%s flows, alone on CPU %u, round %u/%u: %.2f Mpps\n",
				    lbl, wk.cpus[c], round + 1, opt.rounds, mpps);
				if (mpps > single[c])
					single[c] = mpps;
			}
		if ((wk.modes & WM_NEIGH) && wk.max >= 2) {
			struct wjob *j2 = calloc(1, sizeof(*j2));
			unsigned int i1 = 1;

			if (j2 == NULL)
				die("out of memory");
			*j2 = *j;
			j2->b = w_bw(SCN_TRACK, n, false);
			j2->fn = job_setup;
			w_launch(&j2, &i1, 1);
			measure_neighbour(j, j2, s, lbl);
			bw_free(j2->b);
			free(j2);
		}
		for (unsigned int k = 0; k < wk.n_counts; k++) {
			unsigned int w = wk.counts[k];
			struct wres *wr;

			if (w < 2)
				continue;
			wr = &wk.res[wk.n_res++];
			memset(wr, 0, sizeof(*wr));
			wr->flows = n;
			wr->w = w;
			for (unsigned int c = 0; c < w; c++) {
				wr->single[c] = single[c];
				wr->single_sum += single[c];
			}
			if (own[w] == NULL)
				own[w] = owners_of(j->b->w->eng.ft, n, w);
			measure_workers_at(wr, n, w, perm, own[w]);
		}
		if (wk.n_counts == 1 && wk.counts[0] == 1) {
			struct wres *wr = &wk.res[wk.n_res++];

			memset(wr, 0, sizeof(*wr));
			wr->flows = n;
			wr->w = 1;
			wr->single[0] = single[0];
			wr->single_sum = single[0];
		}
		bw_free(j->b);
		free(j);
		for (unsigned int w = 0; w <= MAX_WORKERS; w++)
			free(own[w]);
		free(perm);
	}
	if (!(opt.phases & PH_WSTORM) || !(wk.modes & WM_STORM) || wk.max < 2)
		return;
	/* The storm: W workers, each with 1/W of the storm's flows and of the background's. */
	{
		unsigned int w = wk.max, idx[MAX_WORKERS];
		struct wjob *jobs[MAX_WORKERS];
		uint32_t per = opt.storm / w, bg = BG_FLOWS / w;
		char lbl[16];

		flows_label(opt.storm, lbl, sizeof(lbl));
		LOG("expiry storm, %u workers: %s flows due at one tick...\n", w, lbl);
		wk.storm_w = w;
		wk.storm_ok = true;
		wk.storm_last_ms = 0;
		for (unsigned int i = 0; i < w; i++) {
			jobs[i] = calloc(1, sizeof(*jobs[i]));
			if (jobs[i] == NULL)
				die("out of memory");
			jobs[i]->bg_perm = perm_new(bg, 0xb6 + i);
			for (uint32_t k = 0; k < bg; k++)
				jobs[i]->bg_perm[k] += i * bg;
			jobs[i]->bg_n = bg;
			jobs[i]->storm_n = per;
			/* Storm flows use ids of their own (server port 443), one range each. */
			jobs[i]->storm_base = i * per;
			jobs[i]->b = w_bw(SCN_STORM, bg + per, true);
			jobs[i]->fn = job_storm;
			idx[i] = i;
		}
		w_launch(jobs, idx, w);
		for (unsigned int i = 0; i < w; i++) {
			wk.storm[i] = jobs[i]->storm;
			if (!jobs[i]->storm.complete ||
			    jobs[i]->storm.rsts != 2ull * jobs[i]->storm.flows ||
			    jobs[i]->storm.rst_failed != 0)
				wk.storm_ok = false;
			if (jobs[i]->storm.due_to_last_ms > wk.storm_last_ms)
				wk.storm_last_ms = jobs[i]->storm.due_to_last_ms;
			LOG("expiry storm, worker %u (CPU %u): %" PRIu64 " of %u expired, last RST "
			    "%.1f ms after due\n",
			    i, wk.cpus[i], jobs[i]->storm.expired, per,
			    jobs[i]->storm.due_to_last_ms);
			bw_free(jobs[i]->b);
			free(jobs[i]->bg_perm);
			free(jobs[i]);
		}
	}
}

/* ------------------------------------------------------------------ machine, output */

static struct {
	char cpu[128];
	long cores;
	char kernel[128];
	long hugepages_total;
	char thp[32];
	char git[64];
	bool git_dirty;
	char date[32];
} mach;

static void
chomp(char *s)
{
	size_t n = strlen(s);

	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' '))
		s[--n] = '\0';
}

static void
machine_info(void)
{
	struct utsname u;
	char line[512];
	const char *root = getenv("IDLECUT_SOURCE_ROOT");
	time_t now = time(NULL);
	FILE *f;

	snprintf(mach.cpu, sizeof(mach.cpu), "unknown");
	f = fopen("/proc/cpuinfo", "r");
	while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
		char *c = strchr(line, ':');

		if (strncmp(line, "model name", 10) == 0 && c != NULL) {
			snprintf(mach.cpu, sizeof(mach.cpu), "%s", c + 2);
			chomp(mach.cpu);
			break;
		}
	}
	if (f != NULL)
		fclose(f);
	mach.cores = sysconf(_SC_NPROCESSORS_ONLN);
	if (uname(&u) == 0)
		snprintf(mach.kernel, sizeof(mach.kernel), "%.40s %.80s", u.sysname, u.release);
	f = fopen("/proc/meminfo", "r");
	while (f != NULL && fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "HugePages_Total: %ld", &mach.hugepages_total) == 1)
			break;
	if (f != NULL)
		fclose(f);
	snprintf(mach.thp, sizeof(mach.thp), "unknown");
	f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
	if (f != NULL && fgets(line, sizeof(line), f) != NULL) {
		char *a = strchr(line, '['), *z = a ? strchr(a, ']') : NULL;

		if (a != NULL && z != NULL) {
			*z = '\0';
			snprintf(mach.thp, sizeof(mach.thp), "%s", a + 1);
		}
	}
	if (f != NULL)
		fclose(f);
	snprintf(mach.git, sizeof(mach.git), "unknown");
#ifdef BENCH_SOURCE_ROOT
	if (root == NULL)
		root = BENCH_SOURCE_ROOT; /* where it was built from */
#endif
	if (root != NULL && strchr(root, '\'') == NULL) {
		char cmd[4200];

		snprintf(cmd, sizeof(cmd), "git -C '%s' rev-parse --short HEAD 2>/dev/null", root);
		f = popen(cmd, "r");
		if (f != NULL) {
			if (fgets(line, sizeof(line), f) != NULL && line[0] != '\0') {
				chomp(line);
				snprintf(mach.git, sizeof(mach.git), "%.63s", line);
			}
			pclose(f);
		}
		snprintf(cmd, sizeof(cmd),
			 "git -C '%s' status --porcelain --untracked-files=no 2>/dev/null", root);
		f = popen(cmd, "r");
		if (f != NULL) {
			mach.git_dirty = fgets(line, sizeof(line), f) != NULL;
			pclose(f);
		}
	}
	strftime(mach.date, sizeof(mach.date), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
}

/* --- targets */

struct target {
	const char *name;
	const char *want;
	double value;
	const char *unit;
	int met; /* 1 met, 0 missed, -1 not measured in this run, MET_FIGURE no target */
};

static struct target targets[16];
static unsigned int n_targets;

static const struct size_res *
size_of(uint32_t n)
{
	for (unsigned int i = 0; i < opt.n_flows; i++)
		if (res.sz[i].flows == n)
			return &res.sz[i];
	return NULL;
}

#define MET_FIGURE (-2) /* reported with the targets, judged by none */

static void
target_add(const char *name, const char *want, double value, const char *unit, int met)
{
	targets[n_targets++] = (struct target){name, want, value, unit, met};
}

/*
 * The ratio targets are judged on worker cycles per packet (dataplane cycles ratio): the
 * generator's cycles, paid alike by both sides, would flatter the Mpps ratio a little.
 */
static void
eval_targets(void)
{
	const struct size_res *s1k = size_of(KI), *s1m = size_of(MI);
	bool exp = opt.phases & PH_EXPIRY, big_storm = exp && opt.storm >= MI;
	double worst_bpf = 0;

	target_add("tracking / plain at 1K flows", ">= 0.80", s1k ? s1k->ratio_dp : NAN, "x",
		   s1k && isfinite(s1k->ratio_dp) ? s1k->ratio_dp >= 0.8 : -1);
	target_add("tracking / plain at 1M flows", ">= 0.50", s1m ? s1m->ratio_dp : NAN, "x",
		   s1m && isfinite(s1m->ratio_dp) ? s1m->ratio_dp >= 0.5 : -1);
	target_add("1M-flow storm: due to last RST", "<= 1000 ms",
		   exp ? res.storm.due_to_last_ms : NAN, "ms",
		   !big_storm ? -1
			      : res.storm.complete && res.storm.rst_failed == 0 &&
					res.storm.rsts == 2ull * res.storm.flows &&
					res.storm.due_to_last_ms <= 1000 &&
					res.storm.fwd_during_mpps > 0);
	target_add("lateness p99, steady expiry", "<= 10 ms", exp ? res.steady.lat.p99_ms : NAN,
		   "ms", exp ? res.steady.lat.p99_ms <= 10 : -1);
	/*
	 * Not a target, a figure: a million flows falling due in one millisecond leave, at best,
	 * in (flows / expiry rate); the storm's target is the 1 s above. The 10 ms lateness
	 * target is the timer's precision, measured by the steady phase.
	 */
	target_add("lateness p99, 1M-flow storm", "figure", exp ? res.storm.lat.p99_ms : NAN,
		   "ms", big_storm ? MET_FIGURE : -1);
	/* A table has a fixed 512 KiB wheel: per flow, that only fades out at scale. */
	for (unsigned int i = 0; i < opt.n_flows; i++)
		if (res.sz[i].flows >= MI && res.sz[i].bytes_per_flow > worst_bpf)
			worst_bpf = res.sz[i].bytes_per_flow;
	if (worst_bpf == 0)
		worst_bpf = (double)flow_table_memory(MI) / MI;
	target_add("memory per flow, >= 1M flows", "<= 128 B", worst_bpf, "B", worst_bpf <= 128);
	if (wk.n_res > 0) {
		double st = INFINITY, ho = INFINITY, agg1m = NAN;

		for (unsigned int i = 0; i < wk.n_res; i++) {
			const struct wres *r = &wk.res[i];

			if (r->w != wk.max || r->w < 2)
				continue;
			st = RTE_MIN(st, r->steer.eff);
			ho = RTE_MIN(ho, r->ho.eff);
			if (r->flows == MI)
				agg1m = r->steer.agg;
		}
		target_add("workers: steering efficiency", ">= 0.90", isfinite(st) ? st : NAN, "x",
			   isfinite(st) ? st >= 0.9 : -1);
		target_add("workers: handoff efficiency", ">= 0.75", isfinite(ho) ? ho : NAN, "x",
			   isfinite(ho) ? ho >= 0.75 : -1);
		target_add("workers: aggregate at 1M flows", ">= 29.8", agg1m, "Mp",
			   isfinite(agg1m) ? agg1m >= 29.8 : -1);
		target_add("workers: 1M storm, last RST", "<= 250 ms",
			   wk.storm_w ? wk.storm_last_ms : NAN, "ms",
			   wk.storm_w && opt.storm >= MI ? wk.storm_ok && wk.storm_last_ms <= 250
							 : -1);
	}
}

static const char *
met_str(int met)
{
	return met == MET_FIGURE ? "(no target)" : met < 0 ? "n/a" : met ? "met" : "MISSED";
}

static void
print_lat(const char *what, const struct storm_res *s)
{
	printf("  %-30s p50 %8.3f  p99 %8.3f  max %8.3f ms   (histogram: p50 <= %.3f, p99 <= "
	       "%.3f, max %.3f, mean %.3f ms)\n",
	       what, s->lat.p50_ms, s->lat.p99_ms, s->lat.max_ms, s->lat.h_p50_ms, s->lat.h_p99_ms,
	       s->lat.h_max_ms, s->lat.h_mean_ms);
}

static void
print_table(void)
{
	char lbl[16];

	printf("\nidlecut-bench  %s  git %s%s  %s\n", mach.date, mach.git,
	       mach.git_dirty ? " (dirty tree)" : "", rte_version());
	printf("%s, %ld cores, %s, THP %s, %s, TSC %.3f GHz\n", mach.cpu, mach.cores,
	       rte_eal_has_hugepages() ? "hugepages (EAL, pool and flow tables)"
				       : "no hugepages (--no-huge)",
	       mach.thp, mach.kernel, (double)g_hz / 1e9);
	printf("one lcore (CPU %u), 64-byte frames (IPv4; 1 flow in 8 UDP), bursts of %d, best "
	       "of %u rounds of %.2f s;\ncycles are TSC cycles; K = 1024\n\n",
	       opt.lcore, WORKER_BURST, opt.rounds, opt.seconds / opt.rounds);
	if (opt.n_flows > 0) {
		printf("  flows |  plain forward     |  flow tracking     | tracking/plain | "
		       "setup    | memory\n");
		printf("        |  Mpps cyc/pkt   dp |  Mpps cyc/pkt   dp |  Mpps  cycles  | "
		       "Mflows/s | B/flow    MiB\n");
		printf("  ------+--------------------+--------------------+----------------+"
		       "----------+--------------\n");
	}
	for (unsigned int i = 0; i < opt.n_flows; i++) {
		const struct size_res *s = &res.sz[i];

		printf("  %5s | %5.2f %6.1f %5.1f | %5.2f %6.1f %5.1f | %5.3f  %5.3f  | %6.2f   | "
		       "%5.1f %7.1f\n",
		       flows_label(s->flows, lbl, sizeof(lbl)), s->plain.mpps, s->plain.cyc,
		       s->plain.dp_cyc, s->track.mpps, s->track.cyc, s->track.dp_cyc, s->ratio,
		       s->ratio_dp, s->setup_fps / 1e6, s->bytes_per_flow,
		       (double)s->table_bytes / MI);
	}
	printf("  (cyc/pkt: wall TSC cycles per packet, generator included, = what Mpps says; dp: "
	       "inside the\n   worker's functions only; the generator alone costs %.1f cyc/pkt. "
	       "Ratios: of Mpps, and of dp cycles)\n\n",
	       res.gen_cyc);
	if (opt.phases & PH_NEW)
		printf("  new flows (all SYN, %s into an empty table of %s): %.2f M flows/s, "
		       "%.0f cycles/flow\n",
		       flows_label(res.new_flows, lbl, sizeof(lbl)), lbl, res.new_fps / 1e6,
		       res.new_cyc);
	if (opt.phases & PH_CHURN)
		printf("  churn (%uK concurrent, SYN..data..FIN..TIME_WAIT, SYN again): %.2f Mpps, "
		       "%.2f M connections/s\n",
		       CHURN_FLOWS / KI, res.churn_mpps, res.churn_cps / 1e6);
	if (opt.phases & PH_EXPIRY) {
		printf("  expiry storm: %s TCP flows due at one tick, reset-both, %uK background "
		       "flows forwarding\n",
		       flows_label(res.storm.flows, lbl, sizeof(lbl)), BG_FLOWS / KI);
		printf("    expired %" PRIu64 ", RSTs %" PRIu64 " (failed %" PRIu64
		       "), events %" PRIu64 " (dropped %" PRIu64 ")\n",
		       res.storm.expired, res.storm.rsts, res.storm.rst_failed, res.storm.events,
		       res.storm.events_dropped);
		printf("    first expiry %.3f ms after due, last RST %.1f ms after due: %.2f M "
		       "expiries/s, %.2f M RSTs/s\n",
		       res.storm.due_to_first_ms, res.storm.due_to_last_ms,
		       res.storm.expiries_per_s / 1e6, res.storm.rsts_per_s / 1e6);
		printf("    forwarding: %.2f Mpps before, %.2f Mpps during the storm\n",
		       res.storm.fwd_before_mpps, res.storm.fwd_during_mpps);
		printf("  steady expiry: %uK flows due uniformly over %u ms, same background: "
		       "forwarding %.2f Mpps\n",
		       res.steady.flows / 1000, res.steady.spread_ms, res.steady.fwd_during_mpps);
		printf("  timeout lateness (from the start of the due 1 ms tick):\n");
		print_lat("steady expiry", &res.steady);
		print_lat("storm", &res.storm);
	}
	if (wk.n_res > 0) {
		printf("  several workers (--workers): CPUs");
		for (unsigned int c = 0; c < wk.max; c++)
			printf("%s%u", c ? "," : " ", wk.cpus[c]);
		printf("; efficiency = aggregate / sum of one worker alone on each CPU\n");
		printf("  flows  W | alone, Mpps per CPU (sum)   | steering: per worker -> agg "
		       " eff | handoff: per worker -> agg  eff  handoffs  drops\n");
		for (unsigned int i = 0; i < wk.n_res; i++) {
			const struct wres *r = &wk.res[i];
			uint64_t hp = 0, hd = 0;

			printf("  %5s %2u |", flows_label(r->flows, lbl, sizeof(lbl)), r->w);
			for (unsigned int c = 0; c < r->w; c++)
				printf(" %6.2f", r->single[c]);
			printf(" (%6.2f) |", r->single_sum);
			if (r->w < 2) {
				printf("\n");
				continue;
			}
			for (unsigned int c = 0; c < r->w; c++)
				printf(" %6.2f", r->steer.mpps[c]);
			printf(" -> %6.2f %4.2f |", r->steer.agg, r->steer.eff);
			for (unsigned int c = 0; c < r->w; c++) {
				printf(" %6.2f", r->ho.mpps[c]);
				hp += r->ho.ho_pkts[c];
				hd += r->ho.ho_drops[c];
			}
			printf(" -> %6.2f %4.2f %9" PRIu64 " %6" PRIu64 "\n", r->ho.agg, r->ho.eff,
			       hp, hd);
		}
		bool low = false;

		for (unsigned int i = 0; i < wk.n_res; i++)
			low |= wk.res[i].w >= 2 && (wk.modes & WM_STEER) &&
			       wk.res[i].steer.eff < 0.9;
		if (low)
			printf("  (steering efficiency below 0.9: what a second worker costs the\n"
			       "   first through the machine, not through idlecut, is what\n"
			       "   --wmodes neighbour measures; README \"Benchmark\")\n");
		for (unsigned int s = 0; s < wk.n_flows && (wk.modes & WM_NEIGH) && wk.max >= 2;
		     s++)
			for (unsigned int c = 0; c < 2; c++)
				printf("  %5s    one worker on CPU %u, Mpps with CPU %u idle "
				       "%6.2f, spinning %6.2f, walking 1 MiB %6.2f, running a "
				       "worker %6.2f\n",
				       flows_label(wk.flows[s], lbl, sizeof(lbl)), wk.cpus[c],
				       wk.cpus[c ^ 1], wk.neigh[s][c][0], wk.neigh[s][c][1],
				       wk.neigh[s][c][2], wk.neigh[s][c][3]);
		if (wk.storm_w > 0) {
			printf("  storm, %u workers: %s flows due at one tick; last RST %.1f ms "
			       "after due (%s)\n",
			       wk.storm_w, flows_label(opt.storm, lbl, sizeof(lbl)),
			       wk.storm_last_ms, wk.storm_ok ? "all RSTs sent" : "INCOMPLETE");
			for (unsigned int i = 0; i < wk.storm_w; i++)
				printf("    worker %u (CPU %u): %" PRIu64 " expired, %" PRIu64
				       " RSTs, last %.1f ms after due, forwarding %.2f Mpps "
				       "during\n",
				       i, wk.cpus[i], wk.storm[i].expired, wk.storm[i].rsts,
				       wk.storm[i].due_to_last_ms, wk.storm[i].fwd_during_mpps);
		}
	}
	printf("\n  targets (ratios on dp cycles):\n");
	for (unsigned int i = 0; i < n_targets; i++)
		printf("    %-32s %-11s %10.3f %-2s  %s\n", targets[i].name, targets[i].want,
		       targets[i].value, targets[i].unit, met_str(targets[i].met));
	fflush(stdout);
}

static void
json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		if ((unsigned char)*s >= 0x20)
			fputc(*s, f);
	}
	fputc('"', f);
}

/* 1 true, 0 false, -1 null (not measured). */
static const char *
json_bool(int v)
{
	return v < 0 ? "null" : v ? "true" : "false";
}

/* JSON has no NaN: a figure that was not measured is null. */
static void
json_num(FILE *f, double v)
{
	if (isfinite(v))
		fprintf(f, "%.6g", v);
	else
		fputs("null", f);
}

static void
json_tp(FILE *f, const char *name, const struct tp *t)
{
	if (t->mpps == 0) {
		fprintf(f, "\"%s\": null", name); /* not measured (--phases) */
		return;
	}
	fprintf(f, "\"%s\": {\"mpps\": ", name);
	json_num(f, t->mpps);
	fputs(", \"cycles_per_packet\": ", f);
	json_num(f, t->cyc);
	fputs(", \"dataplane_cycles_per_packet\": ", f);
	json_num(f, t->dp_cyc);
	fputs(", \"all_forwarded\": ", f);
	fputs(t->fwd_ok ? "true" : "false", f);
	fputs(", \"rounds_mpps\": [", f);
	for (unsigned int i = 0; i < opt.rounds; i++) {
		if (i)
			fputs(", ", f);
		json_num(f, t->rounds[i]);
	}
	fputs("]}", f);
}

static void
json_expiry(FILE *f, const char *name, const struct storm_res *s)
{
	fprintf(f,
		"  \"%s\": {\"flows\": %u, \"spread_ms\": %u, \"on_timeout\": \"reset-both\", "
		"\"background_flows\": %u, \"complete\": %s,\n",
		name, s->flows, s->spread_ms, BG_FLOWS, s->complete ? "true" : "false");
	fprintf(f,
		"    \"expired\": %" PRIu64 ", \"rsts_sent\": %" PRIu64
		", \"rsts_failed\": %" PRIu64 ", \"events\": %" PRIu64
		", \"events_dropped\": %" PRIu64 ",\n",
		s->expired, s->rsts, s->rst_failed, s->events, s->events_dropped);
	fputs("    \"due_to_first_expiry_ms\": ", f);
	json_num(f, s->due_to_first_ms);
	fputs(", \"due_to_last_rst_ms\": ", f);
	json_num(f, s->due_to_last_ms);
	fputs(", \"expiries_per_s\": ", f);
	json_num(f, s->expiries_per_s);
	fputs(", \"rsts_per_s\": ", f);
	json_num(f, s->rsts_per_s);
	fputs(",\n    \"forwarding_before_mpps\": ", f);
	json_num(f, s->fwd_before_mpps);
	fputs(", \"forwarding_during_mpps\": ", f);
	json_num(f, s->fwd_during_mpps);
	fputs(",\n    \"lateness_ms\": {\"p50\": ", f);
	json_num(f, s->lat.p50_ms);
	fputs(", \"p99\": ", f);
	json_num(f, s->lat.p99_ms);
	fputs(", \"max\": ", f);
	json_num(f, s->lat.max_ms);
	fputs(", \"source\": \"events\"},\n    \"lateness_histogram_ms\": {\"p50_le\": ", f);
	json_num(f, s->lat.h_p50_ms);
	fputs(", \"p99_le\": ", f);
	json_num(f, s->lat.h_p99_ms);
	fputs(", \"max\": ", f);
	json_num(f, s->lat.h_max_ms);
	fputs(", \"mean\": ", f);
	json_num(f, s->lat.h_mean_ms);
	fputs("}}", f);
}

static void
json_wrun(FILE *f, const char *name, const struct wres *r, const struct wrun *x, bool ho)
{
	fprintf(f, "\"%s\": {\"per_worker\": [", name);
	for (unsigned int c = 0; c < r->w; c++) {
		fprintf(f, "%s{\"cpu\": %u, \"flows\": %u, \"mpps\": ", c ? ", " : "",
			wk.cpus[c], x->flows[c]);
		json_num(f, x->mpps[c]);
		if (ho)
			fprintf(f,
				", \"handoff_packets\": %" PRIu64 ", \"handoff_drops\": %" PRIu64,
				x->ho_pkts[c], x->ho_drops[c]);
		fputs("}", f);
	}
	fputs("], \"aggregate_mpps\": ", f);
	json_num(f, x->agg);
	fputs(", \"efficiency\": ", f);
	json_num(f, x->eff);
	if (!ho)
		fprintf(f, ", \"not_forwarded\": %" PRIu64, x->fwd_short);
	fputs("}", f);
}

/* "workers": --workers figures, per worker and aggregate. */
static void
json_workers(FILE *f)
{
	if (wk.n_counts == 0) {
		fputs("  \"workers\": null,\n", f);
		return;
	}
	fputs("  \"workers\": {\"cpus\": [", f);
	for (unsigned int c = 0; c < wk.max; c++)
		fprintf(f, "%s%u", c ? ", " : "", wk.cpus[c]);
	fputs("], \"runs\": [\n", f);
	for (unsigned int i = 0; i < wk.n_res; i++) {
		const struct wres *r = &wk.res[i];

		fprintf(f, "    {\"flows\": %u, \"workers\": %u, \"alone\": [", r->flows, r->w);
		for (unsigned int c = 0; c < r->w; c++) {
			fprintf(f, "%s{\"cpu\": %u, \"mpps\": ", c ? ", " : "", wk.cpus[c]);
			json_num(f, r->single[c]);
			fputs("}", f);
		}
		fputs("], \"alone_sum_mpps\": ", f);
		json_num(f, r->single_sum);
		if (r->w > 1) {
			fputs(",\n     ", f);
			json_wrun(f, "steering", r, &r->steer, false);
			fputs(",\n     ", f);
			json_wrun(f, "handoff", r, &r->ho, true);
		}
		fprintf(f, "}%s\n", i + 1 < wk.n_res ? "," : "");
	}
	fputs("  ]", f);
	if (wk.storm_w > 0) {
		fprintf(f, ",\n   \"storm\": {\"workers\": %u, \"flows\": %u, \"complete\": %s, "
			   "\"due_to_last_ms\": ",
			wk.storm_w, opt.storm, wk.storm_ok ? "true" : "false");
		json_num(f, wk.storm_last_ms);
		fputs(", \"per_worker\": [", f);
		for (unsigned int i = 0; i < wk.storm_w; i++) {
			const struct storm_res *x = &wk.storm[i];

			fprintf(f,
				"%s{\"cpu\": %u, \"flows\": %u, \"expired\": %" PRIu64
				", \"rsts\": %" PRIu64 ", \"rst_failed\": %" PRIu64
				", \"due_to_last_ms\": ",
				i ? ", " : "", wk.cpus[i], x->flows, x->expired, x->rsts,
				x->rst_failed);
			json_num(f, x->due_to_last_ms);
			fputs(", \"expiries_per_s\": ", f);
			json_num(f, x->expiries_per_s);
			fputs(", \"fwd_during_mpps\": ", f);
			json_num(f, x->fwd_during_mpps);
			fputs("}", f);
		}
		fputs("]}", f);
	}
	fputs("},\n", f);
}

static void
write_json(const char *path)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		die("%s: %s", path, strerror(errno));
	fputs("{\n  \"benchmark\": \"idlecut-bench\",\n  \"date\": ", f);
	json_str(f, mach.date);
	fputs(",\n  \"git\": ", f);
	json_str(f, mach.git);
	fprintf(f, ",\n  \"git_dirty\": %s,\n  \"machine\": {\"cpu\": ",
		mach.git_dirty ? "true" : "false");
	json_str(f, mach.cpu);
	fprintf(f, ", \"cores\": %ld, \"hugepages\": %s, \"hugepages_total\": %ld, \"thp\": ",
		mach.cores, rte_eal_has_hugepages() ? "true" : "false", mach.hugepages_total);
	json_str(f, mach.thp);
	fputs(", \"kernel\": ", f);
	json_str(f, mach.kernel);
	fprintf(f, ", \"tsc_hz\": %" PRIu64 ", \"dpdk\": ", g_hz);
	json_str(f, rte_version());
	fprintf(f, "},\n  \"config\": {\"lcore\": %u, \"seed\": %u, \"seconds\": ", opt.lcore,
		opt.seed);
	json_num(f, opt.seconds);
	fprintf(f,
		", \"phases\": %u, \"rounds\": %u, \"quick\": %s, \"big\": %s, "
		"\"frame_bytes\": 64, \"burst\": %d, \"udp_share\": 0.125, "
		"\"expire_budget\": %d},\n",
		opt.phases, opt.rounds, opt.quick ? "true" : "false", opt.big ? "true" : "false",
		WORKER_BURST, WORKER_EXPIRE_BUDGET);
	fputs("  \"generator_cycles_per_packet\": ", f);
	json_num(f, res.gen_cyc);
	fputs(",\n  \"throughput\": [\n", f);
	for (unsigned int i = 0; i < opt.n_flows; i++) {
		const struct size_res *s = &res.sz[i];

		fprintf(f, "    {\"flows\": %u, ", s->flows);
		json_tp(f, "plain", &s->plain);
		fputs(",\n     ", f);
		json_tp(f, "tracking", &s->track);
		fputs(",\n     \"ratio\": ", f);
		json_num(f, s->ratio);
		fputs(", \"ratio_dataplane_cycles\": ", f);
		json_num(f, s->ratio_dp);
		fputs(", \"setup_new_flows_per_s\": ", f);
		json_num(f, s->setup_fps);
		fprintf(f, ", \"table_bytes\": %zu, \"bytes_per_flow\": ", s->table_bytes);
		json_num(f, s->bytes_per_flow);
		fprintf(f, "}%s\n", i + 1 < opt.n_flows ? "," : "");
	}
	fputs("  ],\n", f);
	if (opt.phases & PH_NEW) {
		fprintf(f, "  \"new_flows\": {\"table_capacity\": %u, \"flows\": %u, \"per_s\": ",
			res.new_flows, res.new_flows);
		json_num(f, res.new_fps);
		fputs(", \"cycles_per_flow\": ", f);
		json_num(f, res.new_cyc);
		fputs("},\n", f);
	} else {
		fputs("  \"new_flows\": null,\n", f);
	}
	if (opt.phases & PH_CHURN) {
		fprintf(f, "  \"churn\": {\"concurrent\": %u, \"mpps\": ", CHURN_FLOWS);
		json_num(f, res.churn_mpps);
		fputs(", \"connections_per_s\": ", f);
		json_num(f, res.churn_cps);
		fputs("},\n", f);
	} else {
		fputs("  \"churn\": null,\n", f);
	}
	if (opt.phases & PH_EXPIRY) {
		json_expiry(f, "storm", &res.storm);
		fputs(",\n", f);
		json_expiry(f, "steady_expiry", &res.steady);
		fputs(",\n", f);
	} else {
		fputs("  \"storm\": null,\n  \"steady_expiry\": null,\n", f);
	}
	json_workers(f);
	fputs("  \"targets\": [\n", f);
	for (unsigned int i = 0; i < n_targets; i++) {
		fputs("    {\"name\": ", f);
		json_str(f, targets[i].name);
		fputs(", \"target\": ", f);
		json_str(f, targets[i].want);
		fputs(", \"value\": ", f);
		json_num(f, targets[i].value);
		fprintf(f, ", \"unit\": \"%s\", \"met\": %s}%s\n", targets[i].unit,
			json_bool(targets[i].met), i + 1 < n_targets ? "," : "");
	}
	fputs("  ]\n}\n", f);
	if (fclose(f) != 0)
		die("%s: %s", path, strerror(errno));
	LOG("wrote %s\n", path);
}

/* Mpps against flows, tracking and plain, and their ratio, with gnuplot. */
static void
write_plot(const char *png)
{
	char dat[4096], gp[4096], cmd[8300], lbl[16];
	const char *terms[] = {"pngcairo size 900,540", "png size 900,540"};
	uint32_t lo = UINT32_MAX, hi = 0;
	FILE *f;

	if (strchr(png, '\'') != NULL)
		die("--plot: no quotes in the file name, please");
	if (opt.n_flows == 0) {
		LOG("--plot: no throughput measured (--phases), no plot\n");
		return;
	}
	for (unsigned int i = 0; i < opt.n_flows; i++) {
		lo = RTE_MIN(lo, opt.flows[i]);
		hi = RTE_MAX(hi, opt.flows[i]);
	}
	snprintf(dat, sizeof(dat), "%s.dat", png);
	snprintf(gp, sizeof(gp), "%s.gp", png);
	f = fopen(dat, "w");
	if (f == NULL)
		die("%s: %s", dat, strerror(errno));
	fprintf(f, "# flows plain_mpps tracking_mpps ratio label\n");
	for (unsigned int i = 0; i < opt.n_flows; i++)
		fprintf(f, "%u %.4f %.4f %.4f %s\n", res.sz[i].flows, res.sz[i].plain.mpps,
			res.sz[i].track.mpps, res.sz[i].ratio,
			flows_label(res.sz[i].flows, lbl, sizeof(lbl)));
	fclose(f);
	for (unsigned int t = 0; t < RTE_DIM(terms); t++) {
		f = fopen(gp, "w");
		if (f == NULL)
			die("%s: %s", gp, strerror(errno));
		fprintf(f, "set terminal %s\nset output '%s'\n", terms[t], png);
		fprintf(f,
			"set title \"idlecut dataplane, one lcore, 64-byte frames (git %s, %s)\"\n",
			mach.git, mach.date);
		fputs("set xlabel 'concurrent flows'\nset ylabel 'Mpps'\n"
		      "set y2label 'tracking / plain'\nset logscale x 2\nset yrange [0:*]\n"
		      "set y2range [0:1.2]\nset ytics nomirror\nset y2tics 0.1\nset grid\n"
		      "set key bottom left\n",
		      f);
		/* Half a step of room either side, so the end labels show. */
		fprintf(f, "set xrange [%u:%u]\n", lo / 2, hi * 2);
		fprintf(f,
			"plot '%s' using 1:2:xtic(5) with linespoints lw 2 pt 7 "
			"title 'plain forward (untracked)', \\\n"
			"     '' using 1:3 with linespoints lw 2 pt 5 title 'flow tracking', \\\n"
			"     '' using 1:4 axes x1y2 with linespoints dt 2 pt 6 "
			"title 'ratio (right axis)'\n",
			dat);
		fclose(f);
		snprintf(cmd, sizeof(cmd), "gnuplot '%s' 2>/dev/null", gp);
		if (system(cmd) == 0) {
			LOG("wrote %s (data %s, script %s)\n", png, dat, gp);
			return;
		}
	}
	fprintf(stderr, "idlecut-bench: gnuplot failed on %s\n", gp);
	exit(1);
}

/* ------------------------------------------------------------------ main */

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: idlecut-bench [--flows LIST] [--seconds S] [--rounds R] [--big] [--quick]\n"
		"                     [--json FILE] [--plot FILE.png] [--storm N] [--lcore N]\n"
		"                     [--phases LIST] [--seed N] [--workers LIST] [--cpus LIST]\n"
		"  --flows LIST   flow counts, e.g. 1K,64K,1M,4M (default; K = 1024, M = 1024 K)\n"
		"  --seconds S    per throughput measurement, split over the rounds (default 2)\n"
		"  --rounds R     plain/tracking alternations per flow count (default 3)\n"
		"  --big          add 16M flows (about 2 GB)\n"
		"  --hugepages DIR  EAL, mbuf pool and flow tables on hugepages (hugetlbfs mounted\n"
		"                 at DIR, enough 2 MB pages reserved; tests/bench/huge_compare.sh)\n"
		"  --quick        1K and 64K only, 1 s (the meson benchmark)\n"
		"  --json FILE    every figure, the machine, git revision and date\n"
		"  --plot FILE    Mpps against flows with gnuplot (also writes FILE.dat, FILE.gp)\n"
		"  --storm N      flows in the expiry storm (default 1M)\n"
		"  --lcore N      CPU to run on (default 0)\n"
		"  --phases LIST  run only some of plain,tracking,new,churn,expiry (profiling)\n"
		"  --seed N       flow hash seed (default fixed, so that runs compare)\n"
		"  --workers LIST several workers at once, e.g. 1,2: each on its own CPU with its\n"
		"                 own generator; alone on each CPU, port steering, software\n"
		"                 handoff, and the storm (README \"Benchmark\"); only these\n"
		"                 figures unless --phases asks for more\n"
		"  --cpus LIST    the workers' CPUs (default 0,1); the main lcore sleeps on the\n"
		"                 first\n"
		"  --wmodes LIST  with --workers, only some of alone,steering,handoff,storm\n"
		"  --ho-tx        handoff: the frames handed over and forwarded back leave through\n"
		"                 net_null (fresh mbufs for the generator) instead of going back to\n"
		"                 the generator as every other forwarded frame does\n"
		"                 (profiling; efficiencies need alone); neighbour (not in the\n"
		"                 default): one worker with the other CPU idle, spinning, or\n"
		"                 running a worker, alternated (README \"Benchmark\")\n");
}

static uint32_t
parse_count(const char *s)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);

	if (end == s)
		die("not a flow count: %s", s);
	if (*end == 'K' || *end == 'k')
		v *= KI, end++;
	else if (*end == 'M' || *end == 'm')
		v *= MI, end++;
	if ((*end != '\0' && *end != ',') || v < FLOWS_MIN || v > FLOWS_MAX)
		die("flow count %s: must be %u..16M", s, FLOWS_MIN);
	return (uint32_t)v;
}

/* A comma-separated list of numbers in [lo, hi] into @p out (at most MAX_WORKERS). */
static unsigned int
parse_uint_list(const char *list, const char *what, unsigned int *out, unsigned int lo,
		unsigned int hi)
{
	unsigned int n = 0;

	for (const char *p = list; *p != '\0';) {
		char *end;
		unsigned long v = strtoul(p, &end, 10);

		if (end == p || (*end != ',' && *end != '\0') || v < lo || v > hi)
			die("%s: a list of numbers %u..%u, e.g. 1,2", what, lo, hi);
		if (n == MAX_WORKERS)
			die("%s: at most %d", what, MAX_WORKERS);
		out[n++] = (unsigned int)v;
		p = *end == ',' ? end + 1 : end;
	}
	if (n == 0)
		die("%s: empty list", what);
	return n;
}

/*
 * A comma-separated subset of @p names (@p n of them, listed in @p all) given to option
 * @p opt: bit i set for names[i].
 */
static unsigned int
parse_names(const char *opt, const char *list, const char *const *names, unsigned int n,
	    const char *all)
{
	unsigned int m = 0;

	for (const char *p = list; *p != '\0';) {
		size_t len = strcspn(p, ",");
		unsigned int i;

		for (i = 0; i < n; i++)
			if (strlen(names[i]) == len && strncmp(p, names[i], len) == 0)
				break;
		if (i == n)
			die("%s: %.*s is not one of %s", opt, (int)len, p, all);
		m |= 1u << i;
		p += len;
		if (*p == ',')
			p++;
	}
	return m;
}

/* --wmodes: a subset of alone,steering,handoff,storm. */
static unsigned int
parse_wmodes(const char *list)
{
	static const char *const names[] = {"alone", "steering", "handoff", "storm", "neighbour"};

	return parse_names("--wmodes", list, names, RTE_DIM(names),
			   "alone,steering,handoff,storm,neighbour");
}

/* --phases: a subset of plain,tracking,new,churn,expiry. */
static unsigned int
parse_phases(const char *list)
{
	static const char *const names[] = {"plain", "tracking", "new", "churn", "expiry"};
	unsigned int m = parse_names("--phases", list, names, RTE_DIM(names),
				     "plain,tracking,new,churn,expiry");

	if (m & PH_EXPIRY)
		m |= PH_WSTORM; /* expiry: with --workers, the workers' storm too */
	return m;
}

static void
parse_args(int argc, char **argv)
{
	static const struct option lo[] = {{"flows", required_argument, NULL, 'f'},
					   {"seconds", required_argument, NULL, 's'},
					   {"rounds", required_argument, NULL, 'r'},
					   {"big", no_argument, NULL, 'b'},
					   {"hugepages", required_argument, NULL, 'H'},
					   {"quick", no_argument, NULL, 'q'},
					   {"json", required_argument, NULL, 'j'},
					   {"plot", required_argument, NULL, 'p'},
					   {"storm", required_argument, NULL, 'S'},
					   {"lcore", required_argument, NULL, 'l'},
					   {"phases", required_argument, NULL, 'P'},
					   {"seed", required_argument, NULL, 'x'},
					   {"workers", required_argument, NULL, 'w'},
					   {"cpus", required_argument, NULL, 'c'},
					   {"wmodes", required_argument, NULL, 'W'},
					   {"ho-tx", no_argument, NULL, 'T'},
					   {"help", no_argument, NULL, 'h'},
					   {NULL, 0, NULL, 0}};
	const char *flows = NULL;
	bool seconds_set = false;
	int c;

	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 'f':
			flows = optarg;
			break;
		case 's':
			opt.seconds = strtod(optarg, NULL);
			seconds_set = true;
			if (!(opt.seconds > 0 && opt.seconds < 3600))
				die("--seconds: a number of seconds above 0");
			break;
		case 'r':
			opt.rounds = (unsigned int)atoi(optarg);
			if (opt.rounds < 1 || opt.rounds > MAX_ROUNDS)
				die("--rounds: 1..%d", MAX_ROUNDS);
			break;
		case 'b':
			opt.big = true;
			break;
		case 'H':
			opt.huge_dir = optarg;
			break;
		case 'q':
			opt.quick = true;
			break;
		case 'j':
			opt.json = optarg;
			break;
		case 'p':
			opt.plot = optarg;
			break;
		case 'S':
			opt.storm = parse_count(optarg);
			break;
		case 'l':
			opt.lcore = (unsigned int)atoi(optarg);
			break;
		case 'P':
			opt.phases = parse_phases(optarg);
			opt.phases_set = true;
			break;
		case 'w':
			wk.n_counts = parse_uint_list(optarg, "--workers", wk.counts, 1,
						      MAX_WORKERS);
			break;
		case 'c':
			wk.n_cpus =
				parse_uint_list(optarg, "--cpus", wk.cpus, 0, RTE_MAX_LCORE - 1);
			break;
		case 'T':
			opt.ho_tx = true;
			break;
		case 'W':
			wk.modes = parse_wmodes(optarg);
			break;
		case 'x':
			opt.seed = (uint32_t)strtoul(optarg, NULL, 0);
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			exit(2);
		}
	}
	if (optind < argc) {
		usage(stderr);
		exit(2);
	}
	if (flows == NULL)
		flows = opt.quick ? "1K,64K" : wk.n_counts ? "1K,64K,1M" : "1K,64K,1M,4M";
	if (wk.n_counts > 0) {
		for (unsigned int i = 0; i < wk.n_counts; i++)
			wk.max = RTE_MAX(wk.max, wk.counts[i]);
		if (wk.max > wk.n_cpus)
			die("--workers %u needs %u CPUs in --cpus (%u given)", wk.max, wk.max,
			    wk.n_cpus);
		/* Only the workers' figures, unless --phases asks for more. */
		if (!opt.phases_set)
			opt.phases = PH_WSTORM;
	}
	if (opt.quick && !seconds_set)
		opt.seconds = 1.0;
	for (const char *p = flows; *p != '\0';) {
		if (opt.n_flows == MAX_SIZES - 1)
			die("--flows: at most %d counts", MAX_SIZES - 1);
		opt.flows[opt.n_flows] = parse_count(p);
		/* Two bursts of 32 per loop, one per direction: a flow keeps its burst only if
		 * the walk is a whole number of loops (gen_fill's sequence numbers need it). */
		if (opt.flows[opt.n_flows] % (2 * WORKER_BURST) != 0)
			die("--flows: %u is not a multiple of %u", opt.flows[opt.n_flows],
			    2 * WORKER_BURST);
		opt.n_flows++;
		p = strchr(p, ',');
		if (p == NULL)
			break;
		p++;
	}
	if (opt.big)
		opt.flows[opt.n_flows++] = 16 * MI;
	memcpy(wk.flows, opt.flows, sizeof(wk.flows));
	wk.n_flows = wk.n_counts > 0 ? opt.n_flows : 0;
}

int
main(int argc, char **argv)
{
	char prefix[64], lcore[16 + 24 * MAX_WORKERS], rundir[4096];
	/* --no-shconf, --no-telemetry: nothing left behind in the runtime directory. */
	char *eal[] = {
		argv[0],	 "--no-huge",	  "-m",	       "2048",	      "--no-pci",
		"--file-prefix", prefix,	  "--lcores",	       lcore,	      "--vdev",
		"net_null0",	 "--vdev",	  "net_null1", "--no-shconf", "--no-telemetry",
		"--log-level",	 "lib.eal:error", NULL, NULL};
	int n_eal = (int)RTE_DIM(eal) - 2; /* one NULL spare: --hugepages takes a word more */

	parse_args(argc, argv);
	if (opt.huge_dir != NULL) {
		/* --no-huge -m 2048 becomes --socket-mem 2048 --huge-dir DIR: one more word. */
		memmove(&eal[5], &eal[4], (size_t)(n_eal - 4) * sizeof(eal[0]));
		eal[1] = "--socket-mem";
		eal[2] = "2048";
		eal[3] = "--huge-dir";
		eal[4] = (char *)(uintptr_t)opt.huge_dir;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	snprintf(prefix, sizeof(prefix), "idlecut-bench-%d", (int)getpid());
	/*
	 * One lcore on --lcore; with --workers, the main lcore on the first CPU of --cpus (it
	 * sleeps while they run) and worker lcore i + 1 on CPU i of --cpus.
	 */
	snprintf(lcore, sizeof(lcore), "0@%u", wk.max > 0 ? wk.cpus[0] : opt.lcore);
	for (unsigned int i = 0; i < wk.max; i++) {
		size_t l = strlen(lcore);

		snprintf(lcore + l, sizeof(lcore) - l, ",%u@%u", i + 1, wk.cpus[i]);
		wk.lcore[i] = i + 1;
	}
	if (rte_eal_init(opt.huge_dir != NULL ? n_eal + 1 : n_eal, eal) < 0)
		die("cannot initialise EAL: %s", rte_strerror(rte_errno));
	/* Flow tables on hugepages too when EAL runs on them (as idlecut does). */
	flow_table_mem_policy(SOCKET_ID_ANY, rte_eal_has_hugepages() != 0);
	/* Several workers: handoff rings of WORKER_HANDOFF_RING frames each way, in flight. */
	g_mp = rte_pktmbuf_pool_create("bench",
				       POOL_MBUFS + (wk.max > 1 ? 2u * wk.max * wk.max *
								   WORKER_HANDOFF_RING
							: 0),
				       256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       (int)rte_socket_id());
	if (g_mp == NULL)
		die("mbuf pool: %s", rte_strerror(rte_errno));
	for (unsigned int i = 0; i < 2; i++) {
		char name[16];

		snprintf(name, sizeof(name), "net_null%u", i);
		/* A TX queue per worker: worker i sends (handed frames, RSTs) on queue i. */
		struct port_conf pc = {.n_queues = (uint16_t)RTE_MAX(1u, wk.max), .no_rss = true};
		const char *step;

		if (rte_eth_dev_get_port_by_name(name, &g_port[i]) != 0 ||
		    port_setup_conf(g_port[i], g_mp, &pc, &step) < 0)
			die("%s: cannot set up", name);
		slot_alloc(i, 0);
	}
	g_slots[rte_lcore_id()].ready = true;
	g_tsc0 = rte_rdtsc();
	g_hz = rte_get_tsc_hz();
	g_per_ms = g_hz / 1000;
	machine_info();
	LOG("%s, TSC %.3f GHz, git %s; %u flow counts, %.2f s per measurement, %u rounds\n",
	    mach.cpu, (double)g_hz / 1e9, mach.git, opt.n_flows, opt.seconds, opt.rounds);

	measure_gen();
	if (opt.phases & (PH_PLAIN | PH_TRACK))
		for (unsigned int i = 0; i < opt.n_flows; i++)
			measure_size(&res.sz[i], opt.flows[i]);
	else
		opt.n_flows = 0;
	if (opt.phases & PH_NEW)
		measure_new_flows();
	if (opt.phases & PH_CHURN)
		measure_churn();
	if (opt.phases & PH_EXPIRY)
		measure_expiry();
	if (wk.n_counts > 0)
		measure_workers();

	eval_targets();
	print_table();
	if (opt.json != NULL)
		write_json(opt.json);
	if (opt.plot != NULL)
		write_plot(opt.plot);

	for (unsigned int l = 0; l < RTE_MAX_LCORE; l++)
		for (unsigned int i = 0; g_slots[l].ready && i < 2; i++) {
			rte_pktmbuf_free_bulk(g_slots[l].slot[i], WORKER_BURST);
			if (i == 0)
				rte_pktmbuf_free_bulk(g_slots[l].stash, g_slots[l].n_stash);
		}
	port_close_all();
	rte_mempool_free(g_mp);
	snprintf(rundir, sizeof(rundir), "%s", rte_eal_get_runtime_dir());
	rte_eal_cleanup();
	if (rmdir(rundir) != 0 && errno != ENOENT)
		fprintf(stderr, "idlecut-bench: rmdir %s: %s\n", rundir, strerror(errno));
	return 0;
}
