/* test_rate_sched.c — ism_rate_sched, which of many token buckets sends next: the order it
 * hands buckets out in, waiting buckets falling due, and, in a simulated collection on a
 * simulated clock, that the bucket bounding the run keeps its pace while hundreds of others
 * compete for the same slots (a round-robin, as the collector had before, does not). */
#include "ismap/collect.h"

#include <check.h>
#include <stdlib.h>

START_TEST(most_work_first_ties_in_turn)
{
    ism_rate_sched s = {0};
    ck_assert(ism_rate_sched_set(&s, 0, 5, 10, 0, 0));   /* 0.5 s of work */
    ck_assert(ism_rate_sched_set(&s, 1, 100, 10, 0, 0)); /* 10 s: the long pole */
    ck_assert(ism_rate_sched_set(&s, 2, 50, 100, 0, 0)); /* 0.5 s, due after 0 */
    ck_assert_int_eq(ism_rate_sched_due_in(&s, 0), 0);
    ck_assert_int_eq(ism_rate_sched_next(&s, 0), 1);
    ck_assert_int_eq(ism_rate_sched_next(&s, 0), 0);
    ck_assert_int_eq(ism_rate_sched_next(&s, 0), 2);
    ck_assert_int_eq(ism_rate_sched_next(&s, 0), -1);
    ck_assert_int_eq(ism_rate_sched_due_in(&s, 0), -1);
    ism_rate_sched_free(&s);
}
END_TEST

START_TEST(waiting_buckets_fall_due)
{
    ism_rate_sched s = {0};
    ck_assert(ism_rate_sched_set(&s, 3, 10, 10, 100, 1000)); /* token at 1100 */
    ck_assert(ism_rate_sched_set(&s, 7, 1, 10, 0, 1000));    /* due now, little work */
    ck_assert_int_eq(ism_rate_sched_due_in(&s, 1000), 0);
    ck_assert_int_eq(ism_rate_sched_next(&s, 1000), 7);
    ck_assert_int_eq(ism_rate_sched_due_in(&s, 1000), 100);
    ck_assert_int_eq(ism_rate_sched_next(&s, 1099), -1);
    ck_assert_int_eq(ism_rate_sched_due_in(&s, 1099), 1);
    ck_assert_int_eq(ism_rate_sched_next(&s, 1100), 3);
    /* Two that were waiting, equal work: in the order their tokens came. */
    ck_assert(ism_rate_sched_set(&s, 1, 10, 10, 300, 2000));
    ck_assert(ism_rate_sched_set(&s, 2, 10, 10, 200, 2000));
    ck_assert_int_eq(ism_rate_sched_next(&s, 2500), 2);
    ck_assert_int_eq(ism_rate_sched_next(&s, 2500), 1);
    ism_rate_sched_free(&s);
}
END_TEST

START_TEST(set_replaces_what_was_said)
{
    ism_rate_sched s = {0};
    ck_assert(ism_rate_sched_set(&s, 0, 1, 1, 0, 0));
    ck_assert(ism_rate_sched_set(&s, 1, 2, 1, 0, 0));
    ck_assert(ism_rate_sched_set(&s, 0, 10, 1, 0, 0)); /* more queued: now the longest */
    ck_assert_int_eq(ism_rate_sched_next(&s, 0), 0);
    ck_assert(ism_rate_sched_set(&s, 1, 0, 1, 0, 0)); /* nothing queued: out */
    ck_assert_int_eq(ism_rate_sched_next(&s, 0), -1);
    ck_assert(ism_rate_sched_set(&s, 4, 5, 1, 0, 0));
    ck_assert(ism_rate_sched_set(&s, 4, 5, 1, 200, 0)); /* its token went elsewhere */
    ck_assert_int_eq(ism_rate_sched_next(&s, 0), -1);
    ck_assert_int_eq(ism_rate_sched_due_in(&s, 0), 200);
    ck_assert(!ism_rate_sched_set(&s, -1, 1, 1, 0, 0));
    ism_rate_sched_free(&s);
}
END_TEST

/* Random sets and picks against a plain model: every pick is a due bucket with the most work,
 * nothing due is missed, nothing is handed out twice. */
START_TEST(matches_a_plain_model)
{
    enum { N = 40 };
    struct {
        int queued;
        double work;
        int64_t due;
    } m[N] = {{0}};
    ism_rate_sched s = {0};
    srand(9);
    int64_t now = 0;
    for (int step = 0; step < 20000; step++) {
        now += rand() % 7;
        if (rand() % 3) {
            int id = rand() % N, q = rand() % 6;
            double rate = 1 + rand() % 20;
            int64_t wait = rand() % 2 ? 0 : rand() % 50;
            ck_assert(ism_rate_sched_set(&s, id, q, rate, wait, now));
            m[id].queued = q;
            m[id].work = q / rate;
            m[id].due = now + wait;
            continue;
        }
        double best = -1;
        for (int i = 0; i < N; i++)
            if (m[i].queued && m[i].due <= now && m[i].work > best) best = m[i].work;
        int64_t in = -1;
        for (int i = 0; i < N; i++)
            if (m[i].queued) {
                int64_t d = m[i].due > now ? m[i].due - now : 0;
                if (in < 0 || d < in) in = d;
            }
        ck_assert_int_eq(ism_rate_sched_due_in(&s, now), in);
        int got = ism_rate_sched_next(&s, now);
        if (best < 0) {
            ck_assert_int_eq(got, -1);
            continue;
        }
        ck_assert_int_ge(got, 0);
        ck_assert(m[got].queued && m[got].due <= now);
        ck_assert_double_eq(m[got].work, best);
        m[got].queued = 0;
    }
    ism_rate_sched_free(&s);
}
END_TEST

/* ---- a collection on a simulated clock --------------------------------------------------- */
/* One long pole (an account's IAM: burst 20, 10/s, 120 calls: 10 s at its rate) and 200 short
 * buckets (burst 100, 20/s, 10 calls each) share 8 slots of 30 ms: the slots are full for the
 * first ~7.5 s. Returns when the long pole's last call was sent (simulated ms). */
enum { NB = 201, SLOTS = 8, LAT = 30 };

typedef struct sim {
    ism_rate_bucket rb[NB];
    int queued[NB];
    int64_t done_at[SLOTS];
    int64_t pole_last;
    int sent;
} sim;

static void sim_init(sim *m)
{
    for (int i = 0; i < NB; i++) {
        ism_rate_bucket_init(&m->rb[i], i ? 100 : 20, i ? 20 : 10, 0);
        m->queued[i] = i ? 10 : 120;
    }
    for (int k = 0; k < SLOTS; k++)
        m->done_at[k] = -1;
    m->pole_last = -1;
    m->sent = 0;
}

static int free_slot(sim *m, int64_t now)
{
    for (int k = 0; k < SLOTS; k++)
        if (m->done_at[k] <= now) return k;
    return -1;
}

static void send_from(sim *m, int id, int slot, int64_t now)
{
    ck_assert(ism_rate_bucket_take(&m->rb[id], now, NULL));
    m->queued[id]--;
    m->done_at[slot] = now + LAT;
    if (id == 0) m->pole_last = now;
    m->sent++;
}

/* The next time anything can change: a slot frees or (given) a token comes. */
static int64_t sim_advance(sim *m, int64_t now, int64_t token_in)
{
    int64_t next = token_in >= 0 ? now + (token_in > 0 ? token_in : 1) : -1;
    for (int k = 0; k < SLOTS; k++)
        if (m->done_at[k] > now && (next < 0 || m->done_at[k] < next)) next = m->done_at[k];
    return next;
}

static int64_t simulate_sched(void)
{
    sim m;
    sim_init(&m);
    ism_rate_sched s = {0};
    for (int i = 0; i < NB; i++)
        ck_assert(ism_rate_sched_set(&s, i, m.queued[i], m.rb[i].rate, 0, 0));
    int64_t now = 0;
    while (m.sent < 120 + 200 * 10) {
        int slot;
        while ((slot = free_slot(&m, now)) >= 0) {
            int id = ism_rate_sched_next(&s, now);
            if (id < 0) break;
            send_from(&m, id, slot, now);
            int64_t wait = m.queued[id] ? ism_rate_bucket_wait(&m.rb[id], now) : 0;
            ck_assert(ism_rate_sched_set(&s, id, m.queued[id], m.rb[id].rate, wait, now));
        }
        int64_t in = ism_rate_sched_due_in(&s, now);
        now = sim_advance(&m, now, free_slot(&m, now) >= 0 ? in : -1);
        ck_assert_int_ge(now, 0);
    }
    ism_rate_sched_free(&s);
    return m.pole_last;
}

/* The same with a round-robin over the buckets: each free slot goes to the next bucket in turn
 * that has a call and a token. */
static int64_t simulate_round_robin(void)
{
    sim m;
    sim_init(&m);
    int64_t now = 0;
    int turn = 0;
    while (m.sent < 120 + 200 * 10) {
        int slot;
        while ((slot = free_slot(&m, now)) >= 0) {
            int id = -1;
            for (int k = 0; k < NB && id < 0; k++) {
                int i = (turn + k) % NB;
                if (m.queued[i] && ism_rate_bucket_wait(&m.rb[i], now) == 0) id = i;
            }
            if (id < 0) break;
            turn = id + 1;
            send_from(&m, id, slot, now);
        }
        int64_t in = -1;
        for (int i = 0; i < NB; i++)
            if (m.queued[i]) {
                int64_t w = ism_rate_bucket_wait(&m.rb[i], now);
                if (in < 0 || w < in) in = w;
            }
        now = sim_advance(&m, now, free_slot(&m, now) >= 0 ? in : -1);
        ck_assert_int_ge(now, 0);
    }
    return m.pole_last;
}

START_TEST(the_long_pole_keeps_its_pace)
{
    /* At its rate the pole's last call goes at (120 - 20) / 10 = 10 s. */
    int64_t pole = simulate_sched();
    ck_assert_int_ge(pole, 9900);
    ck_assert_int_le(pole, 10000 + 2 * LAT);
    /* A round-robin leaves it behind while the short buckets fill the slots. */
    int64_t rr = simulate_round_robin();
    ck_assert_int_gt(rr, 10000 + 1000);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("rate_sched");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, most_work_first_ties_in_turn);
    tcase_add_test(tc, waiting_buckets_fall_due);
    tcase_add_test(tc, set_replaces_what_was_said);
    tcase_add_test(tc, matches_a_plain_model);
    tcase_add_test(tc, the_long_pole_keeps_its_pace);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
