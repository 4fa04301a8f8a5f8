/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The flow engine (dataplane/engine.h) with no EAL at all: frames from the test kit's
 * builder, a scenario and snapshot built here, the clock set by hand. Every decision the
 * engine makes is checked against what the frame should get: stray drop / reset / adopt,
 * a handshake and its expiry with both RSTs' exact numbers and ports, the second RST
 * candidate, early-drop and the reaper on a full table, ownership and handoff between
 * workers, access/trunk retagging. A changed decision (a stray reset turned into a drop, an
 * RST to the wrong port) fails here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "engine.h"
#include "parse.h"
#include "snapshot.h"
#include "tk_frame.h"

#define CAP 64

enum { P_RESET = 1, P_DROP, P_ADOPT, P_EARLY, N_PROF };

static const uint8_t MAC_C[6] = {2, 0, 0, 0, 0, 1}, MAC_S[6] = {2, 0, 0, 0, 0, 2};
static const uint8_t IP_C[4] = {198, 18, 0, 1}, IP_S[4] = {198, 18, 0, 2};

struct fx {
	struct engine e;
	struct dp_snapshot snap;
};

static void
profile(struct cfg_scenario *scn, unsigned int i, const char *name, enum cfg_stray stray)
{
	struct cfg_profile *p = &scn->profiles[i];

	cfg_profile_init_defaults(p, name);
	p->timeout_us[CFG_TMO_TCP_ESTABLISHED] = 10000000; /* 10 s */
	p->timeout_us[CFG_TMO_TCP_HANDSHAKE] = 1000000;
	cfg_profile_apply_set(p, &(struct cfg_set){CFG_FIELD_STRAY_TCP, stray});
}

static void
rule_port(struct cfg_scenario *scn, uint16_t port, uint16_t prof)
{
	struct cfg_rule *r = &scn->rules[scn->n_rules++];

	r->match.present = CFG_MATCH_PROTO | CFG_MATCH_DST_PORT;
	r->match.proto = 6;
	r->match.dst_port = (struct cfg_range){port, port};
	r->profile = prof;
}

/* Dst port 80: stray reset; 81: stray drop; 82: adopt; 83: early-drop's table test. */
static struct fx *
fx_new(uint16_t vlan_in, uint16_t vlan_out)
{
	static struct fx x;
	static struct cfg_scenario sc;
	struct cfg_scenario *scn = &sc;
	char err[128];

	memset(&x, 0, sizeof(x));
	memset(scn, 0, sizeof(*scn));
	strcpy(scn->name, "engine-test");
	scn->n_pairs = 1;
	scn->capacity = CAP;
	cfg_profile_init_untracked(&scn->profiles[0]);
	profile(scn, P_RESET, "reset", CFG_STRAY_RESET);
	profile(scn, P_DROP, "drop", CFG_STRAY_DROP);
	profile(scn, P_ADOPT, "adopt", CFG_STRAY_ADOPT);
	profile(scn, P_EARLY, "early", CFG_STRAY_DROP);
	scn->n_profiles = N_PROF;
	rule_port(scn, 80, P_RESET);
	rule_port(scn, 81, P_DROP);
	rule_port(scn, 82, P_ADOPT);
	rule_port(scn, 83, P_EARLY);
	/* A stray from the outside: the rules see its sender (the server, port 82) as src. */
	scn->rules[scn->n_rules++] = (struct cfg_rule){
		.match = {.present = CFG_MATCH_PROTO | CFG_MATCH_SRC_PORT,
			  .proto = 6,
			  .src_port = {82, 82}},
		.profile = P_ADOPT};
	scn->default_profile = 0;
	assert_int_equal(dp_snapshot_build(&x.snap, scn, 1.0, err, sizeof(err)), 0);
	assert_int_equal(engine_init(&x.e, CAP, 42, 1000), 0);
	assert_int_equal(engine_add_pair(&x.e, 0, vlan_in, vlan_out, MAC_S, MAC_C), 0);
	x.e.snap = &x.snap;
	x.e.events_on = true;
	engine_clock(&x.e, 1000, 0, 0);
	return &x;
}

static void
fx_free(struct fx *x)
{
	engine_fini(&x->e);
}

/* A TCP frame; @p from_client picks the direction. */
static uint32_t
frame(uint8_t *buf, bool from_client, uint16_t cport, uint16_t sport, uint8_t flags,
      uint32_t seq, uint32_t ack, uint16_t payload, uint16_t vlan)
{
	return tk_build(buf, 256,
			&(struct tk_spec){.dst_mac = from_client ? MAC_S : MAC_C,
					  .src_mac = from_client ? MAC_C : MAC_S,
					  .n_vlan = vlan ? 1 : 0,
					  .tpid = {0x8100},
					  .tci = {vlan},
					  .family = 4,
					  .src = from_client ? IP_C : IP_S,
					  .dst = from_client ? IP_S : IP_C,
					  .proto = 6,
					  .sport = from_client ? cport : sport,
					  .dport = from_client ? sport : cport,
					  .tcp_flags = flags,
					  .seq = seq,
					  .ack = ack,
					  .win = 65535,
					  .payload_len = payload});
}

/* One frame through engine_burst() on engine port @p port; returns it with its verdict. */
static struct engine_pkt
one(struct fx *x, unsigned int port, const uint8_t *buf, uint32_t len, uint8_t flags)
{
	struct engine_pkt pk = {.data = buf, .len = len, .flags = flags};

	engine_burst(&x->e, port, &pk, 1);
	return pk;
}

/* A segment from the client (inside port 0) or the server (outside port 1). */
static struct engine_pkt
seg(struct fx *x, bool from_client, uint16_t sport, uint8_t flags, uint32_t seq, uint32_t ack,
    uint16_t payload)
{
	uint8_t buf[256];
	uint32_t len = frame(buf, from_client, 40000, sport, flags, seq, ack, payload, 0);

	return one(x, from_client ? 0 : 1, buf, len, 0);
}

#define SYN PARSE_TCP_SYN
#define ACK PARSE_TCP_ACK
#define RST PARSE_TCP_RST
#define PSH PARSE_TCP_PSH

static void
handshake(struct fx *x, uint16_t sport)
{
	assert_int_equal(seg(x, true, sport, SYN, 100, 0, 0).what, ENGINE_W_NEW);
	assert_int_equal(seg(x, false, sport, SYN | ACK, 5000, 101, 0).what, ENGINE_W_KNOWN);
	assert_int_equal(seg(x, true, sport, ACK, 101, 5001, 0).what, ENGINE_W_KNOWN);
	engine_out_clear(&x->e);
}

static void
tick_to(struct fx *x, uint32_t t)
{
	unsigned int budget = 1u << 20;

	engine_clock(&x->e, t, 0, t);
	while (engine_tick(&x->e, &budget))
		fail_msg("the output filled in a test this small");
}

/* ---------------------------------------------------------------- strays */

static void
test_stray_actions(void **state)
{
	struct fx *x = fx_new(0, 0);
	struct engine_pkt pk;
	const struct rst_params *r;

	(void)state;
	/* reset: dropped, answered with RST seq = its ACK, out of the port it came in. */
	pk = seg(x, true, 80, ACK, 7000, 9000, 0);
	assert_int_equal(pk.verdict, ENGINE_DROP);
	assert_int_equal(pk.what, ENGINE_W_STRAY_RST);
	assert_int_equal(x->e.out.n_rst, 1);
	r = &x->e.out.rst[0].p;
	assert_int_equal(x->e.out.rst[0].port, 0);
	assert_int_equal(x->e.out.rst[0].to, STATS_RST_STRAY);
	assert_int_equal(x->e.out.rst[0].ev, ENGINE_NO_EV);
	assert_int_equal(r->seq, 9000);
	assert_int_equal(r->tcp_flags, RST);
	assert_int_equal(r->sport, 80);
	assert_int_equal(r->dport, 40000);
	assert_memory_equal(r->dst_mac, MAC_C, 6);
	assert_int_equal(x->e.stats.drops[STATS_DROP_STRAY], 1);
	engine_out_clear(&x->e);
	/* drop: dropped, nothing sent. */
	pk = seg(x, true, 81, ACK, 7000, 9000, 0);
	assert_int_equal(pk.verdict, ENGINE_DROP);
	assert_int_equal(pk.what, ENGINE_W_STRAY_DROP);
	assert_int_equal(x->e.out.n_rst, 0);
	/* adopt: forwarded, a flow in ESTABLISHED whose client is the inside endpoint. */
	pk = seg(x, false, 82, ACK, 9000, 7000, 10);
	assert_int_equal(pk.verdict, ENGINE_FORWARD);
	assert_int_equal(pk.what, ENGINE_W_ADOPTED);
	assert_int_equal(x->e.ft->n_active, 1);
	assert_int_equal(x->e.stats.flows_created[P_ADOPT], 1);
	{
		const struct flow *f = NULL;

		for (uint32_t i = 0; i < CAP; i++)
			if (x->e.ft->flows[i].flags & FLOW_F_USED)
				f = &x->e.ft->flows[i];
		assert_non_null(f);
		assert_int_equal(f->state, FLOW_TCP_ESTABLISHED);
		assert_false(f->flags & FLOW_F_CLIENT_OUTSIDE);
		/* The client is the inside endpoint 198.18.0.1:40000, not the sender. */
		assert_int_equal(f->key.port[flow_client(f)], 40000);
	}
	/* An RST is never answered, and never adopted. */
	assert_int_equal(seg(x, true, 80, RST, 1, 0, 0).what, ENGINE_W_STRAY_DROP);
	assert_int_equal(x->e.out.n_rst, 0);
	fx_free(x);
}

/* ---------------------------------------------------------------- expiry and RSTs */

static void
test_expiry_rsts(void **state)
{
	struct fx *x = fx_new(0, 0);

	(void)state;
	handshake(x, 80);
	assert_int_equal(seg(x, true, 80, PSH | ACK, 101, 5001, 50).what, ENGINE_W_KNOWN);
	assert_int_equal(seg(x, false, 80, ACK, 5001, 151, 0).what, ENGINE_W_KNOWN);
	engine_out_clear(&x->e);
	tick_to(x, 1000 + 10000 - 1);
	assert_int_equal(x->e.out.n_ev, 0);
	tick_to(x, 1000 + 10000);
	assert_int_equal(x->e.out.n_ev, 1);
	assert_int_equal(x->e.out.ev[0].action, CFG_ON_TIMEOUT_RESET_BOTH);
	assert_int_equal(x->e.out.ev[0].reason, FLOW_EV_TIMEOUT);
	assert_int_equal(x->e.out.ev[0].state, FLOW_TCP_ESTABLISHED);
	/* All acknowledged: one RST each way, each the receiver's RCV.NXT. */
	assert_int_equal(x->e.out.n_rst, 2);
	for (unsigned int i = 0; i < 2; i++) {
		const struct engine_rst *r = &x->e.out.rst[i];

		assert_int_equal(r->ev, 0);
		if (r->to == STATS_RST_CLIENT) {
			assert_int_equal(r->port, 0); /* the client is behind the inside port */
			assert_int_equal(r->p.seq, 5001);
			assert_int_equal(r->p.ack, 151);
			assert_int_equal(r->p.dport, 40000);
		} else {
			assert_int_equal(r->to, STATS_RST_SERVER);
			assert_int_equal(r->port, 1);
			assert_int_equal(r->p.seq, 151);
			assert_int_equal(r->p.ack, 5001);
			assert_int_equal(r->p.dport, 80);
		}
	}
	assert_int_equal(x->e.ft->n_active, 0);
	assert_int_equal(x->e.stats.flows_expired[P_RESET][FLOW_TCP_ESTABLISHED], 1);
	fx_free(x);
}

/* Data the server has not acknowledged: its RCV.NXT may be either number, send both. */
static void
test_two_candidates(void **state)
{
	struct fx *x = fx_new(0, 0);
	unsigned int to_server = 0, to_client = 0;
	uint32_t seqs = 0;

	(void)state;
	handshake(x, 80);
	assert_int_equal(seg(x, true, 80, PSH | ACK, 101, 5001, 50).what, ENGINE_W_KNOWN);
	tick_to(x, 1000 + 10000);
	for (unsigned int i = 0; i < x->e.out.n_rst; i++) {
		if (x->e.out.rst[i].to == STATS_RST_SERVER) {
			to_server++;
			seqs ^= x->e.out.rst[i].p.seq;
		} else {
			to_client++;
		}
	}
	assert_int_equal(to_client, 1);
	assert_int_equal(to_server, 2);
	assert_int_equal(seqs, 101u ^ 151u); /* its last ACK, and the client's next */
	fx_free(x);
}

/* ---------------------------------------------------------------- a full table */

static void
fill_established(struct fx *x, unsigned int n, uint16_t sport)
{
	for (unsigned int i = 0; i < n; i++) {
		uint8_t buf[256];
		uint32_t len;

		len = frame(buf, true, (uint16_t)(10000 + i), sport, SYN, 100, 0, 0, 0);
		assert_int_equal(one(x, 0, buf, len, 0).what, ENGINE_W_NEW);
		len = frame(buf, false, (uint16_t)(10000 + i), sport, SYN | ACK, 5000, 101, 0, 0);
		one(x, 1, buf, len, 0);
		len = frame(buf, true, (uint16_t)(10000 + i), sport, ACK, 101, 5001, 0, 0);
		one(x, 0, buf, len, 0);
	}
	engine_out_clear(&x->e);
}

static void
test_early_drop(void **state)
{
	struct fx *x = fx_new(0, 0);
	struct engine_pkt pk;
	uint8_t buf[256];
	uint32_t len;

	(void)state;
	x->snap.scn.when_full = CFG_WHEN_FULL_EARLY_DROP;
	fill_established(x, CAP, 83);
	assert_int_equal(x->e.ft->n_active, CAP);
	/* Full of established flows: the idlest near the new flow goes. */
	len = frame(buf, true, 50000, 83, SYN, 1, 0, 0, 0);
	pk = one(x, 0, buf, len, 0);
	assert_int_equal(pk.what, ENGINE_W_NEW);
	assert_int_equal(x->e.stats.evicted[P_EARLY][STATS_EVICT_EARLY_DROP], 1);
	assert_int_equal(x->e.out.n_ev, 1);
	assert_int_equal(x->e.out.ev[0].reason, FLOW_EV_EVICT_EARLY);
	assert_int_equal(x->e.out.ev[0].action, FLOW_EV_NO_ACTION);
	assert_int_equal(x->e.out.n_rst, 0); /* evictions are silent */
	engine_out_clear(&x->e);
	/* Now one embryonic flow is among them: a further new flow evicts embryonic first
	 * wherever it is in the two buckets looked at, so established ones survive a flood. */
	for (unsigned int i = 0; i < 20; i++) {
		len = frame(buf, true, (uint16_t)(51000 + i), 83, SYN, 1, 0, 0, 0);
		assert_int_equal(one(x, 0, buf, len, 0).what, ENGINE_W_NEW);
		engine_out_clear(&x->e);
	}
	{
		unsigned int est = 0;

		for (uint32_t i = 0; i < CAP; i++)
			if ((x->e.ft->flows[i].flags & FLOW_F_USED) &&
			    x->e.ft->flows[i].state == FLOW_TCP_ESTABLISHED)
				est++;
		/* 20 SYNs evicted at most one established flow each; most evicted a SYN. */
		assert_true(est >= CAP - 1 - 20);
		assert_true(est < CAP);
	}
	/* With when_full: drop, nothing is evicted. */
	x->snap.scn.when_full = CFG_WHEN_FULL_DROP;
	len = frame(buf, true, 60000, 83, SYN, 1, 0, 0, 0);
	pk = one(x, 0, buf, len, 0);
	assert_int_equal(pk.verdict, ENGINE_DROP);
	assert_int_equal(pk.what, ENGINE_W_TABLE_FULL);
	fx_free(x);
}

static void
test_reaper(void **state)
{
	struct fx *x = fx_new(0, 0);
	unsigned int est = 0;

	(void)state;
	x->snap.scn.reaper = (struct cfg_reaper){.on = true, .high_pct = 75, .low_pct = 50};
	fill_established(x, 40, 83); /* 62 % */
	for (unsigned int i = 0; i < 10; i++) {
		uint8_t buf[256];
		uint32_t len = frame(buf, true, (uint16_t)(30000 + i), 83, SYN, 1, 0, 0, 0);

		one(x, 0, buf, len, 0);
	}
	engine_out_clear(&x->e);
	/* One pass of the sweep per tick (the table is smaller than a step). */
	for (uint32_t t = 1001; t < 1010; t++) {
		tick_to(x, t);
		engine_out_clear(&x->e);
	}
	/* 50 of 64 = 78 % > 75 %: embryonic flows go first, until under 50 % (31 flows). */
	assert_int_equal(x->e.ft->n_active, 31);
	assert_int_equal(x->e.stats.evicted[P_EARLY][STATS_EVICT_REAPER], 19);
	for (uint32_t i = 0; i < CAP; i++)
		if ((x->e.ft->flows[i].flags & FLOW_F_USED) &&
		    x->e.ft->flows[i].state == FLOW_TCP_ESTABLISHED)
			est++;
	assert_int_equal(est, 31); /* every SYN_SENT flow went before any established one */
	assert_false(x->e.reaping);
	fx_free(x);
}

/* ---------------------------------------------------------------- changed timeouts */

/* The table's one flow. */
static struct flow *
the_flow(struct fx *x)
{
	struct flow *f = NULL;

	assert_int_equal(x->e.ft->n_active, 1);
	for (uint32_t i = 0; i < CAP; i++)
		if (x->e.ft->flows[i].flags & FLOW_F_USED)
			f = &x->e.ft->flows[i];
	assert_non_null(f);
	return f;
}

/* Rebuild the snapshot in place with profile "reset"'s established timeout @p us. */
static void
set_established(struct fx *x, uint64_t us)
{
	static struct cfg_scenario scn;
	uint64_t gen = x->snap.generation;
	char err[128];

	scn = x->snap.scn;
	scn.profiles[P_RESET].timeout_us[CFG_TMO_TCP_ESTABLISHED] = us;
	assert_int_equal(dp_snapshot_build(&x->snap, &scn, 1.0, err, sizeof(err)), 0);
	x->snap.generation = gen + 1; /* what the replay's timeline does */
}

/*
 * A segment of an established flow re-arms it only when its due could be too late: after a
 * snapshot changed an established timeout (SPEC §5: from its next refresh), here one
 * rebuilt in place as a new generation, and when it is not armed at all (indefinite before).
 */
static void
test_timeout_change(void **state)
{
	struct fx *x = fx_new(0, 0);
	struct flow *f;

	(void)state;
	handshake(x, 80); /* at 1000, armed at its handshake due 2000 */
	f = the_flow(x);
	tick_to(x, 2000);
	assert_int_equal(f->due, 1000 + 10000); /* re-armed from its last packet */
	tick_to(x, 3000);
	assert_int_equal(seg(x, true, 80, ACK, 101, 5001, 0).what, ENGINE_W_KNOWN);
	assert_int_equal(f->due, 1000 + 10000); /* due before 3000 + 10 s: left */

	set_established(x, 2000000);
	tick_to(x, 4000);
	assert_int_equal(seg(x, true, 80, ACK, 101, 5001, 0).what, ENGINE_W_KNOWN);
	assert_int_equal(f->due, 4000 + 2000);

	/* Indefinite: the next segment disarms it; finite again later: the next one arms. */
	set_established(x, CFG_DUR_INDEFINITE);
	tick_to(x, 4500);
	assert_int_equal(seg(x, false, 80, ACK, 5001, 101, 0).what, ENGINE_W_KNOWN);
	assert_false(f->flags & FLOW_F_ARMED);
	set_established(x, 3000000);
	tick_to(x, 4600);
	/* A stray of another port: the engine notes the new snapshot with this burst. */
	assert_int_equal(seg(x, true, 81, ACK, 1, 1, 0).what, ENGINE_W_STRAY_DROP);
	tick_to(x, 60000); /* idle: every flow armed before the change has come due since */
	assert_int_equal(x->e.ft->n_active, 1);
	assert_int_equal(seg(x, true, 80, ACK, 101, 5001, 0).what, ENGINE_W_KNOWN);
	assert_true(f->flags & FLOW_F_ARMED);
	assert_int_equal(f->due, 60000 + 3000);
	tick_to(x, 63000);
	assert_int_equal(x->e.ft->n_active, 0);
	fx_free(x);
}

/* ---------------------------------------------------------------- workers */

static void
test_handoff(void **state)
{
	struct fx *x = fx_new(0, 0);
	unsigned int handed = 0, kept = 0;

	(void)state;
	engine_share_pair(&x->e, 0, 2, 0, true);
	for (unsigned int i = 0; i < 64; i++) {
		uint8_t buf[256];
		uint32_t len = frame(buf, true, (uint16_t)(20000 + i), 80, SYN, 1, 0, 0, 0);
		struct engine_pkt pk = one(x, 0, buf, len, 0), back;
		uint32_t rlen = frame(buf, false, (uint16_t)(20000 + i), 80, SYN | ACK, 9, 2, 0, 0);

		back = one(x, 1, buf, rlen, 0);
		/* Both directions agree on the owner. */
		assert_int_equal(pk.verdict == ENGINE_HANDOFF, back.verdict == ENGINE_HANDOFF);
		if (pk.verdict == ENGINE_HANDOFF) {
			assert_int_equal(pk.owner, 1);
			assert_int_equal(back.owner, 1);
			handed++;
			/* The owner processes it (as if handed over to it): no handoff again. */
			len = frame(buf, true, (uint16_t)(20000 + i), 80, SYN, 1, 0, 0, 0);
			assert_int_equal(one(x, 0, buf, len, ENGINE_PKT_OWNED).verdict,
					 ENGINE_FORWARD);
		} else {
			kept++;
		}
	}
	assert_true(handed > 10 && kept > 10);
	/* Trusted steering: only QinQ is decided by the hash (none here: nothing handed). */
	engine_share_pair(&x->e, 0, 2, 0, false);
	for (unsigned int i = 0; i < 32; i++) {
		uint8_t buf[256];
		uint32_t len = frame(buf, true, (uint16_t)(21000 + i), 80, SYN, 1, 0, 0, 0);

		assert_int_not_equal(one(x, 0, buf, len, 0).verdict, ENGINE_HANDOFF);
	}
	fx_free(x);
}

/* ---------------------------------------------------------------- access and trunk */

static void
test_retag(void **state)
{
	struct fx *x = fx_new(300, 0); /* inside: access VLAN 300; outside: trunk */
	uint8_t buf[256];
	uint32_t len;
	struct engine_pkt pk;

	(void)state;
	len = frame(buf, true, 40000, 80, SYN, 100, 0, 0, 0);
	pk = one(x, 0, buf, len, 0);
	assert_int_equal(pk.what, ENGINE_W_NEW);
	assert_int_equal(pk.retag, ENGINE_TAG_PUSH); /* untagged in, tagged 300 out */
	len = frame(buf, false, 40000, 80, SYN | ACK, 5000, 101, 0, 300);
	pk = one(x, 1, buf, len, 0);
	assert_int_equal(pk.what, ENGINE_W_KNOWN); /* the same flow: key VLAN 300 both ways */
	assert_int_equal(pk.retag, ENGINE_TAG_POP);
	len = frame(buf, true, 40000, 80, ACK, 101, 5001, 0, 0);
	one(x, 0, buf, len, 0);
	engine_out_clear(&x->e);
	tick_to(x, 1000 + 10000);
	assert_int_equal(x->e.out.n_rst, 2);
	for (unsigned int i = 0; i < 2; i++) {
		const struct engine_rst *r = &x->e.out.rst[i];

		if (r->port == 0) {
			assert_int_equal(r->p.n_vlan, 0); /* the access side: untagged */
		} else {
			assert_int_equal(r->p.n_vlan, 1); /* the trunk side: tagged 300 */
			assert_int_equal(r->p.vlan[0], 300);
			assert_int_equal(r->p.tpid[0], 0x8100);
		}
	}
	fx_free(x);
}

/* A frame longer than the pair's MTU allows is dropped and counted (SPEC §12). */
static void
test_oversize(void **state)
{
	struct fx *x = fx_new(0, 0);
	uint8_t buf[256];
	uint32_t len = frame(buf, true, 40000, 80, SYN, 100, 0, 0, 0); /* 60 bytes */
	struct engine_pkt pk;

	(void)state;
	engine_set_mtu(&x->e, 0, 20); /* frames up to 20 + 14 + 8 = 42 bytes */
	pk = one(x, 0, buf, len, 0);
	assert_int_equal(pk.verdict, ENGINE_DROP);
	assert_int_equal(x->e.stats.drops[STATS_DROP_OVERSIZE], 1);
	assert_int_equal(x->e.ft->n_active, 0);
	/* The whole chain counts, not its first segment. */
	engine_set_mtu(&x->e, 0, 1500);
	pk = (struct engine_pkt){.data = buf, .len = len, .wire_len = 9000};
	engine_burst(&x->e, 0, &pk, 1);
	assert_int_equal(pk.verdict, ENGINE_DROP);
	assert_int_equal(x->e.stats.drops[STATS_DROP_OVERSIZE], 2);
	assert_int_equal(one(x, 0, buf, len, 0).what, ENGINE_W_NEW);
	fx_free(x);
}

/* ---------------------------------------------------------------- mixed bursts */

/* One frame of the script of test_mixed_burst: direction, ports, flags, numbers. */
struct mx_step {
	bool from_client;
	uint16_t cport, sport;
	uint8_t flags;
	uint32_t seq, ack;
	uint16_t payload;
};

/*
 * Connections of several profiles with their directions interleaved as a capture has
 * them: a handshake and data (stray reset profile, port 80), a stray from the outside that
 * is answered with an RST, a stray from the inside that is dropped (81), a connection
 * adopted from its server's segment (82), a second handshake (80) and a stray RST.
 */
static const struct mx_step mx_script[] = {
	{true, 40000, 80, SYN, 100, 0, 0},
	{false, 40000, 80, SYN | ACK, 5000, 101, 0},
	{true, 40001, 80, SYN, 700, 0, 0},
	{true, 40000, 80, ACK, 101, 5001, 0},
	{false, 80, 40002, ACK, 9000, 300, 0}, /* stray from the outside to port 80: RST */
	{true, 40000, 80, ACK | PSH, 101, 5001, 10},
	{false, 40001, 80, SYN | ACK, 6000, 701, 0},
	{true, 40003, 81, ACK, 1, 1, 0}, /* stray from the inside: dropped */
	{false, 40004, 82, ACK | PSH, 3000, 400, 20}, /* adopted, its client inside */
	{false, 40000, 80, ACK | PSH, 5001, 111, 5},
	{true, 40001, 80, ACK, 701, 6001, 0},
	{true, 40004, 82, ACK, 400, 3020, 0},
	{true, 40005, 80, RST, 1, 0, 0}, /* never answered */
};
#define MX_N (sizeof(mx_script) / sizeof(mx_script[0]))

/* What test_mixed_burst compares: every frame's fate, the counters, the output, expiry. */
struct mx_result {
	uint8_t verdict[MX_N], what[MX_N], retag[MX_N];
	uint64_t rx_packets[2], rx_bytes[2];
	uint32_t n_active;
	unsigned int n_rst;
	struct engine_rst rst[16];
	unsigned int n_exp_rst;
	struct engine_rst exp_rst[16];
};

static void
mx_out(const struct fx *x, unsigned int *n, struct engine_rst *rst)
{
	*n = x->e.out.n_rst;
	assert_true(*n <= 16);
	memcpy(rst, x->e.out.rst, *n * sizeof(*rst));
}

/*
 * The script on a fresh engine with access VLAN @p vlan_in inside and @p vlan_out outside:
 * one frame a burst (@p mixed false; the reference) or all of them in one
 * engine_burst_mixed(); with @p keyed the frames come parsed and keyed as the replay's do.
 */
static void
mx_run(uint16_t vlan_in, uint16_t vlan_out, bool mixed, bool keyed, struct mx_result *r)
{
	struct fx *x = fx_new(vlan_in, vlan_out);
	static uint8_t buf[MX_N][256];
	struct engine_parsed ep[MX_N];
	struct engine_pkt pk[MX_N];
	unsigned int port_of[MX_N];

	memset(r, 0, sizeof(*r));
	for (unsigned int i = 0; i < MX_N; i++) {
		const struct mx_step *m = &mx_script[i];
		unsigned int port = m->from_client ? 0 : 1;
		uint16_t acc = port == 0 ? vlan_in : vlan_out;
		/* A trunk's frames carry the other side's access VLAN (a flow both ways). */
		uint16_t tag = acc != 0 ? 0 : (port == 0 ? vlan_out : vlan_in);
		uint32_t len = frame(buf[i], m->from_client, m->cport, m->sport, m->flags, m->seq,
				     m->ack, m->payload, tag);

		port_of[i] = port;
		pk[i] = (struct engine_pkt){.data = buf[i], .len = len};
		if (keyed) {
			struct parse_info *pi = &ep[i].pi;
			uint16_t v0;

			assert_int_equal(parse_frame(buf[i], len, pi), PARSE_IP);
			v0 = pi->n_vlan > 0 ? pi->vlan[0] : acc;
			ep[i].from = (uint8_t)flow_key_make(&ep[i].key, pi->family, pi->src,
							    pi->sport, pi->dst, pi->dport,
							    pi->proto, 0, v0, 0);
			ep[i].hash = flow_hash(x->e.ft, &ep[i].key);
			pk[i].parsed = pi;
			pk[i].parsed_st = PARSE_IP;
			pk[i].flags = ENGINE_PKT_PARSED | ENGINE_PKT_KEYED;
		}
		if (mixed && port == 1)
			pk[i].flags |= ENGINE_PKT_PEER;
	}
	if (mixed) {
		engine_burst_mixed(&x->e, 0, pk, MX_N);
	} else {
		for (unsigned int i = 0; i < MX_N; i++)
			engine_burst(&x->e, port_of[i], &pk[i], 1);
	}
	for (unsigned int i = 0; i < MX_N; i++) {
		r->verdict[i] = pk[i].verdict;
		r->what[i] = pk[i].what;
		r->retag[i] = pk[i].retag;
	}
	for (unsigned int p = 0; p < 2; p++) {
		r->rx_packets[p] = x->e.stats.rx_packets[p];
		r->rx_bytes[p] = x->e.stats.rx_bytes[p];
	}
	r->n_active = x->e.ft->n_active;
	mx_out(x, &r->n_rst, r->rst);
	engine_out_clear(&x->e);
	tick_to(x, 1000 + 10000); /* the established ones expire with their RSTs */
	mx_out(x, &r->n_exp_rst, r->exp_rst);
	fx_free(x);
}

/*
 * engine_burst_mixed() decides a burst of both directions exactly as one burst per frame
 * on its own port: verdicts, what, retags, per-port counters, stray RSTs, the flows made
 * (clients, tags) and their expiry RSTs; on a pair of untagged sides and on an access side
 * facing a trunk (each direction its own retag), with the engine's parse and the replay's.
 */
static void
test_mixed_burst(void **state)
{
	static const uint16_t vlans[][2] = {{0, 0}, {300, 0}, {0, 300}, {300, 300}};
	struct mx_result ref, got;

	(void)state;
	for (unsigned int v = 0; v < sizeof(vlans) / sizeof(vlans[0]); v++) {
		for (unsigned int keyed = 0; keyed < 2; keyed++) {
			mx_run(vlans[v][0], vlans[v][1], false, keyed, &ref);
			mx_run(vlans[v][0], vlans[v][1], true, keyed, &got);
			/* The script means something: every fate occurs in it. */
			assert_int_equal(ref.what[0], ENGINE_W_NEW);
			assert_int_equal(ref.what[4], ENGINE_W_STRAY_RST);
			assert_int_equal(ref.what[7], ENGINE_W_STRAY_DROP);
			assert_int_equal(ref.what[8], ENGINE_W_ADOPTED);
			assert_int_equal(ref.n_active, 3);
			assert_int_equal(ref.n_rst, 1);
			assert_true(ref.n_exp_rst >= 4);
			assert_true(ref.rx_packets[0] > 0 && ref.rx_packets[1] > 0);
			for (unsigned int i = 0; i < MX_N; i++) {
				assert_int_equal(got.verdict[i], ref.verdict[i]);
				assert_int_equal(got.what[i], ref.what[i]);
				assert_int_equal(got.retag[i], ref.retag[i]);
			}
			for (unsigned int p = 0; p < 2; p++) {
				assert_int_equal(got.rx_packets[p], ref.rx_packets[p]);
				assert_int_equal(got.rx_bytes[p], ref.rx_bytes[p]);
			}
			assert_int_equal(got.n_active, ref.n_active);
			assert_int_equal(got.n_rst, ref.n_rst);
			assert_memory_equal(got.rst, ref.rst, ref.n_rst * sizeof(ref.rst[0]));
			assert_int_equal(got.n_exp_rst, ref.n_exp_rst);
			assert_memory_equal(got.exp_rst, ref.exp_rst,
					    ref.n_exp_rst * sizeof(ref.exp_rst[0]));
		}
	}
	/* A retag in each direction where the sides differ. */
	mx_run(300, 0, true, false, &got);
	assert_int_equal(got.retag[0], ENGINE_TAG_PUSH);
	assert_int_equal(got.retag[1], ENGINE_TAG_POP);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stray_actions), cmocka_unit_test(test_expiry_rsts),
		cmocka_unit_test(test_two_candidates), cmocka_unit_test(test_early_drop),
		cmocka_unit_test(test_reaper),	       cmocka_unit_test(test_handoff),
		cmocka_unit_test(test_retag),	       cmocka_unit_test(test_oversize),
		cmocka_unit_test(test_timeout_change),
		cmocka_unit_test(test_mixed_burst),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
