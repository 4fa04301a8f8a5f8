/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * port_frames_conf() / port_frame_len() tests: what a port is configured with to carry a
 * pair's MTU, from a driver description (struct rte_eth_dev_info) made up here, so every
 * capability combination is tried without a device or EAL. Frame sizes are worked out by
 * hand in each test (header + CRC + two VLAN tags = 26 bytes over the MTU), not with the
 * function under test.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "port.h"

#define BUF 2048 /* data room of idlecut's mbufs: RTE_MBUF_DEFAULT_DATAROOM */

/* A driver with the given offload capabilities that states no L2 overhead (ethdev defaults). */
static struct rte_eth_dev_info
driver(uint64_t rx_capa, uint64_t tx_capa)
{
	struct rte_eth_dev_info info;

	memset(&info, 0, sizeof(info));
	info.min_mtu = RTE_ETHER_MIN_MTU; /* 68 */
	info.max_mtu = UINT16_MAX;
	info.max_rx_pktlen = UINT32_MAX;
	info.rx_offload_capa = rx_capa;
	info.tx_offload_capa = tx_capa;
	return info;
}

static void
test_default_mtu_no_offload(void **state)
{
	struct rte_eth_dev_info info =
		driver(RTE_ETH_RX_OFFLOAD_SCATTER, RTE_ETH_TX_OFFLOAD_MULTI_SEGS);
	struct rte_eth_conf conf;

	(void)state;
	memset(&conf, 0, sizeof(conf));
	assert_int_equal(port_frames_conf(0, &info, 0, BUF, &conf), 0);
	assert_int_equal(conf.rxmode.mtu, 1500);
	assert_int_equal(conf.rxmode.offloads, 0);
	assert_int_equal(conf.txmode.offloads, 0);
	assert_int_equal(port_frame_len(&info, 1500), 1526);
}

static void
test_jumbo_scatters(void **state)
{
	struct rte_eth_dev_info info =
		driver(RTE_ETH_RX_OFFLOAD_SCATTER, RTE_ETH_TX_OFFLOAD_MULTI_SEGS);
	struct rte_eth_conf conf;

	(void)state;
	memset(&conf, 0, sizeof(conf));
	assert_int_equal(port_frames_conf(0, &info, 9000, BUF, &conf), 0);
	assert_int_equal(conf.rxmode.mtu, 9000);
	assert_int_equal(conf.rxmode.offloads, RTE_ETH_RX_OFFLOAD_SCATTER);
	assert_int_equal(conf.txmode.offloads, RTE_ETH_TX_OFFLOAD_MULTI_SEGS);
	assert_int_equal(port_frame_len(&info, 9000), 9026);
}

/* The boundary: a QinQ frame of the MTU exactly fills an mbuf, or is one byte over. */
static void
test_scatter_boundary(void **state)
{
	struct rte_eth_dev_info info =
		driver(RTE_ETH_RX_OFFLOAD_SCATTER, RTE_ETH_TX_OFFLOAD_MULTI_SEGS);
	struct rte_eth_conf conf;

	(void)state;
	memset(&conf, 0, sizeof(conf));
	assert_int_equal(port_frames_conf(0, &info, BUF - 26, BUF, &conf), 0);
	assert_int_equal(conf.rxmode.offloads, 0);
	memset(&conf, 0, sizeof(conf));
	assert_int_equal(port_frames_conf(0, &info, BUF - 25, BUF, &conf), 0);
	assert_int_equal(conf.rxmode.offloads, RTE_ETH_RX_OFFLOAD_SCATTER);
}

/* A driver that states its overhead (max_rx_pktlen - max_mtu = 30 here) is believed. */
static void
test_driver_overhead(void **state)
{
	struct rte_eth_dev_info info = driver(RTE_ETH_RX_OFFLOAD_SCATTER, 0);
	struct rte_eth_conf conf;

	(void)state;
	info.max_mtu = 9702;
	info.max_rx_pktlen = 9732;
	assert_int_equal(port_frame_len(&info, 1500), 1538);
	memset(&conf, 0, sizeof(conf));
	assert_int_equal(port_frames_conf(0, &info, BUF - 38, BUF, &conf), 0);
	assert_int_equal(conf.rxmode.offloads, 0);
	assert_int_equal(port_frames_conf(0, &info, BUF - 37, BUF, &conf), 0);
	assert_int_equal(conf.rxmode.offloads, RTE_ETH_RX_OFFLOAD_SCATTER);
	/* Above what it states: refused. */
	assert_int_equal(port_frames_conf(0, &info, 9703, BUF, &conf), -EINVAL);
}

/*
 * No scatter offered (net_pcap, which chains anyway): accepted with a warning, and no RX
 * offload the driver would refuse at configure; multi-segment TX still taken.
 */
static void
test_no_scatter_offered(void **state)
{
	struct rte_eth_dev_info info = driver(0, RTE_ETH_TX_OFFLOAD_MULTI_SEGS);
	struct rte_eth_conf conf;

	(void)state;
	memset(&conf, 0, sizeof(conf));
	assert_int_equal(port_frames_conf(0, &info, 9000, BUF, &conf), 0);
	assert_int_equal(conf.rxmode.mtu, 9000);
	assert_int_equal(conf.rxmode.offloads, 0);
	assert_int_equal(conf.txmode.offloads, RTE_ETH_TX_OFFLOAD_MULTI_SEGS);
	/* Neither offered: nothing asked for. */
	info = driver(0, 0);
	memset(&conf, 0, sizeof(conf));
	assert_int_equal(port_frames_conf(0, &info, 9000, BUF, &conf), 0);
	assert_int_equal(conf.rxmode.offloads, 0);
	assert_int_equal(conf.txmode.offloads, 0);
}

/* Scatter without multi-segment TX: accepted (with a warning), no TX offload invented. */
static void
test_scatter_without_multiseg(void **state)
{
	struct rte_eth_dev_info info = driver(RTE_ETH_RX_OFFLOAD_SCATTER, 0);
	struct rte_eth_conf conf;

	(void)state;
	memset(&conf, 0, sizeof(conf));
	assert_int_equal(port_frames_conf(0, &info, 9000, BUF, &conf), 0);
	assert_int_equal(conf.rxmode.offloads, RTE_ETH_RX_OFFLOAD_SCATTER);
	assert_int_equal(conf.txmode.offloads, 0);
}

static void
test_mtu_range(void **state)
{
	struct rte_eth_dev_info info = driver(RTE_ETH_RX_OFFLOAD_SCATTER, 0);
	struct rte_eth_conf conf;

	(void)state;
	memset(&conf, 0, sizeof(conf));
	assert_int_equal(port_frames_conf(0, &info, 67, BUF, &conf), -EINVAL);
	assert_int_equal(conf.rxmode.mtu, 0);
	assert_int_equal(port_frames_conf(0, &info, 68, BUF, &conf), 0);
	info.max_mtu = 9000;
	assert_int_equal(port_frames_conf(0, &info, 9001, BUF, &conf), -EINVAL);
	assert_int_equal(port_frames_conf(0, &info, 9000, BUF, &conf), 0);
}

/*
 * A driver that states a largest frame but no largest MTU (the 22.11 TAP driver: 1522 bytes,
 * max_mtu left at UINT16_MAX): ethdev refuses an MTU whose frame (MTU + 18) exceeds it.
 */
static void
test_max_frame(void **state)
{
	struct rte_eth_dev_info info =
		driver(RTE_ETH_RX_OFFLOAD_SCATTER, RTE_ETH_TX_OFFLOAD_MULTI_SEGS);
	struct rte_eth_conf conf;

	(void)state;
	info.max_rx_pktlen = 1522;
	memset(&conf, 0, sizeof(conf));
	assert_int_equal(port_frames_conf(0, &info, 1504, BUF, &conf), 0);
	assert_int_equal(conf.rxmode.mtu, 1504);
	memset(&conf, 0, sizeof(conf));
	assert_int_equal(port_frames_conf(0, &info, 1505, BUF, &conf), -EINVAL);
	assert_int_equal(port_frames_conf(0, &info, 9000, BUF, &conf), -EINVAL);
	assert_int_equal(conf.rxmode.mtu, 0);
	assert_int_equal(conf.rxmode.offloads, 0);
}

/* Offloads already in the configuration stay; only the frame ones are added. */
static void
test_keeps_other_offloads(void **state)
{
	struct rte_eth_dev_info info =
		driver(RTE_ETH_RX_OFFLOAD_SCATTER, RTE_ETH_TX_OFFLOAD_MULTI_SEGS);
	struct rte_eth_conf conf;

	(void)state;
	memset(&conf, 0, sizeof(conf));
	conf.rxmode.offloads = RTE_ETH_RX_OFFLOAD_RSS_HASH;
	conf.txmode.offloads = RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE;
	conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
	assert_int_equal(port_frames_conf(0, &info, 9000, BUF, &conf), 0);
	assert_int_equal(conf.rxmode.offloads,
			 RTE_ETH_RX_OFFLOAD_RSS_HASH | RTE_ETH_RX_OFFLOAD_SCATTER);
	assert_int_equal(conf.txmode.offloads,
			 RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE | RTE_ETH_TX_OFFLOAD_MULTI_SEGS);
	assert_int_equal(conf.rxmode.mq_mode, RTE_ETH_MQ_RX_RSS);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_mtu_no_offload),
		cmocka_unit_test(test_jumbo_scatters),
		cmocka_unit_test(test_scatter_boundary),
		cmocka_unit_test(test_driver_overhead),
		cmocka_unit_test(test_no_scatter_offered),
		cmocka_unit_test(test_scatter_without_multiseg),
		cmocka_unit_test(test_mtu_range),
		cmocka_unit_test(test_max_frame),
		cmocka_unit_test(test_keeps_other_offloads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
