/* SPDX-License-Identifier: BSD-3-Clause */
#include <inttypes.h>

#include "flow.h"
#include "summary.h"

static uint64_t
expired_total(const struct stats_lcore *s, unsigned int p)
{
	uint64_t n = 0;

	for (unsigned int st = 0; st < FLOW_STATE_COUNT; st++)
		n += s->flows_expired[p][st];
	return n;
}

void
ctl_summary_print(FILE *out, const struct ctl_view *v)
{
	const struct stats_lcore *s = &v->s;
	const struct ctl_port_name *ports = v->ports;
	unsigned int n_ports = v->n_ports;
	uint64_t malformed = 0;

	fprintf(out, "--- idlecut: scenario %s, up %.1f s, time scale %g ---\n", v->scenario,
		v->uptime_s, v->time_scale);
	for (unsigned int i = 0; i < n_ports; i++) {
		unsigned int p = i; /* counters are indexed by 2 * pair + side */

		fprintf(out, "  port %-28s rx %12" PRIu64 " pkts %14" PRIu64 " B   tx %12" PRIu64
			     " pkts %14" PRIu64 " B\n",
			ports[i].name, s->rx_packets[p], s->rx_bytes[p], s->tx_packets[p],
			s->tx_bytes[p]);
	}
	for (unsigned int i = 0; i < n_ports; i++) {
		const struct port_nic *n = &v->nic[i];

		fprintf(out, "  nic  %-28s link %-4s", ports[i].name, n->link_up ? "up" : "down");
		if (n->stats_ok)
			fprintf(out,
				" ipackets=%" PRIu64 " opackets=%" PRIu64 " imissed=%" PRIu64
				" ierrors=%" PRIu64 " oerrors=%" PRIu64 " rx_nombuf=%" PRIu64 "\n",
				n->ipackets, n->opackets, n->imissed, n->ierrors, n->oerrors,
				n->rx_nombuf);
		else
			fprintf(out, " (no NIC counters)\n");
	}
	fprintf(out, "  drops      ");
	for (unsigned int d = 0; d < STATS_DROP_COUNT; d++)
		fprintf(out, " %s=%" PRIu64, stats_drop_name(d), s->drops[d]);
	fprintf(out, "\n  bridged     non_ip=%" PRIu64 " fragments=%" PRIu64 " untracked=%" PRIu64
		     "\n",
		s->non_ip, s->fragments, s->untracked);
	for (unsigned int m = PARSE_MAL_FIRST; m < PARSE_STATUS_COUNT; m++)
		malformed += s->malformed[m];
	fprintf(out, "  malformed   total=%" PRIu64, malformed);
	for (unsigned int m = PARSE_MAL_FIRST; m < PARSE_STATUS_COUNT; m++)
		if (s->malformed[m] != 0)
			fprintf(out, " %s=%" PRIu64, parse_status_name(m), s->malformed[m]);
	fprintf(out, "\n");
	for (unsigned int p = 1; p < v->n_profiles; p++) {
		fprintf(out,
			"  profile %-20s created=%" PRIu64 " active=%" PRIu64 " expired=%" PRIu64
			" closed=%" PRIu64,
			v->profile[p], s->flows_created[p], s->flows_active[p],
			expired_total(s, p), s->flows_closed[p]);
		for (unsigned int st = 0; st < FLOW_STATE_COUNT; st++)
			if (s->flows_expired[p][st] != 0)
				fprintf(out, " expired.%s=%" PRIu64, flow_state_name(st),
					s->flows_expired[p][st]);
		fprintf(out, "\n");
	}
	fprintf(out,
		"  rst_sent    client=%" PRIu64 " server=%" PRIu64 " stray=%" PRIu64
		" failed=%" PRIu64 "\n",
		s->rst_sent[STATS_RST_CLIENT], s->rst_sent[STATS_RST_SERVER],
		s->rst_sent[STATS_RST_STRAY], s->rst_failed);
	fprintf(out,
		"  stray       drop=%" PRIu64 " reset=%" PRIu64 " adopt=%" PRIu64
		"   flow_table_full=%" PRIu64 "\n",
		s->stray[CFG_STRAY_DROP], s->stray[CFG_STRAY_RESET], s->stray[CFG_STRAY_ADOPT],
		s->table_full);
	if (s->late_count != 0)
		fprintf(out, "  lateness    expiries=%" PRIu64 " mean=%.3f ms max=%.3f ms\n",
			s->late_count, (double)s->late_sum_ns / (double)s->late_count / 1e6,
			(double)s->late_max_ns / 1e6);
	fprintf(out,
		"  control     reloads ok=%" PRIu64 " error=%" PRIu64 "   timeline events=%" PRIu64
		"   event lines=%" PRIu64 " dropped=%" PRIu64 "   flushed flows=%" PRIu64 "\n",
		v->reloads_ok, v->reloads_error, v->timeline_applied, v->events_written,
		v->events_dropped, s->flushed);
	fflush(out);
}

void
ctl_json_string(FILE *out, const char *str)
{
	fputc('"', out);
	for (; *str; str++) {
		unsigned char ch = (unsigned char)*str;

		if (ch == '"' || ch == '\\')
			fprintf(out, "\\%c", ch);
		else if (ch < 0x20)
			fprintf(out, "\\u%04x", ch);
		else
			fputc(ch, out);
	}
	fputc('"', out);
}

static void
json_u64_array_by_name(FILE *out, const char *key, const uint64_t *v, unsigned int n,
		       const char *(*name)(unsigned int))
{
	fprintf(out, ",\"%s\":{", key);
	for (unsigned int i = 0; i < n; i++)
		fprintf(out, "%s\"%s\":%" PRIu64, i ? "," : "", name(i), v[i]);
	fprintf(out, "}");
}

static const char *
drop_name(unsigned int i)
{
	return stats_drop_name(i);
}

static const char *
rst_name(unsigned int i)
{
	return stats_rst_name(i);
}

static const char *
stray_name(unsigned int i)
{
	return cfg_stray_name(i);
}

void
ctl_summary_json(FILE *out, const struct ctl_view *v)
{
	const struct stats_lcore *s = &v->s;
	const struct ctl_port_name *ports = v->ports;
	unsigned int n_ports = v->n_ports;
	bool first = true;

	fprintf(out, "{\"scenario\":");
	ctl_json_string(out, v->scenario);
	fprintf(out, ",\"uptime_seconds\":%.3f,\"time_scale\":%g", v->uptime_s, v->time_scale);
	fprintf(out, ",\"ports\":[");
	for (unsigned int i = 0; i < n_ports; i++) {
		unsigned int p = i; /* counters are indexed by 2 * pair + side */

		fprintf(out,
			"%s{\"port\":\"%s\",\"rx_packets\":%" PRIu64 ",\"rx_bytes\":%" PRIu64
			",\"tx_packets\":%" PRIu64 ",\"tx_bytes\":%" PRIu64
			",\"nic\":{\"link_up\":%s,\"link_speed_mbps\":%u,\"stats\":%s"
			",\"ipackets\":%" PRIu64 ",\"opackets\":%" PRIu64 ",\"ibytes\":%" PRIu64
			",\"obytes\":%" PRIu64 ",\"imissed\":%" PRIu64 ",\"ierrors\":%" PRIu64
			",\"oerrors\":%" PRIu64 ",\"rx_nombuf\":%" PRIu64 "}}",
			i ? "," : "", ports[i].name, s->rx_packets[p], s->rx_bytes[p],
			s->tx_packets[p], s->tx_bytes[p], v->nic[i].link_up ? "true" : "false",
			v->nic[i].link_speed_mbps, v->nic[i].stats_ok ? "true" : "false",
			v->nic[i].ipackets, v->nic[i].opackets, v->nic[i].ibytes,
			v->nic[i].obytes, v->nic[i].imissed, v->nic[i].ierrors,
			v->nic[i].oerrors, v->nic[i].rx_nombuf);
	}
	fprintf(out, "]");
	json_u64_array_by_name(out, "drops", s->drops, STATS_DROP_COUNT, drop_name);
	fprintf(out, ",\"malformed\":{");
	for (unsigned int m = PARSE_MAL_FIRST; m < PARSE_STATUS_COUNT; m++) {
		fprintf(out, "%s\"%s\":%" PRIu64, first ? "" : ",", parse_status_name(m),
			s->malformed[m]);
		first = false;
	}
	fprintf(out, "},\"non_ip\":%" PRIu64 ",\"fragments\":%" PRIu64 ",\"untracked\":%" PRIu64,
		s->non_ip, s->fragments, s->untracked);
	fprintf(out, ",\"profiles\":{");
	for (unsigned int p = 1; p < v->n_profiles; p++) {
		fprintf(out,
			"%s\"%s\":{\"created\":%" PRIu64 ",\"active\":%" PRIu64
			",\"closed\":%" PRIu64 ",\"expired\":{",
			p > 1 ? "," : "", v->profile[p], s->flows_created[p],
			s->flows_active[p], s->flows_closed[p]);
		for (unsigned int st = 0; st < FLOW_STATE_COUNT; st++)
			fprintf(out, "%s\"%s\":%" PRIu64, st ? "," : "", flow_state_name(st),
				s->flows_expired[p][st]);
		fprintf(out, "}}");
	}
	fprintf(out, "}");
	fprintf(out, ",\"out_of_window\":{");
	for (unsigned int p = 1; p < v->n_profiles; p++)
		fprintf(out, "%s\"%s\":%" PRIu64, p > 1 ? "," : "", v->profile[p],
			s->out_of_window[p]);
	fprintf(out, "},\"evicted\":{");
	for (unsigned int p = 1; p < v->n_profiles; p++)
		fprintf(out, "%s\"%s\":{\"early_drop\":%" PRIu64 ",\"reaper\":%" PRIu64 "}",
			p > 1 ? "," : "", v->profile[p], s->evicted[p][STATS_EVICT_EARLY_DROP],
			s->evicted[p][STATS_EVICT_REAPER]);
	fprintf(out, "},\"handoff_packets\":%" PRIu64 ",\"handoff_drops\":%" PRIu64,
		s->handoff_packets, s->handoff_drops);
	fprintf(out, ",\"workers\":[");
	for (unsigned int i = 0; i < v->n_workers; i++) {
		const struct ctl_worker_view *w = &v->workers[i];

		fprintf(out,
			"%s{\"worker\":%u,\"rx_packets\":%" PRIu64 ",\"tx_packets\":%" PRIu64
			",\"flows_created\":%" PRIu64 ",\"flows_active\":%" PRIu64
			",\"handoff_packets\":%" PRIu64 ",\"handoff_drops\":%" PRIu64 "}",
			i ? "," : "", w->lcore, w->rx_packets, w->tx_packets, w->flows_created,
			w->flows_active, w->handoff_packets, w->handoff_drops);
	}
	fprintf(out, "]");
	json_u64_array_by_name(out, "rst_sent", s->rst_sent, STATS_RST_COUNT, rst_name);
	json_u64_array_by_name(out, "stray", s->stray, 3, stray_name);
	fprintf(out,
		",\"rst_failed\":%" PRIu64 ",\"flow_table_full\":%" PRIu64
		",\"expiry_lateness\":{\"count\":%" PRIu64 ",\"sum_seconds\":%.9f,"
		"\"max_seconds\":%.9f}",
		s->rst_failed, s->table_full, s->late_count, (double)s->late_sum_ns / 1e9,
		(double)s->late_max_ns / 1e9);
	fprintf(out,
		",\"reloads\":{\"ok\":%" PRIu64 ",\"error\":%" PRIu64 "},\"timeline_events\":%" PRIu64
		",\"events_written\":%" PRIu64 ",\"events_dropped\":%" PRIu64
		",\"flushed\":%" PRIu64 ",\"mbufs_in_use\":%" PRIu64 "}\n",
		v->reloads_ok, v->reloads_error, v->timeline_applied, v->events_written,
		v->events_dropped, s->flushed, v->mbufs_in_use);
	fflush(out);
}
