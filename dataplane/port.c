/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <rte_bus.h>
#include <rte_dev.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_mbuf.h>

#include "port.h"

RTE_LOG_REGISTER_SUFFIX(port_logtype, port, INFO);
#define PORT_LOG(level, ...) rte_log(RTE_LOG_##level, port_logtype, "idlecut.port: " __VA_ARGS__)

static bool started[RTE_MAX_ETHPORTS];
static bool lsc_enabled[RTE_MAX_ETHPORTS];
/* Set by the LSC callback (EAL interrupt thread), cleared by the control thread. */
static uint8_t lsc_flag[RTE_MAX_ETHPORTS];

unsigned int
port_pool_size(unsigned int n_rxq, unsigned int n_txq, unsigned int rx_desc, unsigned int tx_desc,
	       unsigned int n_workers, unsigned int extra)
{
	uint64_t n = (uint64_t)n_rxq * (rx_desc + PORT_BURST) +
		     (uint64_t)n_txq * (tx_desc + PORT_BURST) +
		     (uint64_t)(n_workers + 1) * PORT_MBUF_CACHE * 2 + extra;

	if (n > PORT_MBUFS_MAX - 1)
		n = PORT_MBUFS_MAX - 1; /* rounded below: at most PORT_MBUFS_MAX - 1 */
	return rte_align32pow2((uint32_t)n + 1) - 1;
}

struct rte_mempool *
port_pool_create_n(unsigned int n, int socket)
{
	return rte_pktmbuf_pool_create("idlecut_mbufs", n, PORT_MBUF_CACHE, 0,
				       RTE_MBUF_DEFAULT_BUF_SIZE, socket);
}

struct rte_mempool *
port_rst_pool_create(unsigned int n, int socket)
{
	/* An RST is at most 210 bytes (rst.h): a small data room. */
	return rte_pktmbuf_pool_create("idlecut_rst", n, PORT_MBUF_CACHE, 0,
				       RTE_PKTMBUF_HEADROOM + 256, socket);
}

struct rte_mempool *
port_pool_create(unsigned int n_ports, unsigned int n_workers, unsigned int extra)
{
	return port_pool_create_n(
		port_pool_size(n_ports, n_ports, PORT_RX_DESC, PORT_TX_DESC, n_workers, extra),
		(int)rte_socket_id());
}

int
port_socket(uint16_t port_id)
{
	int s = rte_eth_dev_socket_id(port_id);

	return s < 0 ? SOCKET_ID_ANY : s;
}

bool
port_is_pci(uint16_t port_id)
{
	struct rte_eth_dev_info info;
	const struct rte_bus *bus;

	if (rte_eth_dev_info_get(port_id, &info) != 0 || info.device == NULL)
		return false;
	bus = rte_dev_bus(info.device);
	return bus != NULL && strcmp(rte_bus_name(bus), "pci") == 0;
}

int
port_desc_adjust(uint16_t port_id, uint16_t *rx_desc, uint16_t *tx_desc)
{
	return rte_eth_dev_adjust_nb_rx_tx_desc(port_id, rx_desc, tx_desc);
}

static int
lsc_event(uint16_t port_id, enum rte_eth_event_type type, void *arg, void *ret_param)
{
	(void)type;
	(void)arg;
	(void)ret_param;
	if (port_id < RTE_MAX_ETHPORTS)
		__atomic_store_n(&lsc_flag[port_id], 1, __ATOMIC_RELEASE);
	return 0;
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

/* Configure, set up the queues (and symmetric RSS), start; with link-state interrupts if @lsc. */
static int
configure_start(uint16_t port_id, struct rte_mempool *mp, const struct rte_eth_dev_info *info,
		uint16_t nb_rxd, uint16_t nb_txd, bool lsc, struct port_conf *pc, const char **step)
{
	/* The forwarded frame must leave exactly as it came: no offload rewrites it. */
	struct rte_eth_conf conf = {.intr_conf.lsc = lsc ? 1 : 0};
	struct rte_eth_rxconf rxq = info->default_rxconf;
	struct rte_eth_txconf txq = info->default_txconf;
	uint16_t nq = pc->n_queues != 0 ? pc->n_queues : 1;
	uint8_t key[256];
	int socket, ret;

	*step = "configure";
	if (nq > info->max_rx_queues || nq > info->max_tx_queues)
		return -EINVAL;
	pc->rss_on = false;
	if (nq > 1 && !pc->no_rss && info->flow_type_rss_offloads != 0 &&
	    info->hash_key_size != 0) {
		/* Symmetric Toeplitz: with 0x6d5a repeated, swapping src and dst keeps the hash. */
		for (unsigned int i = 0; i < info->hash_key_size; i++)
			key[i] = (i & 1) ? 0x5a : 0x6d;
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_key = key;
		conf.rx_adv_conf.rss_conf.rss_key_len = info->hash_key_size;
		conf.rx_adv_conf.rss_conf.rss_hf =
			(RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP) &
			info->flow_type_rss_offloads;
		pc->rss_on = conf.rx_adv_conf.rss_conf.rss_hf != 0;
		if (!pc->rss_on)
			conf.rxmode.mq_mode = RTE_ETH_MQ_RX_NONE;
	}
	/* Frames of the pair's MTU, chained where one mbuf is too small. */
	ret = port_frames_conf(port_id, info, pc->mtu,
			       rte_pktmbuf_data_room_size(mp) - RTE_PKTMBUF_HEADROOM, &conf);
	if (ret < 0)
		return ret;
	ret = rte_eth_dev_configure(port_id, nq, nq, &conf);
	if (ret < 0)
		return ret;
	*step = "MTU";
	ret = port_mtu_apply(port_id, pc->mtu);
	if (ret < 0)
		return ret;
	ret = rte_eth_dev_adjust_nb_rx_tx_desc(port_id, &nb_rxd, &nb_txd);
	if (ret < 0)
		return ret;
	socket = rte_eth_dev_socket_id(port_id);
	if (socket < 0)
		socket = (int)rte_socket_id();
	for (uint16_t q = 0; q < nq; q++) {
		*step = "RX queue set-up";
		ret = rte_eth_rx_queue_setup(port_id, q, nb_rxd, (unsigned int)socket, &rxq, mp);
		if (ret < 0)
			return ret;
		*step = "TX queue set-up";
		ret = rte_eth_tx_queue_setup(port_id, q, nb_txd, (unsigned int)socket, &txq);
		if (ret < 0)
			return ret;
	}
	*step = "start";
	ret = rte_eth_dev_start(port_id);
	if (ret < 0 || !pc->rss_on || info->reta_size == 0)
		return ret;
	{
		/* The same RETA on both ports of a pair: queue i % n. */
		struct rte_eth_rss_reta_entry64 reta[RTE_ETH_RSS_RETA_SIZE_512 /
						     RTE_ETH_RETA_GROUP_SIZE];
		uint16_t size = info->reta_size;

		if (size > RTE_ETH_RSS_RETA_SIZE_512)
			size = RTE_ETH_RSS_RETA_SIZE_512;
		memset(reta, 0, sizeof(reta));
		for (uint16_t i = 0; i < size; i++) {
			reta[i / RTE_ETH_RETA_GROUP_SIZE].mask |= 1ull << (i % RTE_ETH_RETA_GROUP_SIZE);
			reta[i / RTE_ETH_RETA_GROUP_SIZE].reta[i % RTE_ETH_RETA_GROUP_SIZE] =
				(uint16_t)(i % nq);
		}
		*step = "RSS redirection table";
		ret = rte_eth_dev_rss_reta_update(port_id, reta, size);
		if (ret == -ENOTSUP)
			ret = 0; /* the default spreads over the queues too, and alike per port */
	}
	return ret;
}

int
port_setup_conf(uint16_t port_id, struct rte_mempool *mp, struct port_conf *pc,
		const char **step)
{
	struct rte_eth_dev_info info;
	struct port_conf defaults = {0};
	uint16_t nb_rxd, nb_txd;
	const char *dummy;
	bool lsc;
	int ret;

	if (pc == NULL)
		pc = &defaults;
	nb_rxd = pc->rx_desc != 0 ? pc->rx_desc : PORT_RX_DESC;
	nb_txd = pc->tx_desc != 0 ? pc->tx_desc : PORT_TX_DESC;
	if (step == NULL)
		step = &dummy;
	*step = "probe";
	if (!rte_eth_dev_is_valid_port(port_id))
		return -ENODEV;
	ret = rte_eth_dev_info_get(port_id, &info);
	if (ret < 0)
		return ret;
	lsc = info.dev_flags != NULL && (*info.dev_flags & RTE_ETH_DEV_INTR_LSC) != 0;
	/* Before start: some PMDs arm the interrupt in dev_start. */
	if (lsc)
		lsc = rte_eth_dev_callback_register(port_id, RTE_ETH_EVENT_INTR_LSC, lsc_event,
						    NULL) == 0;
	ret = configure_start(port_id, mp, &info, nb_rxd, nb_txd, lsc, pc, step);
	if (ret < 0 && lsc && (strcmp(*step, "configure") == 0 || strcmp(*step, "start") == 0)) {
		/* A device bound without interrupt support (uio, no-IOMMU): poll its link. */
		rte_eth_dev_callback_unregister(port_id, RTE_ETH_EVENT_INTR_LSC, lsc_event, NULL);
		lsc = false;
		PORT_LOG(INFO, "port %u: no link-state interrupts (%s failed): link polled\n",
			 port_id, *step);
		ret = configure_start(port_id, mp, &info, nb_rxd, nb_txd, false, pc, step);
	}
	if (ret < 0)
		return ret;
	started[port_id] = true;
	lsc_enabled[port_id] = lsc;
	/*
	 * A NIC that keeps its MAC filter drops every frame not addressed to it: most of the
	 * wire. On PCI that is fatal. Not every vdev has the mode (net_ring, net_null), and
	 * forwarding works without it there: only warn.
	 */
	ret = rte_eth_promiscuous_enable(port_id);
	if (ret == 0 && rte_eth_promiscuous_get(port_id) != 1)
		ret = -EIO;
	if (ret < 0 && port_is_pci(port_id)) {
		*step = "promiscuous mode";
		return ret;
	}
	if (ret < 0 && ret != -ENOTSUP)
		PORT_LOG(WARNING, "port %u: cannot enable promiscuous mode: %s\n", port_id,
			 rte_strerror(-ret));
	ret = rte_eth_allmulticast_enable(port_id);
	if (ret < 0 && ret != -ENOTSUP)
		PORT_LOG(WARNING, "port %u: cannot enable all-multicast: %s\n", port_id,
			 rte_strerror(-ret));
	return 0;
}

int
port_setup(uint16_t port_id, struct rte_mempool *mp)
{
	return port_setup_conf(port_id, mp, NULL, NULL);
}

int
port_nic_read(uint16_t port_id, struct port_nic *out)
{
	struct rte_eth_stats st;
	struct rte_eth_link link;

	memset(out, 0, sizeof(*out));
	if (!rte_eth_dev_is_valid_port(port_id))
		return -ENODEV;
	if (rte_eth_stats_get(port_id, &st) == 0) {
		out->stats_ok = true;
		out->ipackets = st.ipackets;
		out->opackets = st.opackets;
		out->ibytes = st.ibytes;
		out->obytes = st.obytes;
		out->imissed = st.imissed;
		out->ierrors = st.ierrors;
		out->oerrors = st.oerrors;
		out->rx_nombuf = st.rx_nombuf;
	}
	if (rte_eth_link_get_nowait(port_id, &link) == 0) {
		out->link_up = link.link_status == RTE_ETH_LINK_UP;
		out->link_full_duplex = link.link_duplex == RTE_ETH_LINK_FULL_DUPLEX;
		out->link_speed_mbps =
			link.link_speed == RTE_ETH_SPEED_NUM_UNKNOWN ? 0 : link.link_speed;
	}
	return 0;
}

bool
port_lsc_pending(uint16_t port_id)
{
	if (port_id >= RTE_MAX_ETHPORTS)
		return false;
	return __atomic_exchange_n(&lsc_flag[port_id], 0, __ATOMIC_ACQ_REL) != 0;
}

bool
port_has_lsc(uint16_t port_id)
{
	return port_id < RTE_MAX_ETHPORTS && lsc_enabled[port_id];
}

void
port_close_all(void)
{
	for (uint16_t p = 0; p < RTE_MAX_ETHPORTS; p++) {
		if (!started[p])
			continue;
		if (lsc_enabled[p])
			rte_eth_dev_callback_unregister(p, RTE_ETH_EVENT_INTR_LSC, lsc_event, NULL);
		rte_eth_dev_stop(p);
		rte_eth_dev_close(p);
		started[p] = false;
		lsc_enabled[p] = false;
	}
}
