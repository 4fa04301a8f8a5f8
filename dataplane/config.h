/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The scenario model: what a YAML scenario file says, in plain C.
 *
 * Usage: the control side (control/scenario.c) fills a struct cfg_scenario from a file and
 * validates it completely; the dataplane only ever reads one. Nothing here includes YAML or
 * control headers, so the dataplane library stays DPDK-only.
 *
 * Thread safety: a struct cfg_scenario is immutable once loaded. The running copy is part of
 * the dataplane snapshot (dataplane/snapshot.h), published by an atomic pointer and freed
 * after an RCU grace period; nobody writes it after publication.
 *
 * Units: every duration here is in microseconds as written in the file (before
 * --time-scale); CFG_DUR_INDEFINITE means "never expires", 0 means "immediate".
 */
#ifndef IDLECUT_CONFIG_H
#define IDLECUT_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#define CFG_NAME_MAX 64
#define CFG_TEXT_MAX 256
#define CFG_DEV_MAX 128
#define CFG_MAX_PAIRS 16
#define CFG_MAX_PROFILES 64 /**< including the built-in "untracked" at index 0 */
#define CFG_MAX_RULES 256
#define CFG_MAX_VLAN_RANGES 16
#define CFG_MAX_TIMELINE 256
#define CFG_MAX_SET_FIELDS 16
#define CFG_CAPACITY_MIN 64
#define CFG_CAPACITY_MAX (1u << 26) /**< 64 Mi flows */
#define CFG_CAPACITY_DEFAULT (1u << 20)
#define CFG_MTU_MIN 68 /**< IPv4's minimum (RFC 791) */
#define CFG_MTU_MAX 9600
#define CFG_MTU_DEFAULT 1500
#define CFG_RST_PAYLOAD_MAX 129 /**< rst_payload: 128 bytes and the NUL */
/** TCP states an on_timeout map names: indexed like enum flow_state (dataplane/flow.h). */
#define CFG_TCP_STATES 7

/** Largest finite duration: timeouts are compared modulo 2^32 ms in the dataplane. */
#define CFG_DUR_MAX_US ((uint64_t)INT32_MAX * 1000)
#define CFG_DUR_INDEFINITE UINT64_MAX
#define CFG_DUR_IMMEDIATE 0

/** Index of the built-in profile that forwards without tracking. */
#define CFG_PROFILE_UNTRACKED 0
#define CFG_PROFILE_UNTRACKED_NAME "untracked"

/** Timeout classes: one per state family of SPEC §4/§5. */
enum cfg_tmo {
	CFG_TMO_TCP_HANDSHAKE,	 /**< tcp.handshake: SYN_SENT, SYN_RECV */
	CFG_TMO_TCP_ESTABLISHED, /**< tcp.established */
	CFG_TMO_TCP_CLOSING,	 /**< tcp.closing: FIN_WAIT, CLOSING, CLOSED */
	CFG_TMO_TCP_TIME_WAIT,	 /**< tcp.time_wait */
	CFG_TMO_UDP_SINGLE,	 /**< udp.single: packets seen in one direction only */
	CFG_TMO_UDP_STREAM,	 /**< udp.stream: packets seen in both directions */
	CFG_TMO_ICMP,		 /**< icmp */
	CFG_TMO_OTHER,		 /**< other */
	CFG_TMO_COUNT
};

enum cfg_on_timeout {
	CFG_ON_TIMEOUT_RESET_BOTH,
	CFG_ON_TIMEOUT_RESET_CLIENT,
	CFG_ON_TIMEOUT_RESET_SERVER,
	CFG_ON_TIMEOUT_SILENT,
};

enum cfg_stray {
	CFG_STRAY_DROP,	 /**< non-SYN TCP without a flow: drop and count */
	CFG_STRAY_RESET, /**< drop and answer with an RST (AWS NAT gateway, NLB) */
	CFG_STRAY_ADOPT, /**< create the flow in ESTABLISHED (F5 loose initiation) */
};

/** What to do with a malformed frame, or with a TCP segment outside the window. */
enum cfg_verdict {
	CFG_FORWARD,
	CFG_DROP,
};

/** flow_table.when_full: what a new flow gets when the table is full (SPEC §6). */
enum cfg_when_full {
	CFG_WHEN_FULL_FORWARD = 0,    /**< forward untracked (= CFG_FORWARD), counted */
	CFG_WHEN_FULL_DROP = 1,	      /**< drop (= CFG_DROP), counted */
	CFG_WHEN_FULL_EARLY_DROP = 2, /**< evict an unestablished or idlest flow near it */
};

/** Which worker handles a packet (SPEC §3). */
enum cfg_steering {
	CFG_STEERING_AUTO,     /**< the port's RSS where it can, software handoff otherwise */
	CFG_STEERING_SOFTWARE, /**< software handoff decides ownership for every packet */
};

/**
 * flow_table.reaper (F5's adaptive reaper, Juniper's early-ageout): above high_pct of the
 * capacity, expire the idlest flows, embryonic first, until under low_pct.
 */
struct cfg_reaper {
	bool on;	  /**< false: no reaper (the key is absent) */
	uint8_t high_pct; /**< 1..100 */
	uint8_t low_pct;  /**< 1..high_pct - 1 */
};

enum cfg_port_kind {
	CFG_PORT_INDEX, /**< {port: N}: ethdev N, given to EAL with --vdev or PCI */
	CFG_PORT_TAP,	/**< {tap: IFNAME}: idlecut creates net_tap with iface=IFNAME */
	CFG_PORT_VDEV,	/**< {vdev: "net_ring0,..."}: idlecut hot-plugs this vdev */
	CFG_PORT_PCI,	/**< {pci: "0000:03:00.0"}: idlecut probes this device */
};

enum cfg_side {
	CFG_SIDE_INSIDE = 0,  /**< client side */
	CFG_SIDE_OUTSIDE = 1, /**< server side */
};

struct cfg_port {
	enum cfg_port_kind kind;
	uint16_t index;		   /**< CFG_PORT_INDEX only */
	char name[CFG_DEV_MAX];	   /**< tap iface, vdev devargs or PCI address */
	uint16_t vlan;		   /**< access VLAN for untagged frames, 0 = none (1..4094) */
	char devargs[CFG_DEV_MAX]; /**< CFG_PORT_PCI only: device arguments, "" = none */
};

struct cfg_pair {
	char name[CFG_NAME_MAX];
	struct cfg_port side[2]; /**< indexed by enum cfg_side */
	uint16_t mtu;		 /**< CFG_MTU_MIN..CFG_MTU_MAX, default CFG_MTU_DEFAULT */
};

struct cfg_profile {
	char name[CFG_NAME_MAX];
	bool untracked; /**< only the built-in profile at index 0 */
	bool retired;	/**< gone from the file after a reload: kept for its counters only */
	uint64_t timeout_us[CFG_TMO_COUNT];
	/** The scalar on_timeout, or an on_timeout map's "default": kept for older readers. */
	enum cfg_on_timeout on_timeout;
	/** What a timeout does by TCP state, indexed like enum flow_state; always filled. */
	enum cfg_on_timeout on_timeout_state[CFG_TCP_STATES];
	/** The inside's stray_tcp (stray_tcp_side[CFG_SIDE_INSIDE]): kept for older readers. */
	enum cfg_stray stray_tcp;
	enum cfg_stray stray_tcp_side[2]; /**< by the side the stray arrived on; always filled */
	enum cfg_verdict malformed;
	enum cfg_verdict out_of_window; /**< a TCP segment outside the receiver's window */
	bool loose_close;
	uint16_t rst_payload_len;	       /**< 0: injected RSTs carry no payload */
	char rst_payload[CFG_RST_PAYLOAD_MAX]; /**< printable ASCII, NUL-terminated */
};

/** Inclusive range; {0, 0xffff} (ports) or {0, 4095} (VLANs) mean "any". */
struct cfg_range {
	uint16_t lo;
	uint16_t hi;
};

/** IPv4 addresses are stored v4-mapped (::ffff:a.b.c.d) with len + 96. */
struct cfg_prefix {
	uint8_t family; /**< 0 = any, 4 or 6 */
	uint8_t len;	/**< prefix length on the 128-bit address */
	uint8_t addr[16];
};

/** Bits of cfg_match.present: which keys a rule names. */
#define CFG_MATCH_VLAN (1u << 0)
#define CFG_MATCH_PAIR (1u << 1)
#define CFG_MATCH_SIDE (1u << 2)
#define CFG_MATCH_PROTO (1u << 3)
#define CFG_MATCH_SRC (1u << 4)
#define CFG_MATCH_DST (1u << 5)
#define CFG_MATCH_SRC_PORT (1u << 6)
#define CFG_MATCH_DST_PORT (1u << 7)

/**
 * A rule's match. A key that is not present matches anything. "src"/"src_port" are the
 * client's (the sender of the flow's first packet), "dst"/"dst_port" the server's; "side"
 * is the side the first packet arrived on; "vlan" matches if any of the flow's VLAN IDs
 * (access VLAN or tags) is in one of the ranges.
 */
struct cfg_match {
	uint32_t present;
	uint16_t n_vlan;
	struct cfg_range vlan[CFG_MAX_VLAN_RANGES];
	uint16_t pair; /**< index into cfg_scenario.pairs */
	enum cfg_side side;
	uint8_t proto; /**< IP protocol number (tcp 6, udp 17, icmp 1, icmpv6 58, ...) */
	struct cfg_prefix src;
	struct cfg_prefix dst;
	struct cfg_range src_port;
	struct cfg_range dst_port;
};

struct cfg_rule {
	struct cfg_match match;
	uint16_t profile; /**< index into cfg_scenario.profiles */
	uint32_t line;	  /**< where the rule is in the file, for logs */
};

/** Fields a timeline "set" may change (and the values it takes). */
enum cfg_field {
	CFG_FIELD_TMO_FIRST = 0, /**< CFG_FIELD_TMO_FIRST + enum cfg_tmo: a duration (us) */
	CFG_FIELD_ON_TIMEOUT = CFG_TMO_COUNT, /**< enum cfg_on_timeout */
	CFG_FIELD_STRAY_TCP,		      /**< enum cfg_stray */
	CFG_FIELD_MALFORMED,		      /**< enum cfg_verdict */
	CFG_FIELD_LOOSE_CLOSE,		      /**< 0 or 1 */
	CFG_FIELD_OUT_OF_WINDOW,	      /**< enum cfg_verdict */
	CFG_FIELD_COUNT
};

struct cfg_set {
	enum cfg_field field;
	uint64_t value;
};

enum cfg_event_kind {
	CFG_EVENT_SET,	 /**< set: {profile: NAME, FIELD: VALUE, ...} */
	CFG_EVENT_FLUSH, /**< flush: all | PROFILE */
};

#define CFG_FLUSH_ALL UINT16_MAX

struct cfg_event {
	uint64_t at_us; /**< offset from start */
	enum cfg_event_kind kind;
	uint16_t profile; /**< set: the profile changed; flush: profile or CFG_FLUSH_ALL */
	uint16_t n_sets;
	struct cfg_set sets[CFG_MAX_SET_FIELDS];
	uint32_t line;
};

struct cfg_scenario {
	char name[CFG_NAME_MAX];
	char description[CFG_TEXT_MAX];
	uint16_t n_pairs;
	struct cfg_pair pairs[CFG_MAX_PAIRS];
	enum cfg_steering steering;   /**< default CFG_STEERING_AUTO */
	uint32_t capacity;	      /**< flow_table.capacity */
	enum cfg_when_full when_full; /**< flow_table.when_full */
	struct cfg_reaper reaper;     /**< flow_table.reaper */
	uint16_t n_profiles;	      /**< profiles[0] is the built-in "untracked" */
	struct cfg_profile profiles[CFG_MAX_PROFILES];
	uint16_t n_rules;
	struct cfg_rule rules[CFG_MAX_RULES];
	uint16_t default_profile; /**< index into profiles */
	uint16_t n_events;
	struct cfg_event events[CFG_MAX_TIMELINE]; /**< sorted by at_us, stable */
};

/** Name of a timeout class as written in the file ("tcp.established", "icmp", ...). */
const char *cfg_tmo_name(enum cfg_tmo t);
const char *cfg_on_timeout_name(enum cfg_on_timeout a);
const char *cfg_stray_name(enum cfg_stray s);
const char *cfg_verdict_name(enum cfg_verdict v);
const char *cfg_when_full_name(enum cfg_when_full w);
const char *cfg_steering_name(enum cfg_steering s);
/** Name of a field as a timeline "set" writes it ("tcp.established", "on_timeout", ...). */
const char *cfg_field_name(enum cfg_field f);
/** The value of a keyword or boolean "set" ("silent", "drop", "true"); NULL for a duration. */
const char *cfg_set_value_name(const struct cfg_set *s);
/** Name of TCP state @p s (< CFG_TCP_STATES) as an on_timeout map writes it ("syn_sent"). */
const char *cfg_tcp_state_name(unsigned int s);

/** Look a profile up by name; returns its index or -1. */
int cfg_profile_find(const struct cfg_scenario *scn, const char *name);

/** Fill @p p with the built-in "untracked" profile. */
void cfg_profile_init_untracked(struct cfg_profile *p);

/**
 * Fill @p p with the defaults of a user profile named @p name: SPEC §5's example values
 * (tcp handshake 5s, established 300s, closing 5s, time_wait 2s; udp 300s; icmp and other
 * 300s), reset-both in every state, stray drop on both sides, malformed and out_of_window
 * forward, loose_close false, no RST payload.
 */
void cfg_profile_init_defaults(struct cfg_profile *p, const char *name);

/**
 * Apply one timeline "set" to a profile. on_timeout sets the scalar and every state;
 * stray_tcp the scalar and both sides.
 */
void cfg_profile_apply_set(struct cfg_profile *p, const struct cfg_set *s);

#endif /* IDLECUT_CONFIG_H */
