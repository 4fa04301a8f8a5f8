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

/* ethdev's own rule (it checks MTUs with it): a driver that states both limits states its
 * L2 overhead, else it is the Ethernet header and CRC. */
static uint32_t
l2_overhead(const struct rte_eth_dev_info *info)
{
	if (info->max_mtu != UINT16_MAX && info->max_rx_pktlen > info->max_mtu)
		return info->max_rx_pktlen - info->max_mtu;
	return RTE_ETHER_HDR_LEN + RTE_ETHER_CRC_LEN;
}

uint32_t
port_frame_len(const struct rte_eth_dev_info *info, uint16_t mtu)
{
	/* A bump in the wire carries QinQ frames of a full MTU: room for two tags. */
	return mtu + l2_overhead(info) + 2 * RTE_VLAN_HLEN;
}

int
port_frames_conf(uint16_t port_id, const struct rte_eth_dev_info *info, uint16_t mtu,
		 uint32_t buf_len, struct rte_eth_conf *conf)
{
	uint32_t frame;

	if (mtu == 0)
		mtu = RTE_ETHER_MTU;
	if (mtu < info->min_mtu || mtu > info->max_mtu) {
		PORT_LOG(ERR, "port %u: MTU %u is outside what its driver takes (%u..%u)\n",
			 port_id, mtu, info->min_mtu, info->max_mtu);
		return -EINVAL;
	}
	/*
	 * What ethdev will refuse at configure, said here with the numbers. The TAP driver of
	 * DPDK 22.11 states 1522-byte frames at most: MTU 1504.
	 */
	if (mtu + l2_overhead(info) > info->max_rx_pktlen) {
		PORT_LOG(ERR,
			 "port %u: MTU %u needs %u-byte frames, its driver takes at most %u "
			 "(MTU %u)\n",
			 port_id, mtu, mtu + l2_overhead(info), info->max_rx_pktlen,
			 info->max_rx_pktlen - l2_overhead(info));
		return -EINVAL;
	}
	conf->rxmode.mtu = mtu;
	frame = port_frame_len(info, mtu);
	/*
	 * Frames that fit one mbuf never chain: no offload then, as multi-segment TX makes
	 * some NIC drivers leave their fastest (vector) TX path.
	 */
	if (frame <= buf_len)
		return 0;
	/*
	 * A frame larger than one mbuf arrives as a chain, and leaves as one. A driver that
	 * does not offer the offloads may still chain (net_pcap does, and writes chains out):
	 * warn, do not refuse. Most NIC drivers offer scatter; one that neither offers it nor
	 * chains drops the large frames and counts them in its own statistics.
	 */
	if (info->rx_offload_capa & RTE_ETH_RX_OFFLOAD_SCATTER)
		conf->rxmode.offloads |= RTE_ETH_RX_OFFLOAD_SCATTER;
	else
		PORT_LOG(
			WARNING,
			"port %u: MTU %u needs %u-byte frames, more than one %u-byte mbuf, and its "
			"driver offers no RX scatter: larger frames arrive only if it chains mbufs "
			"by itself\n",
			port_id, mtu, frame, buf_len);
	if (info->tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS)
		conf->txmode.offloads |= RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	else
		PORT_LOG(WARNING,
			 "port %u: its driver offers no multi-segment TX: frames over %u bytes "
			 "leave only if it sends mbuf chains by itself\n",
			 port_id, buf_len);
	return 0;
}

int
port_mtu_apply(uint16_t port_id, uint16_t mtu)
{
	int ret;

	/*
	 * The default is left to configure (rxmode.mtu): net_af_packet and TAP set the MTU of
	 * a kernel interface, and that change outlives idlecut. Only an MTU the scenario asks
	 * for is worth changing a host interface.
	 */
	if (mtu == 0 || mtu == RTE_ETHER_MTU)
		return 0;
	ret = rte_eth_dev_set_mtu(port_id, mtu);
	/*
	 * A driver without an MTU to set (net_pcap, net_null, net_ring) delivers what it gets,
	 * within its mbufs: port_frames_conf() already made those carry the MTU.
	 */
	if (ret == -ENOTSUP)
		return 0;
	if (ret < 0)
		PORT_LOG(ERR, "port %u: cannot set MTU %u: %s\n", port_id, mtu, rte_strerror(-ret));
	return ret;
}

int
port_setup(uint16_t port_id, struct rte_mempool *mp)
{
	return port_setup_mtu(port_id, mp, RTE_ETHER_MTU);
}

int
port_setup_mtu(uint16_t port_id, struct rte_mempool *mp, uint16_t mtu)
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
	/*
	 * The forwarded frame must leave exactly as it came: no offload rewrites it. Scatter
	 * and multi-segment TX only split it across mbufs.
	 */
	ret = port_frames_conf(port_id, &info, mtu,
			       rte_pktmbuf_data_room_size(mp) - RTE_PKTMBUF_HEADROOM, &conf);
	if (ret < 0)
		return ret;
	ret = rte_eth_dev_configure(port_id, 1, 1, &conf);
	if (ret < 0)
		return ret;
	ret = port_mtu_apply(port_id, mtu);
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
