/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_prefetch.h>

#include "engine.h"
#include "flow_tcp.h"
#include "parse.h"
#include "rules.h"

_Static_assert(offsetof(struct engine_parsed, pi) == 0, "engine_pkt.parsed is its pi");

int
engine_init(struct engine *e, uint32_t capacity, uint64_t seed, uint32_t now)
{
	e->ft = flow_table_create(capacity, seed, now);
	if (e->ft == NULL)
		return -errno;
	e->now = now;
	e->pf_entry_min = ENGINE_PREFETCH_ENTRY_MIN;
	return 0;
}

void
engine_fini(struct engine *e)
{
	flow_table_destroy(e->ft);
	e->ft = NULL;
}

int
engine_add_pair(struct engine *e, uint8_t pair, uint16_t vlan_inside, uint16_t vlan_outside,
		const uint8_t *mac_in, const uint8_t *mac_out)
{
	unsigned int i = e->n_ports;

	if (i + 2 > ENGINE_MAX_PORTS)
		return -ENOSPC;
	e->ports[i] = (struct engine_port){.peer = (uint16_t)(i + 1),
					   .pair = pair,
					   .side = CFG_SIDE_INSIDE,
					   .access_vlan = vlan_inside,
					   .stat = (uint16_t)i,
					   .n_share = 1,
					   .max_frame = UINT32_MAX};
	e->ports[i + 1] = (struct engine_port){.peer = (uint16_t)i,
					       .pair = pair,
					       .side = CFG_SIDE_OUTSIDE,
					       .access_vlan = vlan_outside,
					       .stat = (uint16_t)(i + 1),
					       .n_share = 1,
					       .max_frame = UINT32_MAX};
	if (mac_in != NULL)
		memcpy(e->ports[i].mac, mac_in, 6);
	if (mac_out != NULL)
		memcpy(e->ports[i + 1].mac, mac_out, 6);
	e->n_ports += 2;
	return (int)i;
}

void
engine_set_mtu(struct engine *e, uint8_t pair, uint16_t mtu)
{
	for (unsigned int i = 0; i < e->n_ports; i++)
		if (e->ports[i].pair == pair)
			e->ports[i].max_frame = mtu != 0 ? mtu + 14u + 8u : UINT32_MAX;
}

void
engine_share_pair(struct engine *e, uint8_t pair, unsigned int n, unsigned int idx,
		  bool steer_sw)
{
	for (unsigned int i = 0; i < e->n_ports; i++) {
		if (e->ports[i].pair != pair)
			continue;
		e->ports[i].n_share = (uint8_t)n;
		e->ports[i].share_idx = (uint8_t)idx;
		e->ports[i].steer_sw = steer_sw;
		if (steer_sw && n > 1)
			e->pf_entry_min = ENGINE_PREFETCH_ENTRY_MIN_SW;
	}
}

uint32_t
engine_flow_tmo(const struct flow *f, const void *arg)
{
	return engine_tmo(f, arg);
}

/* Engine port of the given side of the pair that port @pi belongs to. */
static inline unsigned int
side_port(const struct engine *e, unsigned int pi, unsigned int side)
{
	return e->ports[pi].side == side ? pi : e->ports[pi].peer;
}

/* ---------------------------------------------------------------- RST requests */

static inline struct rst_params *
rst_put(struct engine *e, unsigned int port, enum stats_rst_to to)
{
	struct engine_rst *r;

	/* Callers keep room (engine.h): a burst writes at most ENGINE_BURST_RST. */
	if (unlikely(e->out.n_rst == ENGINE_RST_MAX)) {
		STATS_ADD(e->stats.rst_failed, 1);
		return NULL;
	}
	r = &e->out.rst[e->out.n_rst++];
	memset(&r->p, 0, sizeof(r->p));
	r->port = (uint8_t)port;
	r->to = (uint8_t)to;
	/* A timeout's RSTs precede its event, which takes the next event slot. */
	r->ev = to != STATS_RST_STRAY && e->events_on && e->out.n_ev < ENGINE_EV_MAX
			? e->out.n_ev
			: ENGINE_NO_EV;
	return &r->p;
}

/*
 * Tags a frame with @n tags on port @from carries on its way to port @to (the retag rule of
 * engine_burst): pushed from an access port to a trunk, popped from a trunk to the access
 * port of its outer VLAN, else kept. *@first is the index in the flow key of its outer tag.
 */
static inline unsigned int
tags_across(const struct engine *e, unsigned int from, unsigned int to, unsigned int n,
	    uint16_t outer, unsigned int *first)
{
	uint16_t af = e->ports[from].access_vlan, at = e->ports[to].access_vlan;

	*first = 0;
	if (af != 0 && at == 0 && n == 0)
		return 1;
	if (af == 0 && at != 0 && n > 0 && outer == at) {
		*first = 1;
		return n - 1;
	}
	return n;
}

/*
 * The flow's VLAN tags as its frames travel on engine port @port (SPEC §3): FLOW_F_TAGS
 * holds how many its frames carry on the client's side; the other side's follow the
 * retag rule.
 */
static void
rst_tags(const struct engine *e, unsigned int port, const struct flow *f, struct rst_params *p)
{
	unsigned int n = (f->flags & FLOW_F_TAGS_MASK) >> FLOW_F_TAGS_SHIFT, first = 0;
	unsigned int client_side = (f->flags & FLOW_F_CLIENT_OUTSIDE) ? CFG_SIDE_OUTSIDE
								       : CFG_SIDE_INSIDE;

	if (e->ports[port].side != client_side)
		n = tags_across(e, e->ports[port].peer, port, n, f->key.vlan[0], &first);
	if (n + first > 2)
		n = 2 - first;
	p->n_vlan = (uint8_t)n;
	for (unsigned int t = 0; t < n; t++) {
		unsigned int k = first + t;

		p->vlan[t] = f->key.vlan[k];
		p->tpid[t] = (f->flags & (FLOW_F_QINQ0 << k)) ? PARSE_ETH_QINQ : PARSE_ETH_VLAN;
	}
}

/*
 * RSTs to endpoint @to of flow @f, as if from its peer, out of the port @to is behind: one
 * with the receiver's RCV.NXT as idlecut last saw it (its highest ACK), and a second one
 * when data went towards it that it has not acknowledged yet (its RCV.NXT may be either;
 * RFC 5961 makes the wrong one draw at most a challenge ACK).
 */
static void
rst_to_endpoint(struct engine *e, unsigned int pi, const struct flow *f, unsigned int to)
{
	unsigned int from = to ^ 1, client = flow_client(f);
	unsigned int client_side = (f->flags & FLOW_F_CLIENT_OUTSIDE) ? CFG_SIDE_OUTSIDE
								       : CFG_SIDE_INSIDE;
	unsigned int out = side_port(e, pi, to == client ? client_side : client_side ^ 1);
	enum stats_rst_to whom = to == client ? STATS_RST_CLIENT : STATS_RST_SERVER;
	struct rst_params *p = rst_put(e, out, whom);
	struct engine_rst *q;

	if (p == NULL)
		return;
	memcpy(p->dst_mac, f->mac[to], 6);
	if (f->flags & FLOW_F_SEEN(from))
		memcpy(p->src_mac, f->mac[from], 6);
	else
		memcpy(p->src_mac, e->ports[e->ports[out].peer].mac, 6);
	rst_tags(e, out, f, p);
	p->family = (uint8_t)f->key.family;
	memcpy(p->src, f->key.addr[from], 16);
	memcpy(p->dst, f->key.addr[to], 16);
	p->sport = f->key.port[from];
	p->dport = f->key.port[to];
	p->tcp_flags = tcpt_rst_seq(f, to, &p->seq, &p->ack);
	p->payload_len = e->snap->scn.profiles[f->profile].rst_payload_len;
	p->payload = (const uint8_t *)e->snap->scn.profiles[f->profile].rst_payload;
	if (!((f->flags & FLOW_F_ACKED(to)) && (f->flags & FLOW_F_SEEN(from)) &&
	      f->seq_next[from] != p->seq))
		return;
	if (rst_put(e, out, whom) == NULL)
		return;
	q = &e->out.rst[e->out.n_rst - 1];
	q->p = *p;
	q->p.seq = f->seq_next[from];
}

/* RFC 793 reset for a segment that belongs to no connection, back to its sender. */
static void
rst_stray(struct engine *e, unsigned int pi, const uint8_t *frame, const struct parse_info *in,
	  const struct cfg_profile *prof)
{
	struct rst_params *p = rst_put(e, pi, STATS_RST_STRAY);

	if (p == NULL)
		return;
	p->payload_len = prof->rst_payload_len;
	p->payload = (const uint8_t *)prof->rst_payload;
	memcpy(p->dst_mac, frame + 6, 6);
	memcpy(p->src_mac, frame, 6);
	p->n_vlan = in->n_vlan;
	for (unsigned int t = 0; t < in->n_vlan; t++) {
		p->vlan[t] = in->vlan[t];
		p->tpid[t] = in->tpid[t];
	}
	p->family = in->family;
	memcpy(p->src, in->dst, 16);
	memcpy(p->dst, in->src, 16);
	p->sport = in->dport;
	p->dport = in->sport;
	if (in->tcp_flags & PARSE_TCP_ACK) {
		p->seq = in->ack;
		p->tcp_flags = PARSE_TCP_RST;
	} else {
		p->seq = 0;
		p->ack = in->seq + in->payload_len + !!(in->tcp_flags & PARSE_TCP_SYN) +
			 !!(in->tcp_flags & PARSE_TCP_FIN);
		p->tcp_flags = PARSE_TCP_RST | PARSE_TCP_ACK;
	}
}

/* ---------------------------------------------------------------- flow life cycle */

static inline uint32_t
due_of(uint32_t now, uint32_t t)
{
	return now + (t == 0 ? 1 : t);
}

/*
 * After a packet: re-arm only if the timeout @t (ticks) now ends earlier than the armed due
 * (the wheel checks the flow at its due and re-arms it from its last packet).
 */
static inline void
flow_rearm_tmo(struct engine *e, uint32_t idx, struct flow *f, uint32_t t)
{
	if (unlikely(t == FLOW_TMO_NEVER)) {
		flow_disarm(e->ft, idx);
		return;
	}
	if (!(f->flags & FLOW_F_ARMED) || flow_seq_after(f->due, due_of(e->now, t)))
		flow_arm(e->ft, idx, due_of(e->now, t));
}

/*
 * A new snapshot (or one rebuilt in place): if it changes an established timeout, flows
 * armed under the old one may be due later than the new timeout allows, and their next
 * segment must re-arm them (SPEC §5: a change applies from a flow's next refresh) until the
 * wheel has examined them all: none is due after now + the longest old timeout.
 */
static __rte_noinline void
snap_changed(struct engine *e)
{
	const struct dp_snapshot *s = e->snap;
	uint32_t longest = 0;
	bool changed = false;

	for (unsigned int p = 0; p < CFG_MAX_PROFILES; p++) {
		uint32_t old = e->est_tmo[p], t = s->tmo_ticks[p][CFG_TMO_TCP_ESTABLISHED];

		changed |= t != old;
		if (old != FLOW_TMO_NEVER && old > longest)
			longest = old;
		e->est_tmo[p] = t;
	}
	if (changed) {
		uint32_t until = due_of(e->now, longest);

		if (!e->rearm_check || flow_seq_after(until, e->rearm_until))
			e->rearm_until = until;
		e->rearm_check = true;
	}
	e->snap_seen = s;
	e->snap_gen = s->generation;
}

/* Whether this burst's established segments must re-arm their flows (struct engine). */
static inline bool
rearm_check(struct engine *e)
{
	if (unlikely(e->snap != e->snap_seen || e->snap->generation != e->snap_gen))
		snap_changed(e);
	if (unlikely(e->rearm_check) && flow_timer_passed(e->ft, e->rearm_until))
		e->rearm_check = false;
	return e->rearm_check;
}

/* flow_rearm_tmo() with the flow's current timeout. */
static inline void
flow_rearm(struct engine *e, uint32_t idx, struct flow *f)
{
	flow_rearm_tmo(e, idx, f, engine_tmo(f, e->snap));
}

static void
flow_forget(struct engine *e, uint32_t idx, bool expired, uint32_t due)
{
	struct flow *f = &e->ft->flows[idx];
	unsigned int slot = f->profile;

	if (expired) {
		/* Whole ticks late (modulo 2^32, like every tick), plus the fraction of this one. */
		uint64_t late = (uint64_t)(uint32_t)(e->now - due) * 1000000 + e->frac_ns;

		STATS_ADD(e->stats.flows_expired[slot][f->state], 1);
		stats_late_record(&e->stats, late);
	} else {
		STATS_ADD(e->stats.flows_closed[slot], 1);
	}
	STATS_SET(e->stats.flows_active[slot], e->stats.flows_active[slot] - 1);
	STATS_SET(e->stats.flows_state[slot][f->state], e->stats.flows_state[slot][f->state] - 1);
	flow_remove(e->ft, idx);
}

/* Keep the per-state gauges right when a packet moved a flow to another state. */
static inline void
state_moved(struct engine *e, const struct flow *f, uint8_t old)
{
	if (f->state == old)
		return;
	STATS_SET(e->stats.flows_state[f->profile][old], e->stats.flows_state[f->profile][old] - 1);
	STATS_SET(e->stats.flows_state[f->profile][f->state],
		  e->stats.flows_state[f->profile][f->state] + 1);
}

static void
event_put(struct engine *e, const struct flow *f, uint8_t action, uint8_t reason)
{
	struct flow_event *ev;

	if (unlikely(e->out.n_ev == ENGINE_EV_MAX)) {
		STATS_ADD(e->stats.events_dropped, 1);
		return;
	}
	ev = &e->out.ev[e->out.n_ev++];
	ev->tsc = e->stamp;
	ev->key = f->key;
	ev->idle_ms = e->now - f->last_seen;
	ev->flags = f->flags;
	ev->state = f->state;
	ev->profile = f->profile;
	ev->action = action;
	ev->rsts = 0; /* the caller counts the RSTs a port took (engine_rst.ev) */
	ev->reason = reason;
	ev->pad = 0;
}

/*
 * Forget flow @idx now: apply its profile's on_timeout action (unless @silent), write an
 * event, count it.
 */
static void
flow_expire(struct engine *e, uint32_t idx, uint32_t due, enum flow_event_reason reason,
	    bool silent)
{
	struct flow *f = &e->ft->flows[idx];
	const struct cfg_profile *prof = &e->snap->scn.profiles[f->profile];
	unsigned int client = flow_client(f);
	/* Only a live TCP connection gets RSTs: after TIME_WAIT or an RST it is gone anyway. */
	bool live_tcp = f->key.proto == 6 && f->state <= FLOW_TCP_CLOSING;
	uint8_t action = silent || !live_tcp ? FLOW_EV_NO_ACTION
					      : (uint8_t)prof->on_timeout_state[f->state];
	/* Any port of the flow's pair: rst_to_endpoint picks the side. */
	unsigned int pi = 0;

	while (pi < e->n_ports && e->ports[pi].pair != f->key.pair)
		pi++;
	if (action == CFG_ON_TIMEOUT_SILENT)
		action = FLOW_EV_NO_ACTION;
	if (action != FLOW_EV_NO_ACTION && pi < e->n_ports) {
		enum cfg_on_timeout a = (enum cfg_on_timeout)action;

		if (a == CFG_ON_TIMEOUT_RESET_BOTH || a == CFG_ON_TIMEOUT_RESET_CLIENT)
			rst_to_endpoint(e, pi, f, client);
		if (a == CFG_ON_TIMEOUT_RESET_BOTH || a == CFG_ON_TIMEOUT_RESET_SERVER)
			rst_to_endpoint(e, pi, f, client ^ 1);
	}
	if (e->events_on)
		event_put(e, f, action, (uint8_t)reason);
	if (reason == FLOW_EV_FLUSH) {
		STATS_ADD(e->stats.flushed, 1);
		due = e->now; /* a flush is on time by definition */
	}
	flow_forget(e, idx, true, due);
}

/* Evict flow @idx silently (as conntrack's early_drop and F5's reaper do): event, count. */
static void
flow_evict(struct engine *e, uint32_t idx, enum stats_evict why)
{
	struct flow *f = &e->ft->flows[idx];
	unsigned int slot = f->profile;

	if (e->events_on)
		event_put(e, f, FLOW_EV_NO_ACTION,
			  why == STATS_EVICT_EARLY_DROP ? FLOW_EV_EVICT_EARLY : FLOW_EV_EVICT_REAPER);
	STATS_ADD(e->stats.evicted[slot][why], 1);
	STATS_SET(e->stats.flows_active[slot], e->stats.flows_active[slot] - 1);
	STATS_SET(e->stats.flows_state[slot][f->state], e->stats.flows_state[slot][f->state] - 1);
	flow_remove(e->ft, idx);
}

/* Not (yet) a confirmed two-way flow: what conntrack calls unassured, F5 embryonic. */
static inline bool
flow_embryonic(const struct flow *f)
{
	return f->state < FLOW_TCP_ESTABLISHED || f->state == FLOW_TCP_TIME_WAIT ||
	       f->state == FLOW_TCP_CLOSED || f->state == FLOW_UDP_SINGLE;
}

/*
 * when_full: early-drop (Linux conntrack's early_drop): in the new flow's home bucket and the
 * next, evict an embryonic flow (the idlest of them), else the idlest flow. Returns whether
 * one was evicted.
 */
static bool
early_drop(struct engine *e, uint64_t hash)
{
	const struct flow_table *ft = e->ft;
	uint32_t b = flow_home_bucket_(ft, (uint32_t)hash);
	uint32_t victim = FLOW_NONE, idle = 0;
	bool victim_emb = false;

	for (unsigned int k = 0; k < ENGINE_EARLY_DROP_BUCKETS; k++) {
		const struct flow_bucket *bk = &ft->buckets[b];

		for (unsigned int s = 0; s < FLOW_BUCKET_SLOTS; s++) {
			const struct flow *f;
			uint32_t i = bk->idx[s], id;
			bool emb;

			if (i == 0)
				continue;
			f = &ft->flows[i - 1];
			emb = flow_embryonic(f);
			id = e->now - f->last_seen;
			if (victim == FLOW_NONE || (emb && !victim_emb) ||
			    (emb == victim_emb && id > idle)) {
				victim = i - 1;
				victim_emb = emb;
				idle = id;
			}
		}
		b = flow_next_bucket_(ft, b);
	}
	if (victim == FLOW_NONE)
		return false;
	flow_evict(e, victim, STATS_EVICT_EARLY_DROP);
	return true;
}

/*
 * The reaper (F5's adaptive reaper, Juniper's early-ageout): above high % of the capacity,
 * sweep the table, ENGINE_REAP_STEP entries per tick, evicting embryonic flows first, then
 * flows idle for half their timeout, a quarter, an eighth, then any, until under low %.
 */
static void
reap(struct engine *e)
{
	const struct cfg_reaper *r = &e->snap->scn.reaper;
	struct flow_table *ft = e->ft;
	uint64_t cap = ft->capacity;
	uint32_t end;

	if (!r->on)
		return;
	if (!e->reaping) {
		if ((uint64_t)ft->n_active * 100 <= cap * r->high_pct)
			return;
		e->reaping = true;
		e->reap_pass = 0;
	}
	end = e->reap_cursor + ENGINE_REAP_STEP;
	for (uint32_t i = e->reap_cursor; i < end && i < ft->capacity; i++) {
		const struct flow *f = &ft->flows[i];
		bool go;

		if (!(f->flags & FLOW_F_USED) || f->profile == CFG_PROFILE_UNTRACKED)
			continue;
		if (e->reap_pass == 0) {
			go = flow_embryonic(f);
		} else if (e->reap_pass < 4) {
			uint32_t t = engine_tmo(f, e->snap);

			go = t != FLOW_TMO_NEVER && e->now - f->last_seen >= t >> e->reap_pass;
		} else {
			go = true;
		}
		if (!go)
			continue;
		if (e->out.n_ev == ENGINE_EV_MAX) {
			end = i; /* the output is full: go on from here next tick */
			break;
		}
		flow_evict(e, i, STATS_EVICT_REAPER);
		if ((uint64_t)ft->n_active * 100 < cap * r->low_pct) {
			e->reaping = false;
			e->reap_cursor = i + 1 >= ft->capacity ? 0 : i + 1;
			return;
		}
	}
	if (end >= ft->capacity) {
		end = 0;
		if (e->reap_pass < 4)
			e->reap_pass++;
	}
	e->reap_cursor = end;
}

/* Room for one more batch of expiries in the output context. */
static inline bool
out_has_room(const struct engine *e, unsigned int flows)
{
	return e->out.n_rst + flows * ENGINE_RST_PER_FLOW <= ENGINE_RST_MAX &&
	       e->out.n_ev + flows <= ENGINE_EV_MAX;
}

bool
engine_tick(struct engine *e, unsigned int *budget)
{
	if (unlikely(e->snap->scn.reaper.on))
		reap(e);
	while (*budget > 0) {
		unsigned int n;

		if (!out_has_room(e, ENGINE_EXPIRE_BATCH))
			return true;
		n = flow_timer_run(e->ft, e->now, budget, engine_flow_tmo, e->snap, e->expired,
				   e->expired_due, ENGINE_EXPIRE_BATCH);
		/* In a storm each removal would wait for its bucket: fetch them all first. */
		for (unsigned int i = 0; i < n; i++)
			flow_prefetch_home(e->ft, e->expired[i]);
		for (unsigned int i = 0; i < n; i++)
			flow_expire(e, e->expired[i], e->expired_due[i], FLOW_EV_TIMEOUT, false);
		if (n < ENGINE_EXPIRE_BATCH)
			break;
	}
	return false;
}

/* ---------------------------------------------------------------- per packet */

/* pkt_ctx.status beyond enum parse_status: the frame goes to another worker. */
#define ENGINE_ST_HANDOFF 0xff
#define ENGINE_ST_OVERSIZE 0xfe /* longer than the pair's MTU allows */

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
malformed_profile(const struct engine *e, unsigned int pi, const struct parse_info *in,
		  enum parse_status st)
{
	struct rules_flow rf;

	rules_flow_from_parse(&rf, in, st, e->ports[pi].pair, (enum cfg_side)e->ports[pi].side,
			      e->ports[pi].access_vlan);
	return rules_match(&e->snap->scn, &rf);
}

static bool
flow_create(struct engine *e, unsigned int pi, struct pkt_ctx *c, struct engine_pkt *pk,
	    uint16_t profile, bool adopt)
{
	const uint8_t *frame = pk->data;
	const struct parse_info *in = &c->pi;
	uint32_t idx = flow_insert(e->ft, &c->key, c->hash, e->now);
	/*
	 * An adopted SYN+ACK comes from the server: the client is the other end. Any other
	 * adopted segment: the endpoint on the inside port is the client (SPEC §4).
	 */
	bool from_server = adopt && in->proto == 6 &&
			   ((in->tcp_flags & (PARSE_TCP_SYN | PARSE_TCP_ACK)) ==
				    (PARSE_TCP_SYN | PARSE_TCP_ACK) ||
			    (!(in->tcp_flags & PARSE_TCP_SYN) &&
			     e->ports[pi].side == CFG_SIDE_OUTSIDE));
	unsigned int client = c->from ^ from_server;
	unsigned int client_side = e->ports[pi].side ^ from_server;
	unsigned int n_tags, first;
	struct flow *f;

	if (unlikely(idx == FLOW_NONE) && e->snap->scn.when_full == CFG_WHEN_FULL_EARLY_DROP &&
	    early_drop(e, c->hash)) {
		/* The eviction may have moved nothing: the key is still absent, insert again. */
		idx = flow_insert(e->ft, &c->key, c->hash, e->now);
	}
	if (unlikely(idx == FLOW_NONE)) {
		pk->what = ENGINE_W_TABLE_FULL;
		STATS_ADD(e->stats.table_full, 1);
		if (e->snap->scn.when_full == CFG_WHEN_FULL_DROP) {
			STATS_ADD(e->stats.drops[STATS_DROP_TABLE_FULL], 1);
			return false;
		}
		return true;
	}
	pk->what = adopt ? ENGINE_W_ADOPTED : ENGINE_W_NEW;
	f = &e->ft->flows[idx];
	f->profile = (uint8_t)profile;
	f->packets = 1;
	/* FLOW_F_TAGS: the tags of its frames on the client's side (rst_tags). */
	n_tags = in->n_vlan;
	if (client_side != e->ports[pi].side)
		n_tags = tags_across(e, pi, e->ports[pi].peer, n_tags, c->key.vlan[0], &first);
	f->flags |= (uint16_t)((client ? FLOW_F_CLIENT_1 : 0) |
			       (client_side == CFG_SIDE_OUTSIDE ? FLOW_F_CLIENT_OUTSIDE : 0) |
			       (n_tags << FLOW_F_TAGS_SHIFT) |
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
	STATS_ADD(e->stats.flows_created[profile], 1);
	STATS_SET(e->stats.flows_active[profile], e->stats.flows_active[profile] + 1);
	STATS_SET(e->stats.flows_state[profile][f->state],
		  e->stats.flows_state[profile][f->state] + 1);
	flow_rearm(e, idx, f);
	return true;
}

/* The profile of a new flow whose first packet is @c: the first rule that matches it. */
static uint16_t
new_flow_profile(const struct engine *e, unsigned int pi, const struct pkt_ctx *c)
{
	const struct parse_info *in = &c->pi;
	struct rules_flow rf;

	rf.valid = RULES_F_L3 | RULES_F_L4;
	rf.pair = e->ports[pi].pair;
	rf.side = e->ports[pi].side;
	rf.n_vlan = c->key.vlan[1] ? 2 : (c->key.vlan[0] ? 1 : 0);
	rf.vlan[0] = c->key.vlan[0];
	rf.vlan[1] = c->key.vlan[1];
	rf.family = in->family;
	rf.proto = in->proto;
	rf.src = in->src;
	rf.dst = in->dst;
	rf.sport = in->sport;
	rf.dport = in->dport;
	if (unlikely(in->proto == 6 && (in->tcp_flags & (PARSE_TCP_SYN | PARSE_TCP_ACK)) ==
					       (PARSE_TCP_SYN | PARSE_TCP_ACK))) {
		/* A SYN+ACK comes from the server: the rules see the client as src. */
		rf.src = in->dst;
		rf.dst = in->src;
		rf.sport = in->dport;
		rf.dport = in->sport;
		rf.side = (enum cfg_side)(rf.side ^ 1);
	}
	return rules_match(&e->snap->scn, &rf);
}

/* A packet with no flow. Returns whether to forward it. */
static bool
handle_new(struct engine *e, unsigned int pi, struct pkt_ctx *c, struct engine_pkt *pk)
{
	const struct parse_info *in = &c->pi;
	const struct cfg_profile *prof;
	/* No rules: every flow takes the default profile (no need to show them the packet). */
	uint16_t profile = likely(e->snap->scn.n_rules == 0) ? e->snap->scn.default_profile
							      : new_flow_profile(e, pi, c);

	prof = &e->snap->scn.profiles[profile];
	if (prof->untracked) {
		pk->what = ENGINE_W_UNTRACKED;
		STATS_ADD(e->stats.untracked, 1);
		return true;
	}
	if (in->proto == 6 && (in->tcp_flags & (PARSE_TCP_SYN | PARSE_TCP_ACK | PARSE_TCP_RST)) !=
				      PARSE_TCP_SYN) {
		/* Stray: a non-SYN segment of no known connection (SPEC §6). */
		enum cfg_stray act = unlikely(pk->flags & ENGINE_PKT_ADOPT)
					     ? CFG_STRAY_ADOPT
					     : prof->stray_tcp_side[e->ports[pi].side];

		STATS_ADD(e->stats.stray[act], 1);
		switch (act) {
		case CFG_STRAY_ADOPT:
			if (in->tcp_flags & PARSE_TCP_RST) {
				pk->what = ENGINE_W_UNTRACKED;
				return true; /* never build a flow from an RST: forward it */
			}
			return flow_create(e, pi, c, pk, profile, true);
		case CFG_STRAY_RESET:
			pk->what = ENGINE_W_STRAY_DROP;
			if (!(in->tcp_flags & PARSE_TCP_RST)) { /* never answer an RST */
				rst_stray(e, pi, pk->data, in, prof);
				pk->what = ENGINE_W_STRAY_RST;
			}
			STATS_ADD(e->stats.drops[STATS_DROP_STRAY], 1);
			return false;
		case CFG_STRAY_DROP:
		default:
			pk->what = ENGINE_W_STRAY_DROP;
			STATS_ADD(e->stats.drops[STATS_DROP_STRAY], 1);
			return false;
		}
	}
	return flow_create(e, pi, c, pk, profile, false);
}

/*
 * A TCP segment of flow @f outside its window: counted, then forwarded (it refreshes the
 * flow) or dropped (it does not: last_seen goes back to @seen0) by the profile's
 * out_of_window. Returns whether to forward it.
 */
static bool
out_of_window(struct engine *e, uint32_t idx, struct flow *f, struct engine_pkt *pk,
	      uint32_t seen0)
{
	const struct cfg_profile *prof = &e->snap->scn.profiles[f->profile];

	pk->what = ENGINE_W_OUT_OF_WINDOW;
	STATS_ADD(e->stats.out_of_window[f->profile], 1);
	if (prof->out_of_window == CFG_DROP) {
		/* Dropped: it does not refresh the flow either (SPEC §4). */
		f->last_seen = seen0;
		STATS_ADD(e->stats.drops[STATS_DROP_OUT_OF_WINDOW], 1);
		return false;
	}
	flow_rearm(e, idx, f);
	return true;
}

/*
 * A packet of flow @idx that is not a segment of an established connection (handle_known()
 * did the common part). Returns whether to forward it.
 */
static __rte_noinline bool
handle_known_slow(struct engine *e, unsigned int pi, struct pkt_ctx *c, struct engine_pkt *pk,
		  uint32_t idx, uint32_t seen0)
{
	struct flow *f = &e->ft->flows[idx];
	unsigned int from = c->from;
	uint8_t old_state = f->state;

	switch (f->key.proto) {
	case 6: {
		const struct cfg_profile *prof = &e->snap->scn.profiles[f->profile];

		switch (tcpt_update(f, &c->pi, from, prof->loose_close)) {
		case TCPT_OUT_OF_WINDOW:
			return out_of_window(e, idx, f, pk, seen0);
		case TCPT_RESTART_SYNACK: {
			bool fwd;

			/* A new connection on the same ports, confirmed by the server. */
			flow_forget(e, idx, false, 0);
			pk->flags |= ENGINE_PKT_ADOPT;
			fwd = handle_new(e, pi, c, pk);
			pk->flags &= (uint8_t)~ENGINE_PKT_ADOPT;
			if (pk->what == ENGINE_W_ADOPTED)
				pk->what = ENGINE_W_RESTART;
			return fwd;
		}
		case TCPT_RESTART: {
			bool fwd;

			flow_forget(e, idx, false, 0);
			fwd = handle_new(e, pi, c, pk);
			if (pk->what == ENGINE_W_NEW)
				pk->what = ENGINE_W_RESTART;
			return fwd;
		}
		case TCPT_CLOSE_NOW:
			pk->what = ENGINE_W_CLOSED;
			flow_forget(e, idx, false, 0);
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
	pk->what = ENGINE_W_KNOWN;
	state_moved(e, f, old_state);
	flow_rearm(e, idx, f);
	return true;
}

/*
 * A packet of flow @idx. Returns whether to forward it. @rearm: rearm_check() said a segment
 * of an established flow must re-arm it. Inline in both bursts (engine_burst(),
 * engine_burst_mixed()), which a worker sharing its pair both calls.
 */
static __rte_always_inline bool
handle_known(struct engine *e, unsigned int pi, struct pkt_ctx *c, struct engine_pkt *pk,
	     uint32_t idx, bool rearm)
{
	struct flow *f = &e->ft->flows[idx];
	unsigned int from = c->from;
	uint32_t seen0 = f->last_seen;

	f->last_seen = e->now;
	if (likely(f->packets != UINT16_MAX))
		f->packets++;
	memcpy(f->mac[from], pk->data + 6, 6);
	/* The common case inline: a segment of an established connection changes no state. */
	if (unlikely(!tcpt_is_established(f, &c->pi)))
		return handle_known_slow(e, pi, c, pk, idx, seen0);
	if (unlikely(!tcpt_established(f, &c->pi, from)))
		return out_of_window(e, idx, f, pk, seen0);
	pk->what = ENGINE_W_KNOWN;
	/*
	 * Armed by an earlier packet at or before that packet's tick + this timeout, so before
	 * this one's: nothing to do, unless a new snapshot changed the timeout (rearm_check()).
	 */
	if (unlikely(rearm || !(f->flags & FLOW_F_ARMED)))
		flow_rearm_tmo(e, idx, f,
			       e->snap->tmo_ticks[f->profile][CFG_TMO_TCP_ESTABLISHED]);
	return true;
}

/*
 * Bytes from the frame's start to the end of its L4 header (what parse_frame_wire() reads
 * of a tracked frame, and all the engine reads of it besides the parse: the MACs), so that
 * a copy of that much decides as the frame would (the handoff's descriptors, worker.c).
 */
static inline uint16_t
hdr_end(const struct parse_info *in)
{
	uint32_t l4;

	switch (in->proto) {
	case 6: /* TCP */
		l4 = (uint32_t)in->l4_len - in->payload_len; /* the header with its options */
		break;
	case 17: /* UDP */
	case 1:	 /* ICMP */
	case 58: /* ICMPv6 */
		l4 = 8; /* UDP header, ICMP echo header (an other ICMP reads 4) */
		break;
	default:
		l4 = 0; /* keyed by addresses and protocol */
		break;
	}
	l4 += in->l4_off;
	return (uint16_t)(l4 > UINT16_MAX ? UINT16_MAX : l4);
}

/*
 * Parse, classify and build the flow key; no table access yet. @hashed: the burst carries
 * its flow hashes (ENGINE_PKT_HASHED); @shared: it was received here on a pair shared by
 * several workers (ownership to check). Both hold for the whole burst (engine_burst()).
 * c->status and c->pi are the frame's parse (engine_burst()'s stage 1).
 */
static __rte_always_inline void
classify(struct engine *e, unsigned int pi, struct engine_pkt *pk, struct pkt_ctx *c,
	 bool hashed, bool shared)
{
	const struct parse_info *in = &c->pi;
	uint16_t v0, v1;

	c->tracked = 0;
	if (c->status != PARSE_IP || (in->flags & PARSE_F_ND))
		return;
	if (in->n_vlan == 0) {
		v0 = e->ports[pi].access_vlan;
		v1 = 0;
	} else {
		v0 = in->vlan[0];
		v1 = in->n_vlan > 1 ? in->vlan[1] : 0;
	}
	c->from = (uint8_t)flow_key_make(&c->key, in->family, in->src, in->sport, in->dst,
					 in->dport, in->proto, e->ports[pi].pair, v0, v1);
	c->hash = unlikely(hashed) ? pk->hash : flow_hash(e->ft, &c->key);
	/* Several workers on the pair: both directions of a flow must meet its owner. */
	if (unlikely(shared) && (e->ports[pi].steer_sw || in->n_vlan == 2)) {
		unsigned int owner = engine_owner(c->hash, e->ports[pi].n_share);

		if (owner != e->ports[pi].share_idx) {
			pk->owner = (uint8_t)owner;
			pk->hash = c->hash;
			pk->hdr_len = hdr_end(in);
			c->status = ENGINE_ST_HANDOFF;
			return;
		}
	}
	flow_prefetch_bucket(e->ft, c->hash);
	c->tracked = 1;
}

/*
 * Count frame @pk's bytes; a frame longer than the pair's MTU allows is marked oversize.
 * Returns whether to go on with it.
 */
static __rte_always_inline bool
admit(const struct engine_port *rx, const struct engine_pkt *pk, struct pkt_ctx *c,
      uint64_t *bytes)
{
	uint32_t wl = pk->wire_len > pk->len ? pk->wire_len : pk->len;

	*bytes += wl;
	if (unlikely(wl > rx->max_frame)) {
		c->tracked = 0;
		c->status = ENGINE_ST_OVERSIZE;
		return false;
	}
	return true;
}

/*
 * engine_burst(), and with @mixed engine_burst_mixed(): a frame with ENGINE_PKT_PEER came
 * in on the peer of @pi0; a constant, so engine_burst() pays nothing.
 */
static __rte_always_inline unsigned int
burst(struct engine *e, unsigned int pi0, struct engine_pkt *pk, unsigned int n, bool mixed)
{
	unsigned int pi = pi0, slow = 0, n_peer = 0;
	struct pkt_ctx ctx[ENGINE_BURST];
	uint64_t bytes = 0, bytes_peer = 0;
	unsigned int ahead;
	/*
	 * Access side to trunk side: tag untagged frames; trunk to access: untag them. The
	 * rule of tags_across(), its port half taken once per burst.
	 */
	const struct engine_port *rx = &e->ports[pi], *tx = &e->ports[rx->peer];
	bool push = rx->access_vlan != 0 && tx->access_vlan == 0;
	uint16_t pop_vid = rx->access_vlan == 0 ? tx->access_vlan : 0;
	/* Flags that hold for the whole burst (engine.h): taken once. */
	uint8_t fl = n != 0 ? pk[0].flags : 0;
	bool hashed = (fl & ENGINE_PKT_HASHED) != 0;
	bool shared = rx->n_share > 1 && !(fl & ENGINE_PKT_OWNED);
	bool parsed = (fl & ENGINE_PKT_PARSED) != 0;
	bool rearm = rearm_check(e);
	/* Mixed: the retag rule per frame, if the pair's sides differ (else neither retags). */
	bool retag_mixed = mixed && rx->access_vlan != tx->access_vlan;
	unsigned int peer = rx->peer;

	/* Stage 1: parse and hash the whole burst, prefetching index buckets. */
	for (unsigned int i = 0; i < n && !parsed; i++) {
		if (mixed) {
			pi = (pk[i].flags & ENGINE_PKT_PEER) ? peer : pi0;
			n_peer += pi != pi0;
		}
		if (admit(rx, &pk[i], &ctx[i], mixed && pi != pi0 ? &bytes_peer : &bytes)) {
			ctx[i].status = (uint8_t)parse_frame_wire(pk[i].data, pk[i].len,
								  pk[i].wire_len, &ctx[i].pi);
			classify(e, pi, &pk[i], &ctx[i], hashed, shared);
		}
	}
	/* The same with the caller's parses (the replay), taken as they are. */
	for (unsigned int i = 0; i < n && parsed; i++) {
		if (mixed) {
			pi = (pk[i].flags & ENGINE_PKT_PEER) ? peer : pi0;
			n_peer += pi != pi0;
		}
		if (admit(rx, &pk[i], &ctx[i], mixed && pi != pi0 ? &bytes_peer : &bytes)) {
			const struct engine_parsed *ep = (const void *)pk[i].parsed;

			ctx[i].pi = *pk[i].parsed;
			ctx[i].status = pk[i].parsed_st;
			/* ENGINE_PKT_KEYED: the caller's key and hash of a frame classify() tracks. */
			if ((fl & ENGINE_PKT_KEYED) && !shared && ctx[i].status == PARSE_IP &&
			    !(ctx[i].pi.flags & PARSE_F_ND)) {
				ctx[i].key = ep->key;
				ctx[i].hash = ep->hash;
				ctx[i].from = ep->from;
				if (!(fl & ENGINE_PKT_PREFETCHED))
					flow_prefetch_bucket(e->ft, ep->hash);
				ctx[i].tracked = 1;
				continue;
			}
			classify(e, pi, &pk[i], &ctx[i], hashed, shared);
		}
	}
	/*
	 * Stage 2, folded into 3: the buckets have arrived; prefetch the entry a packet's
	 * signature points to PREFETCH_AHEAD packets before it is handled, so the misses
	 * overlap with work instead of queueing at once. Only worth it once the entries no
	 * longer stay in the near caches (e->pf_entry_min).
	 */
	ahead = e->ft->n_active >= e->pf_entry_min && !(fl & ENGINE_PKT_PREFETCHED)
			? ENGINE_PREFETCH_AHEAD
			: 0;
	for (unsigned int i = 0; i < ahead && i < n; i++)
		if (likely(ctx[i].tracked))
			flow_prefetch_entry(e->ft, ctx[i].hash);
	/* Stage 3: look up and act, in order. */
	for (unsigned int i = 0; i < n; i++) {
		struct pkt_ctx *c = &ctx[i];
		bool fwd = true;

		if (mixed)
			pi = (pk[i].flags & ENGINE_PKT_PEER) ? peer : pi0;
		if (ahead != 0 && i + ahead < n && likely(ctx[i + ahead].tracked))
			flow_prefetch_entry(e->ft, ctx[i + ahead].hash);
		if (likely(c->tracked)) {
			uint32_t idx = flow_lookup(e->ft, &c->key, c->hash);

			fwd = idx != FLOW_NONE ? handle_known(e, pi, c, &pk[i], idx, rearm)
					       : handle_new(e, pi, c, &pk[i]);
		} else if (unlikely(c->status == ENGINE_ST_OVERSIZE)) {
			pk[i].what = ENGINE_W_NOT_FLOW;
			STATS_ADD(e->stats.drops[STATS_DROP_OVERSIZE], 1);
			fwd = false;
		} else if (unlikely(c->status == ENGINE_ST_HANDOFF)) {
			pk[i].verdict = ENGINE_HANDOFF;
			pk[i].what = ENGINE_W_NOT_FLOW;
			slow++;
			continue; /* counted by the worker that owns it */
		} else if (c->status == PARSE_NON_IP || c->status == PARSE_IP) {
			pk[i].what = ENGINE_W_NOT_FLOW;
			STATS_ADD(e->stats.non_ip, 1);
		} else if (c->status == PARSE_FRAGMENT) {
			pk[i].what = ENGINE_W_NOT_FLOW;
			STATS_ADD(e->stats.fragments, 1);
		} else {
			uint16_t p = malformed_profile(e, pi, &c->pi,
						       (enum parse_status)c->status);

			pk[i].what = ENGINE_W_MALFORMED;
			STATS_ADD(e->stats.malformed[c->status], 1);
			if (e->snap->scn.profiles[p].malformed == CFG_DROP) {
				STATS_ADD(e->stats.drops[STATS_DROP_MALFORMED], 1);
				fwd = false;
			}
		}
		pk[i].verdict = fwd ? ENGINE_FORWARD : ENGINE_DROP;
		pk[i].retag = ENGINE_TAG_KEEP;
		slow += !fwd;
	}
	if (unlikely(push || pop_vid != 0 || retag_mixed)) {
		for (unsigned int i = 0; i < n; i++) {
			const struct parse_info *in = &ctx[i].pi;

			if (retag_mixed) {
				rx = &e->ports[(pk[i].flags & ENGINE_PKT_PEER) ? peer : pi0];
				tx = &e->ports[rx->peer];
				push = rx->access_vlan != 0 && tx->access_vlan == 0;
				pop_vid = rx->access_vlan == 0 ? tx->access_vlan : 0;
			}
			if (pk[i].verdict != ENGINE_FORWARD)
				continue; /* counted in slow already */
			if (push && in->n_vlan == 0)
				pk[i].retag = ENGINE_TAG_PUSH;
			else if (pop_vid != 0 && in->n_vlan > 0 && in->vlan[0] == pop_vid)
				pk[i].retag = ENGINE_TAG_POP;
			else
				continue;
			slow++;
		}
	}
	/* Handed-over frames were counted by the worker that received them. */
	if (likely(n != 0 && !(fl & ENGINE_PKT_OWNED))) {
		STATS_ADD(e->stats.rx_packets[e->ports[pi0].stat], n - n_peer);
		STATS_ADD(e->stats.rx_bytes[e->ports[pi0].stat], bytes);
		if (mixed && n_peer != 0) {
			STATS_ADD(e->stats.rx_packets[e->ports[peer].stat], n_peer);
			STATS_ADD(e->stats.rx_bytes[e->ports[peer].stat], bytes_peer);
		}
	}
	return slow;
}

/* Out of line, as each instance is one copy of burst(): the callers stay small. */
__rte_noinline unsigned int
engine_burst(struct engine *e, unsigned int pi, struct engine_pkt *pk, unsigned int n)
{
	return burst(e, pi, pk, n, false);
}

__rte_noinline unsigned int
engine_burst_mixed(struct engine *e, unsigned int port, struct engine_pkt *pk, unsigned int n)
{
	return burst(e, port, pk, n, true);
}

/* ---------------------------------------------------------------- table walks */

bool
engine_flush_step(struct engine *e, uint64_t mask, uint64_t silent, uint32_t *cursor,
		  uint32_t step)
{
	struct flow_table *ft = e->ft;
	uint32_t end = *cursor + step;

	if (end > ft->capacity || end < *cursor)
		end = ft->capacity;
	for (uint32_t i = *cursor; i < end; i++) {
		const struct flow *f = &ft->flows[i];
		uint64_t bit = 1ull << f->profile;

		if (!(f->flags & FLOW_F_USED) || !(mask & bit))
			continue;
		if (!out_has_room(e, 1)) {
			*cursor = i; /* the caller drains, then the walk goes on here */
			return false;
		}
		flow_expire(e, i, e->now, FLOW_EV_FLUSH, (silent & bit) != 0);
	}
	*cursor = end;
	return end == ft->capacity;
}

bool
engine_dump_step(const struct engine *e, struct flow_dump *out, uint32_t max, uint32_t *n,
		 uint32_t *cursor, uint32_t *scanned, uint32_t step)
{
	const struct flow_table *ft = e->ft;
	uint32_t k = 0;

	while (k < step && *scanned < ft->capacity && *n < max) {
		const struct flow *f = &ft->flows[*cursor];

		if (f->flags & FLOW_F_USED) {
			struct flow_dump *d = &out[(*n)++];
			uint32_t t = engine_tmo(f, e->snap);

			d->key = f->key;
			d->flags = f->flags;
			d->state = f->state;
			d->profile = f->profile;
			d->idle_ms = e->now - f->last_seen;
			d->packets = f->packets;
			if (t == FLOW_TMO_NEVER)
				d->left_ms = UINT32_MAX;
			else
				d->left_ms = d->idle_ms >= t ? 0 : t - d->idle_ms;
		}
		*cursor = *cursor + 1 == ft->capacity ? 0 : *cursor + 1;
		(*scanned)++;
		k++;
	}
	return *scanned == ft->capacity || *n >= max;
}
