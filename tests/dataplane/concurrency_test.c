/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Two workers, each on its own pair and thread, forwarding and expiring while a third
 * thread sums their counters as the control thread does: no counter ever goes backwards,
 * and every packet and flow is accounted for.
 *
 * Run: meson test -C build --suite dataplane (tests/dataplane/harness.h says how they run).
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

/* ------------------------------------------------------------------ concurrency */

#define T10_BURSTS 4000
#define T10_GROUP 50 /* bursts per group of 32 flows */

static const char T10_YAML[] = "name: t10\n"
			       "ports: [{name: a, inside: {port: 0}, outside: {port: 1}}]\n"
			       "profiles:\n"
			       "  p: {udp: {single: 20ms, stream: 20ms}}\n"
			       "default_profile: p\n";

struct t10_writer {
	struct fx *x;
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
	struct fx_ep c = EP_CLIENT, s = EP_SERVER;

	while (!__atomic_load_n(tw->go, __ATOMIC_ACQUIRE))
		;
	for (uint32_t b = 0; b < T10_BURSTS; b++) {
		struct rte_mbuf *m[WORKER_BURST], *out[WORKER_BURST];
		unsigned int pi = b & 1;
		uint16_t n;

		if (b % 8 == 0)
			fx_at(tw->x, tw->ticks = b / 8);
		if (fx_mbufs_alloc(m, WORKER_BURST) != 0) {
			tw->err = ENOMEM;
			return NULL;
		}
		for (unsigned int i = 0; i < WORKER_BURST; i++) {
			struct fx_pkt p = fx_udp_pkt(pi ? &s : &c, pi ? &c : &s);

			c.port = (uint16_t)(1024 + (b / T10_GROUP) * WORKER_BURST + i);
			fx_fill(m[i], &p);
		}
		n = fx_burst(tw->x, pi, m, WORKER_BURST, out);
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
		tw[i].x = x[i];
		tw[i].go = &go;
	}
	memset(&tr, 0, sizeof(tr));
	tr.in[0] = fx_stats(x[0]);
	tr.in[1] = fx_stats(x[1]);
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
		for (unsigned int k = 0; k < 100 && fx_n_flows(x[i]) > 0; k++)
			fx_at(x[i], tw[i].ticks + 1000 + k);
		EQ("flows left", fx_n_flows(x[i]), 0);
	}
	stats_sum(sum, tr.in, 2);
	for (unsigned int i = 0; i < 2; i++) {
		EQ("forwarded", tw[i].forwarded, tw[i].sent[0] + tw[i].sent[1]);
		/* Per-port counters are by pair and side: both workers serve a pair 0 here. */
		EQ("rx_packets inside", fx_stats(x[i])->rx_packets[0], tw[i].sent[0]);
		EQ("rx_packets outside", fx_stats(x[i])->rx_packets[1], tw[i].sent[1]);
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

/* ------------------------------------------------------------------ main */

static void
add_tests(void)
{
	fx_add_test("two_workers_concurrent_stats", test_two_workers_concurrent, NULL);
}

int
main(int argc, char **argv)
{
	return fx_main(argc, argv, "dataplane-concurrency", add_tests);
}
