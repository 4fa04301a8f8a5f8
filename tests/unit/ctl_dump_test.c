/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of how /idlecut/flows,N shares N between the workers (ctl_dump_merge() in
 * control/ctl.c): round-robin, so worker 0 cannot fill the sample alone, and what a worker
 * with few flows leaves is filled by the others. No EAL.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ctl.h"

#define W 3
#define PER 100

static struct flow_dump dumps[W][PER];
static const struct flow_dump *src[W] = {dumps[0], dumps[1], dumps[2]};
static const uint16_t lcores[W] = {7, 8, 9};

/* Mark each worker's flow k by idle_ms = 1000 * worker + k. */
static int
setup(void **state)
{
	(void)state;
	for (unsigned int i = 0; i < W; i++)
		for (unsigned int k = 0; k < PER; k++) {
			memset(&dumps[i][k], 0, sizeof(dumps[i][k]));
			dumps[i][k].idle_ms = 1000 * i + k;
		}
	return 0;
}

/* The worker a copy came from, by its mark; its worker field must name that lcore. */
static unsigned int
from(const struct flow_dump *d)
{
	assert_int_equal(d->worker, lcores[d->idle_ms / 1000]);
	return d->idle_ms / 1000;
}

static void
test_even_share(void **state)
{
	unsigned int n_src[W] = {PER, PER, PER}, count[W] = {0, 0, 0};
	struct flow_dump out[30];
	unsigned int n = ctl_dump_merge(out, 30, src, n_src, lcores, W);

	(void)state;
	assert_int_equal(n, 30);
	for (unsigned int j = 0; j < n; j++)
		count[from(&out[j])]++;
	for (unsigned int i = 0; i < W; i++)
		assert_int_equal(count[i], 10);
	/* In turn: w0 k0, w1 k0, w2 k0, w0 k1 ... */
	assert_int_equal(out[0].idle_ms, 0);
	assert_int_equal(out[1].idle_ms, 1000);
	assert_int_equal(out[2].idle_ms, 2000);
	assert_int_equal(out[3].idle_ms, 1);
}

static void
test_short_worker_filled_by_others(void **state)
{
	unsigned int n_src[W] = {PER, 2, 0}, count[W] = {0, 0, 0};
	struct flow_dump out[10];
	unsigned int n = ctl_dump_merge(out, 10, src, n_src, lcores, W);

	(void)state;
	assert_int_equal(n, 10);
	for (unsigned int j = 0; j < n; j++)
		count[from(&out[j])]++;
	assert_int_equal(count[0], 8);
	assert_int_equal(count[1], 2);
	assert_int_equal(count[2], 0);
	/* Each worker's flows once, in its own order. */
	assert_int_equal(out[9].idle_ms, 7);
}

static void
test_fewer_than_max(void **state)
{
	unsigned int n_src[W] = {3, 0, 4};
	struct flow_dump out[50];

	(void)state;
	assert_int_equal(ctl_dump_merge(out, 50, src, n_src, lcores, W), 7);
	assert_int_equal(ctl_dump_merge(out, 0, src, n_src, lcores, W), 0);
	n_src[0] = n_src[2] = 0;
	assert_int_equal(ctl_dump_merge(out, 50, src, n_src, lcores, W), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_even_share, setup),
		cmocka_unit_test_setup(test_short_worker_filled_by_others, setup),
		cmocka_unit_test_setup(test_fewer_than_max, setup),
	};

	return cmocka_run_group_tests_name("ctl_dump", tests, NULL, NULL);
}
