/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Scenario loader: reads a YAML scenario file (SPEC §5) into a struct cfg_scenario and
 * validates all of it, so a scenario that loads is one the dataplane can run.
 *
 * Usage:
 *	struct cfg_scenario *scn = calloc(1, sizeof(*scn));
 *	char err[SCN_ERR_MAX];
 *	if (scn_load_file(path, scn, err, sizeof(err)) < 0)
 *		fprintf(stderr, "%s\n", err);	// "FILE:LINE:COL: message"
 *
 * Errors are one line, "FILE:LINE:COL: message" (LINE and COL 1-based; for errors that
 * are not at a place in the file, such as a missing file, "FILE: message"). The output
 * struct is unspecified after an error: load into a scratch copy and swap on success.
 *
 * Thread safety: no global state; call from the control thread (or any one thread).
 */
#ifndef IDLECUT_SCENARIO_H
#define IDLECUT_SCENARIO_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"

#define SCN_ERR_MAX 512
#define SCN_FILE_MAX (1u << 20) /**< files over 1 MiB are refused */

/**
 * Load and validate a scenario file.
 *
 * @return 0 on success; -ENOENT/-EACCES/-EISDIR (cannot read), -EFBIG (over 1 MiB),
 *         -EINVAL (anything wrong in the content). @p err holds the one-line message.
 */
int scn_load_file(const char *path, struct cfg_scenario *scn, char *err, size_t errlen);

/**
 * Load from a buffer; @p name stands for the file name in messages. Same errors.
 */
int scn_load_buffer(const char *name, const char *buf, size_t len, struct cfg_scenario *scn,
		    char *err, size_t errlen);

/**
 * Parse a duration as written in a scenario ("250ms", "5s", "5m", "1h", "300",
 * "indefinite", "immediate") into microseconds (CFG_DUR_INDEFINITE, 0).
 *
 * @return 0, or -EINVAL (syntax, unknown unit, negative) / -ERANGE (over CFG_DUR_MAX_US).
 */
int scn_parse_duration(const char *s, uint64_t *us);

#endif /* IDLECUT_SCENARIO_H */
