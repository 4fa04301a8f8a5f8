/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DPDK telemetry commands (SPEC §7), readable with the stock dpdk-telemetry.py:
 *   /idlecut/stats     every counter, named as in Prometheus and the summary
 *   /idlecut/flows,N   active flows by profile and state, plus up to N sampled flows
 *   /idlecut/scenario  name, file, time scale, generation, profiles in force
 *   /idlecut/reload    re-read the scenario file (as SIGHUP); answers ok or the error
 *   /idlecut/ports     per port: ethdev id, driver, NUMA socket, link, rte_eth_stats
 *   /idlecut/xstats,P  the driver's extended counters of port P (its name, "PAIR/inside",
 *                      or its ethdev id)
 *
 * Callbacks run on DPDK's telemetry thread: they only read per-lcore counters, copy names
 * and the NIC counters (read by the control thread once a second) through ctl_view(), and
 * reach workers through ctl_dump()/ctl_request_reload(). /idlecut/xstats reads the driver
 * directly, as DPDK's own /ethdev/xstats does from this thread.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_telemetry.h>

#include "ctl.h"
#include "telemetry.h"

static struct ctl *tel_ctl;

/*
 * Telemetry dict keys may hold only letters, digits, '_' and '/': profile names like
 * "f5-fastl4" and keys like "tcp.established" are written with '_' instead.
 */
static const char *
key(const char *name, char *buf, size_t len)
{
	size_t i;

	for (i = 0; name[i] != '\0' && i + 1 < len; i++)
		buf[i] = isalnum((unsigned char)name[i]) || name[i] == '/' ? name[i] : '_';
	buf[i] = '\0';
	return buf;
}

static struct rte_tel_data *
dict_new(void)
{
	struct rte_tel_data *d = rte_tel_data_alloc();

	if (d != NULL)
		rte_tel_data_start_dict(d);
	return d;
}

static void
dict_put(struct rte_tel_data *parent, const char *name, struct rte_tel_data *child)
{
	if (child != NULL && rte_tel_data_add_dict_container(parent, name, child, 0) != 0)
		rte_tel_data_free(child);
}

static struct ctl_view *
view_get(void)
{
	struct ctl_view *v = malloc(sizeof(*v));

	if (v != NULL)
		ctl_view(v, tel_ctl);
	return v;
}

/* One value of struct port_nic (SIZE_MAX: link_up as 0/1). */
static uint64_t
nic_value(const struct port_nic *n, size_t field)
{
	uint64_t val;

	if (field == SIZE_MAX)
		return n->link_up ? 1 : 0;
	memcpy(&val, (const char *)n + field, sizeof(val));
	return val;
}

static const struct {
	const char *name; /**< as in Prometheus, without idlecut_ and _total */
	size_t field;
} nic_fields[] = {
	{"port_link_up", SIZE_MAX},
	{"port_ipackets", offsetof(struct port_nic, ipackets)},
	{"port_opackets", offsetof(struct port_nic, opackets)},
	{"port_ibytes", offsetof(struct port_nic, ibytes)},
	{"port_obytes", offsetof(struct port_nic, obytes)},
	{"port_imissed", offsetof(struct port_nic, imissed)},
	{"port_ierrors", offsetof(struct port_nic, ierrors)},
	{"port_oerrors", offsetof(struct port_nic, oerrors)},
	{"port_rx_nombuf", offsetof(struct port_nic, rx_nombuf)},
};

/* The NIC's counters in /idlecut/stats: one dict per counter, by port name. */
static void
nic_dicts(struct rte_tel_data *d, const struct ctl_view *v)
{
	for (unsigned int k = 0; k < RTE_DIM(nic_fields); k++) {
		struct rte_tel_data *c = dict_new();

		for (unsigned int i = 0; c != NULL && i < v->n_ports; i++)
			rte_tel_data_add_dict_u64(c, v->ports[i].name,
						  nic_value(&v->nic[i], nic_fields[k].field));
		dict_put(d, nic_fields[k].name, c);
	}
}

static int
cmd_ports(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct ctl_view *v = view_get();

	(void)cmd;
	(void)params;
	if (v == NULL)
		return -1;
	rte_tel_data_start_dict(d);
	for (unsigned int i = 0; i < v->n_ports; i++) {
		struct rte_tel_data *c = dict_new();
		struct rte_eth_dev_info info;
		uint16_t id = v->ports[i].port_id;

		if (c == NULL)
			break;
		rte_tel_data_add_dict_u64(c, "port_id", id);
		if (rte_eth_dev_info_get(id, &info) == 0 && info.driver_name != NULL)
			rte_tel_data_add_dict_string(c, "driver", info.driver_name);
		rte_tel_data_add_dict_int(c, "socket", port_socket(id));
		rte_tel_data_add_dict_string(c, "link", v->nic[i].link_up ? "up" : "down");
		rte_tel_data_add_dict_u64(c, "link_speed_mbps", v->nic[i].link_speed_mbps);
		rte_tel_data_add_dict_string(c, "link_events",
					     port_has_lsc(id) ? "interrupt" : "polled");
		rte_tel_data_add_dict_u64(c, "stats_ok", v->nic[i].stats_ok);
		for (unsigned int k = 0; k < RTE_DIM(nic_fields); k++)
			rte_tel_data_add_dict_u64(c, nic_fields[k].name + 5,
						  nic_value(&v->nic[i], nic_fields[k].field));
		dict_put(d, v->ports[i].name, c);
	}
	free(v);
	return 0;
}

/* /idlecut/xstats,PORT: PORT is a port's name in the scenario or its ethdev id. */
static int
cmd_xstats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct ctl_view *v = view_get();
	struct rte_eth_xstat_name *names = NULL;
	struct rte_eth_xstat *vals = NULL;
	int id = -1, n, ret = -1;
	char kb[RTE_ETH_XSTATS_NAME_SIZE];

	(void)cmd;
	if (v == NULL || params == NULL || params[0] == '\0')
		goto out;
	for (unsigned int i = 0; i < v->n_ports; i++)
		if (strcmp(v->ports[i].name, params) == 0)
			id = v->ports[i].port_id;
	if (id < 0) {
		char *end;
		unsigned long u = strtoul(params, &end, 10);

		for (unsigned int i = 0; *end == '\0' && end != params && i < v->n_ports; i++)
			if (v->ports[i].port_id == u)
				id = (int)u;
	}
	if (id < 0)
		goto out;
	n = rte_eth_xstats_get_names((uint16_t)id, NULL, 0);
	if (n < 0)
		goto out;
	names = calloc((size_t)n + 1, sizeof(*names));
	vals = calloc((size_t)n + 1, sizeof(*vals));
	if (names == NULL || vals == NULL)
		goto out;
	if (rte_eth_xstats_get_names((uint16_t)id, names, (unsigned int)n) != n ||
	    rte_eth_xstats_get((uint16_t)id, vals, (unsigned int)n) != n)
		goto out;
	rte_tel_data_start_dict(d);
	for (int i = 0; i < n; i++)
		if (vals[i].id < (uint64_t)n)
			rte_tel_data_add_dict_u64(d, key(names[vals[i].id].name, kb, sizeof(kb)),
						  vals[i].value);
	ret = 0;
out:
	free(names);
	free(vals);
	free(v);
	return ret;
}

static int
cmd_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct ctl_view *v = view_get();
	const struct stats_lcore *s;
	struct rte_tel_data *c;
	uint64_t mal = 0;
	char kb[CFG_NAME_MAX];

	(void)cmd;
	(void)params;
	if (v == NULL)
		return -1;
	s = &v->s;
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "scenario", v->scenario);
	rte_tel_data_add_dict_u64(d, "uptime_ms", (uint64_t)(v->uptime_s * 1000));
	for (unsigned int k = 0; k < 4; k++) {
		static const char *const names[4] = {"rx_packets", "rx_bytes", "tx_packets",
						     "tx_bytes"};
		const uint64_t *arr[4] = {s->rx_packets, s->rx_bytes, s->tx_packets, s->tx_bytes};

		c = dict_new();
		for (unsigned int i = 0; c != NULL && i < v->n_ports; i++)
			rte_tel_data_add_dict_u64(c, v->ports[i].name, arr[k][i]);
		dict_put(d, names[k], c);
	}
	nic_dicts(d, v);
	c = dict_new();
	for (unsigned int r = 0; c != NULL && r < STATS_DROP_COUNT; r++)
		rte_tel_data_add_dict_u64(c, stats_drop_name(r), s->drops[r]);
	dict_put(d, "drops", c);
	c = dict_new();
	for (unsigned int m = PARSE_MAL_FIRST; c != NULL && m < PARSE_STATUS_COUNT; m++) {
		rte_tel_data_add_dict_u64(c, parse_status_name(m), s->malformed[m]);
		mal += s->malformed[m];
	}
	dict_put(d, "malformed", c);
	rte_tel_data_add_dict_u64(d, "malformed_total", mal);
	rte_tel_data_add_dict_u64(d, "fragments", s->fragments);
	rte_tel_data_add_dict_u64(d, "non_ip", s->non_ip);
	rte_tel_data_add_dict_u64(d, "untracked_packets", s->untracked);
	for (unsigned int k = 0; k < 3; k++) {
		static const char *const names[3] = {"flows_active", "flows_created",
						     "flows_closed"};
		const uint64_t *arr[3] = {s->flows_active, s->flows_created, s->flows_closed};

		c = dict_new();
		for (unsigned int p = 1; c != NULL && p < v->n_profiles; p++)
			rte_tel_data_add_dict_u64(c, key(v->profile[p], kb, sizeof(kb)), arr[k][p]);
		dict_put(d, names[k], c);
	}
	c = dict_new();
	for (unsigned int p = 1; c != NULL && p < v->n_profiles; p++) {
		struct rte_tel_data *e = dict_new();

		for (unsigned int st = 0; e != NULL && st < FLOW_STATE_COUNT; st++)
			rte_tel_data_add_dict_u64(e, flow_state_name(st), s->flows_expired[p][st]);
		dict_put(c, key(v->profile[p], kb, sizeof(kb)), e);
	}
	dict_put(d, "flows_expired", c);
	c = dict_new();
	for (unsigned int p = 1; c != NULL && p < v->n_profiles; p++)
		rte_tel_data_add_dict_u64(c, key(v->profile[p], kb, sizeof(kb)), s->out_of_window[p]);
	dict_put(d, "out_of_window", c);
	c = dict_new();
	for (unsigned int p = 1; c != NULL && p < v->n_profiles; p++) {
		struct rte_tel_data *e = dict_new();

		for (unsigned int r = 0; e != NULL && r < STATS_EVICT_COUNT; r++)
			rte_tel_data_add_dict_u64(e, stats_evict_name(r), s->evicted[p][r]);
		dict_put(c, key(v->profile[p], kb, sizeof(kb)), e);
	}
	dict_put(d, "flows_evicted", c);
	rte_tel_data_add_dict_u64(d, "handoff_packets", s->handoff_packets);
	rte_tel_data_add_dict_u64(d, "handoff_drops", s->handoff_drops);
	c = dict_new();
	for (unsigned int i = 0; c != NULL && i < v->n_workers; i++) {
		struct rte_tel_data *e = dict_new();
		char wk[24];

		if (e == NULL)
			break;
		rte_tel_data_add_dict_u64(e, "rx_packets", v->workers[i].rx_packets);
		rte_tel_data_add_dict_u64(e, "tx_packets", v->workers[i].tx_packets);
		rte_tel_data_add_dict_u64(e, "flows_created", v->workers[i].flows_created);
		rte_tel_data_add_dict_u64(e, "flows_active", v->workers[i].flows_active);
		rte_tel_data_add_dict_u64(e, "handoff_packets", v->workers[i].handoff_packets);
		rte_tel_data_add_dict_u64(e, "handoff_drops", v->workers[i].handoff_drops);
		snprintf(wk, sizeof(wk), "lcore_%u", v->workers[i].lcore);
		dict_put(c, wk, e);
	}
	dict_put(d, "workers", c);
	c = dict_new();
	for (unsigned int t = 0; c != NULL && t < STATS_RST_COUNT; t++)
		rte_tel_data_add_dict_u64(c, stats_rst_name(t), s->rst_sent[t]);
	dict_put(d, "rst_sent", c);
	rte_tel_data_add_dict_u64(d, "rst_failed", s->rst_failed);
	c = dict_new();
	for (unsigned int a = 0; c != NULL && a < 3; a++)
		rte_tel_data_add_dict_u64(c, cfg_stray_name(a), s->stray[a]);
	dict_put(d, "stray_packets", c);
	rte_tel_data_add_dict_u64(d, "flow_table_full", s->table_full);
	c = dict_new();
	if (c != NULL) {
		struct rte_tel_data *b = dict_new();
		uint64_t cum = 0;
		char le[40];

		rte_tel_data_add_dict_u64(c, "count", s->late_count);
		rte_tel_data_add_dict_u64(c, "sum_ns", s->late_sum_ns);
		rte_tel_data_add_dict_u64(c, "max_ns", s->late_max_ns);
		for (unsigned int i = 0; b != NULL && i <= STATS_LATE_BUCKETS; i++) {
			cum += s->late_buckets[i];
			if (i < STATS_LATE_BUCKETS)
				snprintf(le, sizeof(le), "le_%" PRIu64 "ns",
					 stats_late_bounds_ns[i]);
			else
				snprintf(le, sizeof(le), "le_inf");
			rte_tel_data_add_dict_u64(b, le, cum);
		}
		dict_put(c, "buckets", b);
	}
	dict_put(d, "expiry_lateness", c);
	c = dict_new();
	if (c != NULL) {
		rte_tel_data_add_dict_u64(c, "ok", v->reloads_ok);
		rte_tel_data_add_dict_u64(c, "error", v->reloads_error);
	}
	dict_put(d, "reloads", c);
	rte_tel_data_add_dict_u64(d, "events_written", v->events_written);
	rte_tel_data_add_dict_u64(d, "events_dropped", v->events_dropped);
	rte_tel_data_add_dict_u64(d, "timeline_events", v->timeline_applied);
	rte_tel_data_add_dict_u64(d, "mbufs_in_use", v->mbufs_in_use);
	free(v);
	return 0;
}

static int
cmd_flows(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct ctl_view *v = view_get();
	struct flow_dump *dump = calloc(FLOW_DUMP_MAX, sizeof(*dump));
	struct rte_tel_data *c, *arr;
	unsigned int want = 16;
	char kb[CFG_NAME_MAX];
	int n;

	(void)cmd;
	if (v == NULL || dump == NULL) {
		free(v);
		free(dump);
		return -1;
	}
	if (params != NULL && *params != '\0') {
		char *end;
		unsigned long x = strtoul(params, &end, 10);

		if (*end != '\0' || x > FLOW_DUMP_MAX) {
			free(v);
			free(dump);
			return -1;
		}
		want = (unsigned int)x;
	}
	rte_tel_data_start_dict(d);
	c = dict_new();
	for (unsigned int p = 1; c != NULL && p < v->n_profiles; p++) {
		struct rte_tel_data *e = dict_new();

		for (unsigned int st = 0; e != NULL && st < FLOW_STATE_COUNT; st++)
			if (v->s.flows_state[p][st] != 0)
				rte_tel_data_add_dict_u64(e, flow_state_name(st),
							  v->s.flows_state[p][st]);
		dict_put(c, key(v->profile[p], kb, sizeof(kb)), e);
	}
	dict_put(d, "active", c);
	n = want > 0 ? ctl_dump(tel_ctl, dump, want) : 0;
	if (n < 0) {
		rte_tel_data_add_dict_string(d, "sample_error", "a worker did not answer in time");
		n = 0;
	}
	/* An array of dicts cannot sit in a dict here (22.11): a dict keyed "0", "1", ... */
	arr = dict_new();
	if (arr != NULL) {
		for (int i = 0; i < n; i++) {
			const struct flow_dump *f = &dump[i];
			unsigned int client = (f->flags & FLOW_F_CLIENT_1) ? 1 : 0;
			struct rte_tel_data *e = dict_new();
			char buf[64];

			if (e == NULL)
				break;
			flow_endpoint_str(&f->key, client, buf, sizeof(buf));
			rte_tel_data_add_dict_string(e, "client", buf);
			flow_endpoint_str(&f->key, client ^ 1, buf, sizeof(buf));
			rte_tel_data_add_dict_string(e, "server", buf);
			rte_tel_data_add_dict_int(e, "proto", f->key.proto);
			rte_tel_data_add_dict_int(e, "vlan", f->key.vlan[0]);
			rte_tel_data_add_dict_int(e, "inner_vlan", f->key.vlan[1]);
			rte_tel_data_add_dict_string(e, "state", flow_state_name(f->state));
			rte_tel_data_add_dict_string(e, "profile", v->profile[f->profile]);
			rte_tel_data_add_dict_u64(e, "idle_ms", f->idle_ms);
			if (f->left_ms == UINT32_MAX)
				rte_tel_data_add_dict_string(e, "left_ms", "indefinite");
			else
				rte_tel_data_add_dict_u64(e, "left_ms", f->left_ms);
			rte_tel_data_add_dict_u64(e, "packets", f->packets);
			rte_tel_data_add_dict_u64(e, "worker", f->worker);
			snprintf(kb, sizeof(kb), "%d", i);
			dict_put(arr, kb, e);
		}
		dict_put(d, "sample", arr);
	}
	free(v);
	free(dump);
	return 0;
}

static void
dur_str(uint64_t us, char *buf, size_t len)
{
	if (us == CFG_DUR_INDEFINITE)
		snprintf(buf, len, "indefinite");
	else if (us == 0)
		snprintf(buf, len, "immediate");
	else
		snprintf(buf, len, "%gs", (double)us / 1e6);
}

/* Per pair: its MTU and, for a PCI port with any, the devargs of each side. */
static struct rte_tel_data *
pairs_dict(const struct cfg_scenario *scn, const struct ctl *c)
{
	static const char *const side_key[2] = {"inside_devargs", "outside_devargs"};
	struct rte_tel_data *pairs = dict_new();
	char kb[CFG_NAME_MAX];

	for (unsigned int i = 0; pairs != NULL && i < scn->n_pairs; i++) {
		const struct cfg_pair *pair = &scn->pairs[i];
		struct rte_tel_data *e = dict_new();

		if (e == NULL)
			break;
		rte_tel_data_add_dict_u64(e, "mtu", pair->mtu);
		rte_tel_data_add_dict_u64(e, "workers", c->pair_workers[i]);
		if (c->pair_steering[i] != NULL)
			rte_tel_data_add_dict_string(e, "steering", c->pair_steering[i]);
		for (unsigned int s = 0; s < 2; s++)
			if (pair->side[s].devargs[0] != '\0')
				rte_tel_data_add_dict_string(e, side_key[s], pair->side[s].devargs);
		dict_put(pairs, key(pair->name, kb, sizeof(kb)), e);
	}
	return pairs;
}

/* Which worker lcore serves which pair on which queue: {"LCORE": {"PAIR": QUEUE, ...}}. */
static struct rte_tel_data *
workers_dict(const struct cfg_scenario *scn, const struct ctl *c)
{
	struct rte_tel_data *ws = dict_new();
	char kb[CFG_NAME_MAX];

	for (unsigned int i = 0; ws != NULL && i < c->n_serve; i++) {
		struct rte_tel_data *e;
		char lk[16];

		/* A worker's pairs are consecutive entries (main assigns them in order). */
		if (i > 0 && c->serve[i - 1].lcore == c->serve[i].lcore)
			continue;
		e = dict_new();
		if (e == NULL)
			break;
		for (unsigned int j = i; j < c->n_serve; j++)
			if (c->serve[j].lcore == c->serve[i].lcore &&
			    c->serve[j].pair < scn->n_pairs)
				rte_tel_data_add_dict_u64(
					e, key(scn->pairs[c->serve[j].pair].name, kb, sizeof(kb)),
					c->serve[j].queue);
		snprintf(lk, sizeof(lk), "%u", c->serve[i].lcore);
		dict_put(ws, lk, e);
	}
	return ws;
}

static struct rte_tel_data *
on_timeout_dict(const struct cfg_profile *pr)
{
	struct rte_tel_data *e = dict_new();

	for (unsigned int s = 0; e != NULL && s < CFG_TCP_STATES; s++)
		rte_tel_data_add_dict_string(e, cfg_tcp_state_name(s),
					     cfg_on_timeout_name(pr->on_timeout_state[s]));
	return e;
}

/*
 * The RST payload and its length. Telemetry strings hold RTE_TEL_MAX_STRING_LEN - 1 bytes:
 * a longer payload is shown cut, ending in "...", and rst_payload_len tells its size.
 */
static void
rst_payload_put(struct rte_tel_data *e, const struct cfg_profile *pr)
{
	char shown[RTE_TEL_MAX_STRING_LEN];

	size_t n = pr->rst_payload_len;

	/* Telemetry strings hold RTE_TEL_MAX_STRING_LEN - 1 bytes: a longer cause is cut. */
	if (n < sizeof(shown)) {
		memcpy(shown, pr->rst_payload, n);
		shown[n] = '\0';
	} else {
		memcpy(shown, pr->rst_payload, sizeof(shown) - 4);
		memcpy(shown + sizeof(shown) - 4, "...", 4);
	}
	rte_tel_data_add_dict_string(e, "rst_payload", shown);
	rte_tel_data_add_dict_u64(e, "rst_payload_len", pr->rst_payload_len);
}

static int
cmd_scenario(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct ctl *c = tel_ctl;
	struct cfg_scenario *scn = malloc(sizeof(*scn));
	struct rte_tel_data *profs;
	uint64_t gen;

	(void)cmd;
	(void)params;
	if (scn == NULL)
		return -1;
	pthread_mutex_lock(&c->lock);
	*scn = c->shared->snap->scn;
	gen = c->shared->snap->generation;
	pthread_mutex_unlock(&c->lock);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "name", scn->name);
	rte_tel_data_add_dict_string(d, "file", c->path);
	{
		char ts[32];

		snprintf(ts, sizeof(ts), "%g", c->time_scale);
		rte_tel_data_add_dict_string(d, "time_scale", ts);
	}
	rte_tel_data_add_dict_u64(d, "generation", gen);
	rte_tel_data_add_dict_u64(d, "pairs", scn->n_pairs);
	rte_tel_data_add_dict_u64(d, "rules", scn->n_rules);
	rte_tel_data_add_dict_string(d, "default_profile",
				     scn->profiles[scn->default_profile].name);
	rte_tel_data_add_dict_u64(d, "flow_table_capacity", scn->capacity);
	rte_tel_data_add_dict_string(d, "when_full", cfg_when_full_name(scn->when_full));
	rte_tel_data_add_dict_string(d, "reaper", scn->reaper.on ? "on" : "off");
	if (scn->reaper.on) {
		rte_tel_data_add_dict_u64(d, "reaper_high_pct", scn->reaper.high_pct);
		rte_tel_data_add_dict_u64(d, "reaper_low_pct", scn->reaper.low_pct);
	}
	rte_tel_data_add_dict_string(d, "steering", cfg_steering_name(scn->steering));
	dict_put(d, "port_pairs", pairs_dict(scn, c));
	dict_put(d, "workers", workers_dict(scn, c));
	rte_tel_data_add_dict_u64(d, "timeline_events", scn->n_events);
	rte_tel_data_add_dict_u64(d, "timeline_next", c->next_event);
	profs = dict_new();
	for (unsigned int p = 1; profs != NULL && p < scn->n_profiles; p++) {
		const struct cfg_profile *pr = &scn->profiles[p];
		struct rte_tel_data *e = dict_new();
		char buf[CFG_NAME_MAX];

		if (e == NULL)
			break;
		for (unsigned int t = 0; t < CFG_TMO_COUNT; t++) {
			char kt[32];

			dur_str(pr->timeout_us[t], buf, sizeof(buf));
			rte_tel_data_add_dict_string(e, key(cfg_tmo_name(t), kt, sizeof(kt)), buf);
		}
		rte_tel_data_add_dict_string(e, "on_timeout", cfg_on_timeout_name(pr->on_timeout));
		dict_put(e, "on_timeout_by_state", on_timeout_dict(pr));
		rte_tel_data_add_dict_string(e, "stray_tcp", cfg_stray_name(pr->stray_tcp));
		rte_tel_data_add_dict_string(e, "stray_tcp_inside",
					     cfg_stray_name(pr->stray_tcp_side[CFG_SIDE_INSIDE]));
		rte_tel_data_add_dict_string(e, "stray_tcp_outside",
					     cfg_stray_name(pr->stray_tcp_side[CFG_SIDE_OUTSIDE]));
		rte_tel_data_add_dict_string(e, "malformed", cfg_verdict_name(pr->malformed));
		rte_tel_data_add_dict_string(e, "out_of_window",
					     cfg_verdict_name(pr->out_of_window));
		rte_tel_data_add_dict_string(e, "loose_close", pr->loose_close ? "true" : "false");
		rst_payload_put(e, pr);
		rte_tel_data_add_dict_string(e, "retired", pr->retired ? "true" : "false");
		dict_put(profs, key(pr->name, buf, sizeof(buf)), e);
	}
	dict_put(d, "profiles", profs);
	free(scn);
	return 0;
}

static int
cmd_reload(const char *cmd, const char *params, struct rte_tel_data *d)
{
	char msg[512];
	int ret;

	(void)cmd;
	(void)params;
	ret = ctl_request_reload(tel_ctl, 5000, msg, sizeof(msg));
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "result", ret == 0 ? "ok" : "error");
	if (ret != 0)
		rte_tel_data_add_dict_string(d, "error", msg);
	return 0;
}

int
ctl_telemetry_register(struct ctl *c)
{
	tel_ctl = c;
	if (rte_telemetry_register_cmd("/idlecut/stats", cmd_stats,
				       "idlecut counters (SPEC section 7). No parameters.") != 0 ||
	    rte_telemetry_register_cmd("/idlecut/flows", cmd_flows,
				       "Active flows by profile and state, and a sample. "
				       "Parameter: sample size (default 16, max 256).") != 0 ||
	    rte_telemetry_register_cmd("/idlecut/scenario", cmd_scenario,
				       "The scenario in force. No parameters.") != 0 ||
	    rte_telemetry_register_cmd("/idlecut/reload", cmd_reload,
				       "Re-read the scenario file, as SIGHUP does.") != 0 ||
	    rte_telemetry_register_cmd("/idlecut/ports", cmd_ports,
				       "Per port: ethdev id, driver, socket, link and the NIC's "
				       "counters. No parameters.") != 0 ||
	    rte_telemetry_register_cmd("/idlecut/xstats", cmd_xstats,
				       "The driver's extended counters. Parameter: a port's name "
				       "(PAIR/inside) or ethdev id.") != 0)
		return -1;
	return 0;
}
