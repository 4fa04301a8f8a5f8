/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the capture-reading path of idlecut-replay. The input is a capture
 * file (pcap or pcapng, any link type); it is read through libpcap from memory, each
 * record is converted to Ethernet (replay/capture.c) and replayed through two flow engines
 * (replay/replay.c: short timeouts, reset-both, stray drop inside and adopt outside, a full
 * table's early-drop; silent, stray reset inside and drop outside, a full table drops, a
 * timeline with a "set" and a "flush"), with
 * --out written (to /dev/null) in the capture's own link type and the report rendered as a
 * table and as JSON (replay/report.c). Invariants are checked with __builtin_trap().
 *
 * The replay's span is capped at FUZZ_SPAN_MS and the durations scaled by FUZZ_TIME_SCALE,
 * so that one input cannot step the engines' clocks for days of capture time (the tool
 * itself allows 24 days) and the timeouts still fire within it.
 *
 * tests/fuzz/make_capture_corpus.py writes the seeds.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "config.h"
#include "replay.h"
#include "report.h"

#define FUZZ_SPAN_MS 20000  /* capture time: every millisecond of it is an engine step */
#define FUZZ_TIME_SCALE 0.1 /* timeouts 6 s and 2 s, handshake 0.5 s, timeline at 3 and 6 s */

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond))                                                                       \
			__builtin_trap();                                                          \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static FILE *devnull;

static struct cfg_scenario *
scenario(bool silent)
{
	struct cfg_scenario *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	snprintf(s->name, sizeof(s->name), "%s", silent ? "silent" : "reset");
	s->n_pairs = 1;
	s->pairs[0].side[0].vlan = silent ? 300 : 0;
	s->capacity = CFG_CAPACITY_MIN;
	s->when_full = silent ? CFG_WHEN_FULL_DROP : CFG_WHEN_FULL_EARLY_DROP;
	s->n_profiles = 2;
	cfg_profile_init_untracked(&s->profiles[0]);
	cfg_profile_init_defaults(&s->profiles[1], "p");
	for (unsigned int t = 0; t < CFG_TMO_COUNT; t++)
		s->profiles[1].timeout_us[t] = (silent ? 20 : 60) * 1000000ull;
	s->profiles[1].timeout_us[CFG_TMO_TCP_HANDSHAKE] = 5000000;
	s->profiles[1].on_timeout = silent ? CFG_ON_TIMEOUT_SILENT : CFG_ON_TIMEOUT_RESET_BOTH;
	for (unsigned int t = 0; t < CFG_TCP_STATES; t++)
		s->profiles[1].on_timeout_state[t] = s->profiles[1].on_timeout;
	s->profiles[1].stray_tcp = silent ? CFG_STRAY_RESET : CFG_STRAY_DROP;
	s->profiles[1].stray_tcp_side[CFG_SIDE_INSIDE] = s->profiles[1].stray_tcp;
	s->profiles[1].stray_tcp_side[CFG_SIDE_OUTSIDE] = silent ? CFG_STRAY_DROP : CFG_STRAY_ADOPT;
	s->profiles[1].malformed = silent ? CFG_DROP : CFG_FORWARD;
	s->default_profile = 1;
	if (silent) {
		/* A timeline: shorter timeouts at 30 s, everything flushed at 60 s. */
		s->n_events = 2;
		s->events[0].at_us = 30000000;
		s->events[0].kind = CFG_EVENT_SET;
		s->events[0].profile = 1;
		s->events[0].n_sets = 1;
		s->events[0].sets[0].field = CFG_FIELD_TMO_FIRST + CFG_TMO_TCP_ESTABLISHED;
		s->events[0].sets[0].value = 5000000;
		s->events[1].at_us = 60000000;
		s->events[1].kind = CFG_EVENT_FLUSH;
		s->events[1].profile = CFG_FLUSH_ALL;
	}
	return s;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[CAP_ERR_MAX];
	struct cap_reader cap;
	struct cap_pkt pkt[RP_AHEAD];
	struct rp_run *run;
	pcap_t *dead = NULL;
	pcap_dumper_t *dump = NULL;
	FILE *f, *dup_null = NULL;
	uint64_t n = 0;
	int rc = 0;

	if (devnull == NULL)
		devnull = fopen("/dev/null", "w");
	CHECK(devnull != NULL);
	if (size == 0)
		return 0;
	f = fmemopen((void *)(uintptr_t)data, size, "rb");
	if (f == NULL)
		return 0;
	if (cap_fopen(&cap, f, "fuzz", err, sizeof(err)) < 0) {
		/* One line, naming the input. */
		CHECK(strncmp(err, "fuzz: ", 6) == 0 && strchr(err, '\n') == NULL);
		return 0;
	}
	CHECK(cap_linktype_supported(cap.linktype));
	/* Classic pcap: the records from memory, as idlecut-replay reads them from its map. */
	(void)cap_use_buffer(&cap, data, size);
	run = rp_create(cap.linktype, FUZZ_TIME_SCALE, err, sizeof(err));
	CHECK(run != NULL);
	run->span_max_ms = FUZZ_SPAN_MS;
	run->data_stays = cap.map != NULL; /* data outlives the run, as idlecut-replay's map */
	dead = pcap_open_dead_with_tstamp_precision(cap.linktype, 65535,
						    PCAP_TSTAMP_PRECISION_NANO);
	dup_null = fopen("/dev/null", "w");
	if (dead != NULL && dup_null != NULL)
		dump = pcap_dump_fopen(dead, dup_null);
	if (dump == NULL && dup_null != NULL)
		fclose(dup_null);
	CHECK(rp_add_scenario(run, "reset", "fuzz-reset", scenario(false), dump, err,
			      sizeof(err)) == 0);
	CHECK(rp_add_scenario(run, "silent", "fuzz-silent", scenario(true), NULL, err,
			      sizeof(err)) == 0);

	/* As idlecut-replay: RP_AHEAD records at a time from memory, else one by one. */
	for (;;) {
		unsigned int k = 0, ahead = cap.map != NULL ? RP_AHEAD : 1;
		char e2[CAP_ERR_MAX];

		while (k < ahead && (rc = cap_next(&cap, &pkt[k], err, sizeof(err))) > 0) {
			CHECK(pkt[k].caplen <= pkt[k].len);
			k++;
		}
		n += k;
		if (k > 0 && rp_packets(run, pkt, k, e2, sizeof(e2)) < 0) {
			CHECK(strchr(e2, '\n') == NULL);
			break;
		}
		CHECK(run->n_batch < ENGINE_BURST);
		if (rc <= 0)
			break;
	}
	if (rc < 0)
		CHECK(strncmp(err, "fuzz: ", 6) == 0);
	{
		char e3[CAP_ERR_MAX];

		if (rp_finish(run, e3, sizeof(e3)) < 0)
			CHECK(strchr(e3, '\n') == NULL);
	}
	CHECK(run->records <= n && run->n_batch == 0 && run->ring_tail == run->ring_head);
	CHECK(run->truncated <= run->records && run->backwards <= run->records);
	for (unsigned int s = 0; s < run->n_scn; s++) {
		const struct rp_scenario *sc = &run->scn[s];

		CHECK(sc->n_cuts <= rp_flows_created(sc));
		for (uint32_t i = 0; i < sc->n_cuts; i++) {
			const struct rp_cut *c = &sc->cuts[i];

			CHECK(c->n_rst <= ENGINE_RST_PER_FLOW);
			CHECK(c->cut_ns >= run->ts0_ns && c->cut_ns <= run->last_ns);
			CHECK(c->last_ns <= c->cut_ns);
			CHECK(c->flow == RP_NONE || c->flow < run->n_flows);
			/* silent never sends; reset-both sends two for a live TCP flow */
			if (s == 1)
				CHECK(c->n_rst == 0);
		}
		/* Every RST the engine asked for reached --out or was counted as unwritable. */
		if (sc->out != NULL)
			CHECK(sc->out_rsts + sc->out_failed ==
			      sc->rsts[0] + sc->rsts[1] + sc->rsts[2]);
	}
	{
		struct rpt_capture rc2 = {.file = "fuzz", .damaged = NULL, .bad_ts = cap.bad_ts};

		rpt_sort(run);
		rpt_table(devnull, run, &rc2);
		CHECK(rpt_json(devnull, run, &rc2) == 0);
	}
	if (dump != NULL)
		pcap_dump_close(dump);
	if (dead != NULL)
		pcap_close(dead);
	rp_destroy(run);
	cap_close(&cap);
	return 0;
}
