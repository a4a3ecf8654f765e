package dev.tenpak.internal.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tenpak.internal.plan.RateAllocator.Allocation;
import dev.tenpak.internal.plan.RateAllocator.Option;
import dev.tenpak.internal.plan.RateAllocator.Step;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The convex-hull allocator on option tables built by hand, and against exhaustive search. */
class RateAllocatorTest {

    private static Option o(long bits, double sse) {
        return new Option(bits, sse);
    }

    @Test
    void aBudgetExactlyAtAHullPointTakesThatPoint() {
        // tensor 0: 100 -> 200 bits removes 90 (0.9 per bit); tensor 1: 100 -> 300 removes 40 (0.2 per bit)
        List<List<Option>> t = List.of(List.of(o(100, 100), o(200, 10)), List.of(o(100, 50), o(300, 10)));
        Allocation a = RateAllocator.allocate(t, 300);
        assertThat(a.choice()).containsExactly(1, 0);
        assertThat(a.bits()).isEqualTo(300);
        assertThat(a.sse()).isEqualTo(60);
        assertThat(a.steps()).containsExactly(Step.HULL, Step.SMALLEST);
        Allocation all = RateAllocator.allocate(t, 500);
        assertThat(all.choice()).containsExactly(1, 1);
        assertThat(all.bits()).isEqualTo(500);
        assertThat(all.sse()).isEqualTo(20);
        // one bit short of the last hull point: the point below
        assertThat(RateAllocator.allocate(t, 499).choice()).containsExactly(1, 0);
    }

    @Test
    void theMinimumIsEachTensorsSmallestOptionAndABudgetUnderItIsRefused() {
        List<List<Option>> t = List.of(List.of(o(400, 1), o(160, 9)), List.of(o(80, 3)));
        assertThat(RateAllocator.minimumBits(t)).isEqualTo(240);
        Allocation a = RateAllocator.allocate(t, 240);
        assertThat(a.choice()).containsExactly(1, 0);
        assertThat(a.steps()).containsExactly(Step.SMALLEST, Step.SMALLEST);
        assertThatThrownBy(() -> RateAllocator.allocate(t, 239.9))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("minimum 240");
    }

    @Test
    void pointsAboveTheHullAreSkippedByTheGreedyAndUsedOnlyToFillWhatIsLeft() {
        // (150, 90) removes 0.2 per bit, but going on to (200, 10) removes 1.6: it is above the chord
        List<Option> opts = List.of(o(100, 100), o(150, 90), o(200, 10));
        int[] front = RateAllocator.paretoFront(opts);
        assertThat(front).containsExactly(0, 1, 2);
        assertThat(RateAllocator.lowerHull(opts, front)).containsExactly(0, 2);

        Allocation at200 = RateAllocator.allocate(List.of(opts), 200);
        assertThat(at200.choice()).containsExactly(2);
        assertThat(at200.steps()).containsExactly(Step.HULL);
        // (200, 10) does not fit; the hull holds nothing between, so the fill pass takes (150, 90)
        Allocation at170 = RateAllocator.allocate(List.of(opts), 170);
        assertThat(at170.choice()).containsExactly(1);
        assertThat(at170.steps()).containsExactly(Step.FILL);
    }

    @Test
    void dominatedOptionsNeverWinAndCollinearOnesStay() {
        List<Option> opts = List.of(o(300, 50), o(100, 100), o(200, 75), o(300, 40), o(250, 90), o(300, 50));
        // (250, 90) is beaten by (200, 75); (300, 50) by (300, 40)
        int[] front = RateAllocator.paretoFront(opts);
        assertThat(front).containsExactly(1, 2, 3);
        // 100->200 removes 25 per 100 bits, 200->300 removes 35: (200, 75) is above the chord
        assertThat(RateAllocator.lowerHull(opts, front)).containsExactly(1, 3);
        List<Option> line = List.of(o(100, 30), o(200, 20), o(300, 10));
        assertThat(RateAllocator.lowerHull(line, RateAllocator.paretoFront(line)))
                .containsExactly(0, 1, 2);
        assertThat(RateAllocator.allocate(List.of(line), 200).choice()).containsExactly(1);
    }

    @Test
    void tiesGoToTheLowerTensorThenTheEarlierOption() {
        // two identical tensors, room for one upgrade: the first tensor gets it
        List<Option> same = List.of(o(100, 100), o(200, 10));
        Allocation a = RateAllocator.allocate(List.of(same, same), 300);
        assertThat(a.choice()).containsExactly(1, 0);
        // equal bits and error under two codecs: the earlier one stands
        List<Option> twins = List.of(o(100, 5), o(100, 5), o(50, 9));
        assertThat(RateAllocator.paretoFront(twins)).containsExactly(2, 0);
        assertThat(RateAllocator.allocate(List.of(twins), 1000).choice()).containsExactly(0);
    }

    /**
     * Between hull points the greedy can lose to one codec for every tensor: a cheap high-gain step
     * (tensor 0) leaves too little for the big one (tensor 1). The guard takes the column instead.
     */
    @Test
    void neverWorseThanTheSameOptionForEveryTensorWhenThatFits() {
        List<List<Option>> t = List.of(List.of(o(0, 100), o(10, 80)), List.of(o(100, 820), o(0, 1000)));
        Allocation a = RateAllocator.allocate(t, 100);
        assertThat(a.choice()).containsExactly(0, 0);
        assertThat(a.steps()).containsExactly(Step.UNIFORM, Step.UNIFORM);
        assertThat(a.sse()).isEqualTo(920).isEqualTo(exhaustive(t, 100));
        // with 10 more bits the column is filled too
        Allocation b = RateAllocator.allocate(t, 110);
        assertThat(b.choice()).containsExactly(1, 0);
        assertThat(b.sse()).isEqualTo(900);
    }

    @Test
    void aTensorWithOneOptionStaysThereAndCountsAtItsSize() {
        // a non-float tensor: every candidate stores it the same way
        List<List<Option>> t = List.of(List.of(o(640, 0), o(640, 0)), List.of(o(100, 100), o(200, 10)));
        Allocation a = RateAllocator.allocate(t, 840);
        assertThat(a.choice()).containsExactly(0, 1);
        assertThat(a.bits()).isEqualTo(840);
        assertThat(a.steps()[0]).isEqualTo(Step.SMALLEST);
    }

    /**
     * Random tables against exhaustive search: at every budget the result fits; at each total the greedy
     * passes through (a hull point) it is exactly optimal; elsewhere it lies between the optimum and the
     * hull point below.
     */
    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
    void matchesExhaustiveSearchAtHullPointsAndStaysWithinOneStepBetween(long stream) {
        SplittableRandom rnd = new SplittableRandom(0x5EA7_0000L + stream);
        int n = 2 + rnd.nextInt(4);
        List<List<Option>> t = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int k = 1 + rnd.nextInt(5);
            List<Option> opts = new ArrayList<>();
            for (int j = 0; j < k; j++) {
                long bits = 8L * (1 + rnd.nextInt(40));
                // error falls with bits, with noise so that some points are off the hull or dominated
                opts.add(o(bits, Math.round(10_000.0 / bits * (0.5 + rnd.nextDouble()))));
            }
            t.add(opts);
        }
        long min = RateAllocator.minimumBits(t);
        long max = 0;
        for (List<Option> opts : t) {
            max += opts.stream().mapToLong(Option::bits).max().orElseThrow();
        }
        // the totals the greedy passes through: run it at every budget and keep those it ends at exactly
        TreeSet<Long> hullTotals = new TreeSet<>();
        for (long b = min; b <= max; b += 8) {
            Allocation a = RateAllocator.allocate(t, b);
            double best = exhaustive(t, b);
            assertThat(a.bits()).isLessThanOrEqualTo(b);
            assertThat(a.sse()).as("budget %d", b).isGreaterThanOrEqualTo(best - 1e-9);
            boolean onHull = true;
            for (Step s : a.steps()) {
                onHull &= s == Step.SMALLEST || s == Step.HULL;
            }
            if (onHull) {
                hullTotals.add(a.bits());
            }
        }
        for (long total : hullTotals) {
            Allocation a = RateAllocator.allocate(t, total);
            assertThat(a.sse()).as("hull total %d", total).isEqualTo(exhaustive(t, total));
        }
        for (long b = min; b <= max; b += 8) {
            Allocation a = RateAllocator.allocate(t, b);
            long below = hullTotals.floor(b);
            assertThat(a.sse())
                    .isLessThanOrEqualTo(RateAllocator.allocate(t, below).sse());
        }
    }

    /** The least total error of any choice within {@code budget}, by trying them all. */
    private static double exhaustive(List<List<Option>> t, long budget) {
        return search(t, 0, 0, 0, budget);
    }

    private static double search(List<List<Option>> t, int i, long bits, double sse, long budget) {
        if (bits > budget) {
            return Double.POSITIVE_INFINITY;
        }
        if (i == t.size()) {
            return sse;
        }
        double best = Double.POSITIVE_INFINITY;
        for (Option o : t.get(i)) {
            best = Math.min(best, search(t, i + 1, bits + o.bits(), sse + o.sse(), budget));
        }
        return best;
    }
}
