/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * idlecut-replay: run a capture through the flow engine in capture time and report which
 * connections each scenario (device) would cut, when, and what happens next (SPEC §11).
 *
 *	idlecut-replay --scenario FILE [--scenario FILE2 ...] [--preset NAME ...]
 *		       [--time-scale F] [--out OUT.pcap] [--json REPORT] IN.pcap
 *
 * No EAL, no root, no NIC: the engine (dataplane/engine.h) needs none. Exit codes: 0 the
 * report was made, 2 bad usage or bad input (one line on stderr), 1 runtime failure.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "capture.h"
#include "replay.h"
#include "report.h"
#include "scenario.h"

#ifndef REPLAY_SOURCE_CONFIGS
#define REPLAY_SOURCE_CONFIGS "configs"
#endif
#ifndef REPLAY_INSTALL_CONFIGS
#define REPLAY_INSTALL_CONFIGS "/usr/local/share/idlecut/configs"
#endif
#ifndef REPLAY_BUILD_ROOT
#define REPLAY_BUILD_ROOT ""
#endif
#ifndef IDLECUT_VERSION
#define IDLECUT_VERSION "unknown"
#endif

#define PROG "idlecut-replay"
#define EXIT_USAGE 2
#define PROGRESS_EVERY_NS 3000000000ull
#define PROGRESS_CHECK_MASK 0xffff

struct scn_arg {
	const char *path; /**< file, or NULL for a preset */
	const char *preset;
};

struct opts {
	struct scn_arg scn[RP_MAX_SCENARIOS];
	unsigned int n_scn;
	double time_scale;
	const char *out;
	const char *json;
	const char *in;
	bool quiet;
};

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: " PROG " --scenario FILE [--scenario FILE2 ...] [--preset NAME ...]\n"
		"                      [--time-scale F] [--out OUT.pcap] [--json REPORT] IN.pcap\n"
		"  Replays IN (pcap or pcapng; Ethernet, Linux SLL/SLL2 or raw IP) through the\n"
		"  flow engine of each scenario in the capture's own time and reports which\n"
		"  connections it would cut, when, with which RSTs, and what their next packets "
		"get.\n"
		"  --scenario FILE   a scenario file (SPEC section 5); its ports: are ignored\n"
		"  --preset NAME     configs/NAME.yaml (build tree, or the installed share "
		"directory)\n"
		"  --time-scale F    multiply every duration by F (as idlecut's --time-scale)\n"
		"  --out OUT.pcap    what would leave the middlebox: the packets that pass and "
		"the\n"
		"                    injected RSTs at their time (several scenarios: "
		"OUT.NAME.pcap)\n"
		"  --json REPORT     the report as JSON ('-' for stdout, then no table)\n"
		"  --quiet           no table on stdout, only the summary line\n"
		"  --list-presets    print the preset names and where they are\n");
}

static int
die_usage(const char *fmt, const char *arg)
{
	fprintf(stderr, PROG ": ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, " (try --help)\n");
	return EXIT_USAGE;
}

/* Whether this binary runs from the build tree it was built in. */
static bool
in_build_tree(void)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	size_t l = strlen(REPLAY_BUILD_ROOT);

	if (n <= 0 || l == 0)
		return false;
	exe[n] = '\0';
	return strncmp(exe, REPLAY_BUILD_ROOT, l) == 0 && exe[l] == '/';
}

/* The directories presets are looked up in, in order. */
static unsigned int
preset_dirs(const char **dirs)
{
	const char *env = getenv("IDLECUT_CONFIGS");
	unsigned int n = 0;

	if (env != NULL && env[0] != '\0') {
		dirs[n++] = env;
		return n;
	}
	if (in_build_tree()) {
		dirs[n++] = REPLAY_SOURCE_CONFIGS;
		dirs[n++] = REPLAY_INSTALL_CONFIGS;
	} else {
		dirs[n++] = REPLAY_INSTALL_CONFIGS;
		dirs[n++] = REPLAY_SOURCE_CONFIGS;
	}
	return n;
}

static bool
preset_name_ok(const char *n)
{
	if (n[0] == '\0' || n[0] == '.')
		return false;
	for (const char *p = n; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '.'))
			return false;
	return strlen(n) < 128;
}

static int
str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "a, b, c" (sorted) from the .yaml files in @dir. */
static void
preset_list(const char *dir, char *buf, size_t len)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char *names[256];
	unsigned int n = 0;
	size_t o = 0;

	buf[0] = '\0';
	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL && n < 256) {
		size_t l = strlen(de->d_name);

		if (l < 6 || strcmp(de->d_name + l - 5, ".yaml") != 0 || de->d_name[0] == '.')
			continue;
		names[n] = strndup(de->d_name, l - 5);
		if (names[n] != NULL)
			n++;
	}
	closedir(d);
	qsort(names, n, sizeof(names[0]), str_cmp);
	for (unsigned int i = 0; i < n; i++) {
		if (o + 1 < len)
			o += (size_t)snprintf(buf + o, len - o, "%s%s", i ? ", " : "", names[i]);
		free(names[i]);
	}
}

/* Path of preset @name in @path; returns 0, or an exit code after saying why. */
static int
preset_find(const char *name, char *path, size_t len)
{
	const char *dirs[3];
	unsigned int n = preset_dirs(dirs);
	char names[1024];

	if (!preset_name_ok(name)) {
		fprintf(stderr,
			PROG ": preset name '%s' is not a name (letters, digits, '-', '_', "
			     "'.'); give a file with --scenario\n",
			name);
		return EXIT_USAGE;
	}
	for (unsigned int i = 0; i < n; i++) {
		struct stat st;

		snprintf(path, len, "%s/%s.yaml", dirs[i], name);
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
			return 0;
	}
	names[0] = '\0';
	for (unsigned int i = 0; i < n && names[0] == '\0'; i++)
		preset_list(dirs[i], names, sizeof(names));
	fprintf(stderr, PROG ": unknown preset '%s': no %s.yaml in %s%s%s (presets: %s)\n", name,
		name, dirs[0], n > 1 ? " or " : "", n > 1 ? dirs[1] : "",
		names[0] ? names : "none found");
	return EXIT_USAGE;
}

static int
list_presets(void)
{
	const char *dirs[3];
	unsigned int n = preset_dirs(dirs);
	char names[4096];

	for (unsigned int i = 0; i < n; i++) {
		preset_list(dirs[i], names, sizeof(names));
		if (names[0] != '\0') {
			printf("%s: %s\n", dirs[i], names);
			return 0;
		}
	}
	fprintf(stderr, PROG ": no presets found in %s%s%s\n", dirs[0], n > 1 ? " or " : "",
		n > 1 ? dirs[1] : "");
	return 1;
}

static int
parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{"scenario", required_argument, NULL, 's'},
		{"preset", required_argument, NULL, 'p'},
		{"time-scale", required_argument, NULL, 't'},
		{"out", required_argument, NULL, 'o'},
		{"json", required_argument, NULL, 'j'},
		{"quiet", no_argument, NULL, 'q'},
		{"list-presets", no_argument, NULL, 'L'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->time_scale = 1.0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":s:p:t:o:j:qh", lo, NULL)) != -1) {
		char *end;

		switch (c) {
		case 's':
		case 'p':
			if (o->n_scn == RP_MAX_SCENARIOS)
				return die_usage("at most 16 scenarios and presets at once%s", "");
			o->scn[o->n_scn].path = c == 's' ? optarg : NULL;
			o->scn[o->n_scn].preset = c == 'p' ? optarg : NULL;
			o->n_scn++;
			break;
		case 't':
			errno = 0;
			o->time_scale = strtod(optarg, &end);
			if (errno != 0 || end == optarg || *end != '\0' || !(o->time_scale > 0) ||
			    o->time_scale > 1e6)
				return die_usage("--time-scale '%s': give a number above 0",
						 optarg);
			break;
		case 'o':
			o->out = optarg;
			break;
		case 'j':
			o->json = optarg;
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'L':
			exit(list_presets());
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			printf(PROG " %s\n", IDLECUT_VERSION);
			exit(0);
		case ':':
			return die_usage("option '%s' needs a value", argv[optind - 1]);
		default:
			return die_usage("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (o->n_scn == 0)
		return die_usage("give at least one --scenario FILE or --preset NAME%s", "");
	if (optind == argc)
		return die_usage("give the capture to replay (IN.pcap)%s", "");
	if (optind + 1 < argc)
		return die_usage("one capture at a time: '%s' is one too many", argv[optind + 1]);
	o->in = argv[optind];
	return 0;
}

/* OUT.pcap -> OUT.LABEL.pcap when several scenarios each write their own. */
static void
out_path(const char *out, const char *label, bool several, char *buf, size_t len)
{
	const char *dot = strrchr(out, '.'), *slash = strrchr(out, '/');

	if (!several) {
		snprintf(buf, len, "%s", out);
		return;
	}
	if (dot == NULL || (slash != NULL && dot < slash))
		dot = out + strlen(out);
	snprintf(buf, len, "%.*s.%s%s", (int)(dot - out), out, label, dot);
	/* The label is a scenario's name: keep it to a file name's characters. */
	for (char *p = buf + (dot - out) + 1; *p != '\0' && p < buf + len; p++) {
		if (p >= buf + (dot - out) + 1 + strlen(label))
			break;
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '.'))
			*p = '_';
	}
}

static uint64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Say once that timestamps went backwards (the records replayed so far had one). */
static void
warn_backwards(const struct rp_run *run, const char *in, bool *warned)
{
	if (run->backwards == 0 || *warned)
		return;
	fprintf(stderr,
		PROG ": %s: record %llu goes back in time: such records are taken as the "
		     "previous record's time (counted in the report)\n",
		in, (unsigned long long)run->records);
	*warned = true;
}

int
main(int argc, char **argv)
{
	struct opts o;
	struct cap_reader cap;
	struct rpt_capture rc = {0};
	struct rp_run *run = NULL;
	pcap_t *dead = NULL;
	pcap_dumper_t *dumpers[RP_MAX_SCENARIOS] = {0};
	char err[CAP_ERR_MAX + SCN_ERR_MAX], damaged[CAP_ERR_MAX + SCN_ERR_MAX] = "";
	uint64_t t0, next_progress;
	off_t size = 0;
	struct stat st;
	struct cap_pkt pkts[RP_AHEAD];
	char err2[CAP_ERR_MAX];
	int ret, exit_code = 0;
	bool warned_back = false;

	ret = parse_args(argc, argv, &o);
	if (ret != 0)
		return ret;

	/* Scenarios first: a bad one is a usage error before any reading. */
	struct cfg_scenario *scns[RP_MAX_SCENARIOS] = {0};
	char paths[RP_MAX_SCENARIOS][PATH_MAX];
	char labels[RP_MAX_SCENARIOS][CFG_NAME_MAX + 16];

	for (unsigned int i = 0; i < o.n_scn; i++) {
		if (o.scn[i].preset != NULL) {
			ret = preset_find(o.scn[i].preset, paths[i], sizeof(paths[i]));
			if (ret != 0)
				goto out_scn;
		} else {
			snprintf(paths[i], sizeof(paths[i]), "%s", o.scn[i].path);
		}
		scns[i] = calloc(1, sizeof(*scns[i]));
		if (scns[i] == NULL) {
			fprintf(stderr, PROG ": out of memory\n");
			ret = 1;
			goto out_scn;
		}
		if (scn_load_file(paths[i], scns[i], err, sizeof(err)) < 0) {
			fprintf(stderr, "%s\n", err);
			ret = EXIT_USAGE;
			goto out_scn;
		}
		/* A unique label per scenario: its name, numbered when it repeats. */
		snprintf(labels[i], sizeof(labels[i]), "%s",
			 o.scn[i].preset ? o.scn[i].preset : scns[i]->name);
		for (unsigned int j = 0, k = 2; j < i; j++) {
			if (strcmp(labels[j], labels[i]) == 0) {
				snprintf(labels[i], sizeof(labels[i]), "%s#%u",
					 o.scn[i].preset ? o.scn[i].preset : scns[i]->name, k++);
				j = (unsigned int)-1; /* check again from the first */
			}
		}
	}

	if (cap_open(&cap, o.in, err, sizeof(err)) < 0) {
		fprintf(stderr, PROG ": %s\n", err);
		ret = EXIT_USAGE;
		goto out_scn;
	}
	if (stat(o.in, &st) == 0)
		size = st.st_size;
	run = rp_create(cap.linktype, o.time_scale, err, sizeof(err));
	if (run == NULL) {
		fprintf(stderr, PROG ": %s\n", err);
		ret = 1;
		goto out_cap;
	}
	if (o.out != NULL) {
		/* At least 64 KiB: RSTs stay whole even when the capture cut frames short. */
		dead = pcap_open_dead_with_tstamp_precision(
			cap.linktype, cap.snaplen > 65535 ? (int)cap.snaplen : 65535,
			PCAP_TSTAMP_PRECISION_NANO);
		if (dead == NULL) {
			fprintf(stderr, PROG ": %s: cannot write this link type\n", o.out);
			ret = 1;
			goto out_cap;
		}
	}
	for (unsigned int i = 0; i < o.n_scn; i++) {
		if (dead != NULL) {
			char p[PATH_MAX + CFG_NAME_MAX + 16];

			out_path(o.out, labels[i], o.n_scn > 1, p, sizeof(p));
			dumpers[i] = pcap_dump_open(dead, p);
			if (dumpers[i] == NULL) {
				fprintf(stderr, PROG ": %s: %s\n", p, pcap_geterr(dead));
				ret = EXIT_USAGE;
				goto out_cap;
			}
		}
		ret = rp_add_scenario(run, labels[i], paths[i], scns[i], dumpers[i], err,
				      sizeof(err));
		scns[i] = NULL; /* the run owns it now */
		if (ret < 0) {
			fprintf(stderr, PROG ": %s\n", err);
			ret = EXIT_USAGE;
			goto out_cap;
		}
	}

	run->data_stays = cap.map != NULL; /* the mapping outlives rp_finish() */
	t0 = mono_ns();
	next_progress = t0 + PROGRESS_EVERY_NS;
	for (;;) {
		/* A mapped file's records stay valid: hand them over RP_AHEAD at a time. */
		unsigned int n = 0, ahead = cap.map != NULL ? RP_AHEAD : 1;

		while (n < ahead && (ret = cap_next(&cap, &pkts[n], err, sizeof(err))) > 0)
			n++;
		if (n == 0)
			break;
		if (rp_packets(run, pkts, n, err2, sizeof(err2)) < 0) {
			fprintf(stderr, PROG ": %s: %s\n", o.in, err2);
			ret = EXIT_USAGE;
			goto out_cap;
		}
		warn_backwards(run, o.in, &warned_back);
		if ((run->records & PROGRESS_CHECK_MASK) < n && mono_ns() >= next_progress) {
			long pos = cap.map != NULL ? (long)cap.off : ftell(pcap_file(cap.p));

			fprintf(stderr, PROG ": %.1f M packets, %.2f M flows, %.0f s of capture%s",
				(double)run->records / 1e6, (double)run->n_flows / 1e6,
				(double)(run->last_ns - run->ts0_ns) / 1e9, size > 0 ? "" : "\n");
			if (size > 0)
				fprintf(stderr, ", %.0f %% of the file\n",
					100.0 * (double)pos / (double)size);
			next_progress = mono_ns() + PROGRESS_EVERY_NS;
		}
		if (ret <= 0)
			break;
	}
	/* The records still waiting in the ring, then the last burst. */
	if (rp_finish(run, err2, sizeof(err2)) < 0) {
		fprintf(stderr, PROG ": %s: %s\n", o.in, err2);
		ret = EXIT_USAGE;
		goto out_cap;
	}
	warn_backwards(run, o.in, &warned_back);
	if (ret < 0) {
		/* A capture cut short (tcpdump killed, a copy in progress): report what it has. */
		snprintf(damaged, sizeof(damaged), "%s", err);
		fprintf(stderr, PROG ": %s; the report covers the %llu records before it\n", err,
			(unsigned long long)cap.records);
		rc.damaged = damaged;
	}
	{
		double secs = (double)(mono_ns() - t0) / 1e9;

		if (secs > 0 && run->records > 0)
			fprintf(stderr, PROG ": replayed %llu packets in %.3f s: %.0f packets/s\n",
				(unsigned long long)run->records, secs,
				(double)run->records / secs);
	}
	rc.file = o.in;
	rc.bad_ts = cap.bad_ts;
	rpt_sort(run);
	if (o.json != NULL) {
		bool to_stdout = strcmp(o.json, "-") == 0;
		FILE *jf = to_stdout ? stdout : fopen(o.json, "w");

		if (jf == NULL) {
			fprintf(stderr, PROG ": %s: cannot write: %s\n", o.json, strerror(errno));
			ret = 1;
			goto out_cap;
		}
		if (rpt_json(jf, run, &rc) < 0 || (!to_stdout && fclose(jf) != 0)) {
			fprintf(stderr, PROG ": %s: write failed: %s\n", o.json, strerror(errno));
			ret = 1;
			goto out_cap;
		}
		if (to_stdout)
			o.quiet = true;
	}
	if (!o.quiet)
		rpt_table(stdout, run, &rc);
	rpt_summary_line(o.json != NULL && strcmp(o.json, "-") == 0 ? stderr : stdout, run);
	ret = exit_code;

out_cap:
	for (unsigned int i = 0; i < o.n_scn; i++) {
		if (dumpers[i] != NULL) {
			if (pcap_dump_flush(dumpers[i]) != 0 && ret == 0) {
				fprintf(stderr, PROG ": %s: write failed\n", o.out);
				ret = 1;
			}
			pcap_dump_close(dumpers[i]);
		}
	}
	if (dead != NULL)
		pcap_close(dead);
	rp_destroy(run);
	cap_close(&cap);
	if (fflush(stdout) != 0 && ret == 0)
		ret = 1;
out_scn:
	for (unsigned int i = 0; i < o.n_scn; i++)
		free(scns[i]);
	return ret;
}
