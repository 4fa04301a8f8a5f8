/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the mbuf pool sizing (dataplane/port.c, port_pool_size): every ring full,
 * a burst in flight per queue, the lcore caches and the extra mbufs, rounded to 2^k - 1 and
 * capped. No EAL (the rest of port.c needs ports; e2e 'memory' and 'link' cover it).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "port.h"

/* The need before rounding, written out independently of port.c. */
static uint64_t
need(unsigned int rxq, unsigned int txq, unsigned int rxd, unsigned int txd, unsigned int w,
     unsigned int extra)
{
	return (uint64_t)rxq * (rxd + PORT_BURST) + (uint64_t)txq * (txd + PORT_BURST) +
	       (uint64_t)(w + 1) * PORT_MBUF_CACHE * 2 + extra;
}

static void
test_defaults(void **state)
{
	(void)state;
	/* One pair, default rings, one worker, 4096 for RSTs: 9472 -> 16383 (what ran before). */
	assert_int_equal(need(2, 2, 1024, 1024, 1, 4096), 9472);
	assert_int_equal(port_pool_size(2, 2, 1024, 1024, 1, 4096), 16383);
	/* Deeper rings grow the pool: 4096 descriptors -> 21760 -> 32767. */
	assert_int_equal(port_pool_size(2, 2, 4096, 4096, 1, 4096), 32767);
	/* Eight pairs on four workers. */
	assert_int_equal(port_pool_size(16, 16, 1024, 1024, 4, 4096), 65535);
}

static void
test_rounding(void **state)
{
	(void)state;
	for (unsigned int rxd = 32; rxd <= 32768; rxd *= 2) {
		for (unsigned int q = 1; q <= 8; q++) {
			uint64_t n = need(q, q, rxd, 512, 2, 4096);
			unsigned int got = port_pool_size(q, q, rxd, 512, 2, 4096);

			/* At least the need, 2^k - 1, and the smallest such. */
			assert_true(got >= n);
			assert_int_equal(got & (got + 1), 0);
			assert_true((uint64_t)got / 2 < n);
		}
	}
	/* Exactly 2^k - 1 needed: no rounding up past it. */
	assert_int_equal(port_pool_size(0, 0, 0, 0, 0, 32767 - 512), 32767);
	assert_int_equal(port_pool_size(0, 0, 0, 0, 0, 32768 - 512), 65535);
}

static void
test_cap(void **state)
{
	(void)state;
	/* Beyond the largest pool --mbufs accepts: capped, still 2^k - 1. */
	assert_int_equal(port_pool_size(1024, 1024, 32768, 32768, 64, 0), PORT_MBUFS_MAX - 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_rounding),
		cmocka_unit_test(test_cap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
