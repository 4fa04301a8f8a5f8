/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "event.h"
#include "parse.h"
#include "report.h"
#include "stats.h"

#define NS_PER_S 1000000000ull

static const char *const what_names[RP_WHAT_COUNT] = {
	[ENGINE_W_KNOWN] = "forwarded",	       [ENGINE_W_NEW] = "new_flow",
	[ENGINE_W_RESTART] = "new_flow",       [ENGINE_W_CLOSED] = "forwarded",
	[ENGINE_W_ADOPTED] = "adopted",	       [ENGINE_W_STRAY_DROP] = "dropped",
	[ENGINE_W_STRAY_RST] = "rst_answered", [ENGINE_W_UNTRACKED] = "forwarded_untracked",
	[ENGINE_W_TABLE_FULL] = "table_full",  [ENGINE_W_NOT_FLOW] = "bridged",
	[ENGINE_W_MALFORMED] = "malformed",    [ENGINE_W_OUT_OF_WINDOW] = "out_of_window",
};

const char *
rpt_what_name(unsigned int what)
{
	return what < RP_WHAT_COUNT ? what_names[what] : "unknown";
}

/* The protocol's name, or "ip-N". */
static const char *
proto_name(uint8_t p, char *buf, size_t len)
{
	const char *n = flow_proto_name(p);

	if (n != NULL)
		return n;
	snprintf(buf, len, "ip-%u", p);
	return buf;
}

/* ISO 8601 UTC with microseconds. */
static void
time_str(uint64_t ns, char *buf, size_t len)
{
	time_t t = (time_t)(ns / NS_PER_S);
	struct tm tm;
	char d[32];

	if (gmtime_r(&t, &tm) == NULL || strftime(d, sizeof(d), "%Y-%m-%dT%H:%M:%S", &tm) == 0)
		snprintf(d, sizeof(d), "%llu", (unsigned long long)t);
	snprintf(buf, len, "%s.%06lluZ", d, (unsigned long long)(ns % NS_PER_S / 1000));
}

static double
offset_s(const struct rp_run *run, uint64_t ns)
{
	return (double)(ns - run->ts0_ns) / (double)NS_PER_S;
}

static void
vlan_str(const struct flow_key *k, char *buf, size_t len)
{
	if (k->vlan[0] == 0)
		snprintf(buf, len, "-");
	else if (k->vlan[1] == 0)
		snprintf(buf, len, "%u", k->vlan[0]);
	else
		snprintf(buf, len, "%u.%u", k->vlan[0], k->vlan[1]);
}

static const char *
action_name(uint8_t a)
{
	return a == FLOW_EV_NO_ACTION ? "silent" : cfg_on_timeout_name((enum cfg_on_timeout)a);
}

static int
cut_cmp(const void *pa, const void *pb)
{
	const struct rp_cut *a = pa, *b = pb;

	if (a->cut_ns != b->cut_ns)
		return a->cut_ns < b->cut_ns ? -1 : 1;
	return memcmp(&a->key, &b->key, sizeof(a->key));
}

void
rpt_sort(struct rp_run *run)
{
	for (unsigned int i = 0; i < run->n_scn; i++) {
		struct rp_scenario *s = &run->scn[i];

		if (s->n_cuts > 1)
			qsort(s->cuts, s->n_cuts, sizeof(s->cuts[0]), cut_cmp);
		/* open_cut indexes are stale after sorting; the run is over. */
	}
}

static bool
cut_adopted(const struct rp_run *run, const struct rp_cut *c)
{
	return c->flow != RP_NONE && (run->flows[c->flow].flags & RP_F_ADOPTED);
}

/* "tcp 198.18.0.1:40000 > 198.18.0.2:80" */
static void
flow_str(const struct flow_key *k, unsigned int client, char *buf, size_t len)
{
	char c[64], s[64], p[16];

	flow_endpoint_str(k, client, c, sizeof(c));
	flow_endpoint_str(k, client ^ 1, s, sizeof(s));
	snprintf(buf, len, "%s %s > %s", proto_name(k->proto, p, sizeof(p)), c, s);
}

/* "3 packets from +541.200 s: 3 dropped" */
static void
after_str(const struct rp_run *run, const struct rp_cut *c, char *buf, size_t len)
{
	size_t o;

	if (c->after == 0) {
		snprintf(buf, len, "no later packets in the capture");
		return;
	}
	o = (size_t)snprintf(buf, len, "%llu later packet%s from %+.3f s (first %s):",
			     (unsigned long long)c->after, c->after == 1 ? "" : "s",
			     offset_s(run, c->after_first_ns), rpt_what_name(c->after_first));
	for (unsigned int w = 0; w < RP_WHAT_COUNT && o < len; w++) {
		if (c->after_what[w] == 0)
			continue;
		o += (size_t)snprintf(buf + o, len - o, " %llu %s",
				      (unsigned long long)c->after_what[w], rpt_what_name(w));
	}
}

static uint64_t
rsts_injected(const struct rp_scenario *s)
{
	return s->rsts[STATS_RST_CLIENT] + s->rsts[STATS_RST_SERVER];
}

static void
scenario_table(FILE *f, const struct rp_run *run, const struct rp_scenario *s)
{
	fprintf(f, "\nscenario %s (%s): %u cut%s\n", s->label, s->path, s->n_cuts,
		s->n_cuts == 1 ? "" : "s");
	if (s->n_cuts > 0)
		fprintf(f, "  %4s  %-46s %-7s %-16s %-12s %14s %11s %14s  %s\n", "#", "flow",
			"vlan", "profile", "state", "last packet s", "idle s", "cut at s",
			"action");
	for (uint32_t i = 0; i < s->n_cuts; i++) {
		const struct rp_cut *c = &s->cuts[i];
		char fl[160], v[16], t1[40], t2[40], after[256];

		flow_str(&c->key, c->client, fl, sizeof(fl));
		vlan_str(&c->key, v, sizeof(v));
		time_str(c->last_ns, t1, sizeof(t1));
		time_str(c->cut_ns, t2, sizeof(t2));
		fprintf(f, "  %4u  %-46s %-7s %-16s %-12s %+14.6f %11.3f %+14.3f  %s%s%s\n", i + 1,
			fl, v, s->scn->profiles[c->profile].name,
			flow_state_name((enum flow_state)c->state), offset_s(run, c->last_ns),
			(double)(c->cut_ns - c->last_ns) / (double)NS_PER_S,
			offset_s(run, c->cut_ns), action_name(c->action),
			c->reason == FLOW_EV_FLUSH ? " (timeline flush)" : "",
			cut_adopted(run, c) ? " (adopted: open before the capture)" : "");
		fprintf(f, "        last packet %s, cut %s\n", t1, t2);
		for (unsigned int k = 0; k < c->n_rst; k++) {
			char ep[64];

			flow_endpoint_str(&c->key,
				     c->rst[k].to == STATS_RST_CLIENT ? c->client : c->client ^ 1,
				     ep, sizeof(ep));
			fprintf(f, "        RST%s to %s %s seq %u ack %u\n",
				(c->rst[k].tcp_flags & PARSE_TCP_ACK) ? "+ACK" : "",
				stats_rst_name((enum stats_rst_to)c->rst[k].to), ep, c->rst[k].seq,
				c->rst[k].ack);
		}
		after_str(run, c, after, sizeof(after));
		fprintf(f, "        %s\n", after);
	}
	fprintf(f, "  flows seen %u, tracked %llu, cut %u", run->n_flows,
		(unsigned long long)rp_flows_created(s), s->n_cuts);
	/* Cut by profile and state. */
	for (unsigned int p = 0; p < s->scn->n_profiles; p++) {
		for (unsigned int st = 0; st < FLOW_STATE_COUNT; st++) {
			uint32_t n = 0;

			for (uint32_t i = 0; i < s->n_cuts; i++)
				n += s->cuts[i].profile == p && s->cuts[i].state == st;
			if (n > 0)
				fprintf(f, " [%s %s: %u]", s->scn->profiles[p].name,
					flow_state_name((enum flow_state)st), n);
		}
	}
	fprintf(f,
		", adopted %llu, packets dropped %llu, RSTs injected %llu, strays answered %llu, "
		"ended after close %llu, evicted %llu\n",
		(unsigned long long)run->adopted, (unsigned long long)rp_dropped(s),
		(unsigned long long)rsts_injected(s), (unsigned long long)s->rsts[STATS_RST_STRAY],
		(unsigned long long)s->ended, (unsigned long long)s->evicted);
	if (s->out != NULL)
		fprintf(f, "  out: %llu capture packets, %llu injected RSTs%s\n",
			(unsigned long long)s->out_packets, (unsigned long long)s->out_rsts,
			s->out_failed ? " (some RSTs not representable in the link type)" : "");
}

/* Flows cut by at least one scenario, in order of their first cut. */
static uint32_t *
matrix_rows(const struct rp_run *run, uint32_t *n_out)
{
	uint64_t *first = calloc(run->n_flows + 1, sizeof(*first));
	uint32_t *rows = malloc((run->n_flows + 1) * sizeof(*rows));
	uint32_t n = 0;

	*n_out = 0;
	if (first == NULL || rows == NULL) {
		free(first);
		free(rows);
		return NULL;
	}
	for (unsigned int s = 0; s < run->n_scn; s++)
		for (uint32_t i = 0; i < run->scn[s].n_cuts; i++) {
			const struct rp_cut *c = &run->scn[s].cuts[i];

			if (c->flow == RP_NONE)
				continue;
			if (first[c->flow] == 0 || c->cut_ns + 1 < first[c->flow])
				first[c->flow] = c->cut_ns + 1;
		}
	for (uint32_t fi = 0; fi < run->n_flows; fi++)
		if (first[fi] != 0)
			rows[n++] = fi;
	/* Insertion sort by first cut: the rows are few next to the flows. */
	for (uint32_t i = 1; i < n; i++) {
		uint32_t r = rows[i], j = i;

		while (j > 0 && first[rows[j - 1]] > first[r]) {
			rows[j] = rows[j - 1];
			j--;
		}
		rows[j] = r;
	}
	free(first);
	*n_out = n;
	return rows;
}

/* A matrix column: as wide as the scenario's label, at least a cut time with its count. */
static int
col_width(const struct rp_scenario *s)
{
	size_t l = strlen(s->label);

	return l < 12 ? 12 : (int)l;
}

static void
matrix_table(FILE *f, const struct rp_run *run)
{
	uint32_t n, *rows = matrix_rows(run, &n);

	fprintf(f,
		"\nmatrix: which scenario cuts which flow (s from capture start; - = not cut)\n");
	fprintf(f, "  %-46s", "flow");
	for (unsigned int s = 0; s < run->n_scn; s++)
		fprintf(f, " %*s", col_width(&run->scn[s]), run->scn[s].label);
	fputc('\n', f);
	for (uint32_t r = 0; r < n; r++) {
		const struct rp_flow *fl = &run->flows[rows[r]];
		char b[160];

		flow_str(&fl->key, fl->client, b, sizeof(b));
		fprintf(f, "  %-46s", b);
		for (unsigned int s = 0; s < run->n_scn; s++) {
			const struct rp_scenario *sc = &run->scn[s];
			char cell[48] = "-";
			unsigned int k = 0;

			for (uint32_t i = 0; i < sc->n_cuts; i++) {
				if (sc->cuts[i].flow != rows[r])
					continue;
				if (k++ == 0)
					snprintf(cell, sizeof(cell), "%+.3f",
						 offset_s(run, sc->cuts[i].cut_ns));
			}
			if (k > 1) {
				size_t l = strlen(cell);

				snprintf(cell + l, sizeof(cell) - l, " (%u cuts)", k);
			}
			fprintf(f, " %*s", col_width(sc), cell);
		}
		fputc('\n', f);
	}
	if (n == 0)
		fprintf(f, "  (no flow is cut by any scenario)\n");
	free(rows);
}

void
rpt_table(FILE *f, const struct rp_run *run, const struct rpt_capture *cap)
{
	char t1[40], t2[40];

	time_str(run->ts0_ns, t1, sizeof(t1));
	time_str(run->last_ns, t2, sizeof(t2));
	fprintf(f,
		"capture %s: %llu packets (%s), %s .. %s (%.3f s), %u flow%s, %llu adopted "
		"(open before the capture)\n",
		cap->file, (unsigned long long)run->records, cap_linktype_name(run->linktype),
		run->records ? t1 : "-", run->records ? t2 : "-",
		run->records ? offset_s(run, run->last_ns) : 0.0, run->n_flows,
		run->n_flows == 1 ? "" : "s", (unsigned long long)run->adopted);
	if (run->truncated || run->backwards || run->bad_link || cap->bad_ts || cap->damaged)
		fprintf(f,
			"  counted: %llu cut by the snap length (headers still tracked), %llu "
			"with timestamps going backwards (taken as the previous time), %llu "
			"unreadable link headers, %llu with an invalid timestamp%s%s\n",
			(unsigned long long)run->truncated, (unsigned long long)run->backwards,
			(unsigned long long)run->bad_link, (unsigned long long)cap->bad_ts,
			cap->damaged ? "; the file ends early: " : "",
			cap->damaged ? cap->damaged : "");
	for (unsigned int s = 0; s < run->n_scn; s++)
		scenario_table(f, run, &run->scn[s]);
	if (run->n_scn > 1)
		matrix_table(f, run);
}

void
rpt_summary_line(FILE *f, const struct rp_run *run)
{
	fprintf(f, "summary: %llu packets, %u flow%s (%llu adopted);",
		(unsigned long long)run->records, run->n_flows, run->n_flows == 1 ? "" : "s",
		(unsigned long long)run->adopted);
	for (unsigned int s = 0; s < run->n_scn; s++)
		fprintf(f, "%s %s cuts %u, drops %llu", s ? "," : "", run->scn[s].label,
			run->scn[s].n_cuts, (unsigned long long)rp_dropped(&run->scn[s]));
	fputc('\n', f);
}

/* ---------------------------------------------------------------- JSON */

static void
js_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch < 0x20)
			fprintf(f, "\\u%04x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

static void
js_endpoint(FILE *f, const struct flow_key *k, unsigned int e)
{
	char a[INET6_ADDRSTRLEN];

	flow_addr_str(k, e, a, sizeof(a));
	fputs("{\"addr\":", f);
	js_str(f, a);
	fprintf(f, ",\"port\":%u}", k->port[e]);
}

static void
js_time(FILE *f, const struct rp_run *run, uint64_t ns)
{
	char t[40];

	time_str(ns, t, sizeof(t));
	fputs("{\"time\":", f);
	js_str(f, t);
	fprintf(f, ",\"offset_s\":%.6f}", offset_s(run, ns));
}

static void
js_flow(FILE *f, const struct flow_key *k, unsigned int client)
{
	char p[16];

	fputs("\"proto\":", f);
	js_str(f, proto_name(k->proto, p, sizeof(p)));
	fprintf(f, ",\"family\":%u,\"client\":", k->family);
	js_endpoint(f, k, client);
	fputs(",\"server\":", f);
	js_endpoint(f, k, client ^ 1);
	fputs(",\"vlans\":[", f);
	if (k->vlan[0] != 0)
		fprintf(f, "%u", k->vlan[0]);
	if (k->vlan[1] != 0)
		fprintf(f, ",%u", k->vlan[1]);
	fputc(']', f);
}

static void
js_cut(FILE *f, const struct rp_run *run, const struct rp_scenario *s, const struct rp_cut *c)
{
	fputc('{', f);
	js_flow(f, &c->key, c->client);
	fprintf(f, ",\"adopted\":%s,\"profile\":", cut_adopted(run, c) ? "true" : "false");
	js_str(f, s->scn->profiles[c->profile].name);
	fprintf(f,
		",\"state\":\"%s\",\"last_packet\":", flow_state_name((enum flow_state)c->state));
	js_time(f, run, c->last_ns);
	fprintf(f,
		",\"idle_s\":%.6f,\"cut\":", (double)(c->cut_ns - c->last_ns) / (double)NS_PER_S);
	js_time(f, run, c->cut_ns);
	fprintf(f, ",\"reason\":\"%s\",\"action\":\"%s\",\"rsts\":[",
		c->reason == FLOW_EV_FLUSH ? "flush" : "timeout", action_name(c->action));
	for (unsigned int k = 0; k < c->n_rst; k++)
		fprintf(f, "%s{\"to\":\"%s\",\"seq\":%u,\"ack\":%u,\"flags\":\"%s\"}", k ? "," : "",
			stats_rst_name((enum stats_rst_to)c->rst[k].to), c->rst[k].seq,
			c->rst[k].ack, (c->rst[k].tcp_flags & PARSE_TCP_ACK) ? "RST|ACK" : "RST");
	fprintf(f, "],\"after\":{\"packets\":%llu,\"first\":", (unsigned long long)c->after);
	if (c->after == 0) {
		fputs("null", f);
	} else {
		fprintf(f, "{\"what\":\"%s\",\"offset_s\":%.6f}", rpt_what_name(c->after_first),
			offset_s(run, c->after_first_ns));
	}
	fputs(",\"by\":{", f);
	{
		bool first = true;

		for (unsigned int w = 0; w < RP_WHAT_COUNT; w++) {
			uint64_t n = c->after_what[w];

			/* NEW and RESTART share a name: one key. */
			if (w == ENGINE_W_NEW)
				n += c->after_what[ENGINE_W_RESTART];
			if (w == ENGINE_W_KNOWN)
				n += c->after_what[ENGINE_W_CLOSED];
			if (n == 0 || w == ENGINE_W_RESTART || w == ENGINE_W_CLOSED)
				continue;
			fprintf(f, "%s\"%s\":%llu", first ? "" : ",", rpt_what_name(w),
				(unsigned long long)n);
			first = false;
		}
	}
	fputs("}}}", f);
}

static void
js_scenario(FILE *f, const struct rp_run *run, const struct rp_scenario *s)
{
	bool first = true;

	fputs("{\"name\":", f);
	js_str(f, s->label);
	fputs(",\"file\":", f);
	js_str(f, s->path);
	fprintf(f, ",\"time_scale\":%g,\"cuts\":[", run->time_scale);
	for (uint32_t i = 0; i < s->n_cuts; i++) {
		if (i)
			fputc(',', f);
		js_cut(f, run, s, &s->cuts[i]);
	}
	fprintf(f,
		"],\"summary\":{\"flows_seen\":%u,\"flows_tracked\":%llu,\"cut\":%u,\"cut_by\":[",
		run->n_flows, (unsigned long long)rp_flows_created(s), s->n_cuts);
	for (unsigned int p = 0; p < s->scn->n_profiles; p++) {
		for (unsigned int st = 0; st < FLOW_STATE_COUNT; st++) {
			uint32_t n = 0;

			for (uint32_t i = 0; i < s->n_cuts; i++)
				n += s->cuts[i].profile == p && s->cuts[i].state == st;
			if (n == 0)
				continue;
			fprintf(f, "%s{\"profile\":", first ? "" : ",");
			js_str(f, s->scn->profiles[p].name);
			fprintf(f, ",\"state\":\"%s\",\"count\":%u}",
				flow_state_name((enum flow_state)st), n);
			first = false;
		}
	}
	fprintf(f,
		"],\"adopted\":%llu,\"packets_dropped\":%llu,\"rsts_injected\":%llu,"
		"\"strays_answered\":%llu,\"ended_after_close\":%llu,\"evicted\":%llu,\"timeline_"
		"errors\":%u,"
		"\"out\":",
		(unsigned long long)run->adopted, (unsigned long long)rp_dropped(s),
		(unsigned long long)rsts_injected(s), (unsigned long long)s->rsts[STATS_RST_STRAY],
		(unsigned long long)s->ended, (unsigned long long)s->evicted, s->timeline_errors);
	if (s->out == NULL)
		fputs("null", f);
	else
		fprintf(f, "{\"packets\":%llu,\"rsts\":%llu,\"rsts_not_written\":%llu}",
			(unsigned long long)s->out_packets, (unsigned long long)s->out_rsts,
			(unsigned long long)s->out_failed);
	fputs("}}", f);
}

int
rpt_json(FILE *f, const struct rp_run *run, const struct rpt_capture *cap)
{
	uint32_t n, *rows;

	fputs("{\"capture\":{\"file\":", f);
	js_str(f, cap->file);
	fputs(",\"link_type\":", f);
	js_str(f, cap_linktype_name(run->linktype));
	fprintf(f, ",\"packets\":%llu,\"bytes\":%llu,\"first\":", (unsigned long long)run->records,
		(unsigned long long)run->bytes);
	if (run->records)
		js_time(f, run, run->ts0_ns);
	else
		fputs("null", f);
	fputs(",\"last\":", f);
	if (run->records)
		js_time(f, run, run->last_ns);
	else
		fputs("null", f);
	fprintf(f,
		",\"flows\":%u,\"adopted\":%llu,\"truncated\":%llu,\"backwards_timestamps\":%llu,"
		"\"invalid_timestamps\":%llu,\"unreadable_link_header\":%llu,\"not_flow\":%llu,"
		"\"damaged_end\":",
		run->n_flows, (unsigned long long)run->adopted, (unsigned long long)run->truncated,
		(unsigned long long)run->backwards, (unsigned long long)cap->bad_ts,
		(unsigned long long)run->bad_link, (unsigned long long)run->not_flow);
	if (cap->damaged)
		js_str(f, cap->damaged);
	else
		fputs("null", f);
	fputs("},\"scenarios\":[", f);
	for (unsigned int s = 0; s < run->n_scn; s++) {
		if (s)
			fputc(',', f);
		js_scenario(f, run, &run->scn[s]);
	}
	fputs("],\"matrix\":[", f);
	rows = matrix_rows(run, &n);
	for (uint32_t r = 0; r < n; r++) {
		const struct rp_flow *fl = &run->flows[rows[r]];

		fprintf(f, "%s{", r ? "," : "");
		js_flow(f, &fl->key, fl->client);
		fprintf(f, ",\"adopted\":%s,\"cuts\":{",
			(fl->flags & RP_F_ADOPTED) ? "true" : "false");
		for (unsigned int s = 0; s < run->n_scn; s++) {
			const struct rp_scenario *sc = &run->scn[s];
			unsigned int k = 0;

			fprintf(f, "%s", s ? "," : "");
			js_str(f, sc->label);
			fputs(":[", f);
			for (uint32_t i = 0; i < sc->n_cuts; i++)
				if (sc->cuts[i].flow == rows[r])
					fprintf(f, "%s%.3f", k++ ? "," : "",
						offset_s(run, sc->cuts[i].cut_ns));
			fputc(']', f);
		}
		fputs("}}", f);
	}
	free(rows);
	fputs("]}\n", f);
	return ferror(f) ? -1 : 0;
}
