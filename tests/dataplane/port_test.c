/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * port_setup_conf() with a pair's MTU against real ethdev ports (EAL with --no-huge, no root, no NIC): what
 * ethdev accepted and keeps after configure and start, for a driver that offers scatter and
 * multi-segment TX (net_ring) and one that offers neither (net_null); and a chained jumbo
 * frame sent through the jumbo-configured net_ring port comes back whole (net_ring passes
 * mbufs as they are: that checks the port takes and returns chains, not a driver's
 * scatter code). The decision table itself is in tests/unit/port_test.c; this checks that
 * ethdev accepts and keeps the configuration it produces.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "port.h"

static struct rte_mempool *g_mp;
static uint16_t g_ring, g_null;

/* (Re)configure @p port for @p mtu: port_setup_conf() starts it, so stop it first. */
static int
setup(uint16_t port, uint16_t mtu)
{
	struct port_conf pc = {.mtu = mtu};

	(void)rte_eth_dev_stop(port); /* 0 on a port never started */
	return port_setup_conf(port, g_mp, &pc, NULL);
}

static void
test_ring_jumbo_offloads(void **state)
{
	struct rte_eth_conf conf;
	uint16_t mtu = 0;

	(void)state;
	assert_int_equal(setup(g_ring, 9000), 0);
	assert_int_equal(rte_eth_dev_conf_get(g_ring, &conf), 0);
	assert_int_equal(conf.rxmode.mtu, 9000);
	assert_true(conf.rxmode.offloads & RTE_ETH_RX_OFFLOAD_SCATTER);
	assert_true(conf.txmode.offloads & RTE_ETH_TX_OFFLOAD_MULTI_SEGS);
	assert_int_equal(rte_eth_dev_get_mtu(g_ring, &mtu), 0);
	assert_int_equal(mtu, 9000);
}

static void
test_ring_default_no_offloads(void **state)
{
	struct rte_eth_conf conf;
	uint16_t mtu = 0;

	(void)state;
	assert_int_equal(setup(g_ring, 0), 0);
	assert_int_equal(rte_eth_dev_conf_get(g_ring, &conf), 0);
	assert_int_equal(conf.rxmode.mtu, 1500);
	assert_false(conf.rxmode.offloads & RTE_ETH_RX_OFFLOAD_SCATTER);
	assert_false(conf.txmode.offloads & RTE_ETH_TX_OFFLOAD_MULTI_SEGS);
	assert_int_equal(rte_eth_dev_get_mtu(g_ring, &mtu), 0);
	assert_int_equal(mtu, 1500);
}

/* net_null offers neither offload: the MTU is taken, nothing it would refuse is asked. */
static void
test_null_jumbo_without_offloads(void **state)
{
	struct rte_eth_conf conf;

	(void)state;
	assert_int_equal(setup(g_null, 9000), 0);
	assert_int_equal(rte_eth_dev_conf_get(g_null, &conf), 0);
	assert_int_equal(conf.rxmode.mtu, 9000);
	assert_int_equal(conf.rxmode.offloads, 0);
	assert_int_equal(conf.txmode.offloads, 0);
}

static void
test_mtu_below_minimum(void **state)
{
	(void)state;
	/* ethdev's minimum is 46 (a 64-byte frame); port_frames_conf refuses first. */
	assert_int_equal(setup(g_null, 45), -EINVAL);
	assert_int_equal(setup(g_null, 1500), 0);
}

/* A 9000-byte frame in five 2 KB segments leaves the ring port and comes back whole. */
static void
test_ring_chain_round_trip(void **state)
{
	struct rte_mbuf *head = NULL, *got[4];
	uint32_t total = 9014, left = total, off = 0;
	uint8_t back[9014];
	unsigned int n = 0;

	(void)state;
	assert_int_equal(setup(g_ring, 9000), 0);
	while (left > 0) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(g_mp);
		uint16_t k = (uint16_t)RTE_MIN(left, rte_pktmbuf_tailroom(m));
		uint8_t *p;

		assert_non_null(m);
		p = (uint8_t *)rte_pktmbuf_append(m, k);
		for (uint16_t i = 0; i < k; i++)
			p[i] = (uint8_t)((off + i) * 7);
		if (head == NULL)
			head = m;
		else
			assert_int_equal(rte_pktmbuf_chain(head, m), 0);
		off += k;
		left -= k;
	}
	assert_int_equal(head->nb_segs, 5);
	assert_int_equal(rte_eth_tx_burst(g_ring, 0, &head, 1), 1);
	for (int tries = 0; tries < 100 && n == 0; tries++)
		n = rte_eth_rx_burst(g_ring, 0, got, 4);
	assert_int_equal(n, 1);
	assert_int_equal(rte_pktmbuf_pkt_len(got[0]), total);
	assert_int_equal(got[0]->nb_segs, 5);
	assert_ptr_equal(rte_pktmbuf_read(got[0], 0, total, back), back);
	for (uint32_t i = 0; i < total; i++)
		if (back[i] != (uint8_t)(i * 7))
			fail_msg("byte %u differs", i);
	rte_pktmbuf_free(got[0]);
}

int
main(void)
{
	char prefix[64];
	char *eal[] = {"port_test",
		       "--no-huge",
		       "-m",
		       "128",
		       "--no-pci",
		       "--no-shconf",
		       "--no-telemetry",
		       prefix,
		       "-l",
		       "0",
		       "--vdev=net_ring0",
		       "--vdev=net_null0",
		       "--log-level=lib.eal:error",
		       NULL};
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ring_jumbo_offloads),
		cmocka_unit_test(test_ring_default_no_offloads),
		cmocka_unit_test(test_null_jumbo_without_offloads),
		cmocka_unit_test(test_mtu_below_minimum),
		cmocka_unit_test(test_ring_chain_round_trip),
	};
	char rundir[4096];
	int rc;

	snprintf(prefix, sizeof(prefix), "--file-prefix=idlecut-porttest-%d", (int)getpid());
	if (rte_eal_init((int)RTE_DIM(eal) - 1, eal) < 0) {
		fprintf(stderr, "port_test: cannot initialise EAL: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	g_mp = rte_pktmbuf_pool_create("porttest", 1023, 32, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       (int)rte_socket_id());
	if (g_mp == NULL || rte_eth_dev_get_port_by_name("net_ring0", &g_ring) != 0 ||
	    rte_eth_dev_get_port_by_name("net_null0", &g_null) != 0) {
		fprintf(stderr, "port_test: no mbuf pool or no net_ring0/net_null0 port\n");
		return 1;
	}
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	port_close_all();
	rte_mempool_free(g_mp);
	snprintf(rundir, sizeof(rundir), "%s", rte_eal_get_runtime_dir());
	rte_eal_cleanup();
	(void)rmdir(rundir);
	return rc;
}
