/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_memcpy.h>
#include <rte_net.h>
#include <rte_prefetch.h>
#include <rte_ring_elem.h>

#include "rst.h"
#include "worker.h"

/* Consecutive empty loops before the worker starts to nap (TAP testbeds share 2 cores). */
#define IDLE_LOOPS_BEFORE_SLEEP 2048
#define IDLE_SLEEP_US 20

static uint32_t ring_seq;

struct worker *
worker_create(struct dp_shared *shared, unsigned int lcore, unsigned int qsbr_id,
	      uint32_t capacity, struct rte_mempool *mp, uint64_t seed)
{
	struct worker *w;
	char name[RTE_RING_NAMESIZE];
	int rc;

	w = rte_zmalloc_socket("idlecut_worker", sizeof(*w), RTE_CACHE_LINE_SIZE,
			       (int)rte_lcore_to_socket_id(lcore));
	if (w == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	w->lcore = lcore;
	w->qsbr_id = qsbr_id;
	w->shared = shared;
	w->mp = mp;
	w->rst_mp = mp;
	rc = engine_init(&w->eng, capacity, seed, 0);
	if (rc != 0) {
		rte_free(w);
		rte_errno = -rc;
		return NULL;
	}
	w->eng.events_on = shared->events_on;
	/* Ring names are global to the process: number them. */
	snprintf(name, sizeof(name), "idlecut_ev%u",
		 __atomic_fetch_add(&ring_seq, 1, __ATOMIC_RELAXED));
	w->events = rte_ring_create_elem(name, sizeof(struct flow_event), WORKER_EVENT_RING,
					 (int)rte_lcore_to_socket_id(lcore),
					 RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (w->events == NULL) {
		int e = rte_errno;

		engine_fini(&w->eng);
		rte_free(w);
		rte_errno = e;
		return NULL;
	}
	return w;
}

int
worker_add_pair(struct worker *w, uint8_t pair, uint16_t inside, uint16_t outside,
		uint16_t vlan_inside, uint16_t vlan_outside)
{
	struct rte_ether_addr mac_in, mac_out;
	int i;

	/* A PMD without a MAC (net_ring) leaves it zero: RSTs then use the peer's. */
	memset(&mac_in, 0, sizeof(mac_in));
	memset(&mac_out, 0, sizeof(mac_out));
	(void)rte_eth_macaddr_get(inside, &mac_in);
	(void)rte_eth_macaddr_get(outside, &mac_out);
	i = engine_add_pair(&w->eng, pair, vlan_inside, vlan_outside, mac_in.addr_bytes,
			    mac_out.addr_bytes);
	if (i < 0)
		return i;
	w->port_id[i] = inside;
	w->port_id[i + 1] = outside;
	/* Per-port counters by pair and side (any ethdev port id fits). */
	w->eng.ports[i].stat = (uint16_t)(2 * pair);
	w->eng.ports[i + 1].stat = (uint16_t)(2 * pair + 1);
	return 0;
}

void
worker_set_queue(struct worker *w, uint8_t pair, uint16_t queue)
{
	for (unsigned int p = 0; p < w->eng.n_ports; p++)
		if (w->eng.ports[p].pair == pair)
			w->queue[p] = queue;
}

/* Undo what worker_share_pair() made so far (it failed). */
static void
share_undo(struct worker **ws, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		for (unsigned int j = 0; j < n; j++) {
			rte_free(ws[i]->hc_out[j]);
			rte_ring_free(ws[i]->ho_out[j]);
			ws[i]->hc_out[j] = NULL;
			ws[j]->hc_in[i] = NULL;
			ws[i]->ho_out[j] = NULL;
			ws[j]->ho_in[i] = NULL;
		}
}

int
worker_share_pair(struct worker **ws, unsigned int n, uint8_t pair, bool steer_sw)
{
	char name[RTE_RING_NAMESIZE];

	if (n > WORKER_MAX_SHARE)
		return -EINVAL;
	for (unsigned int i = 0; i < n; i++)
		for (unsigned int j = 0; j < n; j++) {
			struct worker_ho_chan *c;
			struct rte_ring *r;

			if (i == j)
				continue;
			/* Descriptors i -> j: the receiver i's memory (it frees it). */
			c = rte_zmalloc_socket("idlecut_ho_chan", sizeof(*c), RTE_CACHE_LINE_SIZE,
					       (int)rte_lcore_to_socket_id(ws[i]->lcore));
			if (c == NULL) {
				share_undo(ws, n);
				return -ENOMEM;
			}
			ws[i]->hc_out[j] = c;
			ws[j]->hc_in[i] = c;
			/* Mbufs i -> j, for the frames a descriptor cannot describe. */
			snprintf(name, sizeof(name), "idlecut_ho%u",
				 __atomic_fetch_add(&ring_seq, 1, __ATOMIC_RELAXED));
			r = rte_ring_create(name, WORKER_HANDOFF_RING,
					    (int)rte_lcore_to_socket_id(ws[j]->lcore),
					    RING_F_SP_ENQ | RING_F_SC_DEQ);
			if (r == NULL) {
				share_undo(ws, n);
				return -ENOMEM;
			}
			ws[i]->ho_out[j] = r;
			ws[j]->ho_in[i] = r;
		}
	for (unsigned int i = 0; i < n; i++) {
		ws[i]->n_share = n;
		engine_share_pair(&ws[i]->eng, pair, n, i, steer_sw);
	}
	return 0;
}

void
worker_destroy(struct worker *w)
{
	if (w == NULL)
		return;
	for (unsigned int p = 0; p < w->eng.n_ports; p++)
		rte_pktmbuf_free_bulk(w->rst_buf[p], w->rst_n[p]);
	rte_pktmbuf_free_bulk(w->ho_stage, w->ho_n); /* staged, never flushed */
	/* Frames it handed over whose verdicts never came (or were never taken). */
	for (unsigned int o = 0; o < WORKER_MAX_SHARE; o++) {
		struct worker_ho_chan *c = w->hc_out[o];

		if (c == NULL)
			continue;
		for (uint32_t q = c->reap; q != c->head; q++)
			rte_pktmbuf_free(c->pending[q % WORKER_HO_DESCS]);
		rte_free(c);
	}
	/* Frames still on the way to this worker; it frees the rings it receives from. */
	for (unsigned int i = 0; i < WORKER_MAX_SHARE; i++) {
		struct rte_mbuf *m;

		if (w->ho_in[i] == NULL)
			continue;
		while (rte_ring_sc_dequeue(w->ho_in[i], (void **)&m) == 0)
			rte_pktmbuf_free(m);
		rte_ring_free(w->ho_in[i]);
	}
	rte_ring_free(w->events);
	engine_fini(&w->eng);
	rte_free(w);
}

/* ---------------------------------------------------------------- engine output */

void
worker_set_handoff_sink(struct worker *w, worker_ho_sink_fn fn, void *arg)
{
	w->ho_sink = fn;
	w->ho_sink_arg = arg;
}

void
worker_set_rst_pool(struct worker *w, struct rte_mempool *mp)
{
	w->rst_mp = mp;
}

#define PEND_PUBLISH_BATCH 64 /* events handed to the ring in one enqueue */

/* Hand the resolved events at the head of the FIFO to the control thread, in order. */
static void
pend_publish(struct worker *w)
{
	struct flow_event ev[PEND_PUBLISH_BATCH];

	while (w->pend_head != w->pend_tail) {
		unsigned int n = 0, k;

		/* A batch of resolved events, then one enqueue (a storm publishes millions). */
		while (n < PEND_PUBLISH_BATCH && w->pend_head + n != w->pend_tail) {
			const struct worker_pending *q =
				&w->pend[(w->pend_head + n) % WORKER_PENDING];

			if (q->outstanding != 0)
				break;
			ev[n++] = q->ev;
		}
		if (n == 0)
			break;
		k = rte_ring_sp_enqueue_burst_elem(w->events, ev, sizeof(ev[0]), n, NULL);
		if (unlikely(k < n))
			STATS_ADD(w->eng.stats.events_dropped, n - k);
		w->pend_head += n;
		if (n < PEND_PUBLISH_BATCH)
			break;
	}
}

/* RST @i of port @p is resolved: taken by the port (@sent) or given up. */
static inline void
rst_resolved(struct worker *w, unsigned int p, unsigned int i, bool sent)
{
	uint16_t slot = w->rst_pend[p][i];

	if (sent)
		STATS_ADD(w->eng.stats.rst_sent[w->rst_to[p][i]], 1);
	else
		STATS_ADD(w->eng.stats.rst_failed, 1);
	if (slot != WORKER_NO_PEND) {
		struct worker_pending *q = &w->pend[slot];

		q->ev.rsts = (uint8_t)(q->ev.rsts + sent);
		q->outstanding--;
	}
}

/* Offer port @p's queued RSTs to its TX queue; keep what it refused for the next loop. */
static void
flush_port(struct worker *w, unsigned int p, bool final)
{
	struct stats_lcore *st = &w->eng.stats;
	uint16_t n = w->rst_n[p], sent, k = 0;
	uint64_t bytes = 0;

	if (n == 0)
		return;
	/* Lengths before TX: a sent mbuf belongs to the driver (it may free it at once). */
	for (uint16_t i = 0; i < n; i++)
		bytes += rte_pktmbuf_pkt_len(w->rst_buf[p][i]);
	sent = rte_eth_tx_burst(w->port_id[p], w->queue[p], w->rst_buf[p], n);
	for (uint16_t i = sent; i < n; i++)
		bytes -= rte_pktmbuf_pkt_len(w->rst_buf[p][i]);
	for (uint16_t i = 0; i < sent; i++)
		rst_resolved(w, p, i, true);
	STATS_ADD(st->tx_packets[w->eng.ports[p].stat], sent);
	STATS_ADD(st->tx_bytes[w->eng.ports[p].stat], bytes);
	/* Refused: offered again next time, up to WORKER_RST_TRIES times. */
	for (uint16_t i = sent; i < n; i++) {
		if (final || ++w->rst_tries[p][i] >= WORKER_RST_TRIES) {
			rst_resolved(w, p, i, false);
			STATS_ADD(st->drops[STATS_DROP_TX_FULL], 1);
			rte_pktmbuf_free(w->rst_buf[p][i]);
			continue;
		}
		w->rst_buf[p][k] = w->rst_buf[p][i];
		w->rst_to[p][k] = w->rst_to[p][i];
		w->rst_tries[p][k] = w->rst_tries[p][i];
		w->rst_pend[p][k] = w->rst_pend[p][i];
		k++;
	}
	w->rst_n[p] = k;
}

void
worker_flush_rst(struct worker *w)
{
	for (unsigned int p = 0; p < w->eng.n_ports; p++)
		flush_port(w, p, false);
	pend_publish(w);
}

/* Make room for one more pending event, resolving RSTs if need be. */
static uint32_t
pend_slot(struct worker *w)
{
	if (w->pend_tail - w->pend_head == WORKER_PENDING) {
		/* Unresolved RSTs hold the oldest events: resolve them now. */
		for (unsigned int p = 0; p < w->eng.n_ports; p++)
			flush_port(w, p, true);
		pend_publish(w);
	}
	return w->pend_tail++ % WORKER_PENDING;
}

/* Build the RSTs the engine asked for and queue its events behind them. */
static void
worker_drain(struct worker *w)
{
	struct engine *e = &w->eng;
	struct engine_out *o = &e->out;
	uint16_t slot_of[ENGINE_EV_MAX];
	struct rte_mbuf *mb[ENGINE_RST_MAX];
	/* One bulk get for the lot (a storm drains hundreds at a time); if the pool cannot
	 * give them all at once, one by one, so that what it has is still used. */
	bool bulk = o->n_rst != 0 && rte_pktmbuf_alloc_bulk(w->rst_mp, mb, o->n_rst) == 0;

	for (unsigned int i = 0; i < o->n_ev; i++) {
		uint32_t slot = pend_slot(w);

		w->pend[slot].ev = o->ev[i];
		w->pend[slot].outstanding = 0;
		slot_of[i] = (uint16_t)slot;
	}
	for (unsigned int i = 0; i < o->n_rst; i++) {
		const struct engine_rst *r = &o->rst[i];
		uint16_t slot = r->ev < o->n_ev ? slot_of[r->ev] : WORKER_NO_PEND;
		unsigned int p = r->port;
		struct rte_mbuf *m;
		uint16_t len;

		if (unlikely(w->rst_n[p] == WORKER_RST_BUF)) {
			flush_port(w, p, false);
			if (w->rst_n[p] == WORKER_RST_BUF)
				flush_port(w, p, true); /* the port takes nothing: give up */
		}
		m = likely(bulk) ? mb[i] : rte_pktmbuf_alloc(w->rst_mp);
		if (unlikely(m == NULL)) {
			STATS_ADD(e->stats.rst_failed, 1);
			continue;
		}
		len = rst_build(rte_pktmbuf_mtod(m, uint8_t *), (uint16_t)rte_pktmbuf_tailroom(m),
				&r->p);
		if (unlikely(len == 0)) {
			rte_pktmbuf_free(m);
			STATS_ADD(e->stats.rst_failed, 1);
			continue;
		}
		m->data_len = len;
		m->pkt_len = len;
		w->rst_to[p][w->rst_n[p]] = r->to;
		w->rst_tries[p][w->rst_n[p]] = 0;
		w->rst_pend[p][w->rst_n[p]] = slot;
		w->rst_buf[p][w->rst_n[p]++] = m;
		if (slot != WORKER_NO_PEND)
			w->pend[slot].outstanding++;
	}
	engine_out_clear(e);
	pend_publish(w);
}

void
worker_tick(struct worker *w, uint64_t tsc)
{
	unsigned int budget = w->expire_budget != 0 ? w->expire_budget : WORKER_EXPIRE_BUDGET;
	uint64_t per_ms = w->shared->tsc_per_ms;
	uint64_t t = tsc - w->shared->tsc0;

	w->now_tsc = tsc;
	w->eng.events_on = w->shared->events_on;
	engine_clock(&w->eng, (uint32_t)(t / per_ms), (uint32_t)(t % per_ms * 1000000 / per_ms),
		     tsc);
	while (engine_tick(&w->eng, &budget))
		worker_drain(w);
	worker_drain(w);
}

/* ---------------------------------------------------------------- per burst */

/*
 * Make a forwarded frame leave as the other side's frames do (SPEC §3): tagged with the
 * access VLAN of port @pi towards a trunk, untagged towards an access port. Returns true
 * if the frame was dropped (no headroom for the tag: counted as malformed would be wrong,
 * it is a tx_full-like local failure, counted under drops{tx_full}).
 */
static bool
retag(struct worker *w, unsigned int pi, struct rte_mbuf **m, uint8_t op)
{
	if (op == ENGINE_TAG_PUSH) {
		(*m)->vlan_tci = w->eng.ports[pi].access_vlan;
		if (unlikely(rte_vlan_insert(m) != 0)) {
			rte_pktmbuf_free(*m);
			STATS_ADD(w->eng.stats.drops[STATS_DROP_TX_FULL], 1);
			return true;
		}
	} else {
		(void)rte_vlan_strip(*m);
		(*m)->ol_flags &= ~(RTE_MBUF_F_RX_VLAN | RTE_MBUF_F_RX_VLAN_STRIPPED);
	}
	return false;
}

_Static_assert(sizeof(struct worker_ho_desc) == WORKER_HO_SLOT, "a descriptor is two lines");
_Static_assert(offsetof(struct worker_ho_desc, data) + WORKER_HO_HDR_SHORT <= RTE_CACHE_LINE_SIZE,
	       "a short descriptor is one line");

/* handoff() carries the 64-bit flow hash in the mbuf's hash field (RSS / FDIR words). */
_Static_assert(sizeof(((struct rte_mbuf *)0)->hash) == sizeof(uint64_t),
	       "rte_mbuf.hash holds a flow hash");

/* Hand frames to the workers that own their flows; a full ring drops (never waits). */
static void
handoff(struct worker *w, struct rte_mbuf **ho, uint8_t *owner, unsigned int n)
{
	struct stats_lcore *st = &w->eng.stats;

	for (unsigned int o = 0; o < w->n_share && n != 0; o++) {
		struct rte_mbuf *b[WORKER_HANDOFF_BURST];
		unsigned int k = 0, m = 0, sent;

		for (unsigned int i = 0; i < n; i++) {
			if (owner[i] == o)
				b[k++] = ho[i];
			else
				ho[m++] = ho[i]; /* owner[] shifts with them below */
		}
		if (k == 0)
			continue;
		for (unsigned int i = 0, j = 0; i < n; i++)
			if (owner[i] != o)
				owner[j++] = owner[i];
		n = m;
		sent = w->ho_out[o] != NULL
			       ? rte_ring_sp_enqueue_burst(w->ho_out[o], (void **)b, k, NULL)
			       : 0;
		STATS_ADD(st->handoff_packets, sent);
		if (unlikely(sent < k)) {
			rte_pktmbuf_free_bulk(&b[sent], k - sent);
			STATS_ADD(st->handoff_drops, k - sent);
		}
	}
}

/*
 * Hand frame @m of engine port @pi to owner pk->owner as a descriptor; the mbuf waits here
 * for its verdict. Written now, published by handoff_flush() (one store per owner and loop).
 * A full channel drops (never waits).
 */
static inline void
ho_desc_put(struct worker *w, unsigned int pi, struct rte_mbuf *m, const struct engine_pkt *pk)
{
	struct worker_ho_chan *c = w->hc_out[pk->owner];
	struct worker_ho_desc *d;
	uint32_t q;
	uint16_t info = (uint16_t)(pk->wire_len | (pi != 0 ? WORKER_HO_PI1 : 0));

	if (unlikely(c == NULL || c->head - c->reap == WORKER_HO_DESCS)) {
		rte_pktmbuf_free(m);
		STATS_ADD(w->eng.stats.handoff_drops, 1);
		return;
	}
	q = c->head++ % WORKER_HO_DESCS;
	d = &c->desc[q];
	d->hash = pk->hash;
	if (likely(pk->hdr_len <= WORKER_HO_HDR_SHORT && pk->len >= WORKER_HO_HDR_SHORT)) {
		/* The first line only. */
		rte_memcpy(d->data, pk->data, WORKER_HO_HDR_SHORT);
	} else {
		uint32_t len = RTE_MIN(pk->len, (uint32_t)WORKER_HO_HDR);

		rte_memcpy(d->data, pk->data, len);
		d->len = (uint8_t)len;
		info |= WORKER_HO_LONG;
	}
	d->info = info;
	c->pending[q] = m;
	c->pend_pi[q] = (uint8_t)pi;
	w->ho_dirty |= 1u << pk->owner;
	STATS_ADD(w->eng.stats.handoff_packets, 1);
}

/* Hand over what process() staged (worker_handoff_flush()): publish the descriptors
 * written, enqueue the mbufs of the fallback. */
static inline void
handoff_flush(struct worker *w)
{
	if (unlikely(w->ho_dirty != 0)) {
		uint32_t dirty = w->ho_dirty;

		w->ho_dirty = 0;
		while (dirty != 0) {
			struct worker_ho_chan *c = w->hc_out[__builtin_ctz(dirty)];

			dirty &= dirty - 1;
			__atomic_store_n(&c->prod, c->head, __ATOMIC_RELEASE);
		}
	}
	if (unlikely(w->ho_n != 0)) {
		handoff(w, w->ho_stage, w->ho_owner, w->ho_n);
		w->ho_n = 0;
	}
}

static uint16_t
process(struct worker *w, unsigned int pi, struct rte_mbuf **pkts, uint16_t n,
	struct rte_mbuf **out, uint8_t flags)
{
	struct engine_pkt pk[WORKER_BURST];
	uint16_t n_out = 0;

	for (uint16_t i = 0; i < n; i++) {
		/*
		 * A PMD that stripped the VLAN tag (RTE_MBUF_F_RX_VLAN_STRIPPED) left it in
		 * vlan_tci: put it back, so the flow and the frame going out keep it (SPEC §12).
		 */
		if (unlikely(pkts[i]->ol_flags & RTE_MBUF_F_RX_VLAN_STRIPPED)) {
			pkts[i]->ol_flags &= ~(RTE_MBUF_F_RX_VLAN | RTE_MBUF_F_RX_VLAN_STRIPPED);
			/* Fails only without 4 bytes of headroom: the frame then goes untagged. */
			(void)rte_vlan_insert(&pkts[i]);
		}
		pk[i].data = rte_pktmbuf_mtod(pkts[i], const uint8_t *);
		pk[i].len = rte_pktmbuf_data_len(pkts[i]);
		pk[i].wire_len = rte_pktmbuf_pkt_len(pkts[i]);
		pk[i].flags = flags;
		/* A handed frame carries the flow hash its receiver computed (handoff()). */
		if (flags & ENGINE_PKT_HASHED)
			memcpy(&pk[i].hash, &pkts[i]->hash, sizeof(pk[i].hash));
	}
	if (likely(engine_burst(&w->eng, pi, pk, n) == 0)) {
		/* Every frame forwarded as it came: the common case. */
		memcpy(out, pkts, n * sizeof(*out));
		n_out = n;
		goto drain;
	}
	for (uint16_t i = 0; i < n; i++) {
		if (unlikely(pk[i].verdict != ENGINE_FORWARD)) {
			if (pk[i].verdict == ENGINE_HANDOFF) {
				/* Its headers fit in a descriptor: the frame stays here. */
				if (likely(pk[i].hdr_len <= WORKER_HO_HDR &&
					   pk[i].wire_len <= WORKER_HO_WIRE_MAX)) {
					ho_desc_put(w, pi, pkts[i], &pk[i]);
					continue;
				}
				/* Else the mbuf itself. The owner sorts them by port: not
				 * every PMD sets it (net_ring does not), nor does the
				 * benchmark's generator. */
				pkts[i]->port = w->port_id[pi];
				/* The owner looks it up with this hash instead of hashing again:
				 * the mbuf's hash field, in the header line the owner reads anyway
				 * (no PMD writes it again before the owner is done with it). */
				memcpy(&pkts[i]->hash, &pk[i].hash, sizeof(pk[i].hash));
				/* Staged: one enqueue per owner and loop, whatever port it came in
				 * on (each ring operation reads a line the other core writes). */
				if (unlikely(w->ho_n == WORKER_HANDOFF_BURST))
					handoff_flush(w);
				w->ho_stage[w->ho_n] = pkts[i];
				w->ho_owner[w->ho_n++] = pk[i].owner;
			} else {
				rte_pktmbuf_free(pkts[i]);
			}
			continue;
		}
		if (unlikely(pk[i].retag != ENGINE_TAG_KEEP) && retag(w, pi, &pkts[i], pk[i].retag))
			continue;
		out[n_out++] = pkts[i];
	}
drain:
	if (unlikely(w->eng.out.n_rst != 0 || w->eng.out.n_ev != 0))
		worker_drain(w);
	return n_out;
}

uint16_t
worker_process_burst(struct worker *w, unsigned int pi, struct rte_mbuf **pkts, uint16_t n,
		     struct rte_mbuf **out)
{
	uint16_t n_out = process(w, pi, pkts, n, out, 0);

	handoff_flush(w);
	return n_out;
}

uint16_t
worker_process_burst_staged(struct worker *w, unsigned int pi, struct rte_mbuf **pkts, uint16_t n,
			    struct rte_mbuf **out)
{
	return process(w, pi, pkts, n, out, 0);
}

void
worker_handoff_flush(struct worker *w)
{
	handoff_flush(w);
}

/* Send forwarded frames out of engine port @p port on this worker's queue. */
static void
transmit(struct worker *w, unsigned int port, struct rte_mbuf **out, uint16_t n_out)
{
	struct stats_lcore *st = &w->eng.stats;
	uint64_t bytes = 0;
	uint16_t sent;

	if (n_out == 0)
		return;
	/* Lengths before TX: a sent mbuf belongs to the driver (it may free it at once). */
	for (uint16_t i = 0; i < n_out; i++)
		bytes += rte_pktmbuf_pkt_len(out[i]);
	sent = rte_eth_tx_burst(w->port_id[port], w->queue[port], out, n_out);
	for (uint16_t i = sent; i < n_out; i++)
		bytes -= rte_pktmbuf_pkt_len(out[i]);
	if (unlikely(sent < n_out)) {
		rte_pktmbuf_free_bulk(&out[sent], n_out - sent);
		STATS_ADD(st->drops[STATS_DROP_TX_FULL], n_out - sent);
	}
	STATS_ADD(st->tx_packets[w->eng.ports[port].stat], sent);
	STATS_ADD(st->tx_bytes[w->eng.ports[port].stat], bytes);
}

/*
 * Descriptors receiver @c's worker wrote for this owner: decide up to WORKER_HANDOFF_BURST
 * of them in order, in engine bursts of both ports of the pair (engine_burst_mixed()), and
 * write one verdict byte each. Full bursts only while more than one burst is waiting (the
 * rest waits for the next loop): a short burst leaves its table misses less time to arrive.
 * The engine sees copies of the headers: it updates the flows and writes RSTs and events
 * (sent and published here: this worker owns the flows); nothing of the copies is sent.
 */
static unsigned int
ho_decide(struct worker *w, struct worker_ho_chan *c)
{
	uint32_t t = c->taken, n = __atomic_load_n(&c->prod, __ATOMIC_ACQUIRE) - t;

	if (n == 0)
		return 0;
	if (n > WORKER_HANDOFF_BURST)
		n = WORKER_HANDOFF_BURST;
	else if (n > WORKER_BURST)
		n -= n % WORKER_BURST;
	/* Written on the other core: fetch them before anything reads them. */
	for (uint32_t i = 0; i < n; i++)
		rte_prefetch0(&c->desc[(t + i) % WORKER_HO_DESCS]);
	/* A shared worker serves one pair: engine ports 0 (inside) and 1 (outside). */
	for (uint32_t k = 0; k < n; k += WORKER_BURST) {
		uint16_t b = (uint16_t)RTE_MIN(n - k, (uint32_t)WORKER_BURST);
		struct engine_pkt pk[WORKER_BURST];
		uint32_t q0 = t + k;

		for (uint16_t i = 0; i < b; i++) {
			const struct worker_ho_desc *d = &c->desc[(q0 + i) % WORKER_HO_DESCS];
			uint16_t info = d->info;

			if (unlikely(info & WORKER_HO_LONG))
				rte_prefetch0((const uint8_t *)d + RTE_CACHE_LINE_SIZE);
			pk[i].data = d->data;
			pk[i].len = unlikely(info & WORKER_HO_LONG) ? d->len : WORKER_HO_HDR_SHORT;
			pk[i].wire_len = info & WORKER_HO_WIRE_MAX;
			pk[i].flags = (uint8_t)(ENGINE_PKT_OWNED | ENGINE_PKT_HASHED |
						(info & WORKER_HO_PI1 ? ENGINE_PKT_PEER : 0));
			pk[i].hash = d->hash;
		}
		if (likely(engine_burst_mixed(&w->eng, 0, pk, b) == 0)) {
			/* All forwarded as they came: the common case. */
			for (uint16_t i = 0; i < b; i++)
				c->verdict[(q0 + i) % WORKER_HO_DESCS] = ENGINE_FORWARD;
		} else {
			for (uint16_t i = 0; i < b; i++) {
				unsigned int v = pk[i].retag << WORKER_HO_V_TAG_SHIFT;

				if (pk[i].verdict != ENGINE_FORWARD)
					v = WORKER_HO_V_DROP;
				c->verdict[(q0 + i) % WORKER_HO_DESCS] = (uint8_t)v;
			}
		}
		if (unlikely(w->eng.out.n_rst != 0 || w->eng.out.n_ev != 0))
			worker_drain(w);
	}
	c->taken = t + n;
	__atomic_store_n(&c->done, t + n, __ATOMIC_RELEASE);
	return n;
}

/* Send handed frames forwarded by their owner out of engine port @port (or to the sink). */
static inline void
ho_send(struct worker *w, unsigned int port, struct rte_mbuf **m, uint16_t n)
{
	if (unlikely(w->ho_sink != NULL))
		w->ho_sink(w->ho_sink_arg, port, m, n);
	else
		transmit(w, port, m, n);
}

/*
 * Verdicts owner @c's worker gave on this receiver's frames: in order, send the forwarded
 * ones out of the other port of their pair on this worker's TX queue (retagged as the
 * engine said), free the dropped ones.
 */
static unsigned int
ho_reap(struct worker *w, struct worker_ho_chan *c)
{
	uint32_t r = c->reap, n = __atomic_load_n(&c->done, __ATOMIC_ACQUIRE) - r;
	struct rte_mbuf *out[2][WORKER_BURST];
	uint16_t n_out[2] = {0, 0};

	for (uint32_t i = 0; i < n; i++) {
		uint32_t q = (r + i) % WORKER_HO_DESCS;
		struct rte_mbuf *m = c->pending[q];
		uint8_t v = c->verdict[q];
		unsigned int p = c->pend_pi[q] != 0;

		if (unlikely(v != ENGINE_FORWARD)) {
			if (v == WORKER_HO_V_DROP) {
				rte_pktmbuf_free(m);
				continue;
			}
			if (retag(w, p, &m, (uint8_t)(v >> WORKER_HO_V_TAG_SHIFT)))
				continue;
		}
		out[p][n_out[p]++] = m;
		if (unlikely(n_out[p] == WORKER_BURST)) {
			ho_send(w, w->eng.ports[p].peer, out[p], n_out[p]);
			n_out[p] = 0;
		}
	}
	c->reap = r + n;
	for (unsigned int p = 0; p < 2; p++)
		if (n_out[p] != 0)
			ho_send(w, w->eng.ports[p].peer, out[p], n_out[p]);
	return n;
}

/*
 * Frames other workers handed over as mbufs (headers too long for a descriptor): this one
 * owns their flows. Up to WORKER_HANDOFF_BURST at a time from each ring, sorted by the port
 * they came in on, then decided in bursts of up to WORKER_BURST and sent from here.
 */
static void
poll_handoff(struct worker *w, unsigned int *got)
{
	for (unsigned int o = 0; o < w->n_share; o++) {
		struct rte_mbuf *pkts[WORKER_HANDOFF_BURST], *side[2][WORKER_HANDOFF_BURST];
		struct rte_mbuf *out[WORKER_BURST];
		uint16_t n_side[2] = {0, 0};
		unsigned int n;

		if (w->hc_in[o] != NULL)
			*got += ho_decide(w, w->hc_in[o]);
		if (w->hc_out[o] != NULL)
			*got += ho_reap(w, w->hc_out[o]);
		if (w->ho_in[o] == NULL)
			continue;
		n = rte_ring_sc_dequeue_burst(w->ho_in[o], (void **)pkts, WORKER_HANDOFF_BURST,
					      NULL);
		if (n == 0)
			continue;
		*got += n;
		/*
		 * The mbufs were last written on the other worker's core: fetch their headers,
		 * then their first data lines, before anything reads them.
		 */
		for (unsigned int i = 0; i < n; i++)
			rte_prefetch0(pkts[i]);
		for (unsigned int i = 0; i < n; i++)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i], const void *));
		for (unsigned int i = 0; i < n; i++) {
			unsigned int p = pkts[i]->port == w->port_id[1];

			side[p][n_side[p]++] = pkts[i];
		}
		for (unsigned int p = 0; p < 2; p++)
			for (uint16_t k = 0; k < n_side[p]; k += WORKER_BURST) {
				uint16_t b =
					RTE_MIN((uint16_t)(n_side[p] - k), (uint16_t)WORKER_BURST);
				uint16_t n_out = process(w, p, &side[p][k], b, out,
							 ENGINE_PKT_OWNED | ENGINE_PKT_HASHED);

				transmit(w, w->eng.ports[p].peer, out, n_out);
			}
	}
}

unsigned int
worker_poll_handoff(struct worker *w)
{
	unsigned int got = 0;

	if (w->n_share > 1)
		poll_handoff(w, &got);
	return got;
}

static void
poll_port(struct worker *w, unsigned int pi, unsigned int *got)
{
	struct rte_mbuf *pkts[WORKER_BURST], *out[WORKER_BURST];
	uint16_t n, n_out;

	n = rte_eth_rx_burst(w->port_id[pi], w->queue[pi], pkts, WORKER_BURST);
	if (n == 0)
		return;
	*got += n;
	n_out = process(w, pi, pkts, n, out, 0);
	transmit(w, w->eng.ports[pi].peer, out, n_out);
}

/* ---------------------------------------------------------------- control requests */

void
worker_requests(struct worker *w)
{
	struct dp_shared *sh = w->shared;
	uint32_t seq = __atomic_load_n(&sh->flush_seq, __ATOMIC_ACQUIRE);

	if (seq != w->flush_seen) {
		/* A new request joins any in progress and restarts the walk. */
		w->flush_seen = seq;
		w->flush_mask |= __atomic_load_n(&sh->flush_mask, __ATOMIC_RELAXED);
		w->flush_silent_mask |= __atomic_load_n(&sh->flush_silent_mask, __ATOMIC_RELAXED);
		w->flush_cursor = 0;
	}
	if (w->flush_done != w->flush_seen) {
		uint32_t end = w->flush_cursor + WORKER_FLUSH_STEP;
		bool done;

		/* A bounded step per loop, draining whenever the engine's output fills. */
		while (!(done = engine_flush_step(&w->eng, w->flush_mask, w->flush_silent_mask,
						  &w->flush_cursor, end - w->flush_cursor)) &&
		       w->flush_cursor < end)
			worker_drain(w);
		worker_drain(w);
		if (done) {
			w->flush_mask = 0;
			w->flush_silent_mask = 0;
			__atomic_store_n(&w->flush_done, w->flush_seen, __ATOMIC_RELEASE);
		}
	}

	seq = __atomic_load_n(&sh->dump_seq, __ATOMIC_ACQUIRE);
	if (seq != w->dump_seen) {
		w->dump_seen = seq;
		w->dump_n = 0;
		w->dump_scanned = 0;
		/* Start where the last dump stopped, so repeated dumps sample other flows. */
	}
	if (w->dump_done != w->dump_seen) {
		uint32_t max = __atomic_load_n(&sh->dump_max, __ATOMIC_RELAXED);

		if (max > FLOW_DUMP_MAX)
			max = FLOW_DUMP_MAX;
		if (engine_dump_step(&w->eng, w->dump, max, &w->dump_n, &w->dump_cursor,
				     &w->dump_scanned, WORKER_DUMP_STEP))
			__atomic_store_n(&w->dump_done, w->dump_seen, __ATOMIC_RELEASE);
	}
}

/* ---------------------------------------------------------------- the lcore */

int
worker_main(void *arg)
{
	struct worker *w = arg;
	struct dp_shared *sh = w->shared;
	unsigned int idle = 0;

	rte_rcu_qsbr_thread_register(sh->qsbr, w->qsbr_id);
	rte_rcu_qsbr_thread_online(sh->qsbr, w->qsbr_id);
	while (!__atomic_load_n(&sh->stop, __ATOMIC_RELAXED)) {
		unsigned int got = 0;

		w->eng.snap = __atomic_load_n(&sh->snap, __ATOMIC_ACQUIRE);
		worker_tick(w, rte_rdtsc());
		for (unsigned int p = 0; p < w->eng.n_ports; p++)
			poll_port(w, p, &got);
		handoff_flush(w);
		if (w->n_share > 1)
			poll_handoff(w, &got);
		/*
		 * An expiry storm gets the time forwarding does not need: a small budget while
		 * bursts come in full, a large one when the last loop had room to spare.
		 */
		w->expire_budget = got * 2 >= (unsigned int)WORKER_BURST * w->eng.n_ports
					   ? WORKER_EXPIRE_BUDGET
					   : WORKER_EXPIRE_BUDGET_SPARE;
		worker_requests(w);
		worker_flush_rst(w);
		rte_rcu_qsbr_quiescent(sh->qsbr, w->qsbr_id);
		STATS_ADD(w->eng.stats.loops, 1);

		if (got != 0 || !sh->idle_sleep) {
			idle = 0;
		} else if (++idle > IDLE_LOOPS_BEFORE_SLEEP && engine_idle(&w->eng)) {
			/* Nothing arrives and nothing is due this ms: nap instead of spinning. */
			rte_rcu_qsbr_thread_offline(sh->qsbr, w->qsbr_id);
			rte_delay_us_sleep(IDLE_SLEEP_US);
			rte_rcu_qsbr_thread_online(sh->qsbr, w->qsbr_id);
		}
	}
	rte_rcu_qsbr_thread_offline(sh->qsbr, w->qsbr_id);
	rte_rcu_qsbr_thread_unregister(sh->qsbr, w->qsbr_id);
	return 0;
}
