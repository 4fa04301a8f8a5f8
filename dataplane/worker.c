/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_prefetch.h>
#include <rte_ring_elem.h>

#include "flow_tcp.h"
#include "parse.h"
#include "rst.h"
#include "rules.h"
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
	w->ft = flow_table_create(capacity, seed, 0);
	if (w->ft == NULL) {
		rte_errno = errno;
		rte_free(w);
		return NULL;
	}
	/* Ring names are global to the process: number them. */
	snprintf(name, sizeof(name), "idlecut_ev%u",
		 __atomic_fetch_add(&ring_seq, 1, __ATOMIC_RELAXED));
	w->events = rte_ring_create_elem(name, sizeof(struct flow_event), WORKER_EVENT_RING,
					 (int)rte_lcore_to_socket_id(lcore),
					 RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (w->events == NULL) {
		int e = rte_errno;

		flow_table_destroy(w->ft);
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
	unsigned int i = w->n_ports;
	/*
	 * One access VLAN per pair: both directions of a flow must build the same key. A
	 * side without one takes the other side's.
	 */
	uint16_t vlan = vlan_inside != 0 ? vlan_inside : vlan_outside;

	if (i + 2 > WORKER_MAX_PORTS)
		return -ENOSPC;
	vlan_inside = vlan;
	vlan_outside = vlan;
	w->ports[i] = (struct worker_port){.port_id = inside,
					   .peer = (uint16_t)(i + 1),
					   .pair = pair,
					   .side = CFG_SIDE_INSIDE,
					   .access_vlan = vlan_inside};
	w->ports[i + 1] = (struct worker_port){.port_id = outside,
					       .peer = (uint16_t)i,
					       .pair = pair,
					       .side = CFG_SIDE_OUTSIDE,
					       .access_vlan = vlan_outside};
	/* A PMD without a MAC (net_ring) leaves it zero: RSTs then use the peer's. */
	(void)rte_eth_macaddr_get(inside, &w->ports[i].mac);
	(void)rte_eth_macaddr_get(outside, &w->ports[i + 1].mac);
	w->n_ports += 2;
	return 0;
}

void
worker_destroy(struct worker *w)
{
	if (w == NULL)
		return;
	for (unsigned int p = 0; p < w->n_ports; p++)
		rte_pktmbuf_free_bulk(w->rst_buf[p], w->rst_n[p]);
	rte_ring_free(w->events);
	flow_table_destroy(w->ft);
	rte_free(w);
}

static uint32_t
flow_tmo(const struct flow *f, const void *arg)
{
	const struct dp_snapshot *s = arg;

	return s->tmo_ticks[f->profile][flow_tmo_class(f)];
}

/* Worker port index of the given side of the pair that port @pi belongs to. */
static inline unsigned int
side_port(unsigned int pi, unsigned int side, const struct worker *w)
{
	return w->ports[pi].side == side ? pi : w->ports[pi].peer;
}

/* ---------------------------------------------------------------- RST injection */

static void
rst_queue(struct worker *w, unsigned int pi, const struct rst_params *p, enum stats_rst_to to)
{
	struct rte_mbuf *m;
	uint16_t len;

	if (unlikely(w->rst_n[pi] == WORKER_RST_BUF))
		worker_flush_rst(w);
	m = rte_pktmbuf_alloc(w->mp);
	if (unlikely(m == NULL)) {
		STATS_ADD(w->stats.rst_failed, 1);
		return;
	}
	len = rst_build(rte_pktmbuf_mtod(m, uint8_t *), (uint16_t)rte_pktmbuf_tailroom(m), p);
	if (unlikely(len == 0)) {
		rte_pktmbuf_free(m);
		STATS_ADD(w->stats.rst_failed, 1);
		return;
	}
	m->data_len = len;
	m->pkt_len = len;
	w->rst_buf[pi][w->rst_n[pi]++] = m;
	STATS_ADD(w->stats.rst_sent[to], 1);
}

void
worker_flush_rst(struct worker *w)
{
	for (unsigned int p = 0; p < w->n_ports; p++) {
		uint16_t n = w->rst_n[p], sent;

		if (n == 0)
			continue;
		sent = rte_eth_tx_burst(w->ports[p].port_id, 0, w->rst_buf[p], n);
		if (unlikely(sent < n)) {
			rte_pktmbuf_free_bulk(&w->rst_buf[p][sent], n - sent);
			STATS_ADD(w->stats.rst_failed, n - sent);
			STATS_ADD(w->stats.drops[STATS_DROP_TX_FULL], n - sent);
		}
		STATS_ADD(w->stats.tx_packets[w->ports[p].port_id], sent);
		w->rst_n[p] = 0;
	}
}

/* The flow's VLAN tags as they travel in its frames. */
static void
rst_tags(const struct flow *f, struct rst_params *p)
{
	p->n_vlan = (uint8_t)((f->flags & FLOW_F_TAGS_MASK) >> FLOW_F_TAGS_SHIFT);
	for (unsigned int t = 0; t < p->n_vlan; t++) {
		p->vlan[t] = f->key.vlan[t];
		p->tpid[t] = (f->flags & (FLOW_F_QINQ0 << t)) ? PARSE_ETH_QINQ : PARSE_ETH_VLAN;
	}
}

/* RST to endpoint @to of flow @f, as if from its peer, out of the port @to is behind. */
static void
rst_to_endpoint(struct worker *w, unsigned int pi, const struct flow *f, unsigned int to)
{
	unsigned int from = to ^ 1, client = flow_client(f);
	unsigned int client_side = (f->flags & FLOW_F_CLIENT_OUTSIDE) ? CFG_SIDE_OUTSIDE
								       : CFG_SIDE_INSIDE;
	unsigned int out = side_port(pi, to == client ? client_side : client_side ^ 1, w);
	struct rst_params p;

	memset(&p, 0, sizeof(p));
	memcpy(p.dst_mac, f->mac[to], 6);
	if (f->flags & FLOW_F_SEEN(from))
		memcpy(p.src_mac, f->mac[from], 6);
	else
		memcpy(p.src_mac, w->ports[side_port(pi, w->ports[out].side ^ 1, w)].mac.addr_bytes,
		       6);
	rst_tags(f, &p);
	p.family = f->key.family;
	memcpy(p.src, f->key.addr[from], 16);
	memcpy(p.dst, f->key.addr[to], 16);
	p.sport = f->key.port[from];
	p.dport = f->key.port[to];
	p.tcp_flags = tcpt_rst_seq(f, to, &p.seq, &p.ack);
	rst_queue(w, out, &p, to == client ? STATS_RST_CLIENT : STATS_RST_SERVER);
}

/* RFC 793 reset for a segment that belongs to no connection, back to its sender. */
static void
rst_stray(struct worker *w, unsigned int pi, const uint8_t *frame, const struct parse_info *in)
{
	struct rst_params p;

	memset(&p, 0, sizeof(p));
	memcpy(p.dst_mac, frame + 6, 6);
	memcpy(p.src_mac, frame, 6);
	p.n_vlan = in->n_vlan;
	for (unsigned int t = 0; t < in->n_vlan; t++) {
		p.vlan[t] = in->vlan[t];
		p.tpid[t] = in->tpid[t];
	}
	p.family = in->family;
	memcpy(p.src, in->dst, 16);
	memcpy(p.dst, in->src, 16);
	p.sport = in->dport;
	p.dport = in->sport;
	if (in->tcp_flags & PARSE_TCP_ACK) {
		p.seq = in->ack;
		p.tcp_flags = PARSE_TCP_RST;
	} else {
		p.seq = 0;
		p.ack = in->seq + in->payload_len + !!(in->tcp_flags & PARSE_TCP_SYN) +
			!!(in->tcp_flags & PARSE_TCP_FIN);
		p.tcp_flags = PARSE_TCP_RST | PARSE_TCP_ACK;
	}
	rst_queue(w, pi, &p, STATS_RST_STRAY);
}

/* ---------------------------------------------------------------- flow life cycle */

static inline uint32_t
due_of(uint32_t now, uint32_t t)
{
	return now + (t == 0 ? 1 : t);
}

/* After a packet: re-arm only if the timeout now ends earlier than the armed due. */
static inline void
flow_rearm(struct worker *w, uint32_t idx, struct flow *f)
{
	uint32_t t = flow_tmo(f, w->snap);

	if (t == FLOW_TMO_NEVER) {
		flow_disarm(w->ft, idx);
		return;
	}
	if (!(f->flags & FLOW_F_ARMED) || flow_seq_after(f->due, due_of(w->now, t)))
		flow_arm(w->ft, idx, due_of(w->now, t));
}

static void
flow_forget(struct worker *w, uint32_t idx, bool expired, uint32_t due)
{
	struct flow *f = &w->ft->flows[idx];
	unsigned int slot = f->profile;

	if (expired) {
		/* Whole ticks late (modulo 2^32, like every tick), plus the fraction of this one. */
		uint64_t per_ms = w->shared->tsc_per_ms;
		uint64_t frac = (w->now_tsc - w->shared->tsc0) % per_ms;
		uint64_t late = (uint64_t)(uint32_t)(w->now - due) * 1000000 + frac * 1000000 / per_ms;

		STATS_ADD(w->stats.flows_expired[slot][f->state], 1);
		stats_late_record(&w->stats, late);
	} else {
		STATS_ADD(w->stats.flows_closed[slot], 1);
	}
	STATS_SET(w->stats.flows_active[slot], w->stats.flows_active[slot] - 1);
	STATS_SET(w->stats.flows_state[slot][f->state], w->stats.flows_state[slot][f->state] - 1);
	flow_remove(w->ft, idx);
}

/* Keep the per-state gauges right when a packet moved a flow to another state. */
static inline void
state_moved(struct worker *w, const struct flow *f, uint8_t old)
{
	if (f->state == old)
		return;
	STATS_SET(w->stats.flows_state[f->profile][old], w->stats.flows_state[f->profile][old] - 1);
	STATS_SET(w->stats.flows_state[f->profile][f->state],
		  w->stats.flows_state[f->profile][f->state] + 1);
}

static void
event_put(struct worker *w, const struct flow *f, uint8_t action, uint8_t rsts, uint8_t reason)
{
	struct flow_event ev;

	ev.tsc = w->now_tsc;
	ev.key = f->key;
	ev.idle_ms = w->now - f->last_seen;
	ev.flags = f->flags;
	ev.state = f->state;
	ev.profile = f->profile;
	ev.action = action;
	ev.rsts = rsts;
	ev.reason = reason;
	ev.pad = 0;
	if (unlikely(rte_ring_sp_enqueue_elem(w->events, &ev, sizeof(ev)) != 0))
		STATS_ADD(w->stats.events_dropped, 1);
}

/*
 * Forget flow @idx now: apply its profile's on_timeout action (unless @silent), hand an
 * event to the control thread, count it.
 */
static void
flow_expire(struct worker *w, uint32_t idx, uint32_t due, enum flow_event_reason reason,
	    bool silent)
{
	struct flow *f = &w->ft->flows[idx];
	const struct cfg_profile *prof = &w->snap->scn.profiles[f->profile];
	unsigned int client = flow_client(f);
	/* Only a live TCP connection gets RSTs: after TIME_WAIT or an RST it is gone anyway. */
	bool live_tcp = f->key.proto == 6 && f->state <= FLOW_TCP_CLOSING;
	uint8_t action = silent || !live_tcp ? FLOW_EV_NO_ACTION : (uint8_t)prof->on_timeout;
	uint8_t rsts = 0;
	/* Any port of the flow's pair: rst_to_endpoint picks the side. */
	unsigned int pi = 0;

	while (pi < w->n_ports && w->ports[pi].pair != f->key.pair)
		pi++;
	if (action != FLOW_EV_NO_ACTION && pi < w->n_ports) {
		enum cfg_on_timeout a = prof->on_timeout;

		if (a == CFG_ON_TIMEOUT_RESET_BOTH || a == CFG_ON_TIMEOUT_RESET_CLIENT) {
			rst_to_endpoint(w, pi, f, client);
			rsts++;
		}
		if (a == CFG_ON_TIMEOUT_RESET_BOTH || a == CFG_ON_TIMEOUT_RESET_SERVER) {
			rst_to_endpoint(w, pi, f, client ^ 1);
			rsts++;
		}
	}
	if (w->shared->events_on)
		event_put(w, f, action, rsts, (uint8_t)reason);
	if (reason == FLOW_EV_FLUSH) {
		STATS_ADD(w->stats.flushed, 1);
		due = w->now; /* a flush is on time by definition */
	}
	flow_forget(w, idx, true, due);
}

void
worker_tick(struct worker *w, uint64_t tsc)
{
	unsigned int budget = w->expire_budget != 0 ? w->expire_budget : WORKER_EXPIRE_BUDGET;

	w->now_tsc = tsc;
	w->now = (uint32_t)((tsc - w->shared->tsc0) / w->shared->tsc_per_ms);
	while (budget > 0) {
		unsigned int n = flow_timer_run(w->ft, w->now, &budget, flow_tmo, w->snap,
						w->expired, w->expired_due, WORKER_EXPIRE_BATCH);

		/* In a storm each removal would wait for its bucket: fetch them all first. */
		for (unsigned int i = 0; i < n; i++)
			flow_prefetch_home(w->ft, w->expired[i]);
		for (unsigned int i = 0; i < n; i++)
			flow_expire(w, w->expired[i], w->expired_due[i], FLOW_EV_TIMEOUT, false);
		if (n < WORKER_EXPIRE_BATCH)
			break;
	}
}

/* ---------------------------------------------------------------- per packet */

struct pkt_ctx {
	struct parse_info pi;
	struct flow_key key;
	uint64_t hash;
	uint8_t status;	 /* enum parse_status */
	uint8_t tracked; /* key and hash are valid */
	uint8_t from;	 /* endpoint index of the sender in the key */
};

/* Profile for a frame that could not be fully parsed: rules on what is known. */
static uint16_t
malformed_profile(const struct worker *w, unsigned int pi, const struct parse_info *in,
		  enum parse_status st)
{
	struct rules_flow rf;

	rules_flow_from_parse(&rf, in, st, w->ports[pi].pair, (enum cfg_side)w->ports[pi].side,
			      w->ports[pi].access_vlan);
	return rules_match(&w->snap->scn, &rf);
}

static bool
flow_create(struct worker *w, unsigned int pi, struct pkt_ctx *c, const uint8_t *frame,
	    uint16_t profile, bool adopt)
{
	const struct parse_info *in = &c->pi;
	uint32_t idx = flow_insert(w->ft, &c->key, c->hash, w->now);
	/* An adopted SYN+ACK comes from the server: the client is the other end. */
	bool from_server = adopt && in->proto == 6 &&
			   (in->tcp_flags & (PARSE_TCP_SYN | PARSE_TCP_ACK)) ==
				   (PARSE_TCP_SYN | PARSE_TCP_ACK);
	unsigned int client = c->from ^ from_server;
	unsigned int client_side = w->ports[pi].side ^ from_server;
	struct flow *f;

	if (unlikely(idx == FLOW_NONE)) {
		STATS_ADD(w->stats.table_full, 1);
		if (w->snap->scn.when_full == CFG_WHEN_FULL_DROP) {
			STATS_ADD(w->stats.drops[STATS_DROP_TABLE_FULL], 1);
			return false;
		}
		return true;
	}
	f = &w->ft->flows[idx];
	f->profile = (uint8_t)profile;
	f->packets = 1;
	f->flags |= (uint16_t)((client ? FLOW_F_CLIENT_1 : 0) |
			       (client_side == CFG_SIDE_OUTSIDE ? FLOW_F_CLIENT_OUTSIDE : 0) |
			       ((unsigned int)in->n_vlan << FLOW_F_TAGS_SHIFT) |
			       (in->n_vlan > 0 && in->tpid[0] == PARSE_ETH_QINQ ? FLOW_F_QINQ0 : 0) |
			       (in->n_vlan > 1 && in->tpid[1] == PARSE_ETH_QINQ ? FLOW_F_QINQ1 : 0));
	memcpy(f->mac[c->from], frame + 6, 6);
	/* The peer's MAC, until it speaks: an RST to a silent peer needs an address. */
	memcpy(f->mac[c->from ^ 1], frame, 6);
	switch (in->proto) {
	case 6:
		tcpt_start(f, in, c->from, adopt);
		break;
	case 17:
		f->state = FLOW_UDP_SINGLE;
		f->flags |= FLOW_F_SEEN(c->from);
		break;
	default:
		f->state = FLOW_ACTIVE;
		f->flags |= FLOW_F_SEEN(c->from);
		break;
	}
	STATS_ADD(w->stats.flows_created[profile], 1);
	STATS_SET(w->stats.flows_active[profile], w->stats.flows_active[profile] + 1);
	STATS_SET(w->stats.flows_state[profile][f->state],
		  w->stats.flows_state[profile][f->state] + 1);
	flow_rearm(w, idx, f);
	return true;
}

/* A packet with no flow. Returns whether to forward it. */
static bool
handle_new(struct worker *w, unsigned int pi, struct pkt_ctx *c, const uint8_t *frame)
{
	const struct parse_info *in = &c->pi;
	const struct cfg_profile *prof;
	struct rules_flow rf;
	uint16_t profile;

	rf.valid = RULES_F_L3 | RULES_F_L4;
	rf.pair = w->ports[pi].pair;
	rf.side = w->ports[pi].side;
	rf.n_vlan = c->key.vlan[1] ? 2 : (c->key.vlan[0] ? 1 : 0);
	rf.vlan[0] = c->key.vlan[0];
	rf.vlan[1] = c->key.vlan[1];
	rf.family = in->family;
	rf.proto = in->proto;
	rf.src = in->src;
	rf.dst = in->dst;
	rf.sport = in->sport;
	rf.dport = in->dport;
	profile = rules_match(&w->snap->scn, &rf);
	prof = &w->snap->scn.profiles[profile];
	if (prof->untracked) {
		STATS_ADD(w->stats.untracked, 1);
		return true;
	}
	if (in->proto == 6 && (in->tcp_flags & (PARSE_TCP_SYN | PARSE_TCP_ACK | PARSE_TCP_RST)) !=
				      PARSE_TCP_SYN) {
		/* Stray: a non-SYN segment of no known connection (SPEC §6). */
		STATS_ADD(w->stats.stray[prof->stray_tcp], 1);
		switch (prof->stray_tcp) {
		case CFG_STRAY_ADOPT:
			if (in->tcp_flags & PARSE_TCP_RST)
				return true; /* never build a flow from an RST */
			return flow_create(w, pi, c, frame, profile, true);
		case CFG_STRAY_RESET:
			if (!(in->tcp_flags & PARSE_TCP_RST)) /* never answer an RST */
				rst_stray(w, pi, frame, in);
			/* fall through */
		case CFG_STRAY_DROP:
		default:
			STATS_ADD(w->stats.drops[STATS_DROP_STRAY], 1);
			return false;
		}
	}
	return flow_create(w, pi, c, frame, profile, false);
}

/* A packet of flow @idx. Returns whether to forward it. */
static bool
handle_known(struct worker *w, unsigned int pi, struct pkt_ctx *c, const uint8_t *frame,
	     uint32_t idx)
{
	struct flow *f = &w->ft->flows[idx];
	unsigned int from = c->from;
	uint8_t old_state = f->state;

	f->last_seen = w->now;
	f->packets += f->packets != UINT32_MAX;
	memcpy(f->mac[from], frame + 6, 6);
	switch (f->key.proto) {
	case 6: {
		const struct cfg_profile *prof = &w->snap->scn.profiles[f->profile];

		switch (tcpt_update_fast(f, &c->pi, from, prof->loose_close)) {
		case TCPT_RESTART:
			flow_forget(w, idx, false, 0);
			return handle_new(w, pi, c, frame);
		case TCPT_CLOSE_NOW:
			flow_forget(w, idx, false, 0);
			return true;
		case TCPT_OK:
			break;
		}
		break;
	}
	case 17:
		flow_udp_update(f, from);
		break;
	default:
		break;
	}
	state_moved(w, f, old_state);
	flow_rearm(w, idx, f);
	return true;
}

/* Parse, classify and build the flow key; no table access yet. */
static inline void
classify(struct worker *w, unsigned int pi, struct rte_mbuf *m, struct pkt_ctx *c)
{
	const uint8_t *data = rte_pktmbuf_mtod(m, const uint8_t *);
	const struct parse_info *in = &c->pi;
	uint16_t v0, v1;

	c->tracked = 0;
	c->status = (uint8_t)parse_frame(data, rte_pktmbuf_data_len(m), &c->pi);
	if (c->status != PARSE_IP || (in->flags & PARSE_F_ND))
		return;
	if (in->n_vlan == 0) {
		v0 = w->ports[pi].access_vlan;
		v1 = 0;
	} else {
		v0 = in->vlan[0];
		v1 = in->n_vlan > 1 ? in->vlan[1] : 0;
	}
	c->from = (uint8_t)flow_key_make(&c->key, in->family, in->src, in->sport, in->dst,
					 in->dport, in->proto, w->ports[pi].pair, v0, v1);
	c->hash = flow_hash(w->ft, &c->key);
	flow_prefetch_bucket(w->ft, c->hash);
	c->tracked = 1;
}

uint16_t
worker_process_burst(struct worker *w, unsigned int pi, struct rte_mbuf **pkts, uint16_t n,
		     struct rte_mbuf **out)
{
	struct pkt_ctx ctx[WORKER_BURST];
	uint64_t bytes = 0;
	uint16_t n_out = 0;
	unsigned int ahead;

	/* Stage 1: parse and hash the whole burst, prefetching index buckets. */
	for (uint16_t i = 0; i < n; i++) {
		bytes += rte_pktmbuf_pkt_len(pkts[i]);
		classify(w, pi, pkts[i], &ctx[i]);
	}
	/*
	 * Stage 2, folded into 3: the buckets have arrived; prefetch the entry a packet's
	 * signature points to PREFETCH_AHEAD packets before it is handled, so the misses
	 * overlap with work instead of queueing at once. Only worth it once the entries no
	 * longer stay in the near caches (WORKER_PREFETCH_ENTRY_MIN).
	 */
	ahead = w->ft->n_active >= WORKER_PREFETCH_ENTRY_MIN ? WORKER_PREFETCH_AHEAD : 0;
	for (uint16_t i = 0; i < ahead && i < n; i++)
		if (likely(ctx[i].tracked))
			flow_prefetch_entry(w->ft, ctx[i].hash);
	/* Stage 3: look up and act, in order. */
	for (uint16_t i = 0; i < n; i++) {
		struct pkt_ctx *c = &ctx[i];
		const uint8_t *frame = rte_pktmbuf_mtod(pkts[i], const uint8_t *);
		bool fwd = true;

		if (ahead != 0 && i + ahead < n && likely(ctx[i + ahead].tracked))
			flow_prefetch_entry(w->ft, ctx[i + ahead].hash);
		if (likely(c->tracked)) {
			uint32_t idx = flow_lookup(w->ft, &c->key, c->hash);

			fwd = idx != FLOW_NONE ? handle_known(w, pi, c, frame, idx)
					       : handle_new(w, pi, c, frame);
		} else if (c->status == PARSE_NON_IP || c->status == PARSE_IP) {
			STATS_ADD(w->stats.non_ip, 1);
		} else if (c->status == PARSE_FRAGMENT) {
			STATS_ADD(w->stats.fragments, 1);
		} else {
			uint16_t p = malformed_profile(w, pi, &c->pi,
						       (enum parse_status)c->status);

			STATS_ADD(w->stats.malformed[c->status], 1);
			if (w->snap->scn.profiles[p].malformed == CFG_DROP) {
				STATS_ADD(w->stats.drops[STATS_DROP_MALFORMED], 1);
				fwd = false;
			}
		}
		if (fwd)
			out[n_out++] = pkts[i];
		else
			rte_pktmbuf_free(pkts[i]);
	}
	STATS_ADD(w->stats.rx_packets[w->ports[pi].port_id], n);
	STATS_ADD(w->stats.rx_bytes[w->ports[pi].port_id], bytes);
	return n_out;
}

static void
poll_port(struct worker *w, unsigned int pi, unsigned int *got)
{
	struct rte_mbuf *pkts[WORKER_BURST], *out[WORKER_BURST];
	const struct worker_port *peer = &w->ports[w->ports[pi].peer];
	uint16_t n, n_out, sent;
	uint64_t bytes = 0;

	n = rte_eth_rx_burst(w->ports[pi].port_id, 0, pkts, WORKER_BURST);
	if (n == 0)
		return;
	*got += n;
	n_out = worker_process_burst(w, pi, pkts, n, out);
	if (n_out == 0)
		return;
	sent = rte_eth_tx_burst(peer->port_id, 0, out, n_out);
	for (uint16_t i = 0; i < sent; i++)
		bytes += rte_pktmbuf_pkt_len(out[i]);
	if (unlikely(sent < n_out)) {
		rte_pktmbuf_free_bulk(&out[sent], n_out - sent);
		STATS_ADD(w->stats.drops[STATS_DROP_TX_FULL], n_out - sent);
	}
	STATS_ADD(w->stats.tx_packets[peer->port_id], sent);
	STATS_ADD(w->stats.tx_bytes[peer->port_id], bytes);
}

/* Expire the flows of the profiles in the flush masks, a bounded step per loop. */
static void
flush_step(struct worker *w)
{
	struct flow_table *ft = w->ft;
	uint32_t end = w->flush_cursor + WORKER_FLUSH_STEP;

	if (end > ft->capacity)
		end = ft->capacity;
	for (uint32_t i = w->flush_cursor; i < end; i++) {
		const struct flow *f = &ft->flows[i];
		uint64_t bit = 1ull << f->profile;

		if ((f->flags & FLOW_F_USED) && (w->flush_mask & bit))
			flow_expire(w, i, w->now, FLOW_EV_FLUSH, (w->flush_silent_mask & bit) != 0);
	}
	w->flush_cursor = end;
	if (end == ft->capacity) {
		w->flush_mask = 0;
		w->flush_silent_mask = 0;
		__atomic_store_n(&w->flush_done, w->flush_seen, __ATOMIC_RELEASE);
	}
}

/* Copy up to dump_max flows, scanning a bounded number of entries per loop. */
static void
dump_step(struct worker *w)
{
	struct flow_table *ft = w->ft;
	uint32_t max = __atomic_load_n(&w->shared->dump_max, __ATOMIC_RELAXED);
	uint32_t n = 0;

	if (max > FLOW_DUMP_MAX)
		max = FLOW_DUMP_MAX;
	while (n < WORKER_DUMP_STEP && w->dump_scanned < ft->capacity && w->dump_n < max) {
		const struct flow *f = &ft->flows[w->dump_cursor];

		if (f->flags & FLOW_F_USED) {
			struct flow_dump *d = &w->dump[w->dump_n++];
			uint32_t t = flow_tmo(f, w->snap);

			d->key = f->key;
			d->flags = f->flags;
			d->state = f->state;
			d->profile = f->profile;
			d->idle_ms = w->now - f->last_seen;
			d->packets = f->packets;
			if (t == FLOW_TMO_NEVER)
				d->left_ms = UINT32_MAX;
			else
				d->left_ms = d->idle_ms >= t ? 0 : t - d->idle_ms;
		}
		w->dump_cursor = w->dump_cursor + 1 == ft->capacity ? 0 : w->dump_cursor + 1;
		w->dump_scanned++;
		n++;
	}
	if (w->dump_scanned == ft->capacity || w->dump_n >= max)
		__atomic_store_n(&w->dump_done, w->dump_seen, __ATOMIC_RELEASE);
}

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
	if (w->flush_done != w->flush_seen)
		flush_step(w);

	seq = __atomic_load_n(&sh->dump_seq, __ATOMIC_ACQUIRE);
	if (seq != w->dump_seen) {
		w->dump_seen = seq;
		w->dump_n = 0;
		w->dump_scanned = 0;
		/* Start where the last dump stopped, so repeated dumps sample other flows. */
	}
	if (w->dump_done != w->dump_seen)
		dump_step(w);
}

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

		w->snap = __atomic_load_n(&sh->snap, __ATOMIC_ACQUIRE);
		worker_tick(w, rte_rdtsc());
		for (unsigned int p = 0; p < w->n_ports; p++)
			poll_port(w, p, &got);
		/*
		 * An expiry storm gets the time forwarding does not need: a small budget while
		 * bursts come in full, a large one when the last loop had room to spare.
		 */
		w->expire_budget = got * 2 >= (unsigned int)WORKER_BURST * w->n_ports
					   ? WORKER_EXPIRE_BUDGET
					   : WORKER_EXPIRE_BUDGET_SPARE;
		worker_requests(w);
		worker_flush_rst(w);
		rte_rcu_qsbr_quiescent(sh->qsbr, w->qsbr_id);
		STATS_ADD(w->stats.loops, 1);

		if (got != 0 || !sh->idle_sleep) {
			idle = 0;
		} else if (++idle > IDLE_LOOPS_BEFORE_SLEEP && flow_timer_idle(w->ft, w->now)) {
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
