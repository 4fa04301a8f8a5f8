/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ethernet port set-up for the forwarding pairs.
 *
 * Usage (main lcore, after rte_eal_init, before workers launch):
 *	mp = port_pool_create(n_ports, n_workers, extra);
 *	port_setup_mtu(port_id, mp, mtu) for each port;  ...  port_close_all() at exit.
 *
 * Frames: a port carries frames of its pair's MTU (the IP MTU, as on a Linux interface).
 * When such a frame, with two VLAN tags, does not fit one mbuf, the port receives it as a
 * chain (RX scatter) and sends chains (multi-segment TX), where the driver offers them. In
 * DPDK 22.11 the TAP driver takes MTU 1504 at most, net_af_packet and net_memif 1500;
 * net_pcap takes any and chains without offering scatter. A set-up that builds its own
 * rte_eth_conf calls port_frames_conf() before rte_eth_dev_configure() and
 * port_mtu_apply() after it.
 *
 * Each port gets one RX and one TX queue, used only by the worker that owns its pair, so no
 * queue is ever shared between lcores. Ports run promiscuous (a bump in the wire forwards
 * every MAC). Link state is reported but never gates forwarding: TAP ports report DOWN
 * while their peer is not up, and a wire does not care.
 *
 * Thread safety: main lcore only.
 */
#ifndef IDLECUT_PORT_H
#define IDLECUT_PORT_H

#include <stdint.h>

#include <rte_ethdev.h>
#include <rte_mempool.h>

#define PORT_RX_DESC 1024
#define PORT_TX_DESC 1024
#define PORT_MBUF_CACHE 256

/**
 * Create the mbuf pool shared by all ports and RST injection.
 *
 * @param n_ports   ports that will be set up.
 * @param n_workers worker lcores (each holds a cache and a burst in flight).
 * @param extra     further mbufs (RSTs in flight).
 * @return the pool, or NULL with rte_errno set.
 */
struct rte_mempool *port_pool_create(unsigned int n_ports, unsigned int n_workers,
				     unsigned int extra);

/**
 * Configure and start @p port_id with one RX and one TX queue on @p mp, for frames of
 * @p mtu (0 = 1500): port_frames_conf(), configure, port_mtu_apply(), queues, start.
 *
 * @return 0, or a negative errno: -EINVAL for an MTU the port cannot carry (logged with
 *         the reason), or from ethdev (-ENODEV, -EINVAL, -ENOMEM, ...).
 */
int port_setup_mtu(uint16_t port_id, struct rte_mempool *mp, uint16_t mtu);

/** port_setup_mtu() with the default MTU, 1500. */
int port_setup(uint16_t port_id, struct rte_mempool *mp);

/**
 * Bytes on the wire, without preamble, of a frame of @p mtu on a port: the driver's own
 * L2 overhead when it states one (max_rx_pktlen - max_mtu), else Ethernet header and
 * CRC, plus two VLAN tags (QinQ).
 */
uint32_t port_frame_len(const struct rte_eth_dev_info *info, uint16_t mtu);

/**
 * Fill what @p conf needs to carry frames of @p mtu (0 = 1500) on a port described by
 * @p info whose mbufs hold @p buf_len bytes of data: rxmode.mtu; when a frame of
 * port_frame_len() is larger than @p buf_len, RTE_ETH_RX_OFFLOAD_SCATTER and
 * RTE_ETH_TX_OFFLOAD_MULTI_SEGS, each if the driver offers it (a warning if not: some
 * chain without offering it). Touches nothing else in @p conf. Call before
 * rte_eth_dev_configure() (port-level offloads apply to every queue).
 *
 * @param port_id only for the log lines.
 * @return 0, or -EINVAL (logged with the numbers) if @p mtu is outside
 *         [min_mtu, max_mtu] or its frames exceed max_rx_pktlen: ethdev's own checks,
 *         which it would fail at configure with less to say.
 */
int port_frames_conf(uint16_t port_id, const struct rte_eth_dev_info *info, uint16_t mtu,
		     uint32_t buf_len, struct rte_eth_conf *conf);

/**
 * Set @p mtu on a configured port (rte_eth_dev_set_mtu: a TAP or af_packet port changes its
 * kernel interface's MTU, a NIC its hardware limit). The default (0 or 1500) is left to
 * rte_eth_dev_configure(): it would change a host interface's MTU for good, and TAP
 * interfaces start at 1500. A driver with no MTU to set (-ENOTSUP) is fine: it delivers
 * what it gets, in the mbufs port_frames_conf() sized.
 *
 * @return 0, or a negative errno from the driver (logged).
 */
int port_mtu_apply(uint16_t port_id, uint16_t mtu);

/** Stop and close every port that port_setup() started. */
void port_close_all(void);

#endif /* IDLECUT_PORT_H */
