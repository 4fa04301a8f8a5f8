/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Scale: 100 000 flows due at the same tick expire within the per-call budget, every one
 * accounted for in the lateness histogram; and, with IDLECUT_BIG=1 (about 1.9 GB), the
 * memory and set-up time of a 16 Mi-flow table.
 *
 * Run: meson test -C build --suite dataplane (tests/dataplane/harness.h says how they run).
 */
#include <errno.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

/* ------------------------------------------------------------------ lateness */

static const char T9_YAML[] = "name: t9\n"
			      "ports: [{name: a, inside: {port: 0}, outside: {port: 1}}]\n"
			      "flow_table: {capacity: 131072}\n"
			      "profiles:\n"
			      "  p: {udp: {single: 1s, stream: 1s}}\n"
			      "default_profile: p\n";

static void
test_lateness_100k(void **state)
{
	enum { N = 100000, T0 = 10, TMO = 1000, MAX_LATE = 100000 };
	struct fx *x = fx_new(T9_YAML, 1.0, 131072);
	uint32_t *hist = calloc(MAX_LATE, sizeof(*hist));
	uint32_t due = T0 + TMO, tick, max_late = 0, p50 = UINT32_MAX, p99 = UINT32_MAX;
	uint64_t done = 0, seen = 0, buckets = 0;
	struct fx_ep c = EP_CLIENT, s = EP_SERVER;
	double t_create, t_expire;

	(void)state;
	assert_non_null(hist);
	s.port = 53;
	fx_at(x, T0);
	t_create = fx_now_s();
	for (uint32_t i = 0; i < N; i += WORKER_BURST) {
		struct rte_mbuf *m[WORKER_BURST], *out[WORKER_BURST];
		uint16_t n = (uint16_t)RTE_MIN((uint32_t)WORKER_BURST, N - i), fwd;

		assert_int_equal(fx_mbufs_alloc(m, n), 0);
		for (uint16_t j = 0; j < n; j++) {
			uint32_t id = i + j;
			struct fx_pkt p = fx_udp_pkt(&c, &s);

			c.ip4[13] = (uint8_t)(id >> 16);
			c.ip4[14] = (uint8_t)(id >> 8);
			c.ip4[15] = (uint8_t)id;
			fx_fill(m[j], &p);
		}
		fwd = fx_burst(x, 0, m, n, out);
		EQ("forwarded", fwd, n);
		rte_pktmbuf_free_bulk(out, fwd);
	}
	t_create = fx_now_s() - t_create;
	EQ("flows", fx_n_flows(x), N);
	EQ("flows_created", fx_stats(x)->flows_created[fx_profile(x, "p")], N);

	fx_at(x, due - 1);
	EQ("expired before due", fx_expired_total(x), 0);
	t_expire = fx_now_s();
	for (tick = due; done < N && tick - due < MAX_LATE; tick++) {
		uint64_t got;

		fx_at(x, tick);
		got = fx_expired_total(x) - done;
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
	t_expire = fx_now_s() - t_expire;
	EQ("all expired", done, N);
	EQ("flows", fx_n_flows(x), 0);
	for (uint32_t l = 0; l <= max_late; l++) {
		seen += hist[l];
		if (p50 == UINT32_MAX && seen * 2 >= N)
			p50 = l;
		if (p99 == UINT32_MAX && seen * 100 >= (uint64_t)N * 99)
			p99 = l;
	}
	/* The lateness histogram agrees with what the test counted per tick. */
	EQ("late_count", fx_stats(x)->late_count, N);
	EQ("late_max_ns", fx_stats(x)->late_max_ns, (uint64_t)max_late * 1000000);
	for (unsigned int b = 0; b <= STATS_LATE_BUCKETS; b++)
		buckets += fx_stats(x)->late_buckets[b];
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

/* ------------------------------------------------------------------ 16 Mi flows */

static void
big_table_16Mi(void **state)
{
	const uint32_t cap = 1u << 24;
	struct flow_table *ft;
	double t;

	(void)state;
	t = fx_now_s();
	ft = flow_table_create(cap, 1, 0);
	t = fx_now_s() - t;
	if (ft == NULL)
		fail_msg("flow_table_create(%u): %s", cap, strerror(errno));
	printf("flow table of %u flows: %.1f MiB (%.1f B/flow), created and pre-faulted in "
	       "%.0f ms\n",
	       cap, (double)flow_table_memory(cap) / (1 << 20),
	       (double)flow_table_memory(cap) / cap, t * 1e3);
	flow_table_destroy(ft);
}

/* ------------------------------------------------------------------ main */

static void
add_tests(void)
{
	fx_add_test("lateness_100k_same_tick", test_lateness_100k, NULL);
	if (getenv("IDLECUT_BIG") != NULL && strcmp(getenv("IDLECUT_BIG"), "1") == 0)
		fx_add_test("big_table_16Mi", big_table_16Mi, NULL);
	else
		printf("big_table_16Mi: not run (set IDLECUT_BIG=1; needs about 2 GB)\n");
}

int
main(int argc, char **argv)
{
	return fx_main(argc, argv, "dataplane-scale", add_tests);
}
