/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Prometheus exporter (SPEC §7): `--metrics HOST:PORT` serves GET /metrics in the text
 * exposition format 0.0.4, from libmicrohttpd's own thread.
 *
 * Usage:
 *	char err[256];
 *	struct metrics_server *m = metrics_start("127.0.0.1:9100", collect, ctx, err,
 *						 sizeof(err));
 *	if (m == NULL)
 *		die("%s", err);		// one line, e.g. "cannot bind 127.0.0.1:9100: ..."
 *	...
 *	metrics_stop(m);
 * Each scrape calls collect(view, ctx) to fill a private struct ctl_view, renders it with
 * metrics_render() into memory and sends it. metrics_render() is also usable alone (tests,
 * dumping the same text to a file).
 *
 * Thread safety: metrics_start() and metrics_stop() belong to the control thread. The
 * collector runs on MHD's polling thread, one scrape at a time, concurrently with the
 * control thread and the workers: it must only do what view.h allows from any thread
 * (lock-free counter reads, names copied under the control thread's lock). Nothing here
 * touches the packet path. MHD's thread inherits the signal mask of the thread calling
 * metrics_start(): block the signals the program waits for (signalfd) before starting it.
 *
 * Shutdown order: metrics_stop() before anything the collector reads goes away (the
 * per-lcore counters, the collector's context). It returns only after MHD's thread has
 * finished, so no scrape is in progress once it returns.
 */
#ifndef IDLECUT_METRICS_H
#define IDLECUT_METRICS_H

#include <stddef.h>
#include <stdio.h>

#include "view.h"

struct metrics_server;

/**
 * Write the whole exposition of @p v to @p out: every family with its # HELP and # TYPE
 * lines, zero-valued series included, label values escaped. Flow families cover profile
 * slots 1..n_profiles-1 (slot 0, "untracked", has its own packet counter).
 *
 * @return 0, or -EIO if writing to @p out failed (-errno of the failure where known,
 *         e.g. -ENOMEM from an open_memstream stream).
 */
int metrics_render(FILE *out, const struct ctl_view *v);

/**
 * Parse @p hostport, bind exactly that address and serve /metrics from a new thread.
 *
 * @p hostport is "A.B.C.D:PORT", "localhost:PORT" (127.0.0.1, no name lookup) or
 * "[IPv6]:PORT" (an optional %zone is accepted); PORT is 1..65535 in decimal. Binding
 * "0.0.0.0" or "[::]" is the user's explicit choice; an IPv6 socket is IPv6-only.
 *
 * GET (and HEAD) /metrics answers 200 with Content-Type
 * "text/plain; version=0.0.4; charset=utf-8"; other paths 404; other methods on /metrics
 * 405 with an Allow header; a failed render 500.
 *
 * @param collect called on MHD's thread for every scrape, with @p arg.
 * @param err receives a one-line reason on failure (may be NULL).
 * @return the server, or NULL with @p err set and errno = EINVAL (bad HOST:PORT), the
 *         socket error (EADDRINUSE, EADDRNOTAVAIL, EACCES, ...) or ENOMEM.
 */
struct metrics_server *metrics_start(const char *hostport, ctl_view_fn collect, void *arg,
				     char *err, size_t errlen);

/** Stop serving, wait for MHD's thread, close the socket and free @p m (NULL is a no-op). */
void metrics_stop(struct metrics_server *m);

#endif /* IDLECUT_METRICS_H */
