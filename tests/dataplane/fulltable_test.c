/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A full table (SPEC §6): when_full: early-drop (Linux conntrack's early_drop) under a SYN
 * flood past capacity keeps the established connections and evicts embryonic flows; the
 * reaper {high: 95%, low: 85%} (F5's adaptive reaper, Juniper's early-ageout) does nothing
 * at 95 %, and above it evicts embryonic flows first, then the idlest, until under 85 %.
 * Evictions are counted in evicted[profile][reason] and written as events with their
 * reason; the established connections still get their RSTs at their own timeout.
 *
 * Run: meson test -C build --suite dataplane (tests/dataplane/harness.h says how they run).
 */
#include <stdio.h>
#include <string.h>

#include "harness.h"

#define CAP 1024
#define N_EST 256

static const char early_yaml[] = "name: early\n"
				 "ports: [{name: a, inside: {port: 0}, outside: {port: 1}}]\n"
				 "flow_table: {capacity: 1024, when_full: early-drop}\n"
				 "profiles:\n"
				 "  p:\n"
				 "    tcp: {handshake: 5s, established: 60s}\n"
				 "    udp: 60s\n"
				 "    on_timeout: reset-both\n"
				 "default_profile: p\n";

static const char forward_yaml[] = "name: fwd\n"
				   "ports: [{name: a, inside: {port: 0}, outside: {port: 1}}]\n"
				   "flow_table: {capacity: 1024, when_full: forward}\n"
				   "profiles:\n"
				   "  p:\n"
				   "    tcp: {handshake: 5s, established: 60s}\n"
				   "    on_timeout: reset-both\n"
				   "default_profile: p\n";

static const char reaper_yaml[] = "name: reaper\n"
				  "ports: [{name: a, inside: {port: 0}, outside: {port: 1}}]\n"
				  "flow_table: {capacity: 1000, when_full: forward,"
				  " reaper: {high: 95%, low: 85%}}\n"
				  "profiles:\n"
				  "  p:\n"
				  "    tcp: {handshake: 5s, established: 60s}\n"
				  "    udp: 60s\n"
				  "    on_timeout: reset-both\n"
				  "default_profile: p\n";

/* Events by reason, drained from the worker's ring. */
struct ev_count {
	unsigned int n[8];
	unsigned int rsts;
};

static void
drain_events(struct fx *x, struct ev_count *c)
{
	struct flow_event ev[256];
	unsigned int n;

	while ((n = fx_events(x, ev, RTE_DIM(ev))) != 0)
		for (unsigned int i = 0; i < n; i++) {
			if (ev[i].reason < RTE_DIM(c->n))
				c->n[ev[i].reason]++;
			c->rsts += ev[i].rsts;
		}
}

/* The @p i-th of many clients: its own address and port. */
static struct fx_ep
client_n(unsigned int i)
{
	struct fx_ep e = EP_CLIENT;

	e.ip4[14] = (uint8_t)(100 + i / 250);
	e.ip4[15] = (uint8_t)(1 + i % 250);
	e.ip6[15] = (uint8_t)i;
	e.ip6[14] = (uint8_t)(i >> 8);
	e.port = (uint16_t)(10000 + i);
	return e;
}

/* @p n established connections from tick @p t0, client i of them on port 20000 + i. */
static uint32_t
open_established(struct fx *x, struct tconn *t, unsigned int n, unsigned int first, uint32_t t0)
{
	for (unsigned int i = 0; i < n; i++) {
		tc_init(&t[i], 4, &EP_CLIENT, &EP_SERVER, 0, false);
		t[i].c.port = (uint16_t)(20000 + first + i);
		t0 = tc_open(x, &t[i], t0) + 1;
	}
	return t0;
}

/* A SYN from client_n(i): returns 1 if it was forwarded. */
static uint16_t
syn_from(struct fx *x, unsigned int i)
{
	struct fx_ep c = client_n(i);
	struct fx_pkt p = fx_tcp_pkt(&c, &EP_SERVER, SYN, 1000u * i, 0, 0);

	return fx_push(x, 0, fx_mbuf(&p));
}

static unsigned int
count_alive(struct fx *x, const struct tconn *t, unsigned int n)
{
	unsigned int alive = 0;

	for (unsigned int i = 0; i < n; i++) {
		struct flow *f = tc_flow(x, &t[i]);

		alive += f != NULL && f->state == FLOW_TCP_ESTABLISHED;
	}
	return alive;
}

/* ------------------------------------------------------------------ early-drop */

/*
 * 256 established connections, then a SYN flood of 3 x capacity: the table fills with
 * embryonic flows and every SYN past capacity takes the place of an embryonic flow near its
 * bucket. Every SYN is forwarded and tracked (table_full 0), every established connection
 * survives and is reset at its own timeout.
 */
static void
test_early_drop_syn_flood(void **state)
{
	static struct tconn t[N_EST];
	struct fx *x = fx_new(early_yaml, 1.0, CAP);
	int prof = fx_profile(x, "p");
	unsigned int n_syn = 3 * CAP, forwarded = 0, want_evicted = n_syn - (CAP - N_EST);
	struct ev_count ev;
	uint32_t now;

	(void)state;
	memset(&ev, 0, sizeof(ev));
	x->sh.events_on = true;
	now = open_established(x, t, N_EST, 0, 100);
	EQ("flows after the connections", fx_n_flows(x), N_EST);
	fx_at(x, now);
	for (unsigned int i = 0; i < n_syn; i++) {
		forwarded += syn_from(x, i);
		if (i % 128 == 127)
			drain_events(x, &ev);
	}
	drain_events(x, &ev);
	EQ("SYNs forwarded", forwarded, n_syn);
	EQ("table full (no room made)", fx_stats(x)->table_full, 0);
	EQ("flows: the table is full", fx_n_flows(x), CAP);
	EQ("evicted{early_drop}", fx_stats(x)->evicted[prof][STATS_EVICT_EARLY_DROP], want_evicted);
	EQ("evicted{reaper}", fx_stats(x)->evicted[prof][STATS_EVICT_REAPER], 0);
	EQ("eviction events (early_drop)", ev.n[FLOW_EV_EVICT_EARLY], want_evicted);
	EQ("evictions are silent: RSTs", fx_rst_queued(x), 0);
	EQ("established connections still there", count_alive(x, t, N_EST), N_EST);
	/* The last SYNs are there; the first ones went for them. */
	{
		struct fx_ep c = client_n(n_syn - 1);

		assert_non_null(fx_flow_find(x, 4, c.ip4, c.port, EP_SERVER.ip4, EP_SERVER.port, 6,
					     0, 0, 0));
	}
	/*
	 * The flows are still tracked: the embryonic ones expire at the handshake timeout, the
	 * established connections at theirs, each reset both ways (RSTs sent every tick).
	 */
	for (uint32_t ms = now + 1; ms <= now + 60000 + 100; ms++) {
		fx_at(x, ms);
		fx_flush_once(x);
		if (ms % 64 == 0)
			drain_events(x, &ev);
	}
	drain_events(x, &ev);
	EQ("flows left", fx_n_flows(x), 0);
	EQ("expired established", fx_stats(x)->flows_expired[prof][FLOW_TCP_ESTABLISHED], N_EST);
	EQ("expired in SYN_SENT", fx_stats(x)->flows_expired[prof][FLOW_TCP_SYN_SENT], CAP - N_EST);
	EQ("rst_sent{client}", fx_stats(x)->rst_sent[STATS_RST_CLIENT], CAP);
	EQ("rst_sent{server}", fx_stats(x)->rst_sent[STATS_RST_SERVER], CAP);
	EQ("rst_failed", fx_stats(x)->rst_failed, 0);
	EQ("no mbuf leaked", fx_mbufs_avail(), x->avail0);
	fx_free(x);
}

/* The control: the same flood with when_full: forward evicts nothing and counts table_full. */
static void
test_forward_syn_flood(void **state)
{
	static struct tconn t[N_EST];
	struct fx *x = fx_new(forward_yaml, 1.0, CAP);
	int prof = fx_profile(x, "p");
	uint32_t now;

	(void)state;
	now = open_established(x, t, N_EST, 0, 100);
	fx_at(x, now);
	for (unsigned int i = 0; i < 3 * CAP; i++)
		EQ("SYN forwarded (untracked when full)", syn_from(x, i), 1);
	EQ("table_full", fx_stats(x)->table_full, 3 * CAP - (CAP - N_EST));
	EQ("evicted{early_drop}", fx_stats(x)->evicted[prof][STATS_EVICT_EARLY_DROP], 0);
	EQ("established connections still there", count_alive(x, t, N_EST), N_EST);
	fx_free(x);
}

/* ------------------------------------------------------------------ reaper */

/*
 * capacity 1000, reaper 95 % / 85 %: 400 established connections and 550 SYNs (950: at the
 * mark, not above it) and nothing is reaped; 10 SYNs more (960) and the reaper evicts
 * embryonic flows only, down to 849 (under 85 %): 111 of them; no established one goes.
 */
static void
test_reaper_embryonic_first(void **state)
{
	static struct tconn t[400];
	struct fx *x = fx_new(reaper_yaml, 1.0, 1000);
	int prof = fx_profile(x, "p");
	struct ev_count ev;
	uint32_t now;

	(void)state;
	memset(&ev, 0, sizeof(ev));
	x->sh.events_on = true;
	now = open_established(x, t, 400, 0, 100);
	fx_at(x, now);
	for (unsigned int i = 0; i < 550; i++)
		EQ("SYN forwarded", syn_from(x, i), 1);
	EQ("flows at 95 %", fx_n_flows(x), 950);
	for (unsigned int k = 1; k <= 3; k++)
		fx_at(x, now + k);
	EQ("at 95 %: nothing reaped", fx_stats(x)->evicted[prof][STATS_EVICT_REAPER], 0);
	EQ("flows at 95 %", fx_n_flows(x), 950);
	for (unsigned int i = 550; i < 560; i++)
		EQ("SYN forwarded", syn_from(x, i), 1);
	EQ("flows at 96 %", fx_n_flows(x), 960);
	for (unsigned int k = 4; k <= 10; k++)
		fx_at(x, now + k);
	drain_events(x, &ev);
	EQ("flows: just under 85 %", fx_n_flows(x), 849);
	EQ("evicted{reaper}", fx_stats(x)->evicted[prof][STATS_EVICT_REAPER], 111);
	EQ("eviction events (reaper)", ev.n[FLOW_EV_EVICT_REAPER], 111);
	EQ("evicted{early_drop}", fx_stats(x)->evicted[prof][STATS_EVICT_EARLY_DROP], 0);
	EQ("evictions are silent: RSTs", fx_rst_queued(x), 0);
	EQ("established connections still there", count_alive(x, t, 400), 400);
	fx_free(x);
}

/*
 * No embryonic TCP flow: 480 connections idle for 35 s of their 60 s and 470 fresh ones
 * (950), then 10 UDP flows from one side (embryonic: 960). The reaper takes the 10 UDP flows
 * first, then the idlest connections (idle past half their timeout) down to 849: 101 old
 * ones; every fresh connection stays.
 */
static void
test_reaper_idlest_next(void **state)
{
	static struct tconn old[480], fresh[470];
	struct fx *x = fx_new(reaper_yaml, 1.0, 1000);
	int prof = fx_profile(x, "p");
	uint32_t now;

	(void)state;
	open_established(x, old, 480, 0, 100);
	now = open_established(x, fresh, 470, 480, 35000);
	EQ("flows at 95 %", fx_n_flows(x), 950);
	fx_at(x, now);
	for (unsigned int i = 0; i < 10; i++) {
		struct fx_ep c = client_n(i);
		struct fx_pkt p = fx_udp_pkt(&c, &EP_SERVER);

		EQ("UDP forwarded", fx_push(x, 0, fx_mbuf(&p)), 1);
	}
	EQ("flows at 96 %", fx_n_flows(x), 960);
	for (unsigned int k = 1; k <= 10; k++)
		fx_at(x, now + k);
	EQ("flows: just under 85 %", fx_n_flows(x), 849);
	EQ("evicted{reaper}", fx_stats(x)->evicted[prof][STATS_EVICT_REAPER], 111);
	EQ("UDP flows (embryonic) all went", fx_stats(x)->flows_state[prof][FLOW_UDP_SINGLE], 0);
	EQ("fresh connections all stay", count_alive(x, fresh, 470), 470);
	EQ("old connections: 101 went", count_alive(x, old, 480), 480 - 101);
	fx_free(x);
}

/* ------------------------------------------------------------------ main */

static void
add_tests(void)
{
	fx_add_test("early_drop_syn_flood_keeps_established", test_early_drop_syn_flood, NULL);
	fx_add_test("forward_syn_flood_counts_table_full", test_forward_syn_flood, NULL);
	fx_add_test("reaper_evicts_embryonic_first", test_reaper_embryonic_first, NULL);
	fx_add_test("reaper_evicts_idlest_next", test_reaper_idlest_next, NULL);
}

int
main(int argc, char **argv)
{
	return fx_main(argc, argv, "dataplane-fulltable", add_tests);
}
