package dev.tenpak.error;

/**
 * No candidate codec meets an error budget, and the caller asked for that to be a failure
 * ({@code plan --fail-over-budget}): the CLI exits with {@link #EXIT_BUDGET}. Names the budget and
 * the lowest error any candidate reached, so a user can see how far off the budget is.
 */
public class BudgetExceededException extends TenpakException {
    private final double budget;
    private final double best;

    public BudgetExceededException(String message, double budget, double best) {
        super(message);
        this.budget = budget;
        this.best = best;
    }

    /** The budget (a mean absolute error) that was not met. */
    public double budget() {
        return budget;
    }

    /** The lowest mean absolute error among the candidates (per tensor: the worst such tensor's). */
    public double best() {
        return best;
    }

    @Override
    public int exitCode() {
        return EXIT_BUDGET;
    }
}
