/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the Prometheus exporter (control/metrics.c).
 *
 * The renderer: a view with a distinct value in every counter, checked sample line by
 * sample line; label escaping; the lateness histogram; and a strict checker of the text
 * exposition format 0.0.4 written here in C (HELP and TYPE before a family's first sample,
 * metric and label names, no duplicate series, families not interleaved, counters ending
 * in _total, histogram buckets cumulative with le="+Inf" equal to _count).
 *
 * The server: started on a free loopback port, fetched with a plain HTTP/1.0 request over
 * a socket: status, Content-Type, body equal to metrics_render()'s output, 404, 405, a port
 * already in use, and every malformed HOST:PORT.
 *
 * No EAL. Network: 127.0.0.1 and ::1 only.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "flow.h"
#include "metrics.h"

#define ESCAPED_PORT "we\"ird\\pair\nx/inside"

/* ---------------------------------------------------------------- helpers ------------ */

/* A view with a different value in every counter, so a value in the wrong series shows. */
static void
fill_view(struct ctl_view *v)
{
	struct stats_lcore *s = &v->s;
	static const struct ctl_port_name ports[] = {
		{0, "lab/inside"},
		{1, "lab/outside"},
		{5, ESCAPED_PORT},
		{7, "b/outside"},
	};

	memset(v, 0, sizeof(*v));
	snprintf(v->scenario, sizeof(v->scenario), "f5 \"fastL4\" 300s");
	snprintf(v->file, sizeof(v->file), "/etc/idle\\cut/f5.yaml");
	v->time_scale = 0.01;
	v->uptime_s = 42.5;
	v->n_profiles = 3;
	snprintf(v->profile[0], CFG_NAME_MAX, "untracked");
	snprintf(v->profile[1], CFG_NAME_MAX, "f5_fastl4");
	snprintf(v->profile[2], CFG_NAME_MAX, "azure_lb");
	v->n_ports = 4;
	memcpy(v->ports, ports, sizeof(ports));
	v->n_workers = 2;
	for (unsigned int i = 0; i < 2; i++) {
		v->workers[i].lcore = 1 + i;
		v->workers[i].rx_packets = 21000 + i;
		v->workers[i].tx_packets = 22000 + i;
		v->workers[i].flows_created = 23000 + i;
		v->workers[i].flows_active = 24000 + i;
		v->workers[i].handoff_packets = 25000 + i;
	}
	for (unsigned int i = 0; i < STATS_MAX_PORTS; i++) {
		s->rx_packets[i] = 1000 + i;
		s->rx_bytes[i] = 2000 + i;
		s->tx_packets[i] = 3000 + i;
		s->tx_bytes[i] = 4000 + i;
	}
	for (unsigned int d = 0; d < STATS_DROP_COUNT; d++)
		s->drops[d] = 5000 + d;
	for (unsigned int m = 0; m < PARSE_STATUS_COUNT; m++)
		s->malformed[m] = 6000 + m;
	s->fragments = 7001;
	s->non_ip = 7002;
	s->untracked = 7003;
	for (unsigned int p = 0; p < CFG_MAX_PROFILES; p++) {
		s->flows_created[p] = 8000 + p;
		s->flows_active[p] = 9000 + p;
		s->flows_closed[p] = 11000 + p;
		for (unsigned int st = 0; st < STATS_FLOW_STATES; st++)
			s->flows_expired[p][st] = 100000 + p * 100 + st;
	}
	for (unsigned int t = 0; t < STATS_RST_COUNT; t++)
		s->rst_sent[t] = 12000 + t;
	s->rst_failed = 12100;
	for (unsigned int a = 0; a < 3; a++)
		s->stray[a] = 13000 + a;
	s->table_full = 14000;
	for (unsigned int b = 0; b <= STATS_LATE_BUCKETS; b++)
		s->late_buckets[b] = b + 1; /* cumulative: 1, 3, 6, ... 153 */
	s->late_sum_ns = 1234567890123ull;
	s->late_count = 153;
	s->late_max_ns = 9999;
	for (unsigned int i = 0; i < 4; i++) {
		struct port_nic *n = &v->nic[i];

		n->stats_ok = true;
		n->ipackets = 20000 + i;
		n->opackets = 20100 + i;
		n->ibytes = 20200 + i;
		n->obytes = 20300 + i;
		n->imissed = 20400 + i;
		n->ierrors = 20500 + i;
		n->oerrors = 20600 + i;
		n->rx_nombuf = 20700 + i;
		n->link_up = i != 1;
	}
	v->reloads_ok = 15001;
	v->reloads_error = 15002;
	v->events_written = 16001;
	v->events_dropped = 16002;
	v->timeline_applied = 16003;
}

/* metrics_render() into a malloc'd string. */
static char *
render(const struct ctl_view *v)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int rc;

	assert_non_null(f);
	rc = metrics_render(f, v);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(rc, 0);
	assert_non_null(buf);
	assert_int_equal(strlen(buf), len);
	return buf;
}

static bool
has_line(const char *text, const char *line)
{
	size_t n = strlen(line);

	for (const char *p = text; (p = strstr(p, line)) != NULL; p++)
		if ((p == text || p[-1] == '\n') && p[n] == '\n')
			return true;
	return false;
}

static void
expect_line(const char *text, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (!has_line(text, line))
		fail_msg("missing line: %s", line);
}

/* Lines of @p text starting with @p prefix. */
static unsigned int
count_prefix(const char *text, const char *prefix)
{
	unsigned int n = 0;
	size_t len = strlen(prefix);

	for (const char *p = text; *p != '\0';) {
		const char *nl = strchr(p, '\n');

		if (strncmp(p, prefix, len) == 0)
			n++;
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	return n;
}

/* ------------------------------------------------------- strict format checker ------- */

#define FC_MAX_FAMILIES 128
#define FC_MAX_SERIES 4096
#define FC_NAME 256

struct fc_family {
	char name[FC_NAME];
	char type[16];
	bool help, done, sampled;
	/* histogram state: one label set per histogram is all this exporter emits */
	double last_le, last_bucket, inf, count;
	bool has_inf, has_sum, has_count;
};

struct fc {
	struct fc_family fam[FC_MAX_FAMILIES];
	unsigned int n_fam;
	char *series[FC_MAX_SERIES];
	unsigned int n_series;
	struct fc_family *current; /**< family whose samples are being read */
	char *line;		   /**< the line being checked (freed on every exit) */
	jmp_buf fail;
	char err[512];
};

/* The checker running now: its first problem ends the check (tests are single-threaded). */
static struct fc *fc_cur;

static void fc_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void
fc_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(fc_cur->err, sizeof(fc_cur->err), fmt, ap);
	va_end(ap);
	longjmp(fc_cur->fail, 1);
}

static bool
is_name(const char *s, size_t n, bool colon)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
			     (colon && c == ':');

		if (!alpha && !(i > 0 && c >= '0' && c <= '9'))
			return false;
	}
	return true;
}

static struct fc_family *
fc_family(struct fc *fc, const char *name, size_t n, bool create)
{
	for (unsigned int i = 0; i < fc->n_fam; i++)
		if (strlen(fc->fam[i].name) == n && strncmp(fc->fam[i].name, name, n) == 0)
			return &fc->fam[i];
	if (!create)
		return NULL;
	if (fc->n_fam >= FC_MAX_FAMILIES || n >= FC_NAME)
		fc_fail("too many families or name too long: %.*s", (int)n, name);
	memcpy(fc->fam[fc->n_fam].name, name, n);
	fc->fam[fc->n_fam].last_le = -INFINITY;
	return &fc->fam[fc->n_fam++];
}

static bool
ends_with(const char *s, size_t n, const char *suffix)
{
	size_t k = strlen(suffix);

	return n >= k && strncmp(s + n - k, suffix, k) == 0;
}

/* A histogram's family from a sample name ending in _bucket, _sum or _count. */
static struct fc_family *
fc_histogram_of(struct fc *fc, const char *name, size_t n, const char **suffix)
{
	static const char *const sfx[] = {"_bucket", "_sum", "_count"};

	for (unsigned int i = 0; i < 3; i++) {
		struct fc_family *f;

		if (!ends_with(name, n, sfx[i]))
			continue;
		f = fc_family(fc, name, n - strlen(sfx[i]), false);
		if (f != NULL && strcmp(f->type, "histogram") == 0) {
			*suffix = sfx[i];
			return f;
		}
	}
	return NULL;
}

static void
fc_comment(struct fc *fc, const char *line, unsigned int lineno)
{
	const char *kw = line + 2, *name, *end;
	bool help = strncmp(kw, "HELP ", 5) == 0, type = strncmp(kw, "TYPE ", 5) == 0;
	struct fc_family *f;

	if (!help && !type)
		return; /* a plain comment */
	name = kw + 5;
	end = strchr(name, ' ');
	if (end == NULL || !is_name(name, (size_t)(end - name), true))
		fc_fail("line %u: bad metric name in '%s'", lineno, line);
	f = fc_family(fc, name, (size_t)(end - name), true);
	if (f->sampled)
		fc_fail("line %u: %s after samples of %s", lineno, help ? "HELP" : "TYPE", f->name);
	if (help) {
		if (f->help)
			fc_fail("line %u: second HELP for %s", lineno, f->name);
		f->help = true;
		if (end[1] == '\0')
			fc_fail("line %u: empty HELP for %s", lineno, f->name);
		return;
	}
	if (f->type[0] != '\0')
		fc_fail("line %u: second TYPE for %s", lineno, f->name);
	if (strcmp(end + 1, "counter") != 0 && strcmp(end + 1, "gauge") != 0 &&
	    strcmp(end + 1, "histogram") != 0 && strcmp(end + 1, "summary") != 0 &&
	    strcmp(end + 1, "untyped") != 0)
		fc_fail("line %u: unknown TYPE '%s'", lineno, end + 1);
	snprintf(f->type, sizeof(f->type), "%s", end + 1);
}

/* Parse labels at *p (after '{'); return the le value if any in @p le. */
static void
fc_labels(const char **p, unsigned int lineno, char *le, size_t lelen)
{
	const char *s = *p;
	char seen[8][FC_NAME];
	unsigned int n_seen = 0;

	le[0] = '\0';
	while (*s != '}') {
		const char *k = s, *eq = strchr(s, '=');
		char val[512];
		size_t vl = 0;

		if (eq == NULL || !is_name(k, (size_t)(eq - k), false))
			fc_fail("line %u: bad label name at '%s'", lineno, k);
		if (eq - k >= 2 && k[0] == '_' && k[1] == '_')
			fc_fail("line %u: reserved label name", lineno);
		for (unsigned int i = 0; i < n_seen; i++)
			if (strlen(seen[i]) == (size_t)(eq - k) && !strncmp(seen[i], k, eq - k))
				fc_fail("line %u: label repeated", lineno);
		if (n_seen >= 8 || eq - k >= FC_NAME)
			fc_fail("line %u: too many labels or label name too long", lineno);
		memcpy(seen[n_seen], k, eq - k);
		seen[n_seen++][eq - k] = '\0';
		if (eq[1] != '"')
			fc_fail("line %u: label value not quoted", lineno);
		for (s = eq + 2; *s != '"'; s++) {
			if (*s == '\0' || *s == '\n')
				fc_fail("line %u: unterminated label value", lineno);
			if (*s == '\\') {
				s++;
				if (*s != '\\' && *s != '"' && *s != 'n')
					fc_fail("line %u: bad escape \\%c", lineno, *s);
			}
			if (vl + 1 < sizeof(val))
				val[vl++] = *s;
		}
		val[vl] = '\0';
		if ((size_t)(eq - k) == 2 && strncmp(k, "le", 2) == 0) {
			if (vl >= lelen)
				fc_fail("line %u: le value too long", lineno);
			memcpy(le, val, vl + 1);
		}
		s++;
		if (*s == ',')
			s++;
		else if (*s != '}')
			fc_fail("line %u: expected , or } after a label", lineno);
	}
	*p = s + 1;
}

static double
fc_value(const char *s, unsigned int lineno)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || *end != '\0' || errno != 0)
		fc_fail("line %u: value '%s' is not a float (or has a timestamp)", lineno, s);
	return v;
}

static void
fc_sample(struct fc *fc, const char *line, unsigned int lineno)
{
	const char *p = line, *suffix = NULL, *series_end;
	char le[64] = "";
	struct fc_family *f;
	size_t n;
	double val;

	while (is_name(line, (size_t)(p - line) + 1, true))
		p++;
	n = (size_t)(p - line);
	if (n == 0)
		fc_fail("line %u: bad metric name in '%s'", lineno, line);
	f = fc_histogram_of(fc, line, n, &suffix);
	if (f == NULL)
		f = fc_family(fc, line, n, false);
	if (f == NULL || !f->help || f->type[0] == '\0')
		fc_fail("line %u: sample before HELP and TYPE: %s", lineno, line);
	if (f->done)
		fc_fail("line %u: family %s interleaved with another", lineno, f->name);
	if (fc->current != NULL && fc->current != f)
		fc->current->done = true;
	fc->current = f;
	f->sampled = true;
	if (strcmp(f->type, "counter") == 0 && !ends_with(line, n, "_total"))
		fc_fail("line %u: counter %s does not end in _total", lineno, f->name);
	if (*p == '{') {
		p++;
		fc_labels(&p, lineno, le, sizeof(le));
	}
	series_end = p;
	if (*p != ' ')
		fc_fail("line %u: expected one space before the value", lineno);
	val = fc_value(p + 1, lineno);
	for (unsigned int i = 0; i < fc->n_series; i++)
		if (strlen(fc->series[i]) == (size_t)(series_end - line) &&
		    strncmp(fc->series[i], line, series_end - line) == 0)
			fc_fail("line %u: duplicate series %s", lineno, fc->series[i]);
	if (fc->n_series >= FC_MAX_SERIES)
		fc_fail("line %u: too many series", lineno);
	fc->series[fc->n_series++] = strndup(line, (size_t)(series_end - line));
	if (strcmp(f->type, "histogram") != 0)
		return;
	if (suffix == NULL)
		fc_fail("line %u: histogram sample without _bucket/_sum/_count", lineno);
	if (strcmp(suffix, "_bucket") == 0) {
		double b = strcmp(le, "+Inf") == 0 ? INFINITY : fc_value(le, lineno);

		if (le[0] == '\0')
			fc_fail("line %u: bucket without le", lineno);
		if (!(b > f->last_le))
			fc_fail("line %u: le %s not increasing", lineno, le);
		if (val < f->last_bucket)
			fc_fail("line %u: bucket counts not cumulative", lineno);
		f->last_le = b;
		f->last_bucket = val;
		if (isinf(b)) {
			f->has_inf = true;
			f->inf = val;
		}
	} else if (strcmp(suffix, "_sum") == 0) {
		f->has_sum = true;
	} else {
		f->has_count = true;
		f->count = val;
	}
}

/* Check every line, then every family; the first problem longjmps out through fc_fail(). */
static void
fc_run(struct fc *fc, const char *text)
{
	unsigned int lineno = 0;
	const char *p = text;

	if (text[0] == '\0' || text[strlen(text) - 1] != '\n')
		fc_fail("exposition must end with a newline");
	while (*p != '\0') {
		const char *nl = strchr(p, '\n');

		fc->line = strndup(p, (size_t)(nl - p));
		lineno++;
		if (fc->line[0] == '\0')
			fc_fail("line %u: empty line", lineno);
		else if (fc->line[0] == '#')
			fc_comment(fc, fc->line, lineno);
		else
			fc_sample(fc, fc->line, lineno);
		free(fc->line);
		fc->line = NULL;
		p = nl + 1;
	}
	for (unsigned int i = 0; i < fc->n_fam; i++) {
		struct fc_family *f = &fc->fam[i];

		if (!f->help || f->type[0] == '\0')
			fc_fail("family %s lacks HELP or TYPE", f->name);
		if (strcmp(f->type, "histogram") != 0)
			continue;
		if (!f->has_inf || !f->has_sum || !f->has_count)
			fc_fail("histogram %s lacks +Inf, _sum or _count", f->name);
		if (f->inf != f->count)
			fc_fail("histogram %s: +Inf %g != _count %g", f->name, f->inf, f->count);
	}
}

/*
 * Check @p text against the exposition format: 0 and the number of series in @p n_series,
 * or -1 and the first problem in @p err.
 */
static int
check_format_err(const char *text, unsigned int *n_series, char *err, size_t errlen)
{
	struct fc *fc = calloc(1, sizeof(*fc));
	int rc = 0;

	assert_non_null(fc);
	fc_cur = fc;
	if (setjmp(fc->fail) == 0) {
		fc_run(fc, text);
		*n_series = fc->n_series;
	} else {
		snprintf(err, errlen, "%s", fc->err);
		rc = -1;
	}
	free(fc->line);
	for (unsigned int i = 0; i < fc->n_series; i++)
		free(fc->series[i]);
	free(fc);
	fc_cur = NULL;
	return rc;
}

/* Fail the test unless @p text is a valid exposition; return the number of series. */
static unsigned int
check_format(const char *text)
{
	unsigned int n = 0;
	char err[512];

	if (check_format_err(text, &n, err, sizeof(err)) != 0)
		fail_msg("invalid exposition: %s", err);
	return n;
}

/* ---------------------------------------------------------------- renderer ----------- */

static void
test_render_values(void **state)
{
	struct ctl_view v;
	char *t;

	(void)state;
	fill_view(&v);
	t = render(&v);

	expect_line(t, "# HELP idlecut_rx_packets_total Packets received, by port.");
	expect_line(t, "# TYPE idlecut_rx_packets_total counter");
	expect_line(t, "idlecut_rx_packets_total{port=\"lab/inside\"} 1000");
	expect_line(t, "idlecut_rx_packets_total{port=\"lab/outside\"} 1001");
	expect_line(t, "idlecut_worker_rx_packets_total{worker=\"2\"} 21001");
	expect_line(t, "idlecut_worker_flows_active{worker=\"1\"} 24000");
	expect_line(t, "idlecut_worker_handoff_packets_total{worker=\"2\"} 25001");
	/* Per-port counters are by entry (2 * pair + side), not by ethdev port id. */
	expect_line(t, "idlecut_rx_packets_total{port=\"b/outside\"} 1003");
	expect_line(t, "idlecut_rx_bytes_total{port=\"lab/outside\"} 2001");
	expect_line(t, "idlecut_tx_packets_total{port=\"b/outside\"} 3003");
	expect_line(t, "idlecut_tx_bytes_total{port=\"lab/inside\"} 4000");
	assert_int_equal(count_prefix(t, "idlecut_rx_packets_total{"), 4);

	expect_line(t, "idlecut_drops_total{reason=\"tx_full\"} 5000");
	expect_line(t, "idlecut_drops_total{reason=\"malformed\"} 5001");
	expect_line(t, "idlecut_drops_total{reason=\"table_full\"} 5002");
	expect_line(t, "idlecut_drops_total{reason=\"stray\"} 5003");
	assert_int_equal(count_prefix(t, "idlecut_drops_total{"), STATS_DROP_COUNT);

	expect_line(t, "# TYPE idlecut_flows_active gauge");
	expect_line(t, "idlecut_flows_active{profile=\"f5_fastl4\"} 9001");
	expect_line(t, "idlecut_flows_active{profile=\"azure_lb\"} 9002");
	expect_line(t, "idlecut_flows_created_total{profile=\"f5_fastl4\"} 8001");
	expect_line(t, "idlecut_flows_created_total{profile=\"azure_lb\"} 8002");
	expect_line(t, "idlecut_flows_closed_total{profile=\"azure_lb\"} 11002");
	expect_line(t,
		    "idlecut_flows_expired_total{profile=\"f5_fastl4\",state=\"syn_sent\"} 100100");
	expect_line(
		t,
		"idlecut_flows_expired_total{profile=\"f5_fastl4\",state=\"established\"} 100102");
	expect_line(t, "idlecut_flows_expired_total{profile=\"azure_lb\",state=\"active\"} 100209");
	assert_int_equal(count_prefix(t, "idlecut_flows_expired_total{"), 2 * FLOW_STATE_COUNT);
	for (unsigned int st = 0; st < FLOW_STATE_COUNT; st++)
		expect_line(t, "idlecut_flows_expired_total{profile=\"azure_lb\",state=\"%s\"} %u",
			    flow_state_name(st), 100200 + st);
	assert_null(strstr(t, "profile=\"untracked\""));

	expect_line(t, "idlecut_rst_sent_total{to=\"client\"} 12000");
	expect_line(t, "idlecut_rst_sent_total{to=\"server\"} 12001");
	expect_line(t, "idlecut_rst_sent_total{to=\"stray\"} 12002");
	expect_line(t, "idlecut_rst_failed_total 12100");
	expect_line(t, "idlecut_stray_packets_total{action=\"drop\"} 13000");
	expect_line(t, "idlecut_stray_packets_total{action=\"reset\"} 13001");
	expect_line(t, "idlecut_stray_packets_total{action=\"adopt\"} 13002");
	expect_line(t, "idlecut_flow_table_full_total 14000");

	for (unsigned int m = PARSE_MAL_FIRST; m < PARSE_STATUS_COUNT; m++)
		expect_line(t, "idlecut_malformed_total{reason=\"%s\"} %u", parse_status_name(m),
			    6000 + m);
	assert_int_equal(count_prefix(t, "idlecut_malformed_total{"), PARSE_MAL_COUNT);
	expect_line(t, "idlecut_malformed_total{reason=\"truncated\"} %u",
		    6000 + PARSE_MAL_TRUNCATED);
	expect_line(t, "idlecut_fragments_total 7001");
	expect_line(t, "idlecut_non_ip_total 7002");
	expect_line(t, "idlecut_untracked_packets_total 7003");

	expect_line(t, "idlecut_reloads_total{result=\"ok\"} 15001");
	expect_line(t, "idlecut_reloads_total{result=\"error\"} 15002");
	expect_line(t, "idlecut_events_written_total 16001");
	expect_line(t, "idlecut_events_dropped_total 16002");
	expect_line(t, "idlecut_timeline_events_total 16003");
	expect_line(t, "# TYPE idlecut_uptime_seconds gauge");
	expect_line(t, "idlecut_uptime_seconds 42.500");
	expect_line(t, "# TYPE idlecut_scenario_info gauge");
	expect_line(t, "idlecut_scenario_info{scenario=\"f5 \\\"fastL4\\\" 300s\","
		       "file=\"/etc/idle\\\\cut/f5.yaml\",time_scale=\"0.01\"} 1");
	free(t);
}

/* The NIC's counters and link, by entry of ports[] (not by port id). */
static void
test_render_nic(void **state)
{
	struct ctl_view v;
	char *t;

	(void)state;
	fill_view(&v);
	t = render(&v);
	expect_line(t, "# TYPE idlecut_port_link_up gauge");
	expect_line(t, "idlecut_port_link_up{port=\"lab/inside\"} 1");
	expect_line(t, "idlecut_port_link_up{port=\"lab/outside\"} 0");
	expect_line(t, "idlecut_port_link_up{port=\"b/outside\"} 1");
	assert_int_equal(count_prefix(t, "idlecut_port_link_up{"), 4);
	expect_line(t, "# TYPE idlecut_port_imissed_total counter");
	expect_line(t, "idlecut_port_ipackets_total{port=\"lab/outside\"} 20001");
	expect_line(t, "idlecut_port_opackets_total{port=\"b/outside\"} 20103");
	expect_line(t, "idlecut_port_ibytes_total{port=\"lab/inside\"} 20200");
	expect_line(t, "idlecut_port_obytes_total{port=\"lab/outside\"} 20301");
	expect_line(t, "idlecut_port_imissed_total{port=\"b/outside\"} 20403");
	expect_line(t, "idlecut_port_ierrors_total{port=\"lab/inside\"} 20500");
	expect_line(t, "idlecut_port_oerrors_total{port=\"lab/outside\"} 20601");
	expect_line(t, "idlecut_port_rx_nombuf_total{port=\"b/outside\"} 20703");
	assert_int_equal(count_prefix(t, "idlecut_port_rx_nombuf_total{"), 4);
	v.nic[1].link_up = true;
	v.nic[3].link_up = false;
	free(t);
	t = render(&v);
	expect_line(t, "idlecut_port_link_up{port=\"lab/outside\"} 1");
	expect_line(t, "idlecut_port_link_up{port=\"b/outside\"} 0");
	free(t);
}

static void
test_render_escaping(void **state)
{
	struct ctl_view v;
	char *t;

	(void)state;
	fill_view(&v);
	t = render(&v);
	/* quote, backslash and newline each escaped; nothing else is */
	expect_line(t, "idlecut_rx_packets_total{port=\"we\\\"ird\\\\pair\\nx/inside\"} 1002");
	expect_line(t, "idlecut_tx_bytes_total{port=\"we\\\"ird\\\\pair\\nx/inside\"} 4002");
	free(t);

	/* names that fill their field with no NUL are read to the field's end, no further */
	memset(v.profile[1], 'p', CFG_NAME_MAX);
	memset(v.ports[0].name, 'n', sizeof(v.ports[0].name));
	t = render(&v);
	expect_line(t, "idlecut_flows_created_total{profile=\"%.*s\"} 8001", CFG_NAME_MAX,
		    v.profile[1]);
	expect_line(t, "idlecut_rx_packets_total{port=\"%.*s\"} 1000", (int)sizeof(v.ports[0].name),
		    v.ports[0].name);
	check_format(t);
	free(t);
}

static void
test_render_histogram(void **state)
{
	static const char *const le[STATS_LATE_BUCKETS] = {
		"0.0001", "0.00025", "0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025",
		"0.05",	  "0.1",     "0.25",   "0.5",	"1",	  "2.5",   "5",	   "10",
	};
	struct ctl_view v;
	unsigned int cum = 0;
	char *t;

	(void)state;
	fill_view(&v);
	t = render(&v);
	expect_line(t, "# TYPE idlecut_expiry_lateness_seconds histogram");
	for (unsigned int b = 0; b < STATS_LATE_BUCKETS; b++) {
		cum += b + 1;
		expect_line(t, "idlecut_expiry_lateness_seconds_bucket{le=\"%s\"} %u", le[b], cum);
	}
	expect_line(t, "idlecut_expiry_lateness_seconds_bucket{le=\"+Inf\"} 153");
	expect_line(t, "idlecut_expiry_lateness_seconds_sum 1234.567890123");
	expect_line(t, "idlecut_expiry_lateness_seconds_count 153");
	assert_int_equal(count_prefix(t, "idlecut_expiry_lateness_seconds_bucket{"),
			 STATS_LATE_BUCKETS + 1);
	free(t);

	/* whole seconds print without a fraction; _count follows the buckets, not late_count
	 * (a scrape racing a worker's stores must still give +Inf == _count) */
	memset(v.s.late_buckets, 0, sizeof(v.s.late_buckets));
	v.s.late_buckets[STATS_LATE_BUCKETS] = 2;
	v.s.late_buckets[0] = 1;
	v.s.late_sum_ns = 30000000000ull;
	v.s.late_count = 4;
	t = render(&v);
	expect_line(t, "idlecut_expiry_lateness_seconds_bucket{le=\"0.0001\"} 1");
	expect_line(t, "idlecut_expiry_lateness_seconds_bucket{le=\"10\"} 1");
	expect_line(t, "idlecut_expiry_lateness_seconds_bucket{le=\"+Inf\"} 3");
	expect_line(t, "idlecut_expiry_lateness_seconds_sum 30");
	expect_line(t, "idlecut_expiry_lateness_seconds_count 3");
	free(t);
}

static void
test_render_zero_view(void **state)
{
	struct ctl_view v;
	char *t;

	(void)state;
	memset(&v, 0, sizeof(v));
	t = render(&v);
	/* every family is there even with no port, profile or event: zeros are series too */
	expect_line(t, "# TYPE idlecut_rx_packets_total counter");
	expect_line(t, "# TYPE idlecut_flows_expired_total counter");
	expect_line(t, "idlecut_drops_total{reason=\"stray\"} 0");
	expect_line(t, "idlecut_rst_sent_total{to=\"server\"} 0");
	expect_line(t, "idlecut_stray_packets_total{action=\"adopt\"} 0");
	expect_line(t, "idlecut_malformed_total{reason=\"bad_udp_length\"} 0");
	expect_line(t, "idlecut_expiry_lateness_seconds_bucket{le=\"+Inf\"} 0");
	expect_line(t, "idlecut_expiry_lateness_seconds_sum 0");
	expect_line(t, "idlecut_reloads_total{result=\"error\"} 0");
	expect_line(t, "idlecut_uptime_seconds 0.000");
	expect_line(t, "idlecut_scenario_info{scenario=\"\",file=\"\",time_scale=\"0\"} 1");
	assert_int_equal(count_prefix(t, "idlecut_rx_packets_total"), 0);
	assert_int_equal(count_prefix(t, "idlecut_flows_active{"), 0);
	check_format(t);
	free(t);
}

static void
test_render_format(void **state)
{
	struct ctl_view v;
	unsigned int samples, expected;
	char *t;

	(void)state;
	fill_view(&v);
	t = render(&v);
	samples = check_format(t);
	expected = 4 * 4			/* rx/tx packets/bytes x 4 ports */
		   + 9 * 4			/* NIC: link up and 8 counters x 4 ports */
		   + STATS_DROP_COUNT		/* drops */
		   + 2 * 3			/* active, created, closed x 2 */
		   + 2 * FLOW_STATE_COUNT	/* expired */
		   + 2 * FLOW_STATE_COUNT + 1	/* active by state, flushed */
		   + STATS_RST_COUNT + 1	/* rst sent, failed */
		   + 3 + 1			/* stray, table full */
		   + PARSE_MAL_COUNT + 3	/* malformed, fragments, non_ip, untracked */
		   + STATS_LATE_BUCKETS + 1 + 2 /* histogram */
		   + 2 + 3 + 1 + 1		/* reloads, events x2, timeline, uptime, info */
		   + 1				/* mbufs in use */
		   + 2 + 2 + 2 * 2		/* out_of_window x 2, handoff packets, drops; evicted */
		   + 5 * 2;			/* per worker: 5 series x 2 workers */
	assert_int_equal(samples, expected);
	free(t);
}

/* The checker itself must reject what it is there to reject. */
static void
test_checker_rejects(void **state)
{
	static const struct {
		const char *text;
		const char *why;
	} bad[] = {
		{"x_total 1\n", "sample before HELP and TYPE"},
		{"# TYPE x_total counter\nx_total 1\n", "sample before HELP and TYPE"},
		{"# HELP x h\n# TYPE x counter\nx 1\n", "does not end in _total"},
		{"# HELP x h\n# TYPE x gauge\nx 1\nx 2\n", "duplicate series"},
		{"# HELP x h\n# TYPE x gauge\nx{a=\"1\"} 1\n# HELP y h\n# TYPE y gauge\ny 1\n"
		 "x{a=\"2\"} 1\n",
		 "interleaved"},
		{"# HELP x h\n# TYPE x gauge\nx 1\n# HELP x h\n", "HELP after samples"},
		{"# HELP x h\n# HELP x h\n# TYPE x gauge\nx 1\n", "second HELP"},
		{"# HELP 1x h\n# TYPE 1x gauge\n1x 1\n", "bad metric name"},
		{"# HELP x h\n# TYPE x gauge\nx{1a=\"1\"} 1\n", "bad label name"},
		{"# HELP x h\n# TYPE x gauge\nx{a=\"1\",a=\"2\"} 1\n", "label repeated"},
		{"# HELP x h\n# TYPE x gauge\nx{a=\"q\\t\"} 1\n", "bad escape"},
		{"# HELP x h\n# TYPE x gauge\nx{a=1} 1\n", "not quoted"},
		{"# HELP x h\n# TYPE x gauge\nx one\n", "not a float"},
		{"# HELP x h\n# TYPE x gauge\nx 1 1700000000\n", "not a float"},
		{"# HELP x h\n# TYPE x flavour\nx 1\n", "unknown TYPE"},
		{"# HELP h h\n# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 3\n"
		 "h_sum 1\nh_count 4\n",
		 "+Inf 3 != _count 4"},
		{"# HELP h h\n# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\n"
		 "h_sum 1\nh_count 1\n",
		 "not cumulative"},
		{"# HELP h h\n# TYPE h histogram\nh_bucket{le=\"2\"} 1\nh_bucket{le=\"1\"} 1\n"
		 "h_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n",
		 "not increasing"},
		{"# HELP h h\n# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\nh_count 1\n",
		 "lacks +Inf, _sum or _count"},
		{"# HELP x h\n# TYPE x gauge\nx 1", "end with a newline"},
		{"# HELP x h\n# TYPE x gauge\n\nx 1\n", "empty line"},
	};

	(void)state;
	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		unsigned int n;
		char err[512];

		if (check_format_err(bad[i].text, &n, err, sizeof(err)) == 0)
			fail_msg("checker accepted bad input %u: %s", i, bad[i].text);
		if (strstr(err, bad[i].why) == NULL)
			fail_msg("bad input %u rejected for '%s', want '%s'", i, err, bad[i].why);
	}
}

static void
test_render_merges_and_skips(void **state)
{
	struct ctl_view v;
	char *t;

	(void)state;
	fill_view(&v);
	/* a third slot reusing a name merges into the first; a port id beyond the counters
	 * and a repeated port name are left out rather than read out of bounds or doubled */
	v.n_profiles = 4;
	snprintf(v.profile[3], CFG_NAME_MAX, "f5_fastl4");
	v.ports[3].port_id = STATS_MAX_PORTS;
	v.n_ports = 5;
	v.ports[4] = v.ports[0];
	t = render(&v);
	expect_line(t, "idlecut_flows_created_total{profile=\"f5_fastl4\"} %u", 8001 + 8003);
	expect_line(t, "idlecut_flows_expired_total{profile=\"f5_fastl4\",state=\"closed\"} %u",
		    100106 + 100306);
	assert_int_equal(count_prefix(t, "idlecut_flows_active{"), 2);
	assert_int_equal(count_prefix(t, "idlecut_rx_packets_total{"), 3);
	assert_null(strstr(t, "port=\"b/outside\""));
	check_format(t);
	free(t);

	/* more slots or ports claimed than exist: clamped */
	v.n_profiles = 1000;
	v.n_ports = 1000;
	t = render(&v);
	check_format(t);
	free(t);
}

static void
test_render_write_error(void **state)
{
	struct ctl_view v;
	FILE *f = fopen("/dev/full", "w");

	(void)state;
	assert_non_null(f);
	fill_view(&v);
	assert_int_equal(metrics_render(f, &v), -ENOSPC);
	fclose(f);
}

/* ---------------------------------------------------------------- server ------------- */

struct collector {
	struct ctl_view view;
	unsigned int calls;
};

static void
collect(struct ctl_view *v, void *arg)
{
	struct collector *c = arg;

	__atomic_add_fetch(&c->calls, 1, __ATOMIC_RELAXED);
	*v = c->view;
}

struct http_reply {
	int status;
	char content_type[128];
	char allow[64];
	char *body;
	size_t body_len;
};

static void
header_value(const char *headers, const char *name, char *out, size_t len)
{
	size_t n = strlen(name);

	out[0] = '\0';
	for (const char *p = headers; p != NULL && *p != '\0';) {
		const char *eol = strstr(p, "\r\n");

		if (eol == NULL)
			return;
		if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
			const char *v = p + n + 1;

			while (*v == ' ')
				v++;
			snprintf(out, len, "%.*s", (int)(eol - v), v);
			return;
		}
		p = eol + 2;
	}
}

/* Send @p request to @p port on the loopback of @p family, read the reply to EOF. */
static void
http_family(int family, uint16_t port, const char *request, struct http_reply *r)
{
	struct timeval tv = {.tv_sec = 5};
	struct sockaddr_in in4 = {.sin_family = AF_INET, .sin_port = htons(port)};
	struct sockaddr_in6 in6 = {.sin6_family = AF_INET6,
				   .sin6_port = htons(port),
				   .sin6_addr = IN6ADDR_LOOPBACK_INIT};
	char *buf = NULL, *hdr_end;
	size_t len = 0, cap = 0;
	int fd;

	in4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)), 0);
	if (family == AF_INET)
		assert_int_equal(connect(fd, (struct sockaddr *)&in4, sizeof(in4)), 0);
	else
		assert_int_equal(connect(fd, (struct sockaddr *)&in6, sizeof(in6)), 0);
	assert_int_equal(send(fd, request, strlen(request), MSG_NOSIGNAL),
			 (ssize_t)strlen(request));
	for (;;) {
		ssize_t n;

		if (cap - len < 4096) {
			cap = cap * 2 + 65536;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
		n = recv(fd, buf + len, cap - len - 1, 0);
		if (n < 0)
			fail_msg("recv: %s", strerror(errno));
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	assert_non_null(buf);
	buf[len] = '\0';
	memset(r, 0, sizeof(*r));
	if (sscanf(buf, "HTTP/1.%*d %d", &r->status) != 1)
		fail_msg("no status line in '%.80s'", buf);
	hdr_end = strstr(buf, "\r\n\r\n");
	assert_non_null(hdr_end);
	hdr_end[2] = '\0';
	header_value(strstr(buf, "\r\n") + 2, "Content-Type", r->content_type,
		     sizeof(r->content_type));
	header_value(strstr(buf, "\r\n") + 2, "Allow", r->allow, sizeof(r->allow));
	r->body_len = len - (size_t)(hdr_end + 4 - buf);
	r->body = malloc(r->body_len + 1);
	assert_non_null(r->body);
	memcpy(r->body, hdr_end + 4, r->body_len);
	r->body[r->body_len] = '\0';
	free(buf);
}

static void
http(uint16_t port, const char *request, struct http_reply *r)
{
	http_family(AF_INET, port, request, r);
}

/* Descriptors open in this process: a start/stop cycle must leave the count unchanged. */
static unsigned int
open_fds(void)
{
	unsigned int n = 0;

	for (int fd = 0; fd < 4096; fd++)
		if (fcntl(fd, F_GETFD) != -1)
			n++;
	return n;
}

/* A loopback port nobody listens on right now. */
static uint16_t
free_port(int family)
{
	struct sockaddr_in6 a6 = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT};
	struct sockaddr_in a4 = {.sin_family = AF_INET};
	socklen_t len;
	uint16_t port;
	int fd = socket(family, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	a4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (family == AF_INET) {
		len = sizeof(a4);
		assert_int_equal(bind(fd, (struct sockaddr *)&a4, len), 0);
		assert_int_equal(getsockname(fd, (struct sockaddr *)&a4, &len), 0);
		port = ntohs(a4.sin_port);
	} else {
		len = sizeof(a6);
		assert_int_equal(bind(fd, (struct sockaddr *)&a6, len), 0);
		assert_int_equal(getsockname(fd, (struct sockaddr *)&a6, &len), 0);
		port = ntohs(a6.sin6_port);
	}
	close(fd);
	return port;
}

/* Start on a free port of @p host ("127.0.0.1", "localhost", "[::1]"), retrying races. */
static struct metrics_server *
start_free(const char *host, struct collector *c, uint16_t *port)
{
	int family = host[0] == '[' ? AF_INET6 : AF_INET;

	for (unsigned int i = 0; i < 20; i++) {
		struct metrics_server *m;
		char hp[64], err[256];

		*port = free_port(family);
		snprintf(hp, sizeof(hp), "%s:%u", host, *port);
		m = metrics_start(hp, collect, c, err, sizeof(err));
		if (m != NULL)
			return m;
		if (errno != EADDRINUSE)
			fail_msg("metrics_start(%s): %s", hp, err);
	}
	fail_msg("no free port on %s", host);
	return NULL;
}

static void
test_server(void **state)
{
	struct collector *c = calloc(1, sizeof(*c));
	struct metrics_server *m;
	struct http_reply r;
	uint16_t port;
	char *expected;

	(void)state;
	assert_non_null(c);
	fill_view(&c->view);
	expected = render(&c->view);
	m = start_free("127.0.0.1", c, &port);

	http(port, "GET /metrics HTTP/1.0\r\n\r\n", &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.content_type, "text/plain; version=0.0.4; charset=utf-8");
	assert_int_equal(r.body_len, strlen(expected));
	assert_string_equal(r.body, expected);
	assert_int_equal(c->calls, 1);
	check_format(r.body);
	free(r.body);

	/* query strings are not part of the path; HTTP/1.1 with Host works too */
	http(port, "GET /metrics?x=1 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, expected);
	free(r.body);

	http(port, "HEAD /metrics HTTP/1.0\r\n\r\n", &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.body_len, 0);
	free(r.body);

	http(port, "GET / HTTP/1.0\r\n\r\n", &r);
	assert_int_equal(r.status, 404);
	free(r.body);
	http(port, "GET /metricsx HTTP/1.0\r\n\r\n", &r);
	assert_int_equal(r.status, 404);
	free(r.body);

	http(port, "POST /metrics HTTP/1.0\r\nContent-Length: 5\r\n\r\nhello", &r);
	assert_int_equal(r.status, 405);
	assert_string_equal(r.allow, "GET, HEAD");
	free(r.body);
	http(port, "DELETE /metrics HTTP/1.0\r\n\r\n", &r);
	assert_int_equal(r.status, 405);
	free(r.body);

	/* the collector ran for the scrapes only, each on a fresh view */
	assert_int_equal(c->calls, 3);

	metrics_stop(m);
	free(expected);
	free(c);
}

static void
test_server_sees_changes(void **state)
{
	struct collector *c = calloc(1, sizeof(*c));
	struct metrics_server *m;
	struct http_reply r;
	uint16_t port;

	(void)state;
	assert_non_null(c);
	fill_view(&c->view);
	m = start_free("localhost", c, &port);
	http(port, "GET /metrics HTTP/1.0\r\n\r\n", &r);
	assert_true(has_line(r.body, "idlecut_flow_table_full_total 14000"));
	free(r.body);
	c->view.s.table_full = 14001; /* between scrapes: the server holds no copy */
	http(port, "GET /metrics HTTP/1.0\r\n\r\n", &r);
	assert_true(has_line(r.body, "idlecut_flow_table_full_total 14001"));
	free(r.body);
	metrics_stop(m);
	free(c);
}

static void
test_server_ipv6(void **state)
{
	struct collector *c = calloc(1, sizeof(*c));
	struct metrics_server *m;
	struct http_reply r;
	uint16_t port;
	char *expected;

	(void)state;
	assert_non_null(c);
	fill_view(&c->view);
	expected = render(&c->view);
	m = start_free("[::1]", c, &port);
	http_family(AF_INET6, port, "GET /metrics HTTP/1.0\r\n\r\n", &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, expected);
	free(r.body);
	metrics_stop(m);
	free(expected);
	free(c);
}

static void
test_server_bind_errors(void **state)
{
	struct collector *c = calloc(1, sizeof(*c));
	struct metrics_server *m, *m2;
	char hp[64], err[256], want[128];
	struct http_reply r;
	unsigned int fds = open_fds();
	uint16_t port;

	(void)state;
	assert_non_null(c);
	m = start_free("127.0.0.1", c, &port);
	snprintf(hp, sizeof(hp), "127.0.0.1:%u", port);

	m2 = metrics_start(hp, collect, c, err, sizeof(err));
	assert_null(m2);
	assert_int_equal(errno, EADDRINUSE);
	snprintf(want, sizeof(want), "cannot bind %s: Address already in use", hp);
	assert_string_equal(err, want);

	/* an address this host does not have */
	m2 = metrics_start("192.0.2.1:9100", collect, c, err, sizeof(err));
	assert_null(m2);
	assert_int_equal(errno, EADDRNOTAVAIL);
	assert_string_equal(err, "cannot bind 192.0.2.1:9100: Cannot assign requested address");

	/* stop closes the socket: the same port can be served again at once */
	metrics_stop(m);
	m = metrics_start(hp, collect, c, err, sizeof(err));
	if (m == NULL)
		fail_msg("restart on %s: %s", hp, err);
	http(port, "GET /metrics HTTP/1.0\r\n\r\n", &r);
	assert_int_equal(r.status, 200);
	free(r.body);
	metrics_stop(m);
	metrics_stop(NULL);
	/* nothing leaked by the failures or the two cycles (MHD closed what it was given) */
	assert_int_equal(open_fds(), fds);
	free(c);
}

static void
test_bad_hostport(void **state)
{
	static const struct {
		const char *hp;
		const char *msg;
	} cases[] = {
		{"127.0.0.1:99999", "--metrics 127.0.0.1:99999: port out of range"},
		{"127.0.0.1:0", "--metrics 127.0.0.1:0: port out of range"},
		{"localhost:65536", "--metrics localhost:65536: port out of range"},
		{"127.0.0.1:99999999999999999999999", "port out of range"},
		{"127.0.0.1", "expected HOST:PORT"},
		{"", "expected HOST:PORT"},
		{"127.0.0.1:", "no PORT"},
		{"127.0.0.1:-1", "PORT must be a number"},
		{"127.0.0.1:+80", "PORT must be a number"},
		{"127.0.0.1:80x", "PORT must be a number"},
		{"127.0.0.1: 80", "PORT must be a number"},
		{":9100", "no HOST"},
		{"metrics.example:9100", "HOST must be an IPv4 address, localhost or [IPv6]"},
		{"256.1.1.1:9100", "HOST must be an IPv4 address"},
		{"127.1:9100", "HOST must be an IPv4 address"},
		{"::1:9100", "put an IPv6 address in brackets"},
		{"[::1]9100", "expected [IPv6]:PORT"},
		{"[::1:9100", "expected [IPv6]:PORT"},
		{"[zz::1]:9100", "'zz::1' is not an IPv6 address"},
		{"[]:9100", "is not an IPv6 address"},
		{"[127.0.0.1]:9100", "is not an IPv6 address"},
		{"[fe80::1%no-such-if0]:9100", "no interface 'no-such-if0'"},
		{"[fe80::1%]:9100", "is not an IPv6 address"},
		{"[fe80::1%lo]:9100x", "PORT must be a number"},
		{"[::1]:", "no PORT"},
	};
	struct collector c;
	char err[256];

	(void)state;
	memset(&c, 0, sizeof(c));
	for (unsigned int i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char prefix[128];

		memset(err, 'x', sizeof(err));
		errno = 0;
		if (metrics_start(cases[i].hp, collect, &c, err, sizeof(err)) != NULL)
			fail_msg("'%s' accepted", cases[i].hp);
		assert_int_equal(errno, EINVAL);
		snprintf(prefix, sizeof(prefix), "--metrics %s: ", cases[i].hp);
		if (strncmp(err, prefix, strlen(prefix)) != 0 || strstr(err, cases[i].msg) == NULL)
			fail_msg("'%s': got '%s', want '%s'", cases[i].hp, err, cases[i].msg);
		assert_null(strchr(err, '\n'));
	}
	/* no error buffer, or a tiny one: still NULL, no overflow */
	assert_null(metrics_start("nope", collect, &c, NULL, 0));
	memset(err, 'x', sizeof(err));
	assert_null(metrics_start("127.0.0.1:99999", collect, &c, err, 8));
	assert_int_equal(strlen(err), 7);
	assert_int_equal(err[8], 'x');
	assert_null(metrics_start(NULL, collect, &c, err, sizeof(err)));
	assert_null(metrics_start("127.0.0.1:9100", NULL, &c, err, sizeof(err)));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_render_values),
		cmocka_unit_test(test_render_nic),
		cmocka_unit_test(test_render_escaping),
		cmocka_unit_test(test_render_histogram),
		cmocka_unit_test(test_render_zero_view),
		cmocka_unit_test(test_render_format),
		cmocka_unit_test(test_checker_rejects),
		cmocka_unit_test(test_render_merges_and_skips),
		cmocka_unit_test(test_render_write_error),
		cmocka_unit_test(test_server),
		cmocka_unit_test(test_server_sees_changes),
		cmocka_unit_test(test_server_ipv6),
		cmocka_unit_test(test_server_bind_errors),
		cmocka_unit_test(test_bad_hostport),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
