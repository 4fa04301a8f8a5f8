/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ethernet port set-up for the forwarding pairs, and what the NIC itself says about them.
 *
 * Usage (main lcore, after rte_eal_init, before workers launch):
 *	n = port_pool_size(n_rxq, n_txq, rx_desc, tx_desc, n_workers, extra);
 *	mp = port_pool_create_n(n, port_socket(first_port));
 *	port_setup_conf(port_id, mp, &conf, &step) for each port;  ...  port_close_all() at exit.
 * Then, from the control thread only: port_nic_read() for rte_eth_stats and the link,
 * port_lsc_pending() to learn that a link-state interrupt came in since the last call.
 *
 * Each port gets one RX and one TX queue, used only by the worker that owns its pair, so no
 * queue is ever shared between lcores. Ports run promiscuous (a bump in the wire forwards
 * every MAC): on a PCI port a failure to set it is an error (a NIC that filters by MAC would
 * silently drop most of the wire); on a vdev (net_ring, net_null: no such mode) a warning.
 * Link state never gates forwarding: TAP ports report DOWN while their peer is not up, and
 * a wire does not care. Where the PMD supports link-state interrupts (RTE_ETH_DEV_INTR_LSC)
 * they are enabled and only set a flag, read by the control thread; it polls every port's
 * link anyway (once a second), so PMDs without interrupts are covered too.
 *
 * Frames: a port carries frames of its pair's MTU (the IP MTU, as on a Linux interface).
 * When such a frame, with two VLAN tags, does not fit one mbuf, the port receives it as a
 * chain (RX scatter) and sends chains (multi-segment TX), where the driver offers them. In
 * DPDK 22.11 the TAP driver takes MTU 1504 at most, net_af_packet and net_memif 1500;
 * net_pcap takes any and chains without offering scatter.
 *
 * Thread safety: set-up and close on the main lcore; port_nic_read() and
 * port_lsc_pending() from the control thread (the LSC callback runs on the EAL interrupt
 * thread and touches nothing but an atomic flag). Shutdown: workers stopped, then
 * port_close_all().
 */
#ifndef IDLECUT_PORT_H
#define IDLECUT_PORT_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ethdev.h>
#include <rte_mempool.h>

#define PORT_RX_DESC 1024
#define PORT_TX_DESC 1024
#define PORT_DESC_MIN 32    /**< one burst */
#define PORT_DESC_MAX 32768 /**< beyond any NIC's ring */
#define PORT_MBUF_CACHE 256
#define PORT_BURST 64	    /**< mbufs a worker holds per port between RX and TX */
#define PORT_MBUFS_MIN 1023 /**< smallest pool --mbufs accepts */
#define PORT_MBUFS_MAX (1u << 26)

/** Ring sizes and policy for port_setup_conf(); zeros mean the defaults. */
struct port_conf {
	uint16_t rx_desc; /**< RX descriptors per queue (0: PORT_RX_DESC) */
	uint16_t tx_desc; /**< TX descriptors per queue (0: PORT_TX_DESC) */
	uint16_t n_queues; /**< RX and TX queues, one per worker of the pair (0: 1) */
	uint16_t mtu;	   /**< the pair's MTU (0: 1500); see port_frames_conf() */
	bool no_rss;	   /**< several queues but no RSS to configure (TAP: the kernel picks
			    *   the queue by its own symmetric flow hash) */
	bool rss_on;	   /**< out: symmetric RSS spreads flows over the queues */
};

/** The NIC's own view of a port (rte_eth_stats and rte_eth_link). */
struct port_nic {
	bool stats_ok; /**< rte_eth_stats_get succeeded; the counters below are valid */
	uint64_t ipackets, opackets, ibytes, obytes;
	uint64_t imissed;   /**< dropped by the NIC: RX ring full */
	uint64_t ierrors;   /**< erroneous frames received */
	uint64_t oerrors;   /**< failed transmissions */
	uint64_t rx_nombuf; /**< RX mbuf allocation failures */
	bool link_up;
	bool link_full_duplex;
	uint32_t link_speed_mbps; /**< 0 when unknown */
};

/**
 * Mbufs a pool needs so it never runs dry in steady state: every RX ring full, every TX
 * ring holding unsent mbufs, a burst in flight per queue, each lcore's cache full (workers
 * and the main lcore), plus @p extra (RSTs in flight). Rounded to 2^k - 1, what mempool
 * rings prefer.
 *
 * @param n_rxq     RX queues in use over all ports.
 * @param n_txq     TX queues in use over all ports.
 * @param rx_desc   descriptors per RX queue (as the driver adjusted them).
 * @param tx_desc   descriptors per TX queue.
 * @param n_workers worker lcores.
 * @param extra     further mbufs.
 */
unsigned int port_pool_size(unsigned int n_rxq, unsigned int n_txq, unsigned int rx_desc,
			    unsigned int tx_desc, unsigned int n_workers, unsigned int extra);

/**
 * Create the mbuf pool shared by all ports and RST injection, with @p n mbufs of the default
 * data room, on NUMA @p socket (SOCKET_ID_ANY: anywhere).
 *
 * @return the pool, or NULL with rte_errno set.
 */
struct rte_mempool *port_pool_create_n(unsigned int n, int socket);

/** The RSTs' own pool: @p n small mbufs on NUMA @p socket (NULL with rte_errno set). */
struct rte_mempool *port_rst_pool_create(unsigned int n, int socket);

/** port_pool_create_n(port_pool_size(n_ports, n_ports, defaults...), the caller's socket). */
struct rte_mempool *port_pool_create(unsigned int n_ports, unsigned int n_workers,
				     unsigned int extra);

/** NUMA socket of @p port_id's device, or SOCKET_ID_ANY (-1) when it has none (vdevs). */
int port_socket(uint16_t port_id);

/** Is @p port_id a device on the PCI bus? */
bool port_is_pci(uint16_t port_id);

/**
 * Descriptor counts @p port_id will really use for the requested ones (the driver's limits
 * and alignment applied), without configuring it. Used to size the pool before set-up.
 *
 * @return 0 or a negative errno.
 */
int port_desc_adjust(uint16_t port_id, uint16_t *rx_desc, uint16_t *tx_desc);

/**
 * Configure and start @p port_id with conf->n_queues RX and TX queues on @p mp. With several
 * queues and a device that hashes (flow_type_rss_offloads), RSS is symmetric: Toeplitz with
 * a key of repeated 0x6d5a (both directions of a flow hash alike), rss_hf masked by what the
 * device offers, and a RETA of queue i % n, the same on every port.
 *
 * @param conf  ring sizes (NULL: defaults).
 * @param step  receives what failed ("configure", "promiscuous mode", ...) on error.
 * @return 0, or a negative errno from ethdev (-ENODEV, -EINVAL, -ENOMEM, ...).
 */
int port_setup_conf(uint16_t port_id, struct rte_mempool *mp, struct port_conf *conf,
		    const char **step);

/** port_setup_conf() with the default rings. */
int port_setup(uint16_t port_id, struct rte_mempool *mp);

/**
 * Read @p port_id's NIC counters and link state (never waits for the link). Control thread.
 *
 * @return 0, or a negative errno if the port is invalid (out->stats_ok says whether the
 *	   PMD had counters to give).
 */
int port_nic_read(uint16_t port_id, struct port_nic *out);

/** Did a link-state interrupt come in for @p port_id since the last call? Clears it. */
bool port_lsc_pending(uint16_t port_id);

/** Does @p port_id deliver link-state interrupts (else only polling sees changes)? */
bool port_has_lsc(uint16_t port_id);

/** Stop and close every port that port_setup() started. */
void port_close_all(void);

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
