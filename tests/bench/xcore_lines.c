/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * xcore-lines: what a cache line costs when it moves between two CPUs, in TSC cycles. The
 * floor under the software handoff (README "Benchmark", several workers): a handed packet's
 * mbuf header and data line are written on the receiving core, read on the owner's, and
 * written again on the receiving core when the mbuf is reused.
 *
 * Usage: xcore-lines [CPU_A CPU_B] (default 0 1), under the benchmark lock:
 *	flock -x /tmp/idlecut-bench.lock build/tests/bench/xcore-lines
 *
 * Prints: the round trip of one line between the CPUs (ping-pong); per mbuf-like object
 * (two lines 256 bytes apart, objects 2304 bytes apart, as the mbuf header and its first
 * data line in the pool), the cost of writing both lines on A after B read them, of
 * reading them on B after A wrote them, and of reading them on A when nobody else did.
 *
 * Then the alternative handoff design, where the receiver keeps the frame: A passes a
 * one-line (64-byte) descriptor per packet to B through a single-producer/single-consumer
 * ring, 32 at a time, and B returns a 1-byte verdict per packet (32 in one line), streaming
 * with up to 64 batches in flight (2048 packets, as WORKER_HANDOFF_RING). Prints the wall
 * cycles per packet and each side's busy cycles per packet (writing and reading the lines
 * and the ring indexes, waits excluded): what such a handoff would cost each core at least.
 *
 * Thread safety: two threads of its own; nothing shared with anything else.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* pthread_setaffinity_np */
#endif
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <x86intrin.h>

#define N_OBJ 2048    /* objects per batch (4.5 MiB: beyond the L2, as a pool is) */
#define OBJ_SIZE 2304 /* an mbuf of RTE_MBUF_DEFAULT_BUF_SIZE with its header */
#define DATA_OFF 256  /* its first data line: header (128) + headroom (128) */
#define PING_PONGS 100000
#define BATCHES 2000

#define D_BATCH 32	 /* descriptors a batch */
#define D_RING 64	 /* batches in flight */
#define D_BATCHES 200000 /* batches streamed */

/* The descriptor ring: a batch is 32 one-line descriptors; its verdicts fill one line. */
struct desc {
	uint64_t w[8];
} __attribute__((aligned(64)));
static struct desc d_ring[D_RING][D_BATCH];
static uint8_t v_ring[D_RING][64] __attribute__((aligned(64)));
static volatile uint64_t d_head __attribute__((aligned(64))); /* batches A published */
static volatile uint64_t v_head __attribute__((aligned(64))); /* batches B answered */
static uint64_t d_busy_b;

static volatile uint64_t flag_a __attribute__((aligned(64)));
static volatile uint64_t flag_b __attribute__((aligned(64)));
static uint8_t *buf;
static int cpu_a, cpu_b = 1;
static uint64_t rd_cycles;

static void
pin(int cpu)
{
	cpu_set_t s;

	CPU_ZERO(&s);
	CPU_SET(cpu, &s);
	if (pthread_setaffinity_np(pthread_self(), sizeof(s), &s) != 0) {
		fprintf(stderr, "xcore-lines: cannot run on CPU %d\n", cpu);
		exit(1);
	}
}

static void *
side_b(void *arg)
{
	(void)arg;
	pin(cpu_b);
	for (uint64_t i = 1; i <= PING_PONGS; i++) {
		while (flag_a != i)
			;
		flag_b = i;
	}
	for (uint64_t it = 1; it <= BATCHES; it++) {
		uint64_t t0, s = 0;

		while (flag_a != PING_PONGS + it)
			;
		t0 = __rdtsc();
		for (unsigned int o = 0; o < N_OBJ; o++)
			s += buf[o * OBJ_SIZE] + buf[o * OBJ_SIZE + DATA_OFF];
		rd_cycles += __rdtsc() - t0 + (s == 1); /* s used: the loads stay */
		flag_b = PING_PONGS + it;
	}
	/* The descriptor handoff, B's side: read each batch's 32 lines, answer in one line. */
	while (flag_a != PING_PONGS + BATCHES + 1)
		;
	for (uint64_t k = 0; k < D_BATCHES; k++) {
		uint64_t t0, s = 0;

		while (d_head <= k)
			;
		t0 = __rdtsc();
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		for (unsigned int i = 0; i < D_BATCH; i++) {
			const struct desc *d = &d_ring[k % D_RING][i];

			s += d->w[0] ^ d->w[3] ^ d->w[7];
			v_ring[k % D_RING][i] = (uint8_t)(s & 1);
		}
		__atomic_store_n(&v_head, k + 1, __ATOMIC_RELEASE);
		d_busy_b += __rdtsc() - t0;
	}
	return NULL;
}

/* The descriptor handoff, A's side: publish batches while there is room, take verdicts. */
static void
desc_stream(uint64_t *wall, uint64_t *busy)
{
	uint64_t t_start = __rdtsc(), v = 0, s = 0;

	*busy = 0;
	for (uint64_t k = 0; k < D_BATCHES; k++) {
		uint64_t t0;

		while (k - v_head >= D_RING)
			;
		t0 = __rdtsc();
		for (unsigned int i = 0; i < D_BATCH; i++) {
			struct desc *d = &d_ring[k % D_RING][i];

			for (unsigned int w = 0; w < 8; w++)
				d->w[w] = k * 8 + w + i;
		}
		__atomic_store_n(&d_head, k + 1, __ATOMIC_RELEASE);
		/* The verdicts that are back (A's other job): one line for 32 packets. */
		for (uint64_t done = __atomic_load_n(&v_head, __ATOMIC_ACQUIRE); v < done; v++)
			for (unsigned int i = 0; i < D_BATCH; i++)
				s += v_ring[v % D_RING][i];
		*busy += __rdtsc() - t0;
	}
	while (v < D_BATCHES) {
		uint64_t t0;

		while (v_head <= v)
			;
		t0 = __rdtsc();
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		for (unsigned int i = 0; i < D_BATCH; i++)
			s += v_ring[v % D_RING][i];
		v++;
		*busy += __rdtsc() - t0;
	}
	*wall = __rdtsc() - t_start + (s == 1);
}

int
main(int argc, char **argv)
{
	uint64_t t0, pp, wr = 0, own, s = 0, d_wall, d_busy_a;
	pthread_t t;

	if (argc == 3) {
		cpu_a = atoi(argv[1]);
		cpu_b = atoi(argv[2]);
	} else if (argc != 1) {
		fprintf(stderr, "usage: xcore-lines [CPU_A CPU_B]\n");
		return 2;
	}
	buf = aligned_alloc(64, (size_t)N_OBJ * OBJ_SIZE);
	if (buf == NULL) {
		fprintf(stderr, "xcore-lines: out of memory\n");
		return 1;
	}
	memset(buf, 0, (size_t)N_OBJ * OBJ_SIZE);
	if (pthread_create(&t, NULL, side_b, NULL) != 0) {
		fprintf(stderr, "xcore-lines: cannot start a thread\n");
		return 1;
	}
	pin(cpu_a);
	t0 = __rdtsc();
	for (uint64_t i = 1; i <= PING_PONGS; i++) {
		flag_a = i;
		while (flag_b != i)
			;
	}
	pp = __rdtsc() - t0;
	for (uint64_t it = 1; it <= BATCHES; it++) {
		uint64_t t1 = __rdtsc();

		for (unsigned int o = 0; o < N_OBJ; o++) {
			buf[o * OBJ_SIZE] = (uint8_t)it;
			buf[o * OBJ_SIZE + DATA_OFF] = (uint8_t)it;
		}
		_mm_sfence();
		wr += __rdtsc() - t1;
		flag_a = PING_PONGS + it;
		while (flag_b != PING_PONGS + it)
			;
	}
	flag_a = PING_PONGS + BATCHES + 1;
	desc_stream(&d_wall, &d_busy_a);
	pthread_join(t, NULL);
	t0 = __rdtsc();
	for (unsigned int it = 0; it < BATCHES; it++)
		for (unsigned int o = 0; o < N_OBJ; o++)
			s += buf[o * OBJ_SIZE] + buf[o * OBJ_SIZE + DATA_OFF];
	own = __rdtsc() - t0;
	printf("CPUs %d and %d, TSC cycles:\n", cpu_a, cpu_b);
	printf("  one line, round trip (ping-pong):            %8.0f\n", (double)pp / PING_PONGS);
	printf("  2 lines an object, written on A after B read: %8.1f an object\n",
	       (double)wr / BATCHES / N_OBJ);
	printf("  2 lines an object, read on B after A wrote:   %8.1f an object\n",
	       (double)rd_cycles / BATCHES / N_OBJ);
	printf("  2 lines an object, read on A, nobody else:    %8.1f an object%s\n",
	       (double)own / BATCHES / N_OBJ, s == 1 ? " " : "");
	printf("  descriptor handoff (one 64-byte line A->B a packet, 1-byte verdict back, %u a\n"
	       "  batch, %u batches in flight): %.1f a packet wall; busy on A %.1f, on B %.1f\n",
	       D_BATCH, D_RING, (double)d_wall / D_BATCHES / D_BATCH,
	       (double)d_busy_a / D_BATCHES / D_BATCH, (double)d_busy_b / D_BATCHES / D_BATCH);
	free(buf);
	return 0;
}
