/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tracking fidelity (issue 14, SPEC §4 and §6): honest RST accounting when a TX queue
 * refuses RSTs, per-side stray_tcp (AWS NAT gateway), per-state on_timeout (Cisco ASA's
 * idle reset never resets a half-closed connection, Azure LB resets only ESTABLISHED ones)
 * and rst_payload.
 *
 * Run: meson test -C build --suite dataplane (tests/dataplane/harness.h says how they run).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_mempool.h>

#include "harness.h"

/* --time-scale 0.001: a preset's seconds become ticks (ms). */
#define PRESET_SCALE 0.001

/* A preset from configs/, its default_profile replaced by @p profile (NULL: as shipped). */
static struct fx *
preset_load(const char *file, const char *profile)
{
	char path[4096], *text, *at;
	const char *key = "\ndefault_profile: ";
	struct fx *x;
	size_t n;
	FILE *fp;

	if (fx_source_root() == NULL)
		fail_msg("IDLECUT_SOURCE_ROOT is not set (meson test sets it)");
	snprintf(path, sizeof(path), "%s/configs/%s", fx_source_root(), file);
	fp = fopen(path, "r");
	if (fp == NULL)
		fail_msg("%s: cannot open", path);
	text = calloc(1, 1 << 20);
	assert_non_null(text);
	n = fread(text, 1, (1 << 20) - 256, fp);
	fclose(fp);
	text[n] = '\0';
	if (profile != NULL) {
		at = strstr(text, key);
		if (at == NULL)
			fail_msg("%s: no default_profile line to replace", path);
		snprintf(at, (1 << 20) - (size_t)(at - text), "%sdefault_profile: %s\n", "\n",
			 profile);
	}
	x = fx_load(text, PRESET_SCALE, 4096, 0);
	free(text);
	return x;
}

/* The one event the worker published: fails unless there is exactly one. */
static struct flow_event
one_event(struct fx *x, const char *what)
{
	struct flow_event ev[4];
	unsigned int n = fx_events(x, ev, 4);

	if (n != 1)
		fail_msg("%s: %u events published, expected 1", what, n);
	return ev[0];
}

/* ------------------------------------------------------------------ refused RSTs */

/*
 * A TX queue that refuses every RST: they stay queued and are offered again on each of the
 * next loops; at the WORKER_RST_TRIES-th refusal they are given up, counted in rst_failed
 * (never in rst_sent), their mbufs freed, and only then is the expiry event published,
 * with rsts = 0.
 */
static void
test_refused_rsts_fail(void **state)
{
	struct fx *x = fx_new(FX_T1_YAML, 1.0, 1024);
	int prof = fx_profile(x, "both");
	struct flow_event ev;
	struct tconn t;
	uint32_t last;

	(void)state;
	x->sh.events_on = true;
	tc_init(&t, 4, &EP_CLIENT, &EP_SERVER, 0, false);
	last = tc_open(x, &t, 100);
	fx_expect_expiry_at(x, last + 10000, prof, FLOW_TCP_ESTABLISHED);
	tc_check_rsts(x, &t, 1, 1);
	fx_tx_refuse(0, true);
	fx_tx_refuse(1, true);
	for (unsigned int loop = 1; loop < WORKER_RST_TRIES; loop++) {
		char w[64];

		snprintf(w, sizeof(w), "refused %u time(s)", loop);

		fx_flush_once(x);
		EQ(w, fx_rst_queued(x), 2);
		EQ(w, fx_stats(x)->rst_sent[STATS_RST_CLIENT], 0);
		EQ(w, fx_stats(x)->rst_sent[STATS_RST_SERVER], 0);
		EQ(w, fx_stats(x)->rst_failed, 0);
		EQ(w, fx_events(x, &ev, 1), 0); /* its RSTs' fate is not known yet */
	}
	/* The same frames are still offered: the queued ones are still the right RSTs. */
	tc_check_rsts(x, &t, 1, 1);
	fx_flush_once(x);
	fx_tx_refuse(0, false);
	fx_tx_refuse(1, false);
	EQ("given up", fx_rst_queued(x), 0);
	EQ("rst_sent{client}", fx_stats(x)->rst_sent[STATS_RST_CLIENT], 0);
	EQ("rst_sent{server}", fx_stats(x)->rst_sent[STATS_RST_SERVER], 0);
	EQ("rst_failed", fx_stats(x)->rst_failed, 2);
	EQ("drops{tx_full}", fx_stats(x)->drops[STATS_DROP_TX_FULL], 2);
	EQ("no mbuf leaked", fx_mbufs_avail(), x->avail0);
	ev = one_event(x, "after the RSTs failed");
	EQ("event state", ev.state, FLOW_TCP_ESTABLISHED);
	EQ("event action", ev.action, CFG_ON_TIMEOUT_RESET_BOTH);
	EQ("event rsts", ev.rsts, 0);
	fx_free(x);
}

/*
 * The server's port refuses for a few loops and then takes it; the client's port refuses
 * for good: rst_sent{server} 1, rst_failed 1, the event says 1 RST.
 */
static void
test_refused_then_taken(void **state)
{
	struct fx *x = fx_new(FX_T1_YAML, 1.0, 1024);
	int prof = fx_profile(x, "both");
	struct flow_event ev;
	struct tconn t;
	uint32_t last;

	(void)state;
	x->sh.events_on = true;
	tc_init(&t, 4, &EP_CLIENT, &EP_SERVER, 0, false);
	last = tc_open(x, &t, 100);
	fx_expect_expiry_at(x, last + 10000, prof, FLOW_TCP_ESTABLISHED);
	fx_tx_refuse(0, true);
	fx_tx_refuse(1, true);
	for (unsigned int loop = 0; loop < 3; loop++)
		fx_flush_once(x);
	EQ("still queued", fx_rst_queued(x), 2);
	fx_tx_refuse(1, false);
	fx_flush_once(x);
	EQ("server's RST taken", fx_rst_n(x, 1), 0);
	EQ("client's RST still queued", fx_rst_n(x, 0), 1);
	EQ("rst_sent{server}", fx_stats(x)->rst_sent[STATS_RST_SERVER], 1);
	EQ("no event while an RST is undecided", fx_events(x, &ev, 1), 0);
	for (unsigned int loop = 4; loop < WORKER_RST_TRIES; loop++)
		fx_flush_once(x);
	fx_tx_refuse(0, false);
	EQ("given up", fx_rst_queued(x), 0);
	EQ("rst_sent{client}", fx_stats(x)->rst_sent[STATS_RST_CLIENT], 0);
	EQ("rst_failed", fx_stats(x)->rst_failed, 1);
	EQ("no mbuf leaked", fx_mbufs_avail(), x->avail0);
	ev = one_event(x, "after one RST left and one failed");
	EQ("event rsts", ev.rsts, 1);
	fx_free(x);
}

/* ------------------------------------------------------------------ the RST pool */

#define RST_POOL 63

static struct rte_mempool *
rst_pool_new(const char *name)
{
	struct rte_mempool *mp = rte_pktmbuf_pool_create(name, RST_POOL, 0, 0,
							 RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);

	if (mp == NULL)
		fail_msg("rte_pktmbuf_pool_create(%s) failed", name);
	return mp;
}

/*
 * The RX pool is empty (every mbuf held, as by a ring backed up on a slow port): the RSTs
 * come from their own pool, so the expiry still resets both ends.
 */
static void
test_rst_pool_survives_empty_rx_pool(void **state)
{
	static struct rte_mbuf *hog[8192];
	struct rte_mempool *mp = rst_pool_new("trk_rst_a");
	struct fx *x = fx_new(FX_T1_YAML, 1.0, 1024);
	int prof = fx_profile(x, "both");
	unsigned int n_hog = 0, rx_left, rst_avail;
	struct tconn t;
	uint32_t last;

	(void)state;
	fx_rst_pool(x, mp);
	tc_init(&t, 4, &EP_CLIENT, &EP_SERVER, 0, false);
	last = tc_open(x, &t, 100);
	/* Nothing asserts while the pool is held: a failure must not leave it empty. */
	while (n_hog < RTE_DIM(hog) && fx_mbufs_alloc(&hog[n_hog], 1) == 0)
		n_hog++;
	rx_left = fx_mbufs_avail();
	fx_at(x, last + 10000);
	rst_avail = rte_mempool_avail_count(mp);
	rte_pktmbuf_free_bulk(hog, n_hog);
	EQ("RX pool was empty", rx_left, 0);
	EQ("expired", fx_stats(x)->flows_expired[prof][FLOW_TCP_ESTABLISHED], 1);
	tc_check_rsts(x, &t, 1, 1);
	EQ("RSTs from the RST pool", rst_avail, RST_POOL - 2);
	fx_flush_once(x);
	EQ("rst_sent{client}", fx_stats(x)->rst_sent[STATS_RST_CLIENT], 1);
	EQ("rst_sent{server}", fx_stats(x)->rst_sent[STATS_RST_SERVER], 1);
	EQ("rst_failed", fx_stats(x)->rst_failed, 0);
	EQ("RST mbufs back in their pool", rte_mempool_avail_count(mp), RST_POOL);
	EQ("RX pool back", fx_mbufs_avail(), x->avail0);
	fx_free(x);
	rte_mempool_free(mp);
}

/* No mbuf for an RST: counted in rst_failed, and the event says no RST was sent. */
static void
test_rst_pool_empty_counts_failed(void **state)
{
	struct rte_mbuf *hog[RST_POOL];
	struct rte_mempool *mp = rst_pool_new("trk_rst_b");
	struct fx *x = fx_new(FX_T1_YAML, 1.0, 1024);
	int prof = fx_profile(x, "both");
	struct flow_event ev;
	struct tconn t;
	uint32_t last;

	(void)state;
	x->sh.events_on = true;
	fx_rst_pool(x, mp);
	if (rte_pktmbuf_alloc_bulk(mp, hog, RST_POOL) != 0)
		fail_msg("cannot empty the RST pool");
	tc_init(&t, 4, &EP_CLIENT, &EP_SERVER, 0, false);
	last = tc_open(x, &t, 100);
	fx_expect_expiry_at(x, last + 10000, prof, FLOW_TCP_ESTABLISHED);
	fx_flush_once(x);
	EQ("no RST queued", fx_rst_queued(x), 0);
	EQ("rst_failed", fx_stats(x)->rst_failed, 2);
	EQ("rst_sent{client}", fx_stats(x)->rst_sent[STATS_RST_CLIENT], 0);
	EQ("rst_sent{server}", fx_stats(x)->rst_sent[STATS_RST_SERVER], 0);
	ev = one_event(x, "RST pool empty");
	EQ("event action", ev.action, CFG_ON_TIMEOUT_RESET_BOTH);
	EQ("event rsts", ev.rsts, 0);
	rte_pktmbuf_free_bulk(hog, RST_POOL);
	fx_free(x);
	rte_mempool_free(mp);
}

/* ------------------------------------------------------------------ per-side stray */

/*
 * AWS NAT gateway: a segment of a forgotten connection from the resources behind it (the
 * inside) is answered with an RST; one from the internet (the outside) is dropped, counted,
 * and answered with nothing.
 */
static void
test_aws_nat_stray_by_side(void **state)
{
	struct fx *x = preset_load("aws-nat-gateway.yaml", NULL);
	struct fx_rst e;
	struct fx_pkt p;

	(void)state;
	fx_at(x, 100);
	/* From the outside: the server's data for a connection the gateway forgot. */
	p = fx_tcp_pkt(&EP_SERVER, &EP_CLIENT, PSH | ACK, 9000, 7000, 20);
	EQ("outside stray forwarded", fx_push(x, 1, fx_mbuf(&p)), 0);
	EQ("outside stray: no RST", fx_rst_queued(x), 0);
	EQ("drops{stray}", fx_stats(x)->drops[STATS_DROP_STRAY], 1);
	EQ("stray{drop}", fx_stats(x)->stray[CFG_STRAY_DROP], 1);
	EQ("stray{reset}", fx_stats(x)->stray[CFG_STRAY_RESET], 0);
	EQ("mbuf freed", fx_mbufs_avail(), x->avail0);
	/* From the inside: the client's data: an RST back to it, seq = its ACK number. */
	p = fx_tcp_pkt(&EP_CLIENT, &EP_SERVER, PSH | ACK, 7000, 9020, 10);
	EQ("inside stray forwarded", fx_push(x, 0, fx_mbuf(&p)), 0);
	EQ("inside stray: RST out of the inside port", fx_rst_n(x, 0), 1);
	EQ("inside stray: nothing out of the outside port", fx_rst_n(x, 1), 0);
	memset(&e, 0, sizeof(e));
	e.dmac = EP_CLIENT.mac;
	e.smac = EP_SERVER.mac;
	e.family = 4;
	e.sip = EP_SERVER.ip4;
	e.dip = EP_CLIENT.ip4;
	e.sport = EP_SERVER.port;
	e.dport = EP_CLIENT.port;
	e.seq = 9020;
	e.flags = RST;
	fx_check_rst("inside stray RST", fx_rst(x, 0, 0), &e);
	EQ("stray{reset}", fx_stats(x)->stray[CFG_STRAY_RESET], 1);
	EQ("stray{drop}", fx_stats(x)->stray[CFG_STRAY_DROP], 1);
	EQ("flows", fx_n_flows(x), 0);
	fx_flush_and_check(x);
	EQ("rst_sent{stray}", fx_stats(x)->rst_sent[STATS_RST_STRAY], 1);
	fx_free(x);
}

/* ------------------------------------------------------------------ per-state on_timeout */

/*
 * Cisco ASA with reset on the idle timeout (profile cisco-asa-idle-reset): an ESTABLISHED
 * connection is reset both ways at its 1 h timeout, but a half-closed one (a FIN one way,
 * acknowledged) expires at the half-closed timeout (10 min) without any RST.
 */
static void
test_asa_half_closed_silent(void **state)
{
	struct fx *x = preset_load("cisco-asa.yaml", "cisco-asa-idle-reset");
	struct flow_event ev;
	struct tconn t;
	uint32_t last;
	int prof;

	(void)state;
	x->sh.events_on = true;
	prof = fx_profile(x, "cisco-asa-idle-reset");
	/* The control: established, reset both ways (so the profile is the one under test). */
	tc_init(&t, 4, &EP_CLIENT, &EP_SERVER, 0, false);
	last = tc_open(x, &t, 100);
	EQ("profile", tc_flow(x, &t)->profile, prof);
	fx_expect_expiry_at(x, last + 3600, prof, FLOW_TCP_ESTABLISHED);
	tc_check_rsts(x, &t, 1, 1);
	fx_flush_and_check(x);
	ev = one_event(x, "established");
	EQ("established: rsts", ev.rsts, 2);

	/* Half-closed: the client sends FIN, the server acknowledges it and keeps the socket. */
	tc_init(&t, 4, &EP_CLIENT, &EP_SERVER, 0, false);
	last = tc_open(x, &t, 5000);
	fx_at(x, last + 1);
	EQ("FIN forwarded", tc_seg(x, &t, 0, FIN | ACK, 0), 1);
	EQ("ACK of the FIN forwarded", tc_seg(x, &t, 1, ACK, 0), 1);
	last++;
	EQ("half-closed state", tc_flow(x, &t)->state, FLOW_TCP_FIN_WAIT);
	fx_expect_expiry_at(x, last + 600, prof, FLOW_TCP_FIN_WAIT);
	EQ("half-closed: no RST", fx_rst_queued(x), 0);
	ev = one_event(x, "half-closed");
	EQ("half-closed: event rsts", ev.rsts, 0);
	/* A silent expiry is written as no action (engine.c flow_expire). */
	EQ("half-closed: event action", ev.action, FLOW_EV_NO_ACTION);
	EQ("flows", fx_n_flows(x), 0);
	fx_free(x);
}

/*
 * Azure LB with TCP reset on idle: a connection still in SYN_RECV (SYN, SYN-ACK, the last
 * ACK never came) expires silently; an ESTABLISHED one gets an RST both ways.
 */
static void
test_azure_reset_established_only(void **state)
{
	struct fx *x = preset_load("azure-lb-tcp-reset.yaml", NULL);
	int prof = fx_profile(x, "azure-lb-tcp-reset");
	struct tconn t;
	uint32_t last;

	(void)state;
	tc_init(&t, 4, &EP_CLIENT, &EP_SERVER, 0, false);
	fx_at(x, 100);
	EQ("SYN forwarded", tc_seg(x, &t, 0, SYN, 0), 1);
	EQ("SYN-ACK forwarded", tc_seg(x, &t, 1, SYN | ACK, 0), 1);
	EQ("state", tc_flow(x, &t)->state, FLOW_TCP_SYN_RECV);
	fx_expect_expiry_at(x, 100 + 240, prof, FLOW_TCP_SYN_RECV);
	EQ("SYN_RECV: no RST", fx_rst_queued(x), 0);

	tc_init(&t, 4, &EP_CLIENT, &EP_SERVER, 0, false);
	last = tc_open(x, &t, 1000);
	fx_expect_expiry_at(x, last + 240, prof, FLOW_TCP_ESTABLISHED);
	tc_check_rsts(x, &t, 1, 1);
	fx_flush_and_check(x);
	fx_free(x);
}

/* ------------------------------------------------------------------ rst_payload */

#define PAYLOAD_TEXT "Idle timeout (idlecut test)"

static const char payload_yaml[] = "name: payload\n"
				   "ports: [{name: a, inside: {port: 0}, outside: {port: 1}}]\n"
				   "profiles:\n"
				   "  p:\n"
				   "    tcp: {handshake: 1s, established: 3s}\n"
				   "    on_timeout: reset-both\n"
				   "    stray_tcp: reset\n"
				   "    rst_payload: \"" PAYLOAD_TEXT "\"\n"
				   "default_profile: p\n";

/* Both timeout RSTs and a stray's RST carry the text, with valid IPv4/IPv6 and TCP sums. */
static void
test_rst_payload(void **state)
{
	struct fx *x = fx_new(payload_yaml, 1.0, 1024);
	int prof = fx_profile(x, "p");
	struct fx_rst e;
	struct fx_pkt p;
	struct tconn t;
	uint32_t last, now = 100;
	char what[64];

	(void)state;
	for (uint8_t family = 4; family <= 6; family += 2) {
		tc_init(&t, family, &EP_CLIENT, &EP_SERVER, 0, false);
		last = tc_open(x, &t, now);
		fx_expect_expiry_at(x, last + 3000, prof, FLOW_TCP_ESTABLISHED);
		EQ("RSTs", fx_rst_queued(x), 2);
		e = tc_rst_exp(&t, 0);
		e.payload = PAYLOAD_TEXT;
		snprintf(what, sizeof(what), "IPv%u RST to the client", family);
		fx_check_rst(what, fx_rst(x, 0, 0), &e);
		e = tc_rst_exp(&t, 1);
		e.payload = PAYLOAD_TEXT;
		snprintf(what, sizeof(what), "IPv%u RST to the server", family);
		fx_check_rst(what, fx_rst(x, 1, 0), &e);
		fx_flush_and_check(x);
		now = last + 3100;
	}
	/* A stray's RST too. */
	fx_at(x, now);
	p = fx_tcp_pkt(&EP_CLIENT, &EP_SERVER, ACK, 7000, 9000, 0);
	EQ("stray forwarded", fx_push(x, 0, fx_mbuf(&p)), 0);
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
	e.payload = PAYLOAD_TEXT;
	fx_check_rst("stray RST", fx_rst(x, 0, 0), &e);
	fx_flush_and_check(x);
	fx_free(x);
}

/* ------------------------------------------------------------------ main */

static void
add_tests(void)
{
	fx_add_test("refused_rsts_fail_after_tries", test_refused_rsts_fail, NULL);
	fx_add_test("refused_then_taken", test_refused_then_taken, NULL);
	fx_add_test("rst_pool_survives_empty_rx_pool", test_rst_pool_survives_empty_rx_pool, NULL);
	fx_add_test("rst_pool_empty_counts_failed", test_rst_pool_empty_counts_failed, NULL);
	fx_add_test("aws_nat_gateway_stray_by_side", test_aws_nat_stray_by_side, NULL);
	fx_add_test("asa_idle_reset_half_closed_silent", test_asa_half_closed_silent, NULL);
	fx_add_test("azure_lb_reset_established_only", test_azure_reset_established_only, NULL);
	fx_add_test("rst_payload", test_rst_payload, NULL);
}

int
main(int argc, char **argv)
{
	return fx_main(argc, argv, "dataplane-fidelity", add_tests);
}
