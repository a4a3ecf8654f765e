package dev.tenpak.internal.plan;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.PriorityQueue;

/**
 * Chooses one option per tensor so that the total squared error is as small as it can be while the
 * total size stays within a budget: a multiple-choice knapsack, solved the way rate controllers of
 * video and image coders solve it (Shoham and Gersho's convex-hull, or Lagrangian, allocation), with
 * two refinements for budgets that fall between hull points.
 *
 * <ol>
 *   <li>Each tensor's options, as (bits, SSE) points, are sorted by bits. Points that another point
 *       beats on both counts (no more bits and no more error) are dropped; of the rest, only the
 *       lower convex hull is kept: a point above the segment joining its neighbours is never the best
 *       trade at any price per bit.
 *   <li>Every tensor starts at its smallest option. While the budget allows, the tensor whose next
 *       hull step removes the most error per added bit takes that step. Along a convex hull the gain
 *       per bit only falls, so the steps come out in order of decreasing gain across all tensors.
 *   <li>When the best step no longer fits, a fill pass spends what is left: repeatedly, of all the
 *       moves to a better (undominated) option, hull point or not, that still fit, the one with the
 *       most error removed per bit, until none fits.
 *   <li>Partial enumeration: for every tensor and each of its undominated options, the tensor is fixed
 *       there and the others are allocated by 2 and 3; the best result is kept. Between hull points
 *       the greedy can stop one step short on a large tensor (on all-MiniLM-L6-v2 at 4.25 bits per
 *       weight, the word embeddings, half the weights, stay a size too small, with 50% more total
 *       error than fixing them one size up and fitting the rest around them).
 *   <li>A guard: when every tensor has option {@code j} (a planner's tables are one column per
 *       candidate codec) and giving every tensor option {@code j} fits with less error, that
 *       allocation, filled as in 3, is taken instead, so a plan is never worse than the best single
 *       codec that fits.
 * </ol>
 *
 * <p>Optimal on the hull: after each step of phase 2 the allocation minimises
 * {@code SSE + lambda * bits} for {@code lambda} the step's gain per bit, so no allocation with at
 * most as many bits has less total error, and phases 3 to 5 find nothing better. Between hull points
 * the exact problem is NP-hard; there {@link Allocation#lowerBound()} is the linear-programming bound
 * (the last hull state plus the next step taken fractionally, up to the budget), under which no
 * allocation can go, so the distance to the optimum is known. Ties go to the lower tensor index, then
 * the earlier option, so the result depends on nothing but the table. Cost: phases 2 and 3 once per
 * (tensor, option) pair, a fraction of a second for a hundred tensors and sixteen candidates.
 */
final class RateAllocator {
    private RateAllocator() {}

    /** One way of storing one tensor: its stored size in bits and the squared error summed over its elements. */
    record Option(long bits, double sse) {}

    /** How a tensor's option was reached. */
    enum Step {
        /** its smallest option: no upgrade was worth its bits, or none fitted */
        SMALLEST,
        /** a point of its convex hull, reached in order of error removed per bit */
        HULL,
        /** an upgrade taken from the budget left when the next hull step did not fit */
        FILL,
        /** fixed at this option by the partial enumeration, with the other tensors allocated around it */
        FIXED,
        /**
         * the same option index as every other tensor (in a planner's table: one codec for all), which
         * fitted and beat phases 2 to 4 (then phase 3 ran again from it)
         */
        UNIFORM
    }

    /**
     * The choice.
     *
     * @param choice     for each tensor, the index of the chosen option in its own list
     * @param steps      for each tensor, how its option was reached
     * @param bits       total bits of the chosen options
     * @param sse        total squared error of the chosen options
     * @param lowerBound no allocation within the budget has less total squared error than this (equal to
     *                   {@code sse} when the budget reaches a hull point or covers every tensor's most
     *                   precise option)
     */
    record Allocation(int[] choice, Step[] steps, long bits, double sse, double lowerBound) {}

    /** The smallest total any allocation can have: each tensor at its smallest option. */
    static long minimumBits(List<List<Option>> tensors) {
        long sum = 0;
        for (List<Option> opts : tensors) {
            sum = Math.addExact(sum, opts.stream().mapToLong(Option::bits).min().orElseThrow());
        }
        return sum;
    }

    /**
     * Allocates within {@code budgetBits}. Every tensor needs at least one option, and
     * {@code budgetBits} must be at least {@link #minimumBits}.
     */
    static Allocation allocate(List<List<Option>> tensors, double budgetBits) {
        int n = tensors.size();
        long min = minimumBits(tensors);
        if (min > budgetBits) {
            throw new IllegalArgumentException("budget " + budgetBits + " bits is under the minimum " + min);
        }
        int[][] front = new int[n][];
        int[][] hull = new int[n][];
        for (int i = 0; i < n; i++) {
            front[i] = paretoFront(tensors.get(i));
            hull[i] = lowerHull(tensors.get(i), front[i]);
        }
        double[] bound = new double[1];
        Allocation best = greedy(tensors, front, hull, budgetBits, -1, -1, bound);
        double lowerBound = Math.min(bound[0], best.sse());
        if (best.sse() > lowerBound) {
            // phase 4: fix one tensor at one of its undominated options, allocate the rest around it
            for (int i = 0; i < n; i++) {
                for (int o : front[i]) {
                    if (o == best.choice()[i]) {
                        continue;
                    }
                    Allocation a = greedy(tensors, front, hull, budgetBits, i, o, null);
                    if (a != null && a.sse() < best.sse()) {
                        best = a;
                    }
                }
            }
        }
        // phase 5: never worse than the same option index for every tensor (one codec for all) that fits
        int columns = tensors.stream().mapToInt(List::size).min().orElse(0);
        for (int j = 0; j < columns; j++) {
            int[] col = new int[n];
            Step[] colSteps = new Step[n];
            long colBits = 0;
            for (int i = 0; i < n; i++) {
                col[i] = front(tensors.get(i), front[i], j);
                colSteps[i] = Step.UNIFORM;
                colBits += tensors.get(i).get(col[i]).bits();
            }
            if (colBits <= budgetBits && sse(tensors, col) < best.sse()) {
                colBits = fill(tensors, front, col, colSteps, colBits, budgetBits);
                best = new Allocation(col, colSteps, colBits, sse(tensors, col), 0);
            }
        }
        return new Allocation(best.choice(), best.steps(), best.bits(), best.sse(), lowerBound);
    }

    /**
     * Phases 2 and 3, with tensor {@code fixed} (unless -1) held at option {@code at}; null when that
     * does not fit. With {@code bound}, its first element receives the linear-programming lower bound
     * at the budget (only meaningful with nothing fixed).
     */
    private static Allocation greedy(
            List<List<Option>> tensors,
            int[][] front,
            int[][] hull,
            double budgetBits,
            int fixed,
            int at,
            double[] bound) {
        int n = tensors.size();
        int[] choice = new int[n];
        Step[] steps = new Step[n];
        int[] pos = new int[n]; // position on the hull
        long bits = 0;
        PriorityQueue<Move> queue = new PriorityQueue<>();
        for (int i = 0; i < n; i++) {
            if (i == fixed) {
                choice[i] = at;
                steps[i] = Step.FIXED;
            } else {
                choice[i] = hull[i][0];
                steps[i] = Step.SMALLEST;
                if (hull[i].length > 1) {
                    queue.add(Move.of(i, tensors.get(i), hull[i][0], hull[i][1]));
                }
            }
            bits += tensors.get(i).get(choice[i]).bits();
        }
        if (bits > budgetBits) {
            return null;
        }
        // phase 2: hull steps in order of error removed per bit
        while (!queue.isEmpty()) {
            Move m = queue.peek();
            if (bits + m.addedBits > budgetBits) {
                break;
            }
            queue.poll();
            bits += m.addedBits;
            choice[m.tensor] = m.to;
            steps[m.tensor] = Step.HULL;
            int p = ++pos[m.tensor];
            if (p + 1 < hull[m.tensor].length) {
                queue.add(Move.of(m.tensor, tensors.get(m.tensor), hull[m.tensor][p], hull[m.tensor][p + 1]));
            }
        }
        if (bound != null) {
            double sse = sse(tensors, choice);
            bound[0] = queue.isEmpty() ? sse : sse - queue.peek().gain() * (budgetBits - bits);
        }
        // phase 3: spend what is left on any undominated upgrade that fits, best gain per bit first
        bits = fill(tensors, front, choice, steps, bits, budgetBits, fixed);
        return new Allocation(choice, steps, bits, sse(tensors, choice), 0);
    }

    /**
     * Option {@code j} of a tensor, or the undominated option that beats it (no more bits, no more
     * error), so that every choice stays on the front.
     */
    private static int front(List<Option> opts, int[] front, int j) {
        Option o = opts.get(j);
        for (int f : front) {
            Option c = opts.get(f);
            if (c.bits() <= o.bits() && c.sse() <= o.sse()) {
                return f;
            }
        }
        return j;
    }

    private static long fill(
            List<List<Option>> tensors, int[][] front, int[] choice, Step[] steps, long bits, double budgetBits) {
        return fill(tensors, front, choice, steps, bits, budgetBits, -1);
    }

    /**
     * Phase 3 from {@code choice}: takes the best-per-bit undominated upgrade that fits until none does;
     * tensor {@code fixed} (unless -1) stays where it is.
     */
    private static long fill(
            List<List<Option>> tensors,
            int[][] front,
            int[] choice,
            Step[] steps,
            long bits,
            double budgetBits,
            int fixed) {
        int n = tensors.size();
        while (true) {
            Move best = null;
            for (int i = 0; i < n; i++) {
                if (i == fixed) {
                    continue;
                }
                List<Option> opts = tensors.get(i);
                Option cur = opts.get(choice[i]);
                for (int o : front[i]) {
                    Option cand = opts.get(o);
                    if (cand.sse() < cur.sse() && bits + (cand.bits() - cur.bits()) <= budgetBits) {
                        Move m = Move.of(i, opts, choice[i], o);
                        if (best == null || m.compareTo(best) < 0) {
                            best = m;
                        }
                    }
                }
            }
            if (best == null) {
                return bits;
            }
            bits += best.addedBits;
            choice[best.tensor] = best.to;
            steps[best.tensor] = Step.FILL;
        }
    }

    private static double sse(List<List<Option>> tensors, int[] choice) {
        double sse = 0;
        for (int i = 0; i < choice.length; i++) {
            sse += tensors.get(i).get(choice[i]).sse();
        }
        return sse;
    }

    /**
     * Indices of the undominated options, by increasing bits and strictly decreasing error. Of options
     * with equal bits and equal error the earliest stays.
     */
    static int[] paretoFront(List<Option> opts) {
        if (opts.isEmpty()) {
            throw new IllegalArgumentException("a tensor with no option");
        }
        Integer[] order = new Integer[opts.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> {
            int c = Long.compare(opts.get(a).bits(), opts.get(b).bits());
            if (c == 0) {
                c = Double.compare(opts.get(a).sse(), opts.get(b).sse());
            }
            return c != 0 ? c : Integer.compare(a, b);
        });
        List<Integer> kept = new ArrayList<>();
        double bestSse = Double.POSITIVE_INFINITY;
        for (int i : order) {
            if (opts.get(i).sse() < bestSse) {
                kept.add(i);
                bestSse = opts.get(i).sse();
            }
        }
        return kept.stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * The lower convex hull of the front (Andrew's monotone chain): a middle point is dropped when the
     * error it removes per bit is less than what the next segment removes. Collinear points stay, so
     * the greedy can stop at them.
     */
    static int[] lowerHull(List<Option> opts, int[] front) {
        int[] h = new int[front.length];
        int size = 0;
        for (int p : front) {
            while (size >= 2 && aboveChord(opts.get(h[size - 2]), opts.get(h[size - 1]), opts.get(p))) {
                size--;
            }
            h[size++] = p;
        }
        return Arrays.copyOf(h, size);
    }

    /**
     * Whether {@code b} lies strictly above the segment from {@code a} to {@code c} (all three on a
     * front: bits increasing, error decreasing): then the step a to b gains less per bit than b to c.
     */
    private static boolean aboveChord(Option a, Option b, Option c) {
        double gainAb = (a.sse() - b.sse()) * (double) (c.bits() - b.bits());
        double gainBc = (b.sse() - c.sse()) * (double) (b.bits() - a.bits());
        return gainAb < gainBc;
    }

    /** Moving one tensor from option {@code from} to {@code to}; ordered best first. */
    private record Move(int tensor, int from, int to, long addedBits, double removedSse) implements Comparable<Move> {
        static Move of(int tensor, List<Option> opts, int from, int to) {
            return new Move(
                    tensor,
                    from,
                    to,
                    opts.get(to).bits() - opts.get(from).bits(),
                    opts.get(from).sse() - opts.get(to).sse());
        }

        /** Error removed per bit; a free improvement (no bits added) comes first. */
        double gain() {
            return addedBits <= 0 ? Double.POSITIVE_INFINITY : removedSse / addedBits;
        }

        @Override
        public int compareTo(Move o) {
            int c = Double.compare(o.gain(), gain());
            if (c == 0) {
                c = Double.compare(o.removedSse, removedSse);
            }
            if (c == 0) {
                c = Integer.compare(tensor, o.tensor);
            }
            return c != 0 ? c : Integer.compare(to, o.to);
        }
    }
}
