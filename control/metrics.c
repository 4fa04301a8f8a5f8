/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Prometheus text exposition 0.0.4 of a struct ctl_view, served by libmicrohttpd.
 *
 * The renderer writes every series, zeros included, so a dashboard never has to guess
 * whether a missing series means "zero" or "not exported". Values are exact: counters are
 * printed as integers and nanosecond quantities as exact decimal seconds (no double
 * rounding), so the e2e tests can compare them with telemetry digit for digit.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>

#include "flow.h"
#include "metrics.h"

_Static_assert(STATS_FLOW_STATES == FLOW_STATE_COUNT, "stats.h and flow.h disagree on states");
_Static_assert(CFG_STRAY_ADOPT == 2, "stray[] in stats.h has three slots, one per cfg_stray");
_Static_assert(CFG_MAX_PROFILES <= 256, "profile slots are kept in uint8_t below");

#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"
#define METRICS_CONN_LIMIT 32	  /* scrapers are few; a flood must not eat descriptors */
#define METRICS_CONN_TIMEOUT_S 10 /* an idle or slow client is dropped after this */

/* ---------------------------------------------------------------- rendering ---------- */

static void
family(FILE *out, const char *name, const char *type, const char *help)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A label value from a fixed-size field: stop at NUL or at @p max, escape \ " and LF. */
static void
put_label_value(FILE *out, const char *s, size_t max)
{
	for (size_t i = 0; i < max && s[i] != '\0'; i++) {
		switch (s[i]) {
		case '\\':
			fputs("\\\\", out);
			break;
		case '"':
			fputs("\\\"", out);
			break;
		case '\n':
			fputs("\\n", out);
			break;
		default:
			fputc(s[i], out);
		}
	}
}

/* One sample: name, up to two labels (a NULL key ends the list), a preformatted value. */
struct label {
	const char *key;
	const char *val;
	size_t max; /**< size of the field holding val */
};

static void
sample_str(FILE *out, const char *name, const struct label *l, unsigned int n, const char *val)
{
	fputs(name, out);
	for (unsigned int i = 0; i < n; i++) {
		fprintf(out, "%s%s=\"", i == 0 ? "{" : ",", l[i].key);
		put_label_value(out, l[i].val, l[i].max);
		fputc('"', out);
	}
	fprintf(out, "%s %s\n", n != 0 ? "}" : "", val);
}

static void
sample_u64(FILE *out, const char *name, const struct label *l, unsigned int n, uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%" PRIu64, v);
	sample_str(out, name, l, n, buf);
}

static void
sample_1(FILE *out, const char *name, const char *key, const char *val, uint64_t v)
{
	const struct label l = {key, val, SIZE_MAX};

	sample_u64(out, name, &l, 1, v);
}

/* Exact decimal seconds of @p ns, trailing zeros trimmed: 100000 -> "0.0001", 2.5e9 -> "2.5". */
static void
fmt_ns_seconds(char *buf, size_t len, uint64_t ns)
{
	uint64_t whole = ns / 1000000000u, frac = ns % 1000000000u;
	int n;

	if (frac == 0) {
		snprintf(buf, len, "%" PRIu64, whole);
		return;
	}
	n = snprintf(buf, len, "%" PRIu64 ".%09" PRIu64, whole, frac);
	if (n <= 0 || (size_t)n >= len)
		return;
	while (buf[n - 1] == '0')
		buf[--n] = '\0';
}

/*
 * Profile slot -> the first slot with the same name (0 for slots not exported). Slots are
 * stable per name, so names should be unique; if a reload ever reused a retired slot's name
 * the two are merged rather than emitted as duplicate series, which Prometheus rejects.
 */
static unsigned int
profile_slots(const struct ctl_view *v, uint8_t rep[CFG_MAX_PROFILES])
{
	unsigned int n = v->n_profiles < CFG_MAX_PROFILES ? v->n_profiles : CFG_MAX_PROFILES;

	memset(rep, 0, CFG_MAX_PROFILES);
	for (unsigned int p = 1; p < n; p++) {
		rep[p] = (uint8_t)p;
		for (unsigned int q = 1; q < p; q++) {
			if (strncmp(v->profile[q], v->profile[p], CFG_NAME_MAX) == 0) {
				rep[p] = (uint8_t)q;
				break;
			}
		}
	}
	return n;
}

/* Sum of base[q * stride] over the slots q merged into slot p. */
static uint64_t
profile_sum(const uint8_t *rep, unsigned int n, unsigned int p, const uint64_t *base, size_t stride)
{
	uint64_t sum = 0;

	for (unsigned int q = p; q < n; q++)
		if (rep[q] == p)
			sum += base[q * stride];
	return sum;
}

/* Is entry i a port to export: a valid counter index and the first with its name? */
static bool
port_exported(const struct ctl_view *v, unsigned int i)
{
	if (v->ports[i].port_id >= STATS_MAX_PORTS)
		return false;
	for (unsigned int j = 0; j < i; j++)
		if (strncmp(v->ports[j].name, v->ports[i].name, sizeof(v->ports[i].name)) == 0)
			return false;
	return true;
}

/* Per worker (label "worker": its lcore id). */
static void
render_workers(FILE *out, const struct ctl_view *v)
{
	static const struct {
		const char *name, *type, *help;
		size_t off;
	} f[] = {
		{"idlecut_worker_rx_packets_total", "counter", "Packets received, by worker.",
		 offsetof(struct ctl_worker_view, rx_packets)},
		{"idlecut_worker_tx_packets_total", "counter",
		 "Packets sent (forwarded and RSTs), by worker.",
		 offsetof(struct ctl_worker_view, tx_packets)},
		{"idlecut_worker_flows_created_total", "counter", "Flows created, by worker.",
		 offsetof(struct ctl_worker_view, flows_created)},
		{"idlecut_worker_flows_active", "gauge", "Flows tracked now, by worker.",
		 offsetof(struct ctl_worker_view, flows_active)},
		{"idlecut_worker_handoff_packets_total", "counter",
		 "Frames this worker handed to the owner of their flow.",
		 offsetof(struct ctl_worker_view, handoff_packets)},
	};
	char lc[16];

	for (unsigned int k = 0; k < RTE_DIM(f); k++) {
		family(out, f[k].name, f[k].type, f[k].help);
		for (unsigned int i = 0; i < v->n_workers; i++) {
			const struct label l = {"worker", lc, sizeof(lc)};
			uint64_t val;

			snprintf(lc, sizeof(lc), "%u", v->workers[i].lcore);
			memcpy(&val, (const char *)&v->workers[i] + f[k].off, sizeof(val));
			sample_u64(out, f[k].name, &l, 1, val);
		}
	}
}

static void
render_ports(FILE *out, const struct ctl_view *v, const char *name, const char *help,
	     const uint64_t *by_port)
{
	unsigned int n = v->n_ports < STATS_MAX_PORTS ? v->n_ports : STATS_MAX_PORTS;

	family(out, name, "counter", help);
	for (unsigned int i = 0; i < n; i++) {
		const struct label l = {"port", v->ports[i].name, sizeof(v->ports[i].name)};

		if (port_exported(v, i))
			sample_u64(out, name, &l, 1, by_port[i]);
	}
}

/* A struct port_nic field per exported port (entry i of ports[] owns nic[i]). */
static void
render_nic(FILE *out, const struct ctl_view *v, const char *name, const char *type,
	   const char *help, size_t field)
{
	unsigned int n = v->n_ports < STATS_MAX_PORTS ? v->n_ports : STATS_MAX_PORTS;

	family(out, name, type, help);
	for (unsigned int i = 0; i < n; i++) {
		const struct label l = {"port", v->ports[i].name, sizeof(v->ports[i].name)};
		uint64_t val;

		if (!port_exported(v, i))
			continue;
		if (field == SIZE_MAX)
			val = v->nic[i].link_up ? 1 : 0;
		else
			memcpy(&val, (const char *)&v->nic[i] + field, sizeof(val));
		sample_u64(out, name, &l, 1, val);
	}
}

static void
render_nics(FILE *out, const struct ctl_view *v)
{
	static const struct {
		const char *name;
		size_t field;
		const char *help;
	} c[] = {
		{"idlecut_port_ipackets_total", offsetof(struct port_nic, ipackets),
		 "Packets the NIC received (rte_eth_stats ipackets), by port."},
		{"idlecut_port_opackets_total", offsetof(struct port_nic, opackets),
		 "Packets the NIC transmitted (rte_eth_stats opackets), by port."},
		{"idlecut_port_ibytes_total", offsetof(struct port_nic, ibytes),
		 "Bytes the NIC received (rte_eth_stats ibytes), by port."},
		{"idlecut_port_obytes_total", offsetof(struct port_nic, obytes),
		 "Bytes the NIC transmitted (rte_eth_stats obytes), by port."},
		{"idlecut_port_imissed_total", offsetof(struct port_nic, imissed),
		 "Packets the NIC dropped because its RX ring was full (rte_eth_stats imissed), "
		 "by port."},
		{"idlecut_port_ierrors_total", offsetof(struct port_nic, ierrors),
		 "Erroneous frames the NIC received (rte_eth_stats ierrors), by port."},
		{"idlecut_port_oerrors_total", offsetof(struct port_nic, oerrors),
		 "Transmissions the NIC failed (rte_eth_stats oerrors), by port."},
		{"idlecut_port_rx_nombuf_total", offsetof(struct port_nic, rx_nombuf),
		 "RX mbuf allocation failures: the pool ran dry (rte_eth_stats rx_nombuf), by "
		 "port."},
	};

	render_nic(out, v, "idlecut_port_link_up", "gauge",
		   "Link state the NIC reports, 1 up, 0 down (updated each second and on "
		   "link-state interrupts), by port.",
		   SIZE_MAX);
	for (unsigned int i = 0; i < RTE_DIM(c); i++)
		render_nic(out, v, c[i].name, "counter", c[i].help, c[i].field);
}

static void
render_profiles(FILE *out, const struct ctl_view *v, const char *name, const char *type,
		const char *help, const uint64_t *by_slot)
{
	uint8_t rep[CFG_MAX_PROFILES];
	unsigned int n = profile_slots(v, rep);

	family(out, name, type, help);
	for (unsigned int p = 1; p < n; p++) {
		const struct label l = {"profile", v->profile[p], CFG_NAME_MAX};

		if (rep[p] == p)
			sample_u64(out, name, &l, 1, profile_sum(rep, n, p, by_slot, 1));
	}
}

static void
render_scalar(FILE *out, const char *name, const char *type, const char *help, uint64_t v)
{
	family(out, name, type, help);
	sample_u64(out, name, NULL, 0, v);
}

static void
render_by_state(FILE *out, const struct ctl_view *v, const char *name, const char *type,
		const char *help, const uint64_t (*by_state)[STATS_FLOW_STATES])
{
	uint8_t rep[CFG_MAX_PROFILES];
	unsigned int n = profile_slots(v, rep);

	family(out, name, type, help);
	for (unsigned int p = 1; p < n; p++) {
		if (rep[p] != p)
			continue;
		for (unsigned int st = 0; st < FLOW_STATE_COUNT; st++) {
			const struct label l[2] = {
				{"profile", v->profile[p], CFG_NAME_MAX},
				{"state", flow_state_name(st), SIZE_MAX},
			};

			sample_u64(out, name, l, 2,
				   profile_sum(rep, n, p, &by_state[0][st], STATS_FLOW_STATES));
		}
	}
}

/* Evictions by profile and reason (slots sharing a name merged, as everywhere). */
static void
render_evicted(FILE *out, const struct ctl_view *v)
{
	static const char name[] = "idlecut_flows_evicted_total";
	uint8_t rep[CFG_MAX_PROFILES];
	unsigned int n = profile_slots(v, rep);

	family(out, name, "counter",
	       "Flows evicted from a full table (early_drop) or by the reaper, by profile.");
	for (unsigned int p = 1; p < n; p++) {
		if (rep[p] != p)
			continue;
		for (unsigned int r = 0; r < STATS_EVICT_COUNT; r++) {
			const struct label l[2] = {
				{"profile", v->profile[p], CFG_NAME_MAX},
				{"reason", stats_evict_name(r), SIZE_MAX},
			};

			sample_u64(out, name, l, 2,
				   profile_sum(rep, n, p, &v->s.evicted[0][r], STATS_EVICT_COUNT));
		}
	}
}

/*
 * The lateness histogram. _count is the total of the buckets rather than late_count: a
 * scrape can land between a worker's store to a bucket and its store to the count, and the
 * format requires le="+Inf" == _count.
 */
static void
render_lateness(FILE *out, const struct stats_lcore *s)
{
	static const char name[] = "idlecut_expiry_lateness_seconds";
	char le[32], val[32];
	uint64_t cum = 0;

	family(out, name, "histogram",
	       "How late idle timeouts fired: time of expiry minus the time it was due.");
	for (unsigned int b = 0; b < STATS_LATE_BUCKETS; b++) {
		const struct label l = {"le", le, sizeof(le)};

		cum += s->late_buckets[b];
		fmt_ns_seconds(le, sizeof(le), stats_late_bounds_ns[b]);
		sample_u64(out, "idlecut_expiry_lateness_seconds_bucket", &l, 1, cum);
	}
	cum += s->late_buckets[STATS_LATE_BUCKETS];
	sample_1(out, "idlecut_expiry_lateness_seconds_bucket", "le", "+Inf", cum);
	fmt_ns_seconds(val, sizeof(val), s->late_sum_ns);
	sample_str(out, "idlecut_expiry_lateness_seconds_sum", NULL, 0, val);
	sample_u64(out, "idlecut_expiry_lateness_seconds_count", NULL, 0, cum);
}


int
metrics_render(FILE *out, const struct ctl_view *v)
{
	const struct stats_lcore *s = &v->s;
	char buf[64];

	errno = 0;
	render_ports(out, v, "idlecut_rx_packets_total", "Packets received, by port.",
		     s->rx_packets);
	render_ports(out, v, "idlecut_tx_packets_total",
		     "Packets transmitted (forwarded and injected RSTs), by port.", s->tx_packets);
	render_ports(out, v, "idlecut_rx_bytes_total", "Bytes received, by port.", s->rx_bytes);
	render_ports(out, v, "idlecut_tx_bytes_total", "Bytes transmitted, by port.", s->tx_bytes);
	render_nics(out, v);

	family(out, "idlecut_drops_total", "counter", "Packets dropped, by reason.");
	for (unsigned int d = 0; d < STATS_DROP_COUNT; d++)
		sample_1(out, "idlecut_drops_total", "reason", stats_drop_name(d), s->drops[d]);

	render_profiles(out, v, "idlecut_flows_active", "gauge",
			"Flows currently tracked, by profile.", s->flows_active);
	render_profiles(out, v, "idlecut_flows_created_total", "counter",
			"Flows created, by profile.", s->flows_created);
	render_by_state(out, v, "idlecut_flows_expired_total", "counter",
			"Flows removed by their idle timeout or a flush, by profile and by state "
			"at expiry.",
			s->flows_expired);
	render_by_state(out, v, "idlecut_flows_active_by_state", "gauge",
			"Flows currently tracked, by profile and state.", s->flows_state);
	render_scalar(out, "idlecut_flows_flushed_total", "counter",
		      "Flows expired by a timeline flush or a reload that retired their profile.",
		      s->flushed);
	render_profiles(out, v, "idlecut_flows_closed_total", "counter",
			"Flows removed without a timeout (RST seen, flush), by profile.",
			s->flows_closed);

	render_profiles(out, v, "idlecut_out_of_window_total", "counter",
			"TCP segments outside the window (conntrack's tcp_in_window), by profile.",
			s->out_of_window);
	render_scalar(out, "idlecut_handoff_packets_total", "counter",
		      "Frames handed to the worker that owns their flow.", s->handoff_packets);
	render_scalar(out, "idlecut_handoff_drops_total", "counter",
		      "Frames dropped because the owner's handoff ring was full.", s->handoff_drops);
	render_workers(out, v);
	render_evicted(out, v);

	family(out, "idlecut_rst_sent_total", "counter",
	       "RSTs injected: on timeout towards the client or the server, or answering a "
	       "stray packet.");
	for (unsigned int t = 0; t < STATS_RST_COUNT; t++)
		sample_1(out, "idlecut_rst_sent_total", "to", stats_rst_name(t), s->rst_sent[t]);
	render_scalar(out, "idlecut_rst_failed_total", "counter",
		      "RSTs not sent: no mbuf, or the TX queue refused them.", s->rst_failed);

	family(out, "idlecut_stray_packets_total", "counter",
	       "Non-SYN TCP packets without a flow, by the action taken.");
	for (unsigned int a = CFG_STRAY_DROP; a <= CFG_STRAY_ADOPT; a++)
		sample_1(out, "idlecut_stray_packets_total", "action", cfg_stray_name(a),
			 s->stray[a]);
	render_scalar(out, "idlecut_flow_table_full_total", "counter",
		      "New flows refused because the flow table was full.", s->table_full);

	family(out, "idlecut_malformed_total", "counter", "Malformed frames, by reason.");
	for (unsigned int m = PARSE_MAL_FIRST; m < PARSE_STATUS_COUNT; m++)
		sample_1(out, "idlecut_malformed_total", "reason", parse_status_name(m),
			 s->malformed[m]);
	render_scalar(out, "idlecut_fragments_total", "counter",
		      "Non-first IP fragments, forwarded untracked.", s->fragments);
	render_scalar(out, "idlecut_non_ip_total", "counter",
		      "Non-IP frames (ARP, LLDP, ...) bridged untouched.", s->non_ip);
	render_scalar(out, "idlecut_untracked_packets_total", "counter",
		      "IP packets forwarded under the \"untracked\" profile.", s->untracked);

	render_lateness(out, s);

	family(out, "idlecut_reloads_total", "counter", "Scenario reloads, by result.");
	sample_1(out, "idlecut_reloads_total", "result", "ok", v->reloads_ok);
	sample_1(out, "idlecut_reloads_total", "result", "error", v->reloads_error);
	render_scalar(out, "idlecut_events_written_total", "counter",
		      "Expiry events written to the --events file.", v->events_written);
	render_scalar(out, "idlecut_events_dropped_total", "counter",
		      "Expiry events lost because the event ring was full.", v->events_dropped);
	render_scalar(out, "idlecut_timeline_events_total", "counter",
		      "Scenario timeline events applied.", v->timeline_applied);
	render_scalar(out, "idlecut_mbufs_in_use", "gauge",
		      "Mbufs taken from the pool (RX rings, bursts in flight, RSTs).",
		      v->mbufs_in_use);

	family(out, "idlecut_uptime_seconds", "gauge", "Seconds since idlecut started.");
	snprintf(buf, sizeof(buf), "%.3f", v->uptime_s);
	sample_str(out, "idlecut_uptime_seconds", NULL, 0, buf);

	family(out, "idlecut_scenario_info", "gauge",
	       "The running scenario: its name, file and time scale; always 1.");
	snprintf(buf, sizeof(buf), "%g", v->time_scale);
	{
		const struct label l[3] = {
			{"scenario", v->scenario, sizeof(v->scenario)},
			{"file", v->file, sizeof(v->file)},
			{"time_scale", buf, sizeof(buf)},
		};

		sample_str(out, "idlecut_scenario_info", l, 3, "1");
	}

	if (fflush(out) != 0 || ferror(out))
		return errno != 0 ? -errno : -EIO;
	return 0;
}

/* ---------------------------------------------------------------- HTTP server -------- */

struct metrics_server {
	struct MHD_Daemon *daemon;
	ctl_view_fn collect;
	void *arg;
	bool started;	  /**< atomic: set once MHD_start_daemon() has returned */
	bool log_claimed; /**< atomic: start_log has its writer (the first message wins) */
	char start_log[256];
};

/*
 * MHD's error log. During start-up a message explains a failure and is kept for err;
 * afterwards MHD only reports per-connection trouble a client can cause at will (resets,
 * garbage requests), which must not flood the log: those are dropped.
 */
static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
	struct metrics_server *m = cls;
	size_t len;

	if (__atomic_load_n(&m->started, __ATOMIC_ACQUIRE) ||
	    __atomic_exchange_n(&m->log_claimed, true, __ATOMIC_ACQ_REL))
		return;
	vsnprintf(m->start_log, sizeof(m->start_log), fmt, ap);
	len = strlen(m->start_log);
	while (len > 0 && (m->start_log[len - 1] == '\n' || m->start_log[len - 1] == '\r'))
		m->start_log[--len] = '\0';
}

static enum MHD_Result
respond_static(struct MHD_Connection *c, unsigned int status, const char *body, const char *allow)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_PERSISTENT);
	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
	if (allow != NULL)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result
respond_metrics(struct metrics_server *m, struct MHD_Connection *c)
{
	struct ctl_view *v = calloc(1, sizeof(*v));
	struct MHD_Response *r;
	enum MHD_Result ret;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	int rc;

	if (v == NULL)
		return respond_static(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n", NULL);
	m->collect(v, m->arg);
	f = open_memstream(&buf, &len);
	if (f == NULL) {
		free(v);
		return respond_static(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n", NULL);
	}
	rc = metrics_render(f, v);
	if (fclose(f) != 0 && rc == 0)
		rc = -EIO;
	free(v);
	if (rc != 0) {
		free(buf);
		return respond_static(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "render failed\n", NULL);
	}
	/* MUST_FREE hands buf to MHD, which releases it with free() after sending. */
	r = MHD_create_response_from_buffer(len, buf, MHD_RESPMEM_MUST_FREE);
	if (r == NULL) {
		free(buf);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, METRICS_CONTENT_TYPE);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	ret = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
	   const char *version, const char *upload_data, size_t *upload_data_size, void **req_cls)
{
	static int headers_seen;
	struct metrics_server *m = cls;

	(void)version;
	(void)upload_data;
	/* First call: headers only. Answer on a later call, after any body has been read. */
	if (*req_cls == NULL) {
		*req_cls = &headers_seen;
		return MHD_YES;
	}
	if (*upload_data_size != 0) {
		*upload_data_size = 0; /* a body is never wanted here: discard it */
		return MHD_YES;
	}
	if (strcmp(url, "/metrics") != 0)
		return respond_static(c, MHD_HTTP_NOT_FOUND, "not found: try /metrics\n", NULL);
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return respond_static(c, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed\n",
				      "GET, HEAD");
	return respond_metrics(m, c);
}

union metrics_addr {
	struct sockaddr sa;
	struct sockaddr_in in4;
	struct sockaddr_in6 in6;
};

static void
set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* "v6%zone" (the inside of the brackets) into @p a: 0, -EINVAL, or -ENODEV (no such zone). */
static int
parse_ipv6(const char *host, size_t len, union metrics_addr *a)
{
	char buf[INET6_ADDRSTRLEN + IF_NAMESIZE + 2];
	char *zone;

	if (len == 0 || len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, host, len);
	buf[len] = '\0';
	zone = strchr(buf, '%');
	if (zone != NULL)
		*zone++ = '\0';
	a->in6.sin6_family = AF_INET6;
	if (inet_pton(AF_INET6, buf, &a->in6.sin6_addr) != 1)
		return -EINVAL;
	if (zone != NULL) {
		char *end;
		unsigned long id = strtoul(zone, &end, 10);

		if (*zone == '\0')
			return -EINVAL;
		if (*end != '\0' || id == 0 || id > UINT32_MAX)
			id = if_nametoindex(zone);
		if (id == 0)
			return -ENODEV;
		a->in6.sin6_scope_id = (uint32_t)id;
	}
	return 0;
}

/*
 * HOST:PORT into @p a. Only literals and "localhost": a name lookup could block start-up,
 * and could resolve to an address nobody meant to expose the counters on.
 */
static int
parse_hostport(const char *hp, union metrics_addr *a, char *err, size_t errlen)
{
	const char *colon, *host = hp, *p;
	size_t hlen;
	unsigned long port = 0;
	int rc;

	memset(a, 0, sizeof(*a));
	if (hp[0] == '[') {
		const char *close = strchr(hp, ']');

		if (close == NULL || close[1] != ':') {
			set_err(err, errlen, "--metrics %s: expected [IPv6]:PORT", hp);
			return -EINVAL;
		}
		colon = close + 1;
		rc = parse_ipv6(hp + 1, (size_t)(close - hp - 1), a);
		if (rc == -ENODEV) {
			const char *zone = strchr(hp, '%') + 1;

			set_err(err, errlen, "--metrics %s: no interface '%.*s'", hp,
				(int)(close - zone), zone);
			return -EINVAL;
		}
		if (rc != 0) {
			set_err(err, errlen, "--metrics %s: '%.*s' is not an IPv6 address", hp,
				(int)(close - hp - 1), hp + 1);
			return -EINVAL;
		}
	} else {
		colon = strrchr(hp, ':');
		if (colon == NULL) {
			set_err(err, errlen,
				"--metrics %s: expected HOST:PORT, e.g. 127.0.0.1:9100", hp);
			return -EINVAL;
		}
		if (memchr(hp, ':', (size_t)(colon - hp)) != NULL) {
			set_err(err, errlen,
				"--metrics %s: put an IPv6 address in brackets, "
				"e.g. [::1]:9100",
				hp);
			return -EINVAL;
		}
		hlen = (size_t)(colon - host);
		if (hlen == 0) {
			set_err(err, errlen,
				"--metrics %s: no HOST; give the address to listen on,"
				" e.g. 127.0.0.1:9100",
				hp);
			return -EINVAL;
		}
		a->in4.sin_family = AF_INET;
		if (hlen == strlen("localhost") && strncasecmp(host, "localhost", hlen) == 0) {
			a->in4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		} else {
			char buf[INET_ADDRSTRLEN];

			if (hlen >= sizeof(buf)) {
				set_err(err, errlen,
					"--metrics %s: HOST must be an IPv4 address, "
					"localhost or [IPv6]",
					hp);
				return -EINVAL;
			}
			memcpy(buf, host, hlen);
			buf[hlen] = '\0';
			if (inet_pton(AF_INET, buf, &a->in4.sin_addr) != 1) {
				set_err(err, errlen,
					"--metrics %s: HOST must be an IPv4 address, "
					"localhost or [IPv6]",
					hp);
				return -EINVAL;
			}
		}
	}
	p = colon + 1;
	if (*p == '\0') {
		set_err(err, errlen, "--metrics %s: no PORT", hp);
		return -EINVAL;
	}
	for (; *p != '\0'; p++) {
		if (*p < '0' || *p > '9') {
			set_err(err, errlen, "--metrics %s: PORT must be a number", hp);
			return -EINVAL;
		}
		if (port <= 65535)
			port = port * 10 + (unsigned long)(*p - '0');
	}
	if (port < 1 || port > 65535) {
		set_err(err, errlen, "--metrics %s: port out of range", hp);
		return -EINVAL;
	}
	if (a->sa.sa_family == AF_INET6)
		a->in6.sin6_port = htons((uint16_t)port);
	else
		a->in4.sin_port = htons((uint16_t)port);
	return 0;
}

/* The listening socket on exactly @p a: so a bind failure is reported with its own errno. */
static int
listen_on(const union metrics_addr *a)
{
	const int one = 1;
	socklen_t len = a->sa.sa_family == AF_INET6 ? sizeof(a->in6) : sizeof(a->in4);
	int fd, e;

	fd = socket(a->sa.sa_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	/* Restart while old connections sit in TIME_WAIT; a live listener still conflicts. */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0)
		goto fail;
	/* "[::]:PORT" means IPv6 only, not every IPv4 address as well. */
	if (a->sa.sa_family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) != 0)
		goto fail;
	if (bind(fd, &a->sa, len) != 0 || listen(fd, 64) != 0)
		goto fail;
	return fd;
fail:
	e = errno;
	close(fd);
	return -e;
}

struct metrics_server *
metrics_start(const char *hostport, ctl_view_fn collect, void *arg, char *err, size_t errlen)
{
	struct metrics_server *m;
	union metrics_addr a;
	unsigned int flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG;
	int fd, e;

	if (err != NULL && errlen != 0)
		err[0] = '\0';
	if (hostport == NULL || collect == NULL) {
		set_err(err, errlen, "--metrics: no HOST:PORT");
		errno = EINVAL;
		return NULL;
	}
	if (parse_hostport(hostport, &a, err, errlen) != 0) {
		errno = EINVAL;
		return NULL;
	}
	m = calloc(1, sizeof(*m));
	if (m == NULL) {
		set_err(err, errlen, "--metrics %s: out of memory", hostport);
		errno = ENOMEM;
		return NULL;
	}
	m->collect = collect;
	m->arg = arg;
	fd = listen_on(&a);
	if (fd < 0) {
		set_err(err, errlen, "cannot bind %s: %s", hostport, strerror(-fd));
		free(m);
		errno = -fd;
		return NULL;
	}
	if (a.sa.sa_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	/* The logger goes first so that MHD reports nothing on stderr during start-up. */
	m->daemon = MHD_start_daemon(
		flags, 0, NULL, NULL, on_request, m, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, m,
		MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_CONNECTION_LIMIT,
		(unsigned int)METRICS_CONN_LIMIT, MHD_OPTION_CONNECTION_TIMEOUT,
		(unsigned int)METRICS_CONN_TIMEOUT_S, MHD_OPTION_END);
	if (m->daemon == NULL) {
		e = errno != 0 ? errno : EIO;
		/*
		 * MHD took the socket with the option, and its failure paths close it; closing
		 * it again here could close a descriptor another thread has just opened.
		 */
		set_err(err, errlen, "--metrics %s: cannot start the HTTP server%s%s", hostport,
			m->start_log[0] != '\0' ? ": " : "", m->start_log);
		free(m);
		errno = e;
		return NULL;
	}
	__atomic_store_n(&m->started, true, __ATOMIC_RELEASE);
	return m;
}

void
metrics_stop(struct metrics_server *m)
{
	if (m == NULL)
		return;
	/* Joins MHD's thread (no scrape runs after this) and closes the listening socket. */
	MHD_stop_daemon(m->daemon);
	free(m);
}
