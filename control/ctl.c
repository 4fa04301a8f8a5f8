/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring_elem.h>

#include "ctl.h"
#include "scenario.h"
#include "summary.h"

static double
wall_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ISO 8601 UTC with milliseconds, for a CLOCK_REALTIME time in seconds. */
static void
iso_time(double t, char *buf, size_t len)
{
	time_t s = (time_t)t;
	struct tm tm;
	int ms = (int)((t - (double)s) * 1000);

	gmtime_r(&s, &tm);
	if (ms < 0 || ms > 999)
		ms = 0;
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
}

static double
elapsed_s(const struct ctl *c)
{
	return (double)(rte_rdtsc() - c->start_tsc) / (double)c->tsc_hz;
}

static void
event_line_start(struct ctl *c, const char *kind, double when)
{
	char t[64];

	iso_time(when, t, sizeof(t));
	fprintf(c->events, "{\"time\":\"%s\",\"event\":\"%s\"", t, kind);
}

static void
event_line_end(struct ctl *c)
{
	fputs("}\n", c->events);
	pthread_mutex_lock(&c->lock);
	c->events_written++;
	pthread_mutex_unlock(&c->lock);
}

/* ------------------------------------------------------------------ snapshots */

static bool
ports_equal(const struct cfg_scenario *a, const struct cfg_scenario *b)
{
	if (a->n_pairs != b->n_pairs)
		return false;
	for (unsigned int p = 0; p < a->n_pairs; p++)
		for (unsigned int s = 0; s < 2; s++) {
			const struct cfg_port *x = &a->pairs[p].side[s], *y = &b->pairs[p].side[s];

			if (x->kind != y->kind || x->index != y->index ||
			    strcmp(x->name, y->name) != 0 || x->vlan != y->vlan ||
			    strcmp(a->pairs[p].name, b->pairs[p].name) != 0)
				return false;
		}
	return true;
}

int
ctl_remap(const struct cfg_scenario *in, const struct cfg_scenario *old,
	  struct cfg_scenario *out, uint64_t *retired, char *err, size_t errlen)
{
	int map[CFG_MAX_PROFILES];

	*retired = 0;
	*out = *in;
	if (old == NULL)
		return 0;
	if (!ports_equal(in, old)) {
		snprintf(err, errlen, "ports cannot change on reload (restart idlecut)");
		return -EINVAL;
	}
	if (in->capacity != old->capacity) {
		snprintf(err, errlen,
			 "flow_table.capacity cannot change on reload (%u running, %u in the file; "
			 "restart idlecut)",
			 old->capacity, in->capacity);
		return -EINVAL;
	}
	/* Start from the old profile table; every profile not named again is retired. */
	memcpy(out->profiles, old->profiles, sizeof(out->profiles));
	out->n_profiles = old->n_profiles;
	for (unsigned int p = 1; p < out->n_profiles; p++) {
		if (!out->profiles[p].retired && cfg_profile_find(in, out->profiles[p].name) < 0)
			*retired |= 1ull << p;
		out->profiles[p].retired = true;
	}
	map[0] = 0;
	for (unsigned int p = 1; p < in->n_profiles; p++) {
		int at = -1;

		for (unsigned int q = 1; q < out->n_profiles; q++)
			if (strcmp(out->profiles[q].name, in->profiles[p].name) == 0)
				at = (int)q;
		if (at < 0) {
			if (out->n_profiles == CFG_MAX_PROFILES) {
				snprintf(err, errlen,
					 "profile %s: no room left (%d profiles, retired ones "
					 "included, over the run; restart idlecut)",
					 in->profiles[p].name, CFG_MAX_PROFILES - 1);
				return -EINVAL;
			}
			at = out->n_profiles++;
		}
		out->profiles[at] = in->profiles[p];
		out->profiles[at].retired = false;
		map[p] = at;
	}
	for (unsigned int r = 0; r < out->n_rules; r++)
		out->rules[r].profile = (uint16_t)map[in->rules[r].profile];
	out->default_profile = (uint16_t)map[in->default_profile];
	for (unsigned int e = 0; e < out->n_events; e++)
		if (!(in->events[e].kind == CFG_EVENT_FLUSH &&
		      in->events[e].profile == CFG_FLUSH_ALL))
			out->events[e].profile = (uint16_t)map[in->events[e].profile];
	return 0;
}

/* Publish @s: workers see it at their next loop; the old one is freed after they all did. */
static void
publish(struct ctl *c, struct dp_snapshot *s)
{
	struct dp_snapshot *old;

	pthread_mutex_lock(&c->lock);
	old = c->shared->snap;
	s->generation = old->generation + 1;
	__atomic_store_n(&c->shared->snap, s, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&c->lock);
	rte_rcu_qsbr_synchronize(c->shared->qsbr, RTE_QSBR_THRID_INVALID);
	free(old);
}

static void
request_flush(struct ctl *c, uint64_t mask, uint64_t silent)
{
	struct dp_shared *sh = c->shared;

	__atomic_store_n(&sh->flush_mask, mask, __ATOMIC_RELAXED);
	__atomic_store_n(&sh->flush_silent_mask, silent, __ATOMIC_RELAXED);
	__atomic_add_fetch(&sh->flush_seq, 1, __ATOMIC_RELEASE);
	/*
	 * Requests are not queued: wait until every worker took this one, so the next
	 * request cannot overwrite its masks first.
	 */
	for (unsigned int i = 0; i < c->n_workers; i++)
		while (__atomic_load_n(&c->workers[i]->flush_seen, __ATOMIC_ACQUIRE) !=
			       sh->flush_seq &&
		       !__atomic_load_n(&sh->stop, __ATOMIC_RELAXED))
			rte_delay_us_sleep(100);
}

int
ctl_init(struct ctl *c, struct dp_shared *shared, struct worker *const *workers,
	 unsigned int n_workers, const char *path, double time_scale, const char *events,
	 char *err, size_t errlen)
{
	c->shared = shared;
	c->workers = workers;
	c->n_workers = n_workers;
	c->path = path;
	c->time_scale = time_scale;
	c->tsc_hz = shared->tsc_hz;
	c->start_tsc = shared->tsc0;
	c->start_wall = wall_now();
	pthread_mutex_init(&c->lock, NULL);
	pthread_mutex_init(&c->dump_lock, NULL);
	if (events != NULL) {
		c->events = fopen(events, "a");
		if (c->events == NULL) {
			snprintf(err, errlen, "--events %s: %s", events, strerror(errno));
			return -errno;
		}
		setvbuf(c->events, NULL, _IOLBF, 0);
		shared->events_on = true;
	}
	return 0;
}

/* ------------------------------------------------------------------ timeline */

static void
log_event(struct ctl *c, const struct cfg_event *ev, const struct cfg_scenario *scn)
{
	char what[512];
	size_t n = 0;

	if (ev->kind == CFG_EVENT_FLUSH) {
		snprintf(what, sizeof(what), "flush %s",
			 ev->profile == CFG_FLUSH_ALL ? "all" : scn->profiles[ev->profile].name);
	} else {
		n += (size_t)snprintf(what, sizeof(what), "set profile %s:",
				      scn->profiles[ev->profile].name);
		for (unsigned int i = 0; i < ev->n_sets && n < sizeof(what); i++) {
			const struct cfg_set *s = &ev->sets[i];

			if (s->field < CFG_FIELD_ON_TIMEOUT)
				n += (size_t)snprintf(what + n, sizeof(what) - n, " %s=%.3fs",
						      cfg_tmo_name((enum cfg_tmo)s->field),
						      s->value == CFG_DUR_INDEFINITE
							      ? -1.0
							      : (double)s->value / 1e6);
			else
				n += (size_t)snprintf(what + n, sizeof(what) - n, " %s=%s",
						      cfg_field_name(s->field),
						      cfg_set_value_name(s));
		}
	}
	fprintf(stderr, "idlecut: timeline +%.3fs (scaled): %s\n",
		(double)ev->at_us * c->time_scale / 1e6, what);
	if (c->events != NULL) {
		event_line_start(c, "timeline", wall_now());
		fprintf(c->events, ",\"at_seconds\":%.6f,\"action\":", (double)ev->at_us / 1e6);
		ctl_json_string(c->events, what);
		event_line_end(c);
	}
}

static void
run_event(struct ctl *c, const struct cfg_event *ev)
{
	const struct dp_snapshot *cur = c->shared->snap;
	char err[256];

	log_event(c, ev, &cur->scn);
	if (ev->kind == CFG_EVENT_FLUSH) {
		uint64_t mask = ev->profile == CFG_FLUSH_ALL ? ~1ull : 1ull << ev->profile;

		request_flush(c, mask, 0);
	} else {
		struct dp_snapshot *s = malloc(sizeof(*s));
		struct cfg_scenario *scn = malloc(sizeof(*scn));

		if (s == NULL || scn == NULL) {
			fprintf(stderr, "idlecut: timeline: out of memory: event skipped\n");
			free(s);
			free(scn);
			return;
		}
		*scn = cur->scn;
		for (unsigned int i = 0; i < ev->n_sets; i++)
			cfg_profile_apply_set(&scn->profiles[ev->profile], &ev->sets[i]);
		if (dp_snapshot_build(s, scn, c->time_scale, err, sizeof(err)) != 0) {
			fprintf(stderr, "idlecut: timeline: %s: event skipped\n", err);
			free(s);
			free(scn);
			return;
		}
		free(scn);
		publish(c, s);
	}
	pthread_mutex_lock(&c->lock);
	c->timeline_applied++;
	pthread_mutex_unlock(&c->lock);
}

static void
run_timeline(struct ctl *c)
{
	double now = elapsed_s(c);

	for (;;) {
		const struct cfg_scenario *scn = &c->shared->snap->scn;
		const struct cfg_event *ev;

		if (c->next_event >= scn->n_events)
			return;
		ev = &scn->events[c->next_event];
		if ((double)ev->at_us * c->time_scale / 1e6 > now)
			return;
		c->next_event++;
		run_event(c, ev);
	}
}

/* ------------------------------------------------------------------ reload */

int
ctl_reload(struct ctl *c, const char *why)
{
	struct cfg_scenario *in = calloc(1, sizeof(*in)), *out = calloc(1, sizeof(*out));
	struct dp_snapshot *s = calloc(1, sizeof(*s));
	char err[SCN_ERR_MAX];
	uint64_t retired = 0;
	int ret;

	if (in == NULL || out == NULL || s == NULL) {
		snprintf(err, sizeof(err), "%s: out of memory", c->path);
		ret = -ENOMEM;
		goto fail;
	}
	ret = scn_load_file(c->path, in, err, sizeof(err));
	if (ret < 0)
		goto fail;
	ret = ctl_remap(in, &c->shared->snap->scn, out, &retired, err, sizeof(err));
	if (ret == 0)
		ret = dp_snapshot_build(s, out, c->time_scale, err, sizeof(err));
	if (ret < 0) {
		/* Not a place in the file: prefix the file name like the loader does. */
		char msg[SCN_ERR_MAX + 256];

		snprintf(msg, sizeof(msg), "%s: %s", c->path, err);
		snprintf(err, sizeof(err), "%.*s", (int)sizeof(err) - 1, msg);
		goto fail;
	}
	publish(c, s);
	s = NULL;
	if (retired != 0)
		request_flush(c, retired, retired);
	c->retired |= retired;
	/* Past events of the new timeline do not run again. */
	{
		const struct cfg_scenario *scn = &c->shared->snap->scn;
		double now = elapsed_s(c);

		c->next_event = 0;
		while (c->next_event < scn->n_events &&
		       (double)scn->events[c->next_event].at_us * c->time_scale / 1e6 <= now)
			c->next_event++;
	}
	pthread_mutex_lock(&c->lock);
	c->reloads_ok++;
	c->last_error[0] = '\0';
	pthread_mutex_unlock(&c->lock);
	fprintf(stderr, "idlecut: reload (%s): %s: ok, scenario %s, generation %" PRIu64 "%s\n",
		why, c->path, c->shared->snap->scn.name, c->shared->snap->generation,
		retired ? ", removed profiles retired (their flows expire silently)" : "");
	if (c->events != NULL) {
		event_line_start(c, "reload", wall_now());
		fprintf(c->events, ",\"result\":\"ok\",\"trigger\":\"%s\"", why);
		event_line_end(c);
	}
	free(in);
	free(out);
	return 0;
fail:
	pthread_mutex_lock(&c->lock);
	c->reloads_error++;
	snprintf(c->last_error, sizeof(c->last_error), "%s", err);
	pthread_mutex_unlock(&c->lock);
	fprintf(stderr, "idlecut: reload (%s) failed, keeping the running scenario: %s\n", why,
		err);
	if (c->events != NULL) {
		event_line_start(c, "reload", wall_now());
		fprintf(c->events, ",\"result\":\"error\",\"trigger\":\"%s\",\"error\":", why);
		ctl_json_string(c->events, err);
		event_line_end(c);
	}
	free(in);
	free(out);
	free(s);
	return ret < 0 ? ret : -EINVAL;
}

int
ctl_request_reload(struct ctl *c, unsigned int timeout_ms, char *msg, size_t msglen)
{
	uint32_t want = __atomic_add_fetch(&c->reload_req, 1, __ATOMIC_ACQ_REL);

	for (unsigned int t = 0; t < timeout_ms; t++) {
		if ((int32_t)(__atomic_load_n(&c->reload_done, __ATOMIC_ACQUIRE) - want) >= 0) {
			pthread_mutex_lock(&c->lock);
			snprintf(msg, msglen, "%s", c->reload_result == 0 ? "ok" : c->last_error);
			pthread_mutex_unlock(&c->lock);
			return c->reload_result;
		}
		usleep(1000);
	}
	snprintf(msg, msglen, "the control thread did not answer in %u ms", timeout_ms);
	return -ETIMEDOUT;
}

/* ------------------------------------------------------------------ events */

static void
write_flow_event(struct ctl *c, const struct flow_event *ev, const struct dp_snapshot *snap)
{
	unsigned int client = (ev->flags & FLOW_F_CLIENT_1) ? 1 : 0;
	unsigned int tags = (ev->flags & FLOW_F_TAGS_MASK) >> FLOW_F_TAGS_SHIFT;
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
	const char *proto = flow_proto_name(ev->key.proto);
	double when = c->start_wall + (double)(ev->tsc - c->start_tsc) / (double)c->tsc_hz;

	flow_addr_str(&ev->key, client, a, sizeof(a));
	flow_addr_str(&ev->key, client ^ 1, b, sizeof(b));
	event_line_start(c, "expired", when);
	fputs(",\"profile\":", c->events);
	ctl_json_string(c->events, snap->scn.profiles[ev->profile].name);
	fprintf(c->events, ",\"state\":\"%s\",\"reason\":\"%s\"", flow_state_name(ev->state),
		ev->reason == FLOW_EV_FLUSH		 ? "flush"
		: ev->reason == FLOW_EV_EVICT_EARLY	 ? "early_drop"
		: ev->reason == FLOW_EV_EVICT_REAPER ? "reaper"
						     : "timeout");
	if (proto != NULL)
		fprintf(c->events, ",\"proto\":\"%s\"", proto);
	else
		fprintf(c->events, ",\"proto\":%u", ev->key.proto);
	fprintf(c->events,
		",\"client\":\"%s\",\"client_port\":%u,\"server\":\"%s\",\"server_port\":%u", a,
		ev->key.port[client], b, ev->key.port[client ^ 1]);
	fprintf(c->events, ",\"pair\":\"%s\",\"vlan\":[", snap->scn.pairs[ev->key.pair].name);
	if (ev->key.vlan[0] != 0)
		fprintf(c->events, "%u", ev->key.vlan[0]);
	if (ev->key.vlan[1] != 0)
		fprintf(c->events, ",%u", ev->key.vlan[1]);
	fprintf(c->events, "],\"tagged\":%s,\"idle_seconds\":%.3f,\"action\":\"%s\",\"rst_sent\":%u",
		tags ? "true" : "false", ev->idle_ms / 1000.0,
		ev->action == FLOW_EV_NO_ACTION ? "none"
						: cfg_on_timeout_name((enum cfg_on_timeout)ev->action),
		ev->rsts);
	event_line_end(c);
}

static void
drain_events(struct ctl *c)
{
	struct flow_event evs[64];
	const struct dp_snapshot *snap = c->shared->snap;

	for (unsigned int i = 0; i < c->n_workers; i++) {
		unsigned int n;

		do {
			n = rte_ring_sc_dequeue_burst_elem(c->workers[i]->events, evs, sizeof(evs[0]),
							   RTE_DIM(evs), NULL);
			for (unsigned int k = 0; k < n; k++)
				write_flow_event(c, &evs[k], snap);
		} while (n == RTE_DIM(evs));
	}
}

/* ------------------------------------------------------------------ poll, dump, view */

static void
log_link(const char *name, const struct port_nic *n)
{
	if (!n->link_up)
		fprintf(stderr, "idlecut: port %s: link down\n", name);
	else if (n->link_speed_mbps != 0)
		fprintf(stderr, "idlecut: port %s: link up, %u Mbps %s-duplex\n", name,
			n->link_speed_mbps, n->link_full_duplex ? "full" : "half");
	else
		fprintf(stderr, "idlecut: port %s: link up\n", name);
}

void
ctl_nic_poll(struct ctl *c, bool force)
{
	struct port_nic now[STATS_MAX_PORTS];
	unsigned int n = c->n_ports < STATS_MAX_PORTS ? c->n_ports : STATS_MAX_PORTS;
	uint64_t tsc = rte_rdtsc();
	bool lsc = false;

	for (unsigned int i = 0; i < n; i++)
		lsc |= port_lsc_pending(c->ports[i].port_id);
	if (!force && !lsc && c->nic_read && tsc < c->nic_next_tsc)
		return;
	c->nic_next_tsc = tsc + rte_get_tsc_hz();
	for (unsigned int i = 0; i < n; i++)
		port_nic_read(c->ports[i].port_id, &now[i]);
	pthread_mutex_lock(&c->lock);
	for (unsigned int i = 0; i < n; i++) {
		if (c->nic_read && now[i].link_up != c->nic[i].link_up)
			log_link(c->ports[i].name, &now[i]);
		c->nic[i] = now[i];
	}
	pthread_mutex_unlock(&c->lock);
	c->nic_read = true;
}

void
ctl_poll(struct ctl *c)
{
	uint32_t req = __atomic_load_n(&c->reload_req, __ATOMIC_ACQUIRE);

	run_timeline(c);
	ctl_nic_poll(c, false);
	if (req != c->reload_done) {
		c->reload_result = ctl_reload(c, "telemetry");
		__atomic_store_n(&c->reload_done, req, __ATOMIC_RELEASE);
	}
	if (c->events != NULL)
		drain_events(c);
}

unsigned int
ctl_dump_merge(struct flow_dump *out, unsigned int max, const struct flow_dump *const *src,
	       const unsigned int *n_src, const uint16_t *lcore, unsigned int n_workers)
{
	unsigned int n = 0;

	/* Round-robin, one flow from each worker in turn: each gets an even share of max,
	 * and what one cannot fill the others do. */
	for (unsigned int k = 0; n < max; k++) {
		bool any = false;

		for (unsigned int i = 0; i < n_workers && n < max; i++) {
			if (k >= n_src[i])
				continue;
			out[n] = src[i][k];
			out[n++].worker = lcore[i];
			any = true;
		}
		if (!any)
			break;
	}
	return n;
}

int
ctl_dump(struct ctl *c, struct flow_dump *out, unsigned int max)
{
	struct dp_shared *sh = c->shared;
	const struct flow_dump *src[RTE_MAX_LCORE];
	unsigned int n_src[RTE_MAX_LCORE];
	uint16_t lcore[RTE_MAX_LCORE];
	unsigned int n = 0;
	uint32_t seq;
	int ret = 0;

	if (max > FLOW_DUMP_MAX)
		max = FLOW_DUMP_MAX;
	pthread_mutex_lock(&c->dump_lock);
	__atomic_store_n(&sh->dump_max, max, __ATOMIC_RELAXED);
	seq = __atomic_add_fetch(&sh->dump_seq, 1, __ATOMIC_RELEASE);
	/* Every worker samples up to max of its own flows; wait for all, then share. */
	for (unsigned int i = 0; i < c->n_workers && ret == 0; i++) {
		const struct worker *w = c->workers[i];
		unsigned int waited = 0;

		while (__atomic_load_n(&w->dump_done, __ATOMIC_ACQUIRE) != seq) {
			if (++waited > 2000) {
				ret = -ETIMEDOUT;
				break;
			}
			usleep(500);
		}
		src[i] = w->dump;
		n_src[i] = w->dump_n;
		lcore[i] = (uint16_t)w->lcore;
	}
	if (ret == 0)
		n = ctl_dump_merge(out, max, src, n_src, lcore, c->n_workers);
	pthread_mutex_unlock(&c->dump_lock);
	return ret < 0 ? ret : (int)n;
}

void
ctl_view(struct ctl_view *v, void *arg)
{
	struct ctl *c = arg;
	const struct stats_lcore *in[RTE_MAX_LCORE];
	const struct dp_snapshot *snap;

	for (unsigned int i = 0; i < c->n_workers; i++)
		in[i] = &c->workers[i]->eng.stats;
	stats_sum(&v->s, in, c->n_workers);
	v->n_workers = c->n_workers < CTL_VIEW_WORKERS ? c->n_workers : CTL_VIEW_WORKERS;
	for (unsigned int i = 0; i < v->n_workers; i++) {
		const struct stats_lcore *w = in[i];
		struct ctl_worker_view *o = &v->workers[i];

		memset(o, 0, sizeof(*o));
		o->lcore = c->workers[i]->lcore;
		for (unsigned int p = 0; p < STATS_MAX_PORTS; p++) {
			o->rx_packets += __atomic_load_n(&w->rx_packets[p], __ATOMIC_RELAXED);
			o->tx_packets += __atomic_load_n(&w->tx_packets[p], __ATOMIC_RELAXED);
		}
		for (unsigned int p = 0; p < CFG_MAX_PROFILES; p++) {
			o->flows_created += __atomic_load_n(&w->flows_created[p], __ATOMIC_RELAXED);
			o->flows_active += __atomic_load_n(&w->flows_active[p], __ATOMIC_RELAXED);
		}
		o->handoff_packets = __atomic_load_n(&w->handoff_packets, __ATOMIC_RELAXED);
		o->handoff_drops = __atomic_load_n(&w->handoff_drops, __ATOMIC_RELAXED);
	}
	pthread_mutex_lock(&c->lock);
	snap = c->shared->snap;
	snprintf(v->scenario, sizeof(v->scenario), "%s", snap->scn.name);
	snprintf(v->file, sizeof(v->file), "%s", c->path);
	v->time_scale = c->time_scale;
	v->n_profiles = snap->scn.n_profiles;
	for (unsigned int p = 0; p < v->n_profiles; p++)
		snprintf(v->profile[p], sizeof(v->profile[p]), "%s", snap->scn.profiles[p].name);
	v->n_ports = c->n_ports;
	memcpy(v->ports, c->ports, sizeof(v->ports));
	memcpy(v->nic, c->nic, sizeof(v->nic));
	v->reloads_ok = c->reloads_ok;
	v->reloads_error = c->reloads_error;
	v->events_written = c->events_written;
	v->timeline_applied = c->timeline_applied;
	pthread_mutex_unlock(&c->lock);
	v->events_dropped = v->s.events_dropped;
	v->mbufs_in_use = c->mp != NULL ? rte_mempool_in_use_count(c->mp) : 0;
	v->uptime_s = elapsed_s(c);
}

void
ctl_fini(struct ctl *c)
{
	if (c->events != NULL) {
		drain_events(c);
		fclose(c->events);
		c->events = NULL;
	}
	pthread_mutex_destroy(&c->lock);
	pthread_mutex_destroy(&c->dump_lock);
}
