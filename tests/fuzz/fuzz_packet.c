/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: frames through the flow engine (dataplane/engine.c: the parser, the flow
 * key, the flow table, the TCP tracker, the timer wheel, the rules, stray drop/reset/adopt),
 * the very code the worker runs, and every RST it asks for through the RST builder, with the
 * invariants of their headers checked by __builtin_trap().
 *
 * INPUT: one Ethernet frame, parsed as it is. When it is an IP datagram, whatever follows
 * the datagram in the input (Ethernet padding, as far as the parser is concerned) is a
 * script that derives up to FUZZ_MAX_STEPS more frames from the first one, so that they hit
 * the flow it created, from either endpoint:
 *
 *	script := opts step*		(a partial last step is ignored)
 *	opts (1 byte):	bit 0	  stray_tcp adopt in every profile: a non-SYN first segment
 *				  creates a flow (else profile 3 answers strays with an RST
 *				  and the others drop them)
 *			bit 1	  loose_close
 *			bits 2-3  pair of the first frame
 *			bits 4-7  start tick, an index into start_ticks[]
 *	step (11 bytes):
 *		[0]	bit 0	  from the other endpoint (addresses, ports, MACs swapped; it
 *				  arrives on the outside port)
 *			bits 1-2  pair (pair 2 has access VLAN 300 on both sides, pair 3 on its
 *				  inside only, its outside a trunk: other keys when untagged)
 *			bit 3	  resend frame 0's TCP header as it was (a retransmission)
 *			bit 4	  a timeline "set" first: swap to the other timeout table
 *		[1]	TCP flags byte, as on the wire (ECE and CWR included)
 *		[2..5]	seq delta, [6..9] ack delta (big endian), from the numbers a well-behaved
 *			peer would send next, so that all-zero deltas make a plausible exchange
 *		[10]	clock advance before the frame: 0..127 ms, 50 ms..3.2 s by 50 ms,
 *			250 ms..15.5 s by 250 ms, 66 s (254) or 140 s (255): past one and two
 *			revolutions of the wheel (every tick on the way is a slot to open, so long
 *			jumps are rare codes: they cost the most time)
 *
 * The flow table is created once and emptied after each input; the empty wheel's time is
 * then set to the input's start tick, so an input behaves the same whatever ran before it
 * (a crash reproduces from its file alone) and the wheel is driven across 2^31 and 2^32.
 * All but FUZZ_FREE of its entries hold permanent filler flows, unarmed and on a pair no
 * frame uses, packed into the index buckets so that the fuzzed flows probe past full buckets
 * (and wrap around the index) and a few of them (one per pair) fill the table.
 *
 * tests/fuzz/make_corpus.py writes the seeds in this format.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "engine.h"
#include "flow.h"
#include "flow_tcp.h"
#include "parse.h"
#include "rst.h"
#include "rules.h"
#include "snapshot.h"
#include "tk_csum.h"
#include "tk_frame.h"

#define FUZZ_CAPACITY 64 /* 8 index buckets of 10 slots */
#define FUZZ_FREE 3
#define FUZZ_FILLERS (FUZZ_CAPACITY - FUZZ_FREE)
#define FUZZ_FILLER_PAIR 200 /* frames use pairs 0..3: no frame finds a filler */
#define FUZZ_PAIRS 4
#define FUZZ_MAX_STEPS 3
#define FUZZ_STEP_LEN 11
#define FUZZ_BUDGET 8	  /* wheel work per tick, small so that the wheel lags behind */
#define FUZZ_ACCESS_VLAN 300
/* Pair 2: access VLAN 300 on both sides; pair 3: access 300 inside, a trunk outside. */
#define ACCESS_VLAN(pair, side) \
	((pair) == 2 || ((pair) == 3 && (side) == CFG_SIDE_INSIDE) ? FUZZ_ACCESS_VLAN : 0)
#define FUZZ_SEED 0x1dc0ffeeu

#define OPT_ADOPT (1u << 0)
#define OPT_LOOSE_CLOSE (1u << 1)
#define STEP_REVERSE (1u << 0)
#define STEP_KEEP_TCP (1u << 3)
#define STEP_SET (1u << 4)

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond))                                                                       \
			__builtin_trap();                                                          \
	} while (0)

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Ticks around the places where uint32 tick arithmetic turns: 2^16 (wheel), 2^31, 2^32. */
static const uint32_t start_ticks[16] = {
	0,	    1,		1000,	    65535,	65536,	    0x7fff0000,
	0x7ffffffe, 0x7fffffff, 0x80000000, 0x80000001, 0xfffe0000, 0xffff0000,
	0xfffffff0, 0xfffffffe, 0xffffffff, 12345678,
};

static struct engine eng; /* the engine under test */
static struct flow_table *ft; /* its table */
/*
 * The scenario's snapshot (timeouts in ticks as dataplane/snapshot.c computes them, scale
 * 1), and the same after a timeline "set" that swaps the timeouts of profiles 1 and 2.
 */
static struct dp_snapshot snap[2];
static unsigned int tmo_cur;
static uint32_t now;
static bool adopt, loose_close;

/* ---------------------------------------------------------------- fixed scenario */

static void
set_tmo(struct cfg_profile *p, uint64_t hs, uint64_t est, uint64_t cl, uint64_t tw, uint64_t udp,
	uint64_t other)
{
	p->timeout_us[CFG_TMO_TCP_HANDSHAKE] = hs;
	p->timeout_us[CFG_TMO_TCP_ESTABLISHED] = est;
	p->timeout_us[CFG_TMO_TCP_CLOSING] = cl;
	p->timeout_us[CFG_TMO_TCP_TIME_WAIT] = tw;
	p->timeout_us[CFG_TMO_UDP_SINGLE] = udp;
	p->timeout_us[CFG_TMO_UDP_STREAM] = udp == CFG_DUR_INDEFINITE ? udp : udp * 2;
	p->timeout_us[CFG_TMO_ICMP] = other == CFG_DUR_INDEFINITE ? other : other / 2;
	p->timeout_us[CFG_TMO_OTHER] = other;
}

static void
v4_prefix(struct cfg_prefix *p, uint8_t a, uint8_t b, uint8_t len)
{
	p->family = 4;
	p->len = (uint8_t)(96 + len);
	p->addr[10] = p->addr[11] = 0xff;
	p->addr[12] = a;
	p->addr[13] = b;
}

/*
 * Profiles: 0 untracked; 1 short timeouts, reset-both (the default); 2 established never
 * expires, the rest at once, silent; 3 the presets' defaults but established 100 s, beyond
 * one wheel revolution, reset-client.
 */
static void
scenario_build(void)
{
	struct cfg_rule *r;

	memset(&snap[0].scn, 0, sizeof(snap[0].scn));
	strcpy(snap[0].scn.name, "fuzz");
	snap[0].scn.n_pairs = FUZZ_PAIRS;
	snap[0].scn.capacity = FUZZ_CAPACITY;
	cfg_profile_init_untracked(&snap[0].scn.profiles[0]);
	cfg_profile_init_defaults(&snap[0].scn.profiles[1], "short");
	set_tmo(&snap[0].scn.profiles[1], 50000, 3000000, 50000, 20000, 1000000, 2000000);
	cfg_profile_init_defaults(&snap[0].scn.profiles[2], "forever");
	set_tmo(&snap[0].scn.profiles[2], 0, CFG_DUR_INDEFINITE, 0, 0, CFG_DUR_INDEFINITE, 0);
	cfg_profile_apply_set(&snap[0].scn.profiles[2],
			      &(struct cfg_set){CFG_FIELD_ON_TIMEOUT, CFG_ON_TIMEOUT_SILENT});
	cfg_profile_init_defaults(&snap[0].scn.profiles[3], "long");
	snap[0].scn.profiles[3].timeout_us[CFG_TMO_TCP_ESTABLISHED] = 100000000;
	cfg_profile_apply_set(&snap[0].scn.profiles[3],
			      &(struct cfg_set){CFG_FIELD_ON_TIMEOUT, CFG_ON_TIMEOUT_RESET_CLIENT});
	/* Per state: half-closed connections expire silently (as an ASA). */
	snap[0].scn.profiles[3].on_timeout_state[FLOW_TCP_FIN_WAIT] = CFG_ON_TIMEOUT_SILENT;
	/* An RST cause in the RSTs' payload (odd length: the checksum pads it). */
	strcpy(snap[0].scn.profiles[3].rst_payload, "idle timeout");
	snap[0].scn.profiles[3].rst_payload_len = 12;
	snap[0].scn.profiles[1].rst_payload_len = 1;
	snap[0].scn.profiles[1].rst_payload[0] = 'x';
	snap[0].scn.n_profiles = 4;
	snap[0].scn.default_profile = 1;

	r = &snap[0].scn.rules[snap[0].scn.n_rules++]; /* VLANs 300-309 (pair 2's access VLAN among them) */
	r->match.present = CFG_MATCH_VLAN;
	r->match.n_vlan = 1;
	r->match.vlan[0] = (struct cfg_range){300, 309};
	r->profile = 2;
	r = &snap[0].scn.rules[snap[0].scn.n_rules++]; /* TCP to 443-444 */
	r->match.present = CFG_MATCH_PROTO | CFG_MATCH_DST_PORT;
	r->match.proto = 6;
	r->match.dst_port = (struct cfg_range){443, 444};
	r->profile = 3;
	r = &snap[0].scn.rules[snap[0].scn.n_rules++]; /* from 10.0.0.0/8: untracked */
	r->match.present = CFG_MATCH_SRC;
	v4_prefix(&r->match.src, 10, 0, 8);
	r->profile = 0;
	r = &snap[0].scn.rules[snap[0].scn.n_rules++]; /* to 2001:db8::/33 */
	r->match.present = CFG_MATCH_DST;
	r->match.dst.family = 6;
	r->match.dst.len = 33;
	memcpy(r->match.dst.addr, "\x20\x01\x0d\xb8", 4);
	r->profile = 3;
	r = &snap[0].scn.rules[snap[0].scn.n_rules++]; /* pair 1, first packet on the outside, from 198.18/15 */
	r->match.present = CFG_MATCH_PAIR | CFG_MATCH_SIDE | CFG_MATCH_SRC | CFG_MATCH_SRC_PORT;
	r->match.pair = 1;
	r->match.side = CFG_SIDE_OUTSIDE;
	v4_prefix(&r->match.src, 198, 18, 15);
	r->match.src_port = (struct cfg_range){1024, 65535};
	r->profile = 2;

	for (unsigned int p = 0; p < snap[0].scn.n_profiles; p++)
		for (unsigned int t = 0; t < CFG_TMO_COUNT; t++) {
			uint64_t us = snap[0].scn.profiles[p].timeout_us[t];
			uint32_t ticks = FLOW_TMO_NEVER;

			/* What the loader guarantees and the wheel relies on. */
			CHECK(us == CFG_DUR_INDEFINITE || us <= CFG_DUR_MAX_US);
			if (us != CFG_DUR_INDEFINITE)
				ticks = (uint32_t)(us / 1000);
			snap[0].tmo_ticks[p][t] = ticks;
			snap[1].tmo_ticks[p == 1 ? 2 : p == 2 ? 1 : p][t] = ticks;
		}
	snap[1].scn = snap[0].scn;
}

/* The per-input options, in both snapshots' profiles. */
static void
scenario_options(void)
{
	for (unsigned int v = 0; v < 2; v++)
		for (unsigned int p = 1; p < snap[v].scn.n_profiles; p++) {
			struct cfg_profile *pr = &snap[v].scn.profiles[p];

			pr->stray_tcp = adopt ? CFG_STRAY_ADOPT
				      : p == 3 ? CFG_STRAY_RESET
					       : CFG_STRAY_DROP;
			/* Profile 3 as an AWS NAT gateway: RST to the inside, drop the outside. */
			pr->stray_tcp_side[CFG_SIDE_INSIDE] = pr->stray_tcp;
			pr->stray_tcp_side[CFG_SIDE_OUTSIDE] =
				adopt ? CFG_STRAY_ADOPT : CFG_STRAY_DROP;
			pr->loose_close = loose_close;
		}
}

/* ---------------------------------------------------------------- checks */

/* What parse.h promises about a parse_info, whatever the bytes were. */
static void
check_parse(enum parse_status st, const struct parse_info *pi, uint32_t len)
{
	const char *name = parse_status_name(st);
	uint32_t l3_min;

	CHECK((unsigned int)st < PARSE_STATUS_COUNT);
	CHECK(name != NULL && strcmp(name, "unknown") != 0);
	CHECK(pi->n_vlan <= PARSE_MAX_VLANS);
	if (st != PARSE_IP)
		return;
	CHECK(pi->family == 4 || pi->family == 6);
	CHECK(pi->ethertype == (pi->family == 4 ? PARSE_ETH_IPV4 : PARSE_ETH_IPV6));
	CHECK(pi->l3_off == 14 + 4 * pi->n_vlan);
	l3_min = pi->family == 4 ? 20 : 40;
	CHECK(pi->l4_off >= pi->l3_off + l3_min);
	CHECK((uint32_t)pi->l4_off + pi->l4_len <= len);
	for (unsigned int i = 0; i < pi->n_vlan; i++) {
		CHECK(pi->vlan[i] <= 0xfff);
		CHECK(pi->tpid[i] == PARSE_ETH_VLAN || pi->tpid[i] == PARSE_ETH_QINQ);
	}
	if (pi->family == 4) {
		static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

		CHECK(memcmp(pi->src, mapped, 12) == 0 && memcmp(pi->dst, mapped, 12) == 0);
	}
	if (pi->proto == 6) {
		uint8_t fl = pi->tcp_flags;

		CHECK(pi->l4_len >= 20 && (uint32_t)pi->payload_len + 20 <= pi->l4_len);
		CHECK(fl != 0 && (fl & ~0x3fu) == 0);
		CHECK(!((fl & PARSE_TCP_SYN) && (fl & (PARSE_TCP_FIN | PARSE_TCP_RST))));
	} else if (pi->proto == 17) {
		CHECK(pi->l4_len >= 8);
	}
	if (pi->flags & PARSE_F_ICMP_ECHO)
		CHECK(pi->sport == pi->dport && (pi->proto == 1 || pi->proto == 58));
}

static void
check_table(void)
{
	CHECK(ft->n_active <= ft->capacity);
	CHECK(ft->free_head == FLOW_NONE ? ft->n_active == ft->capacity
					 : ft->free_head < ft->capacity);
}

/* Bucket and slot where entry @p idx is indexed; traps if it is not. */
static void
where(uint32_t idx, uint32_t *bucket, unsigned int *slot)
{
	for (uint32_t b = 0; b < ft->n_buckets; b++)
		for (unsigned int s = 0; s < FLOW_BUCKET_SLOTS; s++)
			if (ft->buckets[b].idx[s] == idx + 1) {
				*bucket = b;
				*slot = s;
				return;
			}
	__builtin_trap();
}

/* Index layout once the fillers are in, to compare with after each input. */
static struct flow_bucket filled_buckets[16];

/* Only the fillers are left, indexed as they were, and the free list and wheel are empty. */
static void
check_empty(void)
{
	uint32_t n = 0, pending = ft->capacity + FLOW_WHEEL_SLOTS;

	CHECK(ft->n_active == FUZZ_FILLERS);
	for (uint32_t i = ft->free_head; i != FLOW_NONE; i = ft->links[i].next) {
		CHECK(i >= FUZZ_FILLERS && i < ft->capacity && ++n <= FUZZ_FREE);
		CHECK(!(ft->flows[i].flags & FLOW_F_USED));
	}
	CHECK(n == FUZZ_FREE);
	CHECK(ft->links[pending].next == pending && ft->links[pending].prev == pending);
	/* (Signatures of freed slots are left behind: they are not compared.) */
	for (uint32_t b = 0; b < ft->n_buckets; b++) {
		CHECK(ft->buckets[b].overflow == filled_buckets[b].overflow);
		CHECK(memcmp(ft->buckets[b].idx, filled_buckets[b].idx,
			     sizeof(filled_buckets[b].idx)) == 0);
	}
}

static bool
overflowed(void)
{
	for (uint32_t b = 0; b < ft->n_buckets; b++)
		if (ft->buckets[b].overflow != 0)
			return true;
	return false;
}

/*
 * Fill entries 0..FUZZ_FILLERS-1 with flows homed so that they pack the last bucket, then
 * the first ones, to the brim: a new flow homed there probes to the next bucket with room,
 * from the last bucket round to the first. Keys differ in their ports only.
 */
static void
fill(void)
{
	uint32_t n_full = FUZZ_FILLERS / FLOW_BUCKET_SLOTS, want, count[16] = {0}, b;
	uint8_t a[16] = {0};
	struct flow_key key;
	unsigned int s;

	CHECK(ft->n_buckets <= 16 && ft->n_buckets > n_full);
	for (uint32_t port = 1; ft->n_active < FUZZ_FILLERS; port++) {
		uint32_t idx;
		uint64_t hash;

		CHECK(port < 1000000);
		flow_key_make(&key, 4, a, (uint16_t)port, a, (uint16_t)(port >> 16), 17,
			      FUZZ_FILLER_PAIR, 0, 0);
		hash = flow_hash(ft, &key);
		idx = flow_insert(ft, &key, hash, 0);
		CHECK(idx == ft->n_active - 1);
		where(idx, &b, &s);
		/* Buckets n-1, 0, 1, ..., n_full-2 full, then the rest in bucket n_full-1. */
		if (b == ft->n_buckets - 1 || b + 1 < n_full)
			want = FLOW_BUCKET_SLOTS;
		else if (b + 1 == n_full)
			want = FUZZ_FILLERS % FLOW_BUCKET_SLOTS;
		else
			want = 0;
		if (overflowed() || count[b] == want) {
			flow_remove(ft, idx);
			continue;
		}
		count[b]++;
		ft->flows[idx].state = FLOW_ACTIVE;
	}
	memcpy(filled_buckets, ft->buckets, ft->n_buckets * sizeof(*ft->buckets));
}

/*
 * An RST the engine asked for must build, parse back as exactly that RST with valid
 * checksums, and rst_build() must refuse a room one byte short.
 */
static void
check_rst_params(const struct rst_params *pp)
{
	const struct rst_params p = *pp;
	uint8_t buf[RST_FRAME_MAX_PAYLOAD], *small;
	struct parse_info pi;
	uint16_t len;

	CHECK(p.tcp_flags == PARSE_TCP_RST || p.tcp_flags == (PARSE_TCP_RST | PARSE_TCP_ACK));
	len = rst_build(buf, sizeof(buf), &p);
	CHECK(len >= RST_FRAME_MIN && len <= RST_FRAME_MAX_PAYLOAD);
	/* Exactly as much room as needed, on the heap so that ASan sees a byte too far. */
	small = malloc(len);
	CHECK(small != NULL);
	CHECK(rst_build(small, len, &p) == len && memcmp(small, buf, len) == 0);
	CHECK(rst_build(small, (uint16_t)(len - 1), &p) == 0);
	free(small);

	CHECK(parse_frame(buf, len, &pi) == PARSE_IP);
	check_parse(PARSE_IP, &pi, len);
	CHECK(pi.proto == 6 && pi.family == p.family && pi.tcp_flags == p.tcp_flags);
	CHECK(pi.seq == p.seq && pi.ack == p.ack && pi.payload_len == p.payload_len &&
	      pi.l4_len == 20 + p.payload_len);
	CHECK(p.payload_len == 0 || memcmp(buf + pi.l4_off + 20, p.payload, p.payload_len) == 0);
	CHECK(pi.sport == p.sport && pi.dport == p.dport);
	CHECK(memcmp(pi.src, p.src, 16) == 0 && memcmp(pi.dst, p.dst, 16) == 0);
	CHECK(pi.n_vlan == p.n_vlan);
	for (unsigned int t = 0; t < p.n_vlan; t++)
		CHECK(pi.vlan[t] == (p.vlan[t] & 0xfff) && pi.tpid[t] == p.tpid[t]);
	CHECK(memcmp(buf, p.dst_mac, 6) == 0 && memcmp(buf + 6, p.src_mac, 6) == 0);

	/* Checksums, by the test kit's independent verifier. */
	CHECK(tk_csum_frame(buf, len) == TK_CSUM_OK);
}

/* The RST a timeout would send to endpoint @p to of a live flow (the tracker's numbers). */
static void
check_rst(const struct flow *f, unsigned int to)
{
	unsigned int from = to ^ 1;
	struct rst_params p;

	memset(&p, 0, sizeof(p));
	memcpy(p.dst_mac, f->mac[to], 6);
	memcpy(p.src_mac, f->mac[from], 6);
	p.n_vlan = (uint8_t)((f->flags & FLOW_F_TAGS_MASK) >> FLOW_F_TAGS_SHIFT);
	for (unsigned int t = 0; t < p.n_vlan; t++) {
		p.vlan[t] = f->key.vlan[t];
		p.tpid[t] = (f->flags & (FLOW_F_QINQ0 << t)) ? PARSE_ETH_QINQ : PARSE_ETH_VLAN;
	}
	p.family = (uint8_t)f->key.family;
	memcpy(p.src, f->key.addr[from], 16);
	memcpy(p.dst, f->key.addr[to], 16);
	p.sport = f->key.port[from];
	p.dport = f->key.port[to];
	p.tcp_flags = tcpt_rst_seq(f, to, &p.seq, &p.ack);
	p.payload_len = snap[0].scn.profiles[f->profile].rst_payload_len;
	p.payload = (const uint8_t *)snap[0].scn.profiles[f->profile].rst_payload;
	check_rst_params(&p);
}

/* ---------------------------------------------------------------- the engine's steps */

static void
rules_check(const struct rules_flow *rf)
{
	uint16_t p = rules_match(&snap[0].scn, rf);

	CHECK(p < snap[0].scn.n_profiles);
}

/* The rules on what a malformed frame shows (the engine's own function). */
static void
malformed_rules(const struct parse_info *in, enum parse_status st, unsigned int pair,
		unsigned int side)
{
	struct rules_flow rf;

	rules_flow_from_parse(&rf, in, st, (uint16_t)pair, (enum cfg_side)side,
			      ACCESS_VLAN(pair, side));
	rules_check(&rf);
}

static void
check_flow(uint32_t idx, const struct flow_key *key, uint64_t hash)
{
	const struct flow *f = &ft->flows[idx];

	CHECK(idx >= FUZZ_FILLERS && idx < ft->capacity && (f->flags & FLOW_F_USED));
	CHECK(memcmp(&f->key, key, sizeof(*key)) == 0);
	CHECK(flow_lookup(ft, key, hash) == idx);
	CHECK(f->state < FLOW_STATE_COUNT && f->profile < snap[0].scn.n_profiles);
	CHECK(f->profile != CFG_PROFILE_UNTRACKED && f->last_seen == now);
	CHECK(strcmp(flow_state_name((enum flow_state)f->state), "unknown") != 0);
	/* Armed unless its timeout is indefinite. */
	CHECK(!!(f->flags & FLOW_F_ARMED) ==
	      (snap[tmo_cur].tmo_ticks[f->profile][flow_tmo_class(f)] != FLOW_TMO_NEVER));
	if (f->key.proto == 6) {
		CHECK(f->state <= FLOW_TCP_CLOSED);
		check_rst(f, 0);
		check_rst(f, 1);
	}
}

/* Everything the engine asked for: each RST must build and parse back exactly. */
static void
drain(void)
{
	for (unsigned int i = 0; i < eng.out.n_rst; i++) {
		CHECK(eng.out.rst[i].port < eng.n_ports && eng.out.rst[i].to < STATS_RST_COUNT);
		check_rst_params(&eng.out.rst[i].p);
	}
	for (unsigned int i = 0; i < eng.out.n_ev; i++) {
		const struct flow_event *ev = &eng.out.ev[i];

		CHECK(ev->state < FLOW_STATE_COUNT && ev->profile < snap[0].scn.n_profiles);
		CHECK(ev->reason == FLOW_EV_TIMEOUT);
		/* Never early: it had been idle for more than zero ticks. */
		CHECK(ev->idle_ms > 0);
	}
	engine_out_clear(&eng);
}

/*
 * One frame through engine_burst(), as the worker hands it over; then what the engine did
 * is checked against the frame and the table.
 */
static void
process(const uint8_t *frame, uint32_t len, unsigned int pair, unsigned int side)
{
	struct engine_pkt pk = {.data = frame, .len = len};
	struct flow_key key, rkey;
	struct parse_info in;
	enum parse_status st;
	uint32_t n0 = ft->n_active, idx;
	uint64_t created0 = 0, hash;
	unsigned int from, port = 2 * pair + side;
	uint16_t v0, v1;
	uint8_t fl;

	for (unsigned int p = 0; p < CFG_MAX_PROFILES; p++)
		created0 += eng.stats.flows_created[p];
	st = parse_frame(frame, len, &in);
	check_parse(st, &in, len);
	if (st >= PARSE_MAL_FIRST)
		malformed_rules(&in, st, pair, side);

	eng.snap = &snap[tmo_cur];
	engine_clock(&eng, now, 0, now);
	engine_burst(&eng, port, &pk, 1);
	CHECK(pk.verdict == ENGINE_FORWARD || pk.verdict == ENGINE_DROP);
	check_table();
	if (st != PARSE_IP || (in.flags & PARSE_F_ND)) {
		CHECK(pk.what == (st >= PARSE_MAL_FIRST ? ENGINE_W_MALFORMED : ENGINE_W_NOT_FLOW));
		CHECK(ft->n_active == n0 && eng.out.n_rst == 0);
		drain();
		return;
	}
	if (in.n_vlan == 0) {
		v0 = ACCESS_VLAN(pair, side);
		v1 = 0;
	} else {
		v0 = in.vlan[0];
		v1 = in.n_vlan > 1 ? in.vlan[1] : 0;
	}
	from = (unsigned int)flow_key_make(&key, in.family, in.src, in.sport, in.dst, in.dport,
					   in.proto, (uint8_t)pair, v0, v1);
	/* Both directions build the same key, and the sender is at the other index. */
	CHECK(flow_key_make(&rkey, in.family, in.dst, in.dport, in.src, in.sport, in.proto,
			    (uint8_t)pair, v0, v1) == (int)(from ^ 1) ||
	      (memcmp(in.src, in.dst, 16) == 0 && in.sport == in.dport));
	CHECK(memcmp(&key, &rkey, sizeof(key)) == 0);
	hash = flow_hash(ft, &key);
	CHECK(hash == flow_hash(ft, &rkey));
	idx = flow_lookup(ft, &key, hash);
	fl = in.tcp_flags;

	switch (pk.what) {
	case ENGINE_W_KNOWN:
	case ENGINE_W_NEW:
	case ENGINE_W_RESTART:
	case ENGINE_W_ADOPTED:
		CHECK(pk.verdict == ENGINE_FORWARD && idx != FLOW_NONE);
		check_flow(idx, &key, hash);
		/*
		 * TCP and UDP track both endpoints; other protocols only their first sender. A
		 * plain SYN on a live TCP flow is ignored or only noted (SPEC §4).
		 */
		CHECK((in.proto != 6 && in.proto != 17) || (ft->flows[idx].flags & FLOW_F_SEEN(from)) ||
		      (pk.what == ENGINE_W_KNOWN &&
		       (fl & (PARSE_TCP_SYN | PARSE_TCP_ACK | PARSE_TCP_RST)) == PARSE_TCP_SYN));
		if (pk.what == ENGINE_W_KNOWN)
			CHECK(ft->n_active == n0);
		if (pk.what == ENGINE_W_NEW || pk.what == ENGINE_W_ADOPTED)
			CHECK(ft->n_active == n0 + 1);
		/*
		 * Only a plain SYN restarts a flow, or a SYN+ACK confirming a SYN past the old
		 * stream (TCPT_RESTART_SYNACK).
		 */
		if (pk.what == ENGINE_W_RESTART)
			CHECK(in.proto == 6 && (fl & PARSE_TCP_SYN) && !(fl & PARSE_TCP_RST));
		if (pk.what == ENGINE_W_ADOPTED)
			CHECK(in.proto == 6 && !(fl & PARSE_TCP_RST) &&
			      snap[tmo_cur].scn.profiles[ft->flows[idx].profile].stray_tcp_side[side] ==
				      CFG_STRAY_ADOPT &&
			      ft->flows[idx].state != FLOW_TCP_SYN_SENT);
		if (pk.what == ENGINE_W_NEW && in.proto == 6)
			CHECK(ft->flows[idx].state == FLOW_TCP_SYN_SENT);
		CHECK(eng.out.n_rst == 0);
		break;
	case ENGINE_W_OUT_OF_WINDOW:
		/* The flow stays, the profile says forward or drop. */
		CHECK(in.proto == 6 && idx != FLOW_NONE && ft->n_active == n0 && eng.out.n_rst == 0);
		CHECK(pk.verdict ==
		      (snap[tmo_cur].scn.profiles[ft->flows[idx].profile].out_of_window == CFG_DROP
			       ? ENGINE_DROP
			       : ENGINE_FORWARD));
		check_flow(idx, &key, hash);
		break;
	case ENGINE_W_CLOSED:
		CHECK(loose_close && (fl & PARSE_TCP_FIN) && idx == FLOW_NONE);
		CHECK(ft->n_active == n0 - 1 && pk.verdict == ENGINE_FORWARD);
		break;
	case ENGINE_W_STRAY_DROP:
	case ENGINE_W_STRAY_RST:
		CHECK(in.proto == 6 && idx == FLOW_NONE && pk.verdict == ENGINE_DROP);
		CHECK((fl & (PARSE_TCP_SYN | PARSE_TCP_ACK | PARSE_TCP_RST)) != PARSE_TCP_SYN);
		if (pk.what == ENGINE_W_STRAY_RST) {
			const struct rst_params *r = &eng.out.rst[0].p;

			/* One RST, back to the sender, from the port it came in on. */
			CHECK(eng.out.n_rst == 1 && eng.out.rst[0].to == STATS_RST_STRAY &&
			      eng.out.rst[0].port == port && !(fl & PARSE_TCP_RST));
			CHECK(memcmp(r->dst, in.src, 16) == 0 && memcmp(r->src, in.dst, 16) == 0);
			CHECK(r->dport == in.sport && r->sport == in.dport);
			CHECK(!(fl & PARSE_TCP_ACK) || (r->seq == in.ack && r->tcp_flags == PARSE_TCP_RST));
		} else {
			CHECK(eng.out.n_rst == 0);
		}
		break;
	case ENGINE_W_UNTRACKED:
		CHECK(pk.verdict == ENGINE_FORWARD && eng.out.n_rst == 0);
		CHECK(idx == FLOW_NONE);
		break;
	case ENGINE_W_TABLE_FULL:
		/* Only a full table refuses a flow. */
		CHECK(ft->n_active == ft->capacity && ft->free_head == FLOW_NONE && idx == FLOW_NONE);
		break;
	default:
		CHECK(0);
	}
	{
		uint64_t created = 0;

		for (unsigned int p = 0; p < CFG_MAX_PROFILES; p++)
			created += eng.stats.flows_created[p];
		CHECK(created == created0 + (pk.what == ENGINE_W_NEW || pk.what == ENGINE_W_RESTART ||
					     pk.what == ENGINE_W_ADOPTED));
	}
	drain();
}

/* One tick of the worker: bounded expiry, each expired flow's RSTs and event checked. */
static void
tick(void)
{
	unsigned int budget = FUZZ_BUDGET, before;

	eng.snap = &snap[tmo_cur];
	engine_clock(&eng, now, 0, now);
	for (;;) {
		bool more;

		before = budget;
		more = engine_tick(&eng, &budget);
		CHECK(budget <= before);
		/* Every RST belongs to an expiry that sent it, at most 2 per endpoint. */
		{
			unsigned int per_ev[ENGINE_EV_MAX] = {0};

			for (unsigned int i = 0; i < eng.out.n_rst; i++) {
				CHECK(eng.out.rst[i].ev < eng.out.n_ev);
				CHECK(++per_ev[eng.out.rst[i].ev] <= ENGINE_RST_PER_FLOW);
			}
			for (unsigned int i = 0; i < eng.out.n_ev; i++)
				CHECK(eng.out.ev[i].rsts == 0 &&
				      (per_ev[i] == 0) == (eng.out.ev[i].action == FLOW_EV_NO_ACTION));
			CHECK(eng.out.n_ev <= before - budget);
		}
		drain();
		if (!more)
			break;
	}
	check_table();
	/* Budget left over means the wheel caught up with the clock. */
	CHECK(budget == 0 || flow_timer_idle(ft, now));
}

static uint32_t
advance_ms(uint8_t code)
{
	if (code < 128)
		return code;
	if (code < 192)
		return (uint32_t)(code - 127) * 50;
	if (code < 254)
		return (uint32_t)(code - 191) * 250;
	return code == 254 ? 66000 : 140000;
}

/* Sequence space of frame 0's segment: data, plus one each for SYN and FIN. */
static uint32_t
seg_len(const struct parse_info *pi)
{
	return pi->payload_len + !!(pi->tcp_flags & PARSE_TCP_SYN) +
	       !!(pi->tcp_flags & PARSE_TCP_FIN);
}

/* Frame 0 changed as @p step says, into a buffer of its exact length (for ASan). */
static uint8_t *
derive(const uint8_t *frame0, uint32_t len, const struct parse_info *p0, const uint8_t *step)
{
	uint8_t *fr = malloc(len), tmp[16];
	const uint32_t l3 = p0->l3_off, l4 = p0->l4_off;
	const uint32_t alen = p0->family == 4 ? 4 : 16, aoff = p0->family == 4 ? 12 : 8;
	bool rev = step[0] & STEP_REVERSE;
	uint32_t seq, ack;

	CHECK(fr != NULL);
	memcpy(fr, frame0, len);
	if (rev) {
		memcpy(tmp, fr, 6);
		memcpy(fr, fr + 6, 6);
		memcpy(fr + 6, tmp, 6);
		memcpy(tmp, fr + l3 + aoff, alen);
		memcpy(fr + l3 + aoff, fr + l3 + aoff + alen, alen);
		memcpy(fr + l3 + aoff + alen, tmp, alen);
		if (p0->proto == 6 || p0->proto == 17) {
			memcpy(tmp, fr + l4, 2);
			memcpy(fr + l4, fr + l4 + 2, 2);
			memcpy(fr + l4 + 2, tmp, 2);
		}
	}
	if (p0->proto == 6 && !(step[0] & STEP_KEEP_TCP)) {
		if (rev) {
			seq = p0->ack;
			ack = p0->seq + seg_len(p0);
		} else {
			seq = p0->seq + seg_len(p0);
			ack = p0->ack;
		}
		tk_wr32(fr + l4 + 4, seq + tk_rd32(step + 2));
		tk_wr32(fr + l4 + 8, ack + tk_rd32(step + 6));
		fr[l4 + 13] = step[1];
	}
	return fr;
}

/* Forget every flow but the fillers and put the empty wheel at @p t. */
static void
table_reset(uint32_t t)
{
	for (uint32_t i = FUZZ_FILLERS; i < ft->capacity; i++)
		if (ft->flows[i].flags & FLOW_F_USED)
			flow_remove(ft, i);
	check_empty();
	ft->wheel_time = t;
	now = t;
	tmo_cur = 0;
	/* The gauges follow the flows the engine made: none is left. */
	memset(&eng.stats, 0, sizeof(eng.stats));
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	scenario_build();
	CHECK(engine_init(&eng, FUZZ_CAPACITY, FUZZ_SEED, 0) == 0);
	ft = eng.ft;
	for (unsigned int p = 0; p < FUZZ_PAIRS; p++)
		CHECK(engine_add_pair(&eng, (uint8_t)p, ACCESS_VLAN(p, CFG_SIDE_INSIDE),
				      ACCESS_VLAN(p, CFG_SIDE_OUTSIDE), NULL,
				      NULL) == (int)(2 * p));
	eng.events_on = true;
	fill();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint32_t len = size > UINT16_MAX ? UINT16_MAX : (uint32_t)size;
	struct parse_info p0;
	enum parse_status st;
	const uint8_t *script;
	uint32_t end, n_steps = 0;
	unsigned int pair0 = 0;
	uint8_t opts = 0;

	/* The whole input as one frame, on its own first. */
	st = parse_frame(data, len, &p0);
	check_parse(st, &p0, len);
	{
		/* The parser's fast path must answer exactly as its general path. */
		struct parse_info pg;

		memset(&pg, 0, sizeof(pg));
		CHECK(parse_frame_general(data, len, len, &pg) == st);
		CHECK(memcmp(&pg, &p0, sizeof(pg)) == 0);
	}
	if (st == PARSE_IP) {
		end = (uint32_t)p0.l4_off + p0.l4_len;
		script = data + end;
		if (len > end) {
			opts = script[0];
			n_steps = (len - end - 1) / FUZZ_STEP_LEN;
			if (n_steps > FUZZ_MAX_STEPS)
				n_steps = FUZZ_MAX_STEPS;
		}
	}
	adopt = opts & OPT_ADOPT;
	loose_close = opts & OPT_LOOSE_CLOSE;
	pair0 = (opts >> 2) & 3;
	scenario_options();
	table_reset(start_ticks[opts >> 4]);

	process(data, len, pair0, CFG_SIDE_INSIDE);
	tick();
	for (uint32_t i = 0; i < n_steps; i++) {
		const uint8_t *step = script + 1 + i * FUZZ_STEP_LEN;
		uint8_t *fr;

		if (step[0] & STEP_SET)
			tmo_cur ^= 1;
		now += advance_ms(step[10]);
		tick();
		fr = derive(data, end, &p0, step);
		process(fr, end, (step[0] >> 1) & 3,
			(step[0] & STEP_REVERSE) ? CFG_SIDE_OUTSIDE : CFG_SIDE_INSIDE);
		free(fr);
		tick();
	}
	table_reset(0);
	return 0;
}
