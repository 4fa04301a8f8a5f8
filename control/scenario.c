/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Scenario loader (SPEC §5), in two passes:
 *
 * 1. The YAML reader (yaml_doc.c) turns the file into a tree of located nodes and enforces
 *    what libyaml does not: one document, a nesting depth, a node count, a bound on what
 *    aliases expand to, the 1 MiB size limit.
 *
 * 2. The schema walk fills struct cfg_scenario from the tree, one section at a time in a
 *    fixed order (profiles before rules, whatever the order in the file), and checks every
 *    key: unknown, duplicate (libyaml does not detect those), wrong type, out of range. This
 *    file walks the top level; each section has its file (scn_schema.h), the value parsers
 *    theirs (scn_value.c).
 *
 * The first error stops the load and is written once, into the caller's buffer, as
 * "FILE:LINE:COL: message" on one line: user text quoted in a message is sanitised.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "scenario.h"
#include "scn_schema.h"

/* ---------------------------------------------------------------------------------------- */
/* The document */

static int
parse_scenario(struct scn_ctx *c, const struct ynode *root)
{
	enum {
		K_NAME,
		K_DESC,
		K_PORTS,
		K_FLOW,
		K_PROFILES,
		K_RULES,
		K_DEFAULT,
		K_TIMELINE,
		K_STEERING,
		K_COUNT
	};
	static const struct scn_sym steering_syms[] = {
		{"auto", CFG_STEERING_AUTO},
		{"software", CFG_STEERING_SOFTWARE},
	};
	static const char *const keys[K_COUNT] = {
		"name",	 "description",	    "ports",	"flow_table", "profiles",
		"rules", "default_profile", "timeline", "steering",
	};
	struct cfg_scenario *scn = c->scn;
	struct yfield f[K_COUNT];
	unsigned s;
	int rc;

	memset(scn, 0, sizeof(*scn));
	scn->capacity = CFG_CAPACITY_DEFAULT;
	scn->when_full = CFG_WHEN_FULL_FORWARD;
	scn->steering = CFG_STEERING_AUTO;
	cfg_profile_init_untracked(&scn->profiles[CFG_PROFILE_UNTRACKED]);
	scn->n_profiles = 1;
	scn->default_profile = CFG_PROFILE_UNTRACKED;
	if (root->kind != Y_MAP)
		return ydoc_fail(c->d, root,
				 "expected a mapping at the top level (name, ports, ...), got %s",
				 ydoc_kind_name(root));
	rc = ydoc_map_fields(c->d, root, "the scenario", keys, K_COUNT, f);
	if (rc < 0)
		return rc;
	if (f[K_NAME].val == NULL)
		return ydoc_missing(c->d, root, "scenario", "name");
	if (f[K_PORTS].val == NULL)
		return ydoc_missing(c->d, root, "scenario", "ports");

	rc = scn_get_text(c->d, f[K_NAME].val, "name", scn->name, sizeof(scn->name));
	if (rc == 0 && scn->name[0] == '\0')
		rc = ydoc_fail(c->d, f[K_NAME].val, "name must not be empty");
	if (rc == 0 && f[K_DESC].val != NULL && !ydoc_is_null(f[K_DESC].val))
		rc = scn_get_text(c->d, f[K_DESC].val, "description", scn->description,
				  sizeof(scn->description));
	if (rc == 0 && f[K_STEERING].val != NULL) {
		rc = scn_get_sym(c->d, f[K_STEERING].val, "steering", steering_syms, 2, 2, &s);
		scn->steering = (enum cfg_steering)s;
	}
	if (rc == 0)
		rc = scn_parse_ports(c, f[K_PORTS].val);
	if (rc == 0 && f[K_FLOW].val != NULL)
		rc = scn_parse_flow_table(c, f[K_FLOW].val);
	if (rc == 0 && f[K_PROFILES].val != NULL)
		rc = scn_parse_profiles(c, f[K_PROFILES].val);
	if (rc == 0 && f[K_RULES].val != NULL)
		rc = scn_parse_rules(c, f[K_RULES].val);
	if (rc == 0 && f[K_DEFAULT].val != NULL)
		rc = scn_get_profile(c, f[K_DEFAULT].val, "default_profile", &scn->default_profile);
	if (rc == 0 && f[K_TIMELINE].val != NULL)
		rc = scn_parse_timeline(c, f[K_TIMELINE].val);
	return rc;
}

int
scn_load_buffer(const char *name, const char *buf, size_t len, struct cfg_scenario *scn, char *err,
		size_t errlen)
{
	struct scn_ctx *c;
	const struct ynode *root;
	int rc;

	_Static_assert(SCN_FILE_MAX == YDOC_MAX_BYTES, "one size limit");
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	/* The context holds per-load scratch (device table): a few KiB, not stack. */
	c = calloc(1, sizeof(*c));
	if (c != NULL)
		c->d = ydoc_new(name ? name : "(scenario)", buf ? buf : "", len, err, errlen);
	if (c == NULL || c->d == NULL) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "%s: out of memory", name ? name : "(scenario)");
		free(c);
		return -ENOMEM;
	}
	c->scn = scn;

	if (scn == NULL || (buf == NULL && len > 0))
		rc = ydoc_fail_at(c->d, 0, 0, -EINVAL, "no scenario to load");
	else
		rc = ydoc_parse(c->d);
	root = ydoc_root(c->d);
	if (rc == 0 && root == NULL)
		rc = ydoc_fail_at(c->d, 0, 0, -EINVAL,
				  "empty file: expected a scenario (name, ports, ...)");
	if (rc == 0 && ydoc_is_null(root))
		rc = ydoc_fail(c->d, root, "empty scenario: expected a mapping (name, ports, ...)");
	if (rc == 0)
		rc = parse_scenario(c, root);
	ydoc_free(c->d);
	free(c);
	return rc;
}

/* An error about the whole file ("FILE: message"); returns @p rc. */
static int __attribute__((format(printf, 5, 6)))
file_fail(const char *path, char *err, size_t errlen, int rc, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (err == NULL || errlen == 0)
		return rc;
	n = snprintf(err, errlen, "%s: ", path);
	if (n >= 0 && (size_t)n < errlen) {
		va_start(ap, fmt);
		vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return rc;
}

int
scn_load_file(const char *path, struct cfg_scenario *scn, char *err, size_t errlen)
{
	char *buf = NULL;
	char why[128];
	struct stat st;
	size_t len = 0;
	int fd;
	int rc;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (path == NULL)
		return file_fail("(scenario)", err, errlen, -EINVAL, "no file name");
	/* O_NONBLOCK: opening a FIFO must not hang; non-regular files are refused below. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		rc = -errno;
		return file_fail(path, err, errlen, rc, "cannot open: %s",
				 strerror_r(-rc, why, sizeof(why)));
	}
	if (fstat(fd, &st) < 0) {
		rc = -errno;
		rc = file_fail(path, err, errlen, rc, "cannot stat: %s",
			       strerror_r(-rc, why, sizeof(why)));
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		rc = file_fail(path, err, errlen, -EISDIR, "cannot read: Is a directory");
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = file_fail(path, err, errlen, -EINVAL, "not a regular file");
		goto out;
	}
	if (st.st_size > (off_t)SCN_FILE_MAX) {
		rc = file_fail(path, err, errlen, -EFBIG, "file is larger than 1 MiB (%lld bytes)",
			       (long long)st.st_size);
		goto out;
	}
	/* One byte over the limit, to notice a file that grew since fstat(). */
	buf = malloc(SCN_FILE_MAX + 1);
	if (buf == NULL) {
		rc = file_fail(path, err, errlen, -ENOMEM, "out of memory");
		goto out;
	}
	for (;;) {
		ssize_t n = read(fd, buf + len, SCN_FILE_MAX + 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = -errno;
			rc = file_fail(path, err, errlen, rc, "cannot read: %s",
				       strerror_r(-rc, why, sizeof(why)));
			goto out;
		}
		if (n == 0 || (len += (size_t)n) > SCN_FILE_MAX)
			break;
	}
	rc = scn_load_buffer(path, buf, len, scn, err, errlen);
out:
	free(buf);
	close(fd);
	return rc;
}
