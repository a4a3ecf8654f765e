package dev.tenpak.internal.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tenpak.internal.plan.RateAllocator.Allocation;
import dev.tenpak.internal.plan.RateAllocator.Option;
import dev.tenpak.internal.plan.RateAllocator.Step;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.assertj.core.data.Offset;
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
     * Between hull points the greedy can stop short: a cheap high-gain step (tensor 0) leaves too little
     * for the big one (tensor 1). Fixing tensor 0 at its smallest and allocating around it finds the
     * optimum; the lower bound is the next hull step taken fractionally.
     */
    @Test
    void partialEnumerationRecoversWhatTheGreedyLeavesBetweenHullPoints() {
        List<List<Option>> t = List.of(List.of(o(0, 100), o(10, 80)), List.of(o(100, 820), o(0, 1000)));
        Allocation a = RateAllocator.allocate(t, 100);
        assertThat(a.choice()).containsExactly(0, 0);
        assertThat(a.steps()).containsExactly(Step.FIXED, Step.HULL);
        assertThat(a.sse()).isEqualTo(920).isEqualTo(exhaustive(t, 100));
        // greedy: 1080 after the first step with 90 bits left; the next step removes 1.8 per bit
        assertThat(a.lowerBound()).isCloseTo(1080 - 1.8 * 90, Offset.offset(1e-9));
        // with 10 more bits both steps fit: a hull point, where the bound is the result
        Allocation b = RateAllocator.allocate(t, 110);
        assertThat(b.choice()).containsExactly(1, 0);
        assertThat(b.sse()).isEqualTo(900).isEqualTo(b.lowerBound());
    }

    /** One codec for every tensor (one column of the table) is never better than the allocation. */
    @Test
    void neverWorseThanTheSameOptionForEveryTensorWhenThatFits() {
        List<List<Option>> t = List.of(
                List.of(o(0, 100), o(10, 80)), List.of(o(100, 820), o(0, 1000)), List.of(o(100, 820), o(0, 1000)));
        Allocation a = RateAllocator.allocate(t, 200);
        assertThat(a.sse()).isEqualTo(1740).isEqualTo(exhaustive(t, 200));
        assertThat(a.bits()).isEqualTo(200);
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
     * Random tables against exhaustive search, at every budget from the minimum to the maximum: the
     * result fits, is never below the optimum, never above a single column that fits; the lower bound
     * is never above the optimum; and where the result meets its bound (the hull points, among others)
     * it is the optimum.
     */
    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
    void matchesExhaustiveSearchWhereverItMeetsItsBound(long stream) {
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
        int columns = t.stream().mapToInt(List::size).min().orElseThrow();
        int budgets = 0;
        int proven = 0;
        int above = 0;
        double worstGap = 0;
        for (long b = min; b <= max; b += 8, budgets++) {
            Allocation a = RateAllocator.allocate(t, b);
            double best = exhaustive(t, b);
            assertThat(a.bits()).isLessThanOrEqualTo(b);
            assertThat(a.sse()).as("budget %d", b).isGreaterThanOrEqualTo(best - 1e-9);
            assertThat(a.lowerBound()).as("bound at %d", b).isLessThanOrEqualTo(best + 1e-9);
            if (a.sse() <= a.lowerBound() + 1e-9) {
                proven++;
                assertThat(a.sse()).as("proven optimal at %d", b).isCloseTo(best, Offset.offset(1e-9));
            }
            if (a.sse() > best + 1e-9) {
                above++;
                worstGap = Math.max(worstGap, a.sse() / best - 1);
            }
            for (int j = 0; j < columns; j++) {
                long bits = 0;
                double sse = 0;
                for (List<Option> opts : t) {
                    bits += opts.get(j).bits();
                    sse += opts.get(j).sse();
                }
                if (bits <= b) {
                    assertThat(a.sse()).as("column %d at %d", j, b).isLessThanOrEqualTo(sse);
                }
            }
        }
        System.out.printf(
                "table %d: %d tensors, %d budgets: %d proven optimal by the bound, %d above the optimum "
                        + "(worst by %.1f%%)%n",
                stream, n, budgets, proven, above, 100 * worstGap);
        assertThat(proven).isGreaterThanOrEqualTo(1);
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
