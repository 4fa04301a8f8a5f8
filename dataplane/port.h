/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ethernet port set-up for the forwarding pairs.
 *
 * Usage (main lcore, after rte_eal_init, before workers launch):
 *	mp = port_pool_create(n_ports, n_workers, extra);
 *	port_setup(port_id, mp) for each port;  ...  port_close_all() at exit.
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
 * Configure and start @p port_id with one RX and one TX queue on @p mp.
 *
 * @return 0, or a negative errno from ethdev (-ENODEV, -EINVAL, -ENOMEM, ...).
 */
int port_setup(uint16_t port_id, struct rte_mempool *mp);

/** Stop and close every port that port_setup() started. */
void port_close_all(void);

#endif /* IDLECUT_PORT_H */
