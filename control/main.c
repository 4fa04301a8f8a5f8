/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * idlecut: command line, start-up, the control loop and a clean stop.
 *
 *	idlecut [EAL options] -- --scenario FILE [options]
 *	idlecut --scenario FILE --check
 *
 * Start-up is all or nothing: the scenario is loaded and validated before EAL starts, every
 * port is set up before any worker runs, and any failure exits with one line on stderr
 * (exit 2: bad usage or scenario; exit 1: runtime failure).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_pdump.h>
#include <rte_random.h>
#include <rte_rcu_qsbr.h>

#include "ctl.h"
#include "metrics.h"
#include "port.h"
#include "scenario.h"
#include "telemetry.h"
#include "snapshot.h"
#include "summary.h"
#include "worker.h"

#define EXIT_USAGE 2
#define EXIT_RUNTIME 1
#define MAX_EAL_ARGS 256
#define DEFAULT_MEM_MB 512
#define RST_MBUFS 4096

struct options {
	const char *scenario;
	double time_scale;
	const char *metrics;
	const char *events;
	double stats_interval;
	bool stats_json;
	bool check;
};

struct app {
	struct options opt;
	struct cfg_scenario *scn;
	struct dp_shared shared;
	struct worker *workers[RTE_MAX_LCORE];
	unsigned int n_workers;
	struct ctl ctl;
	uint16_t pair_port[CFG_MAX_PAIRS][2];
	struct rte_mempool *mp;
	uint64_t start_tsc;
};

static const char *prog = "idlecut";

static void __rte_format_printf(2, 3) __rte_noreturn die(int code, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(code);
}

static void
usage(FILE *out)
{
	fprintf(out,
		"usage: idlecut [EAL options] -- --scenario FILE [--time-scale F]\n"
		"                [--metrics HOST:PORT] [--events FILE]\n"
		"                [--stats-interval SECONDS] [--stats-json] [--check]\n"
		"       idlecut --scenario FILE --check\n"
		"\n"
		"  --scenario FILE        YAML scenario (ports, profiles, rules, timeline)\n"
		"  --time-scale F         multiply every duration in the scenario by F (> 0)\n"
		"  --metrics HOST:PORT    serve Prometheus metrics at /metrics\n"
		"  --events FILE          write one JSON line per expired flow\n"
		"  --stats-interval S     print the counters every S seconds (default: off)\n"
		"  --stats-json           print summaries as JSON objects too\n"
		"  --check                validate the scenario and exit (0 valid, 2 invalid)\n"
		"\n"
		"Without EAL options idlecut creates the scenario's ports as vdevs and runs\n"
		"without hugepages (--no-huge -m %d --no-pci -l 0-1 --file-prefix idlecut).\n",
		DEFAULT_MEM_MB);
}

static double
parse_positive(const char *opt, const char *s, bool allow_zero)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !isfinite(v) || v < 0 ||
	    (!allow_zero && v == 0))
		die(EXIT_USAGE, "%s: '%s' is not a number %s 0", opt, s,
		    allow_zero ? "at or above" : "above");
	return v;
}

static void
parse_app_args(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{"scenario", required_argument, NULL, 's'},
		{"time-scale", required_argument, NULL, 't'},
		{"metrics", required_argument, NULL, 'm'},
		{"events", required_argument, NULL, 'e'},
		{"stats-interval", required_argument, NULL, 'i'},
		{"stats-json", no_argument, NULL, 'j'},
		{"check", no_argument, NULL, 'c'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;

	o->time_scale = 1.0;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+:", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			o->scenario = optarg;
			break;
		case 't':
			o->time_scale = parse_positive("--time-scale", optarg, false);
			break;
		case 'm':
			if (strchr(optarg, ':') == NULL)
				die(EXIT_USAGE, "--metrics: '%s' is not HOST:PORT", optarg);
			o->metrics = optarg;
			break;
		case 'e':
			o->events = optarg;
			break;
		case 'i':
			o->stats_interval = parse_positive("--stats-interval", optarg, true);
			break;
		case 'j':
			o->stats_json = true;
			break;
		case 'c':
			o->check = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case ':':
			die(EXIT_USAGE, "option %s needs a value (see --help)", argv[optind - 1]);
		default:
			die(EXIT_USAGE, "unknown option '%s' (see --help)", argv[optind - 1]);
		}
	}
	if (optind < argc)
		die(EXIT_USAGE, "unexpected argument '%s' (EAL options go before '--')",
		    argv[optind]);
	if (o->scenario == NULL)
		die(EXIT_USAGE, "--scenario FILE is required (see --help)");
}

/* ------------------------------------------------------------------ EAL arguments */

struct eal_args {
	int argc;
	char *argv[MAX_EAL_ARGS];
	char *owned[MAX_EAL_ARGS]; /**< what eal_push allocated (EAL reorders argv) */
	bool has_mem, has_dev, has_lcores, has_prefix;
};

static void
eal_push(struct eal_args *e, const char *fmt, ...)
{
	va_list ap;
	char *s;

	if (e->argc + 1 >= MAX_EAL_ARGS)
		die(EXIT_USAGE, "too many EAL arguments");
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		die(EXIT_RUNTIME, "out of memory");
	va_end(ap);
	e->owned[e->argc] = s;
	e->argv[e->argc++] = s;
	e->argv[e->argc] = NULL;
}

static bool
opt_is(const char *a, const char *name)
{
	size_t n = strlen(name);

	return strncmp(a, name, n) == 0 && (a[n] == '\0' || a[n] == '=');
}

/* Note what the user's EAL options already decide, so defaults never override them. */
static void
eal_scan_user(struct eal_args *e, int argc, char **argv)
{
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];

		if (opt_is(a, "-m") || opt_is(a, "--socket-mem") || opt_is(a, "--no-huge") ||
		    opt_is(a, "--huge-dir") || opt_is(a, "--socket-limit") ||
		    strncmp(a, "-m", 2) == 0)
			e->has_mem = true;
		if (opt_is(a, "--vdev") || opt_is(a, "-a") || opt_is(a, "--allow") ||
		    opt_is(a, "-b") || opt_is(a, "--block") || opt_is(a, "--no-pci") ||
		    strncmp(a, "-a", 2) == 0)
			e->has_dev = true;
		if (opt_is(a, "-l") || opt_is(a, "-c") || opt_is(a, "--lcores") ||
		    strncmp(a, "-l", 2) == 0)
			e->has_lcores = true;
		if (opt_is(a, "--file-prefix"))
			e->has_prefix = true;
		eal_push(e, "%s", a);
	}
}

static const char *
tap_vdev_name(unsigned int pair, unsigned int side)
{
	static char buf[CFG_MAX_PAIRS][2][32];

	snprintf(buf[pair][side], sizeof(buf[pair][side]), "net_tap_ic%u%c", pair,
		 side ? 'o' : 'i');
	return buf[pair][side];
}

static void
eal_add_defaults(struct eal_args *e, const struct cfg_scenario *scn)
{
	bool any_pci = false;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	for (unsigned int p = 0; p < scn->n_pairs; p++) {
		for (unsigned int s = 0; s < 2; s++) {
			const struct cfg_port *port = &scn->pairs[p].side[s];

			switch (port->kind) {
			case CFG_PORT_TAP:
				eal_push(e, "--vdev=%s,iface=%s", tap_vdev_name(p, s), port->name);
				break;
			case CFG_PORT_VDEV:
				eal_push(e, "--vdev=%s", port->name);
				break;
			case CFG_PORT_PCI:
				eal_push(e, "-a");
				eal_push(e, "%s", port->name);
				any_pci = true;
				break;
			case CFG_PORT_INDEX:
				break;
			}
		}
	}
	if (!e->has_dev && !any_pci)
		eal_push(e, "--no-pci");
	if (!e->has_mem) {
		eal_push(e, "--no-huge");
		eal_push(e, "-m");
		eal_push(e, "%d", DEFAULT_MEM_MB);
	}
	if (!e->has_lcores) {
		long workers = scn->n_pairs;

		if (ncpu <= 1) {
			eal_push(e, "--lcores=0@0,1@0");
		} else {
			if (workers > ncpu - 1)
				workers = ncpu - 1;
			eal_push(e, "-l");
			eal_push(e, "0-%ld", workers);
		}
	}
	if (!e->has_prefix)
		eal_push(e, "--file-prefix=idlecut");
}

/* ------------------------------------------------------------------ ports */

static int
resolve_port(const struct cfg_port *port, unsigned int pair, unsigned int side,
	     uint16_t *port_id)
{
	char name[CFG_DEV_MAX + 8];

	switch (port->kind) {
	case CFG_PORT_INDEX:
		if (!rte_eth_dev_is_valid_port(port->index))
			return -ENODEV;
		*port_id = port->index;
		return 0;
	case CFG_PORT_TAP:
		return rte_eth_dev_get_port_by_name(tap_vdev_name(pair, side), port_id);
	case CFG_PORT_VDEV:
		snprintf(name, sizeof(name), "%s", port->name);
		name[strcspn(name, ",")] = '\0';
		return rte_eth_dev_get_port_by_name(name, port_id);
	case CFG_PORT_PCI:
		/* ethdev names PCI ports with the domain: accept "03:00.0" too. */
		if (strchr(port->name, ':') == strrchr(port->name, ':'))
			snprintf(name, sizeof(name), "0000:%s", port->name);
		else
			snprintf(name, sizeof(name), "%s", port->name);
		return rte_eth_dev_get_port_by_name(name, port_id);
	}
	return -EINVAL;
}

static const char *
port_label(const struct cfg_port *port)
{
	static char buf[CFG_DEV_MAX + 16];

	switch (port->kind) {
	case CFG_PORT_INDEX:
		snprintf(buf, sizeof(buf), "port %u", port->index);
		return buf;
	case CFG_PORT_TAP:
		snprintf(buf, sizeof(buf), "tap %s", port->name);
		return buf;
	case CFG_PORT_VDEV:
		snprintf(buf, sizeof(buf), "vdev %s", port->name);
		return buf;
	case CFG_PORT_PCI:
		snprintf(buf, sizeof(buf), "pci %s", port->name);
		return buf;
	}
	return "?";
}

static void
setup_ports(struct app *a)
{
	const struct cfg_scenario *scn = a->scn;

	for (unsigned int p = 0; p < scn->n_pairs; p++) {
		for (unsigned int s = 0; s < 2; s++) {
			const struct cfg_port *port = &scn->pairs[p].side[s];
			uint16_t id;
			int ret;

			ret = resolve_port(port, p, s, &id);
			if (ret < 0)
				die(EXIT_RUNTIME, "pair %s %s: %s not found among the EAL ports",
				    scn->pairs[p].name, s ? "outside" : "inside", port_label(port));
			ret = port_setup(id, a->mp);
			if (ret < 0)
				die(EXIT_RUNTIME, "pair %s %s (%s): cannot start: %s",
				    scn->pairs[p].name, s ? "outside" : "inside", port_label(port),
				    rte_strerror(-ret));
			a->pair_port[p][s] = id;
			a->ctl.ports[a->ctl.n_ports].port_id = id;
			snprintf(a->ctl.ports[a->ctl.n_ports].name,
				 sizeof(a->ctl.ports[a->ctl.n_ports].name), "%s/%s",
				 scn->pairs[p].name, s ? "outside" : "inside");
			a->ctl.n_ports++;
		}
	}
}

static void
setup_workers(struct app *a)
{
	const struct cfg_scenario *scn = a->scn;
	unsigned int lcores[RTE_MAX_LCORE], n_lcores = 0, lcore;
	uint32_t capacity;
	size_t sz;

	RTE_LCORE_FOREACH_WORKER(lcore)
		lcores[n_lcores++] = lcore;
	if (n_lcores == 0)
		die(EXIT_USAGE, "idlecut needs two lcores, one for control and one to forward "
				"(EAL -l 0-1)");
	a->n_workers = n_lcores < scn->n_pairs ? n_lcores : scn->n_pairs;

	a->mp = port_pool_create(2u * scn->n_pairs, a->n_workers, RST_MBUFS);
	if (a->mp == NULL)
		die(EXIT_RUNTIME, "cannot create the mbuf pool: %s (raise EAL -m)",
		    rte_strerror(rte_errno));

	sz = rte_rcu_qsbr_get_memsize(a->n_workers);
	a->shared.qsbr = rte_zmalloc("idlecut_qsbr", sz, RTE_CACHE_LINE_SIZE);
	if (a->shared.qsbr == NULL || rte_rcu_qsbr_init(a->shared.qsbr, a->n_workers) != 0)
		die(EXIT_RUNTIME, "cannot set up RCU: %s", rte_strerror(rte_errno));

	/* The capacity is the scenario's total: workers split it. */
	capacity = (scn->capacity + a->n_workers - 1) / a->n_workers;
	for (unsigned int i = 0; i < a->n_workers; i++) {
		a->workers[i] = worker_create(&a->shared, lcores[i], i, capacity, a->mp,
					      rte_rand());
		if (a->workers[i] == NULL)
			die(EXIT_RUNTIME, "cannot allocate a flow table of %u flows (%zu MiB): %s",
			    capacity, flow_table_memory(capacity) >> 20, strerror(rte_errno));
	}
}

/* Pairs go round-robin to workers; a pair's two ports always share one worker. */
static void
assign_pairs(struct app *a)
{
	const struct cfg_scenario *scn = a->scn;

	for (unsigned int p = 0; p < scn->n_pairs; p++) {
		struct worker *w = a->workers[p % a->n_workers];

		if (worker_add_pair(w, (uint8_t)p, a->pair_port[p][0], a->pair_port[p][1],
				    scn->pairs[p].side[0].vlan, scn->pairs[p].side[1].vlan) < 0)
			die(EXIT_RUNTIME, "too many pairs for one worker");
	}
}

/* ------------------------------------------------------------------ signals */

static void
rt_signal_noop(int sig)
{
	(void)sig;
}

/*
 * The TAP PMD wakes its RX path with a real-time signal per readable event (F_SETSIG). At
 * line rate that is a signal per packet: it interrupts whichever thread takes it, and once
 * the real-time queue overflows the kernel sends SIGIO, whose default action kills the
 * process. A poll-mode worker needs no wake-up, so take every real-time signal before EAL
 * starts: the PMD then finds none free and polls its queues directly.
 */
static void
reserve_rt_signals(void)
{
	struct sigaction sa = {.sa_handler = rt_signal_noop};

	sigemptyset(&sa.sa_mask);
	for (int s = SIGRTMIN; s <= SIGRTMAX; s++) {
		struct sigaction old;

		if (sigaction(s, NULL, &old) == 0 && old.sa_handler == SIG_DFL)
			sigaction(s, &sa, NULL);
	}
	signal(SIGIO, SIG_IGN);
}

/* ------------------------------------------------------------------ control loop */

static void
print_summary(struct app *a)
{
	struct ctl_view *v = malloc(sizeof(*v));

	if (v == NULL)
		return;
	ctl_view(v, &a->ctl);
	ctl_summary_print(stdout, v);
	if (a->opt.stats_json)
		ctl_summary_json(stdout, v);
	free(v);
}

static void
control_loop(struct app *a, int sfd)
{
	uint64_t hz = rte_get_tsc_hz();
	uint64_t next_stats = a->opt.stats_interval > 0
				      ? rte_rdtsc() + (uint64_t)(a->opt.stats_interval * (double)hz)
				      : UINT64_MAX;

	for (;;) {
		struct pollfd pfd = {.fd = sfd, .events = POLLIN};
		struct signalfd_siginfo si;
		/* 10 ms: timeline precision, and event rings drained before they fill. */
		int r = poll(&pfd, 1, 10);

		if (r > 0 && read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
			if (si.ssi_signo == SIGINT || si.ssi_signo == SIGTERM)
				return;
			if (si.ssi_signo == SIGHUP)
				ctl_reload(&a->ctl, "SIGHUP");
		}
		ctl_poll(&a->ctl);
		if (rte_rdtsc() >= next_stats) {
			print_summary(a);
			next_stats += (uint64_t)(a->opt.stats_interval * (double)hz);
		}
	}
}

int
main(int argc, char **argv)
{
	static struct app app;
	struct app *a = &app;
	struct eal_args eal = {0};
	char err[SCN_ERR_MAX];
	int sep = -1, app_argc, ret, sfd;
	char **app_argv;
	sigset_t sigs;
	struct timespec ts0;
	struct metrics_server *metrics = NULL;

	clock_gettime(CLOCK_MONOTONIC, &ts0);
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0) {
			sep = i;
			break;
		}
	/* Without "--", everything is an application option (e.g. --scenario F --check). */
	app_argc = sep < 0 ? argc : argc - sep;
	app_argv = sep < 0 ? argv : argv + sep;
	if (sep >= 0)
		app_argv[0] = argv[0];
	parse_app_args(app_argc, app_argv, &a->opt);

	a->scn = calloc(1, sizeof(*a->scn));
	if (a->scn == NULL)
		die(EXIT_RUNTIME, "out of memory");
	if (scn_load_file(a->opt.scenario, a->scn, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return EXIT_USAGE;
	}
	a->shared.snap = calloc(1, sizeof(*a->shared.snap));
	if (a->shared.snap == NULL)
		die(EXIT_RUNTIME, "out of memory");
	ret = dp_snapshot_build(a->shared.snap, a->scn, a->opt.time_scale, err, sizeof(err));
	if (ret < 0)
		die(EXIT_USAGE, "%s: %s", a->opt.scenario, err);
	a->shared.snap->generation = 1;
	if (a->opt.check) {
		printf("%s: ok: scenario %s, %u pair(s), %u profile(s), %u rule(s), %u timeline "
		       "event(s)\n",
		       a->opt.scenario, a->scn->name, a->scn->n_pairs, a->scn->n_profiles - 1u,
		       a->scn->n_rules, a->scn->n_events);
		return 0;
	}

	/*
	 * Every thread EAL creates inherits this mask: stop and reload signals go to sfd. A
	 * shell starts background jobs with SIGINT ignored, and an ignored signal never
	 * reaches a signalfd: restore the default dispositions first.
	 */
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	sfd = signalfd(-1, &sigs, SFD_CLOEXEC);
	if (sfd < 0)
		die(EXIT_RUNTIME, "signalfd: %s", strerror(errno));

	reserve_rt_signals();
	eal_push(&eal, "%s", argv[0]);
	if (sep > 0)
		eal_scan_user(&eal, sep - 1, argv + 1);
	eal_add_defaults(&eal, a->scn);
	ret = rte_eal_init(eal.argc, eal.argv);
	if (ret < 0)
		die(EXIT_RUNTIME, "cannot initialise EAL: %s", rte_strerror(rte_errno));

	setup_workers(a);
	setup_ports(a);
	assign_pairs(a);
	/* dpdk-dumpcap attaches as a secondary process: that needs hugepages (see README). */
	if (rte_pdump_init() != 0)
		fprintf(stderr, "idlecut: packet capture (rte_pdump) unavailable: %s\n",
			rte_strerror(rte_errno));

	a->shared.tsc_hz = rte_get_tsc_hz();
	a->shared.tsc_per_ms = a->shared.tsc_hz / 1000;
	a->shared.tsc0 = rte_rdtsc();
	a->shared.idle_sleep = true;
	a->start_tsc = a->shared.tsc0;
	if (ctl_init(&a->ctl, &a->shared, a->workers, a->n_workers, a->opt.scenario,
		     a->opt.time_scale, a->opt.events, err, sizeof(err)) < 0)
		die(EXIT_USAGE, "%s", err);
	a->ctl.mp = a->mp;
	if (ctl_telemetry_register(&a->ctl) < 0)
		fprintf(stderr, "idlecut: cannot register telemetry commands\n");
	if (a->opt.metrics != NULL) {
		/* Before any worker runs: a bad address is a start-up error, not a partial start. */
		metrics = metrics_start(a->opt.metrics, ctl_view, &a->ctl, err, sizeof(err));
		if (metrics == NULL)
			die(errno == EINVAL ? EXIT_USAGE : EXIT_RUNTIME, "%s", err);
	}
	{
		struct timespec ts1;
		uint64_t table = 0;

		clock_gettime(CLOCK_MONOTONIC, &ts1);
		for (unsigned int i = 0; i < a->n_workers; i++)
			table += a->workers[i]->eng.ft->map_len;
		printf("idlecut: scenario %s: %u pair(s) on %u worker lcore(s), flow table %u "
		       "flows (%.1f MiB, %.0f B/flow), %u mbufs; started in %.0f ms\n",
		       a->scn->name, a->scn->n_pairs, a->n_workers, a->scn->capacity,
		       (double)table / (1 << 20), (double)table / a->scn->capacity,
		       rte_mempool_avail_count(a->mp),
		       (double)(ts1.tv_sec - ts0.tv_sec) * 1e3 +
			       (double)(ts1.tv_nsec - ts0.tv_nsec) / 1e6);
		fflush(stdout);
	}
	for (unsigned int i = 0; i < a->n_workers; i++) {
		ret = rte_eal_remote_launch(worker_main, a->workers[i], a->workers[i]->lcore);
		if (ret != 0)
			die(EXIT_RUNTIME, "cannot launch lcore %u: %s", a->workers[i]->lcore,
			    rte_strerror(-ret));
	}

	control_loop(a, sfd);

	__atomic_store_n(&a->shared.stop, true, __ATOMIC_RELEASE);
	rte_eal_mp_wait_lcore();
	metrics_stop(metrics);
	ctl_fini(&a->ctl);
	print_summary(a);
	port_close_all();
	for (unsigned int i = 0; i < a->n_workers; i++)
		worker_destroy(a->workers[i]);
	rte_free(a->shared.qsbr);
	rte_eal_cleanup();
	for (int i = 0; i < eal.argc; i++)
		free(eal.owned[i]);
	free(a->shared.snap);
	free(a->scn);
	return 0;
}
