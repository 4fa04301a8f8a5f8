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
#include <rte_version.h>

#include "ctl.h"
#include "ealargs.h"
#include "metrics.h"
#include "port.h"
#include "scenario.h"
#include "telemetry.h"
#include "snapshot.h"
#include "summary.h"
#include "worker.h"

#define EXIT_USAGE 2
#define EXIT_RUNTIME 1
#define RST_MBUFS 4096

struct options {
	const char *scenario;
	double time_scale;
	const char *metrics;
	const char *events;
	double stats_interval;
	bool stats_json;
	bool check;
	unsigned int mbufs; /**< --mbufs, 0: computed */
	uint16_t rx_desc;   /**< --rx-desc */
	uint16_t tx_desc;   /**< --tx-desc */
};

struct app {
	struct options opt;
	struct cfg_scenario *scn;
	struct dp_shared shared;
	struct worker *workers[RTE_MAX_LCORE];
	unsigned int n_workers;
	struct ctl ctl;
	uint16_t pair_port[CFG_MAX_PAIRS][2];
	unsigned int per_pair;		/**< workers per pair (several: one queue each) */
	bool steer_sw[CFG_MAX_PAIRS];	/**< the flow hash decides every frame's worker */
	struct rte_mempool *mp;
	struct rte_mempool *rst_mp; /**< the RSTs' own pool */
	int socket; /**< NUMA socket of the ports (SOCKET_ID_ANY: unknown) */
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
		"                [--mbufs N] [--rx-desc N] [--tx-desc N]\n"
		"       idlecut --scenario FILE --check\n"
		"       idlecut --version\n"
		"\n"
		"  --scenario FILE        YAML scenario (ports, profiles, rules, timeline)\n"
		"  --time-scale F         multiply every duration in the scenario by F (> 0)\n"
		"  --metrics HOST:PORT    serve Prometheus metrics at /metrics\n"
		"  --events FILE          write one JSON line per expired flow\n"
		"  --stats-interval S     print the counters every S seconds (default: off)\n"
		"  --stats-json           print summaries as JSON objects too\n"
		"  --check                validate the scenario and exit (0 valid, 2 invalid)\n"
		"  --mbufs N              mbuf pool size (default: from the rings in use)\n"
		"  --rx-desc N            RX descriptors per queue (%d-%d, default %d)\n"
		"  --tx-desc N            TX descriptors per queue (%d-%d, default %d)\n"
		"  --version              print idlecut's and DPDK's versions and exit\n"
		"\n"
		"Without EAL options idlecut creates the scenario's ports as vdevs and uses\n"
		"hugepages if free ones exist, else --no-huge -m %d (and --no-pci -l 0-1\n"
		"--file-prefix idlecut).\n",
		PORT_DESC_MIN, PORT_DESC_MAX, PORT_RX_DESC, PORT_DESC_MIN, PORT_DESC_MAX,
		PORT_TX_DESC, EALARGS_DEFAULT_MEM_MB);
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

/* A whole decimal number in [lo, hi], or a one-line usage error. */
static unsigned long
parse_count(const char *opt, const char *s, unsigned long lo, unsigned long hi)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || s[0] == '-' || v < lo || v > hi)
		die(EXIT_USAGE, "%s: '%s' is not a whole number from %lu to %lu", opt, s, lo, hi);
	return v;
}

static void
print_version(void)
{
	printf("idlecut %s\n%s\n", IDLECUT_VERSION, rte_version());
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
		{"mbufs", required_argument, NULL, 'n'},
		{"rx-desc", required_argument, NULL, 'r'},
		{"tx-desc", required_argument, NULL, 'x'},
		{"version", no_argument, NULL, 'V'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;

	o->time_scale = 1.0;
	o->rx_desc = PORT_RX_DESC;
	o->tx_desc = PORT_TX_DESC;
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
		case 'n':
			o->mbufs = (unsigned int)parse_count("--mbufs", optarg, PORT_MBUFS_MIN,
							     PORT_MBUFS_MAX);
			break;
		case 'r':
			o->rx_desc = (uint16_t)parse_count("--rx-desc", optarg, PORT_DESC_MIN,
							   PORT_DESC_MAX);
			break;
		case 'x':
			o->tx_desc = (uint16_t)parse_count("--tx-desc", optarg, PORT_DESC_MIN,
							   PORT_DESC_MAX);
			break;
		case 'V':
			print_version();
			exit(0);
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
		return rte_eth_dev_get_port_by_name(ealargs_tap_vdev_name(pair, side), port_id);
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

/*
 * Find every scenario port among the EAL ports (probed by rte_eal_init) and the NUMA socket
 * the mbuf pool and the flow tables belong on: the first port's with one, since a pool
 * on the NIC's node is what DMA touches. Ports on several sockets get a warning.
 */
static void
resolve_ports(struct app *a)
{
	const struct cfg_scenario *scn = a->scn;

	a->socket = SOCKET_ID_ANY;
	for (unsigned int p = 0; p < scn->n_pairs; p++) {
		for (unsigned int s = 0; s < 2; s++) {
			const struct cfg_port *port = &scn->pairs[p].side[s];
			uint16_t id;
			int sock;

			if (resolve_port(port, p, s, &id) < 0)
				die(EXIT_RUNTIME, "pair %s %s: %s not found among the EAL ports",
				    scn->pairs[p].name, s ? "outside" : "inside", port_label(port));
			a->pair_port[p][s] = id;
			sock = port_socket(id);
			if (sock == SOCKET_ID_ANY)
				continue;
			if (a->socket == SOCKET_ID_ANY)
				a->socket = sock;
			else if (sock != a->socket)
				fprintf(stderr,
					"idlecut: warning: pair %s %s is on NUMA socket %d, the mbuf "
					"pool and flow tables on socket %d\n",
					scn->pairs[p].name, s ? "outside" : "inside", sock, a->socket);
		}
	}
}

/* The pool: sized from the rings the ports will really have, or --mbufs. */
static void
setup_pool(struct app *a)
{
	const struct cfg_scenario *scn = a->scn;
	unsigned int rxd_total = 0, txd_total = 0, n_ports = 2u * scn->n_pairs, need, n;
	int sock;

	for (unsigned int p = 0; p < scn->n_pairs; p++) {
		for (unsigned int s = 0; s < 2; s++) {
			uint16_t rxd = a->opt.rx_desc, txd = a->opt.tx_desc;

			if (port_desc_adjust(a->pair_port[p][s], &rxd, &txd) < 0) {
				rxd = a->opt.rx_desc;
				txd = a->opt.tx_desc;
			}
			rxd_total += rxd;
			txd_total += txd;
		}
	}
	/* per_pair queues each way per port: the per-queue average gives the exact total. */
	need = port_pool_size(n_ports * a->per_pair, n_ports * a->per_pair,
			      (rxd_total + n_ports - 1) / n_ports,
			      (txd_total + n_ports - 1) / n_ports, a->n_workers, 0);
	n = a->opt.mbufs != 0 ? a->opt.mbufs : need;
	if (n < need)
		fprintf(stderr,
			"idlecut: warning: --mbufs %u is below the %u the rings and caches can "
			"hold: expect rx_nombuf drops\n",
			n, need);
	sock = a->socket != SOCKET_ID_ANY ? a->socket : (int)rte_socket_id();
	a->mp = port_pool_create_n(n, sock);
	if (a->mp == NULL)
		die(EXIT_RUNTIME, "cannot create the mbuf pool of %u mbufs on socket %d: %s (%s)",
		    n, sock, rte_strerror(rte_errno),
		    rte_eal_has_hugepages() ? "reserve more hugepages or lower --mbufs"
					    : "raise EAL -m or lower --mbufs");
	/* RSTs have a pool of their own: a full RX pool cannot starve them (SPEC §6). */
	a->rst_mp = port_rst_pool_create(RST_MBUFS * a->n_workers - 1, sock);
	if (a->rst_mp == NULL)
		die(EXIT_RUNTIME, "cannot create the RST pool of %u mbufs on socket %d: %s",
		    RST_MBUFS * a->n_workers - 1, sock, rte_strerror(rte_errno));
}

static void
start_ports(struct app *a)
{
	const struct cfg_scenario *scn = a->scn;
	for (unsigned int p = 0; p < scn->n_pairs; p++) {
		bool trusted = true;

		for (unsigned int s = 0; s < 2; s++) {
			const struct cfg_port *port = &scn->pairs[p].side[s];
			uint16_t id = a->pair_port[p][s];
			/*
			 * TAP: the kernel's tun driver picks the queue by its symmetric flow hash
			 * (README "Workers"; tests/e2e/workers_test.sh checks it), so no RSS.
			 */
			struct port_conf pc = {.rx_desc = a->opt.rx_desc,
					       .tx_desc = a->opt.tx_desc,
					       .n_queues = (uint16_t)a->per_pair,
					       .mtu = scn->pairs[p].mtu,
					       .no_rss = port->kind == CFG_PORT_TAP};
			const char *step;
			int ret;

			ret = port_setup_conf(id, a->mp, &pc, &step);
			if (a->per_pair > 1 && !pc.rss_on && port->kind != CFG_PORT_TAP)
				trusted = false;
			if (ret < 0)
				die(EXIT_RUNTIME, "pair %s %s (%s): cannot start: %s: %s",
				    scn->pairs[p].name, s ? "outside" : "inside", port_label(port),
				    step, rte_strerror(-ret));
			a->ctl.ports[a->ctl.n_ports].port_id = id;
			snprintf(a->ctl.ports[a->ctl.n_ports].name,
				 sizeof(a->ctl.ports[a->ctl.n_ports].name), "%s/%s",
				 scn->pairs[p].name, s ? "outside" : "inside");
			a->ctl.n_ports++;
		}
		a->steer_sw[p] = scn->steering == CFG_STEERING_SOFTWARE || !trusted;
	}
}

static void
setup_workers(struct app *a)
{
	const struct cfg_scenario *scn = a->scn;
	unsigned int lcores[RTE_MAX_LCORE], n_lcores = 0, lcore;
	uint32_t capacity;
	uint64_t seed;
	size_t sz;

	RTE_LCORE_FOREACH_WORKER(lcore)
		lcores[n_lcores++] = lcore;
	if (n_lcores == 0)
		die(EXIT_USAGE, "idlecut needs two lcores, one for control and one to forward "
				"(EAL -l 0-1)");
	/* Every worker lcore is used: max(1, W / P) per pair (SPEC §3). */
	a->per_pair = n_lcores >= scn->n_pairs ? n_lcores / scn->n_pairs : 1;
	if (a->per_pair > WORKER_MAX_SHARE)
		a->per_pair = WORKER_MAX_SHARE;
	a->n_workers = n_lcores >= scn->n_pairs ? a->per_pair * scn->n_pairs : n_lcores;
	if (a->n_workers < n_lcores)
		fprintf(stderr, "idlecut: %u worker lcore(s) for %u pair(s): %u left idle\n",
			n_lcores, scn->n_pairs, n_lcores - a->n_workers);
	for (unsigned int i = 0; i < a->n_workers; i++) {
		int ls = (int)rte_lcore_to_socket_id(lcores[i]);

		if (a->socket != SOCKET_ID_ANY && ls != a->socket)
			fprintf(stderr,
				"idlecut: warning: worker lcore %u is on NUMA socket %d, its "
				"ports on socket %d: every packet crosses the interconnect\n",
				lcores[i], ls, a->socket);
	}
	setup_pool(a);
	/* Flow tables: the ports' node, and hugepages when EAL runs on them. */
	flow_table_mem_policy(a->socket, rte_eal_has_hugepages() != 0);

	sz = rte_rcu_qsbr_get_memsize(a->n_workers);
	a->shared.qsbr = rte_zmalloc("idlecut_qsbr", sz, RTE_CACHE_LINE_SIZE);
	if (a->shared.qsbr == NULL || rte_rcu_qsbr_init(a->shared.qsbr, a->n_workers) != 0)
		die(EXIT_RUNTIME, "cannot set up RCU: %s", rte_strerror(rte_errno));

	/* The capacity is the scenario's total: workers split it. */
	capacity = (scn->capacity + a->n_workers - 1) / a->n_workers;
	/* One seed for all: a flow hashes alike in every table (ownership, engine.h). */
	seed = rte_rand();
	for (unsigned int i = 0; i < a->n_workers; i++) {
		a->workers[i] = worker_create(&a->shared, lcores[i], i, capacity, a->mp, seed);
		if (a->workers[i] == NULL)
			die(EXIT_RUNTIME, "cannot allocate a flow table of %u flows (%zu MiB): %s",
			    capacity, flow_table_memory(capacity) >> 20, strerror(rte_errno));
	}
}

/*
 * Fewer workers than pairs: pairs go round-robin to workers, each on queue 0. Otherwise
 * each pair gets per_pair workers, worker j on queue j of both its ports, sharing the
 * pair's flows by hash (worker_share_pair).
 */
static void
assign_pairs(struct app *a)
{
	const struct cfg_scenario *scn = a->scn;

	for (unsigned int p = 0; p < scn->n_pairs; p++) {
		unsigned int first = a->per_pair > 1 || a->n_workers >= scn->n_pairs
					     ? p * a->per_pair
					     : p % a->n_workers;
		unsigned int n = a->n_workers >= scn->n_pairs ? a->per_pair : 1;

		for (unsigned int j = 0; j < n; j++) {
			struct worker *w = a->workers[first + j];

			if (worker_add_pair(w, (uint8_t)p, a->pair_port[p][0], a->pair_port[p][1],
					    scn->pairs[p].side[0].vlan,
					    scn->pairs[p].side[1].vlan) < 0)
				die(EXIT_RUNTIME, "too many pairs for one worker");
			worker_set_queue(w, (uint8_t)p, (uint16_t)j);
			engine_set_mtu(&w->eng, (uint8_t)p, scn->pairs[p].mtu);
			worker_set_rst_pool(w, a->rst_mp);
			printf("idlecut: worker lcore %u: pair %s queue %u of ports %u (inside) and "
			       "%u (outside)%s\n",
			       w->lcore, scn->pairs[p].name, j, a->pair_port[p][0],
			       a->pair_port[p][1],
			       n == 1 ? ""
			       : a->steer_sw[p] ? ", steering software (handoff by flow hash)"
						: ", steering by the ports (symmetric)");
		}
		if (n > 1 && worker_share_pair(&a->workers[first], n, (uint8_t)p, a->steer_sw[p]) < 0)
			die(EXIT_RUNTIME, "pair %s: cannot create the handoff rings: %s",
			    scn->pairs[p].name, rte_strerror(rte_errno));
	}
}

/* ------------------------------------------------------------------ hugepages */

static struct ealargs eal;
static char huge_prefix[256];

/*
 * EAL leaves its hugepage files behind at exit for the next primary of the same prefix to
 * reuse; until then they hold the pages. Remove this run's (after rte_eal_cleanup on a
 * clean stop; an exit() on a failed start gets here too).
 */
static void
remove_huge_files(void)
{
	ealargs_huge_cleanup(huge_prefix, NULL);
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
	struct ealargs_host host;
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
	ealargs_host_probe(&host, NULL, NULL);
	ret = ealargs_build(&eal, argv[0], sep > 0 ? sep - 1 : 0, argv + 1, a->scn, &host, err,
			    sizeof(err));
	if (ret < 0)
		die(ret == -ENOENT ? EXIT_RUNTIME : EXIT_USAGE, "%s", err);
	if (eal.mem == EALARGS_MEM_NO_HUGE && host.huge_free_unmounted > 0)
		fprintf(stderr, "idlecut: free hugepages but no hugetlbfs mounted for them: "
				"running without (mount -t hugetlbfs nodev /dev/hugepages)\n");
	ret = rte_eal_init(eal.argc, eal.argv);
	if (ret < 0)
		die(EXIT_RUNTIME, "cannot initialise EAL: %s", rte_strerror(rte_errno));
	if (rte_eal_has_hugepages()) {
		/* Every exit from here on, a failed start included, gives the pages back. */
		snprintf(huge_prefix, sizeof(huge_prefix), "%s", ealargs_prefix(&eal));
		atexit(remove_huge_files);
	}

	resolve_ports(a);
	setup_workers(a);
	start_ports(a);
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
		       "flows (%.1f MiB, %.0f B/flow, %s), %u mbufs (%s, socket %d); started in "
		       "%.0f ms\n",
		       a->scn->name, a->scn->n_pairs, a->n_workers, a->scn->capacity,
		       (double)table / (1 << 20), (double)table / a->scn->capacity,
		       flow_mem_name(a->workers[0]->eng.ft->mem), a->mp->size,
		       rte_eal_has_hugepages() ? "hugepages" : "no-huge",
		       a->mp->socket_id,
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
	ctl_nic_poll(&a->ctl, true); /* the NIC's final counters, for the summary */
	ctl_fini(&a->ctl);
	print_summary(a);
	port_close_all();
	for (unsigned int i = 0; i < a->n_workers; i++)
		worker_destroy(a->workers[i]);
	rte_free(a->shared.qsbr);
	rte_eal_cleanup();
	ealargs_free(&eal);
	free(a->shared.snap);
	free(a->scn);
	return 0;
}
