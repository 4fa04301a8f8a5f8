/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Replay report: what a finished run (replay.h) found, as a readable table and as JSON.
 *
 * Usage: after rp_finish(), rpt_sort(run) once, then rpt_table() and/or rpt_json(); the
 * matrix (which scenario cuts which flow, and when) is part of both when the run has more
 * than one scenario (the JSON always has it). rpt_summary_line() is the closing line.
 *
 * Thread safety: reads the run only.
 *
 * Shutdown: nothing to release; call before rp_destroy().
 */
#ifndef IDLECUT_REPORT_H
#define IDLECUT_REPORT_H

#include <stdio.h>

#include "replay.h"

/** What the report says about the capture itself. */
struct rpt_capture {
	const char *file;
	const char *damaged; /**< the message about a cut or damaged end, or NULL */
	uint64_t bad_ts;     /**< records whose timestamp was not a time */
};

/** Order each scenario's cuts by cut time, then flow (deterministic output). */
void rpt_sort(struct rp_run *run);

void rpt_table(FILE *f, const struct rp_run *run, const struct rpt_capture *cap);

/** @return 0, or -1 if writing failed (errno set). */
int rpt_json(FILE *f, const struct rp_run *run, const struct rpt_capture *cap);

void rpt_summary_line(FILE *f, const struct rp_run *run);

/** Report name of a record's fate (enum engine_what): "dropped", "rst_answered", ... */
const char *rpt_what_name(unsigned int what);

#endif /* IDLECUT_REPORT_H */
