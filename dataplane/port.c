/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdbool.h>

#include <rte_ethdev.h>
#include <rte_errno.h>
#include <rte_log.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "port.h"

RTE_LOG_REGISTER_SUFFIX(port_logtype, port, INFO);
#define PORT_LOG(level, ...) rte_log(RTE_LOG_##level, port_logtype, "idlecut.port: " __VA_ARGS__)

static bool started[RTE_MAX_ETHPORTS];

struct rte_mempool *
port_pool_create(unsigned int n_ports, unsigned int n_workers, unsigned int extra)
{
	/*
	 * Every RX ring can be full, every TX ring can hold unsent mbufs, each worker can have
	 * a burst in flight per port and a full per-lcore cache.
	 */
	unsigned int n = n_ports * (PORT_RX_DESC + PORT_TX_DESC + 2 * 64) +
			 (n_workers + 1) * PORT_MBUF_CACHE * 2 + extra;

	n = rte_align32pow2(n) - 1; /* mempool rings are most efficient at 2^k - 1 */
	return rte_pktmbuf_pool_create("idlecut_mbufs", n, PORT_MBUF_CACHE, 0,
				       RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
}

int
port_setup(uint16_t port_id, struct rte_mempool *mp)
{
	struct rte_eth_conf conf = {0};
	struct rte_eth_dev_info info;
	struct rte_eth_rxconf rxq;
	struct rte_eth_txconf txq;
	uint16_t nb_rxd = PORT_RX_DESC, nb_txd = PORT_TX_DESC;
	int socket, ret;

	if (!rte_eth_dev_is_valid_port(port_id))
		return -ENODEV;
	ret = rte_eth_dev_info_get(port_id, &info);
	if (ret < 0)
		return ret;
	/* The forwarded frame must leave exactly as it came: no offload rewrites it. */
	ret = rte_eth_dev_configure(port_id, 1, 1, &conf);
	if (ret < 0)
		return ret;
	ret = rte_eth_dev_adjust_nb_rx_tx_desc(port_id, &nb_rxd, &nb_txd);
	if (ret < 0)
		return ret;
	socket = rte_eth_dev_socket_id(port_id);
	if (socket < 0)
		socket = (int)rte_socket_id();
	rxq = info.default_rxconf;
	txq = info.default_txconf;
	ret = rte_eth_rx_queue_setup(port_id, 0, nb_rxd, (unsigned int)socket, &rxq, mp);
	if (ret < 0)
		return ret;
	ret = rte_eth_tx_queue_setup(port_id, 0, nb_txd, (unsigned int)socket, &txq);
	if (ret < 0)
		return ret;
	ret = rte_eth_dev_start(port_id);
	if (ret < 0)
		return ret;
	started[port_id] = true;
	/* Not every PMD can (net_ring, net_null): forwarding works without, so only warn. */
	ret = rte_eth_promiscuous_enable(port_id);
	if (ret < 0 && ret != -ENOTSUP)
		PORT_LOG(WARNING, "port %u: cannot enable promiscuous mode: %s\n", port_id,
			 rte_strerror(-ret));
	ret = rte_eth_allmulticast_enable(port_id);
	if (ret < 0 && ret != -ENOTSUP)
		PORT_LOG(WARNING, "port %u: cannot enable all-multicast: %s\n", port_id,
			 rte_strerror(-ret));
	return 0;
}

void
port_close_all(void)
{
	for (uint16_t p = 0; p < RTE_MAX_ETHPORTS; p++) {
		if (!started[p])
			continue;
		rte_eth_dev_stop(p);
		rte_eth_dev_close(p);
		started[p] = false;
	}
}
