/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control thread's requests to a worker: a dump of its flows with state and time left,
 * a flush of one profile's flows with the profile's action or silently, and the flow events
 * each expiry sends back.
 *
 * Run: meson test -C build --suite dataplane (tests/dataplane/harness.h says how they run).
 */
#include <stdint.h>

#include "harness.h"

/* ------------------------------------------------------------------ flush, dump, events */

/*
 * The control thread's requests: a dump copies the flows with their state and time left; a
 * flush of one profile expires exactly its flows with the profile's action (RSTs, an event
 * each with reason "flush"), a silent flush sends nothing; the per-state gauges follow.
 */
static void
test_flush_dump_events(void **state)
{
	struct fx *x = fx_new(FX_T1_YAML, 1.0, 1024);
	int both = fx_profile(x, "both"), silent = fx_profile(x, "silent");
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
	EQ("flows", fx_n_flows(x), 5);
	EQ("established gauge both", fx_stats(x)->flows_state[both][FLOW_TCP_ESTABLISHED], 3);
	EQ("established gauge silent", fx_stats(x)->flows_state[silent][FLOW_TCP_ESTABLISHED], 2);

	/* Dump, 1 s later: every flow, idle 1 s, 9 s left of its 10 s. */
	fx_at(x, 1102);
	x->sh.dump_max = 16;
	x->sh.dump_seq++;
	fx_requests(x);
	EQ("dump done", fx_dump_done(x), x->sh.dump_seq);
	EQ("dump flows", fx_dump_n(x), 5);
	for (unsigned int i = 0; i < fx_dump_n(x); i++) {
		EQ("dump state", fx_dump(x, i)->state, FLOW_TCP_ESTABLISHED);
		EQ("dump idle", fx_dump(x, i)->idle_ms, 1000);
		EQ("dump left", fx_dump(x, i)->left_ms, 9000);
	}

	/* Flush "both" with its action: 3 flows, 6 RSTs, 3 events. */
	x->sh.flush_mask = 1ull << both;
	x->sh.flush_silent_mask = 0;
	x->sh.flush_seq++;
	fx_requests(x);
	EQ("flush done", fx_flush_done(x), x->sh.flush_seq);
	EQ("flows left", fx_n_flows(x), 2);
	EQ("flushed", fx_stats(x)->flushed, 3);
	EQ("RSTs", fx_rst_queued(x), 6);
	EQ("expired both", fx_stats(x)->flows_expired[both][FLOW_TCP_ESTABLISHED], 3);
	EQ("established gauge both", fx_stats(x)->flows_state[both][FLOW_TCP_ESTABLISHED], 0);
	/* An event waits for its RSTs' fate: it carries the number the port took. */
	EQ("no event before the RSTs left", fx_events(x, ev, 8), 0);
	fx_flush_and_check(x);
	n = fx_events(x, ev, 8);
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
	fx_requests(x);
	EQ("flows left", fx_n_flows(x), 0);
	EQ("RSTs", fx_rst_queued(x), 0);
	n = fx_events(x, ev, 8);
	EQ("events", n, 2);
	for (unsigned int i = 0; i < n; i++)
		EQ("event action", ev[i].action, FLOW_EV_NO_ACTION);
	EQ("active both", fx_stats(x)->flows_active[both], 0);
	EQ("active silent", fx_stats(x)->flows_active[silent], 0);
	fx_free(x);
}

/* ------------------------------------------------------------------ main */

static void
add_tests(void)
{
	fx_add_test("flush_dump_events", test_flush_dump_events, NULL);
}

int
main(int argc, char **argv)
{
	return fx_main(argc, argv, "dataplane-control", add_tests);
}
