package dev.tenpak.error;

/**
 * A plan's budget cannot be met: no candidate codec meets an error budget and the caller asked for
 * that to be a failure ({@code plan --fail-over-budget}), or even the smallest codec of every tensor
 * is over a size budget ({@code plan --max-bits-per-weight}). The CLI exits with
 * {@link #EXIT_BUDGET}. Names the budget and the best figure any choice reached, so a user can see how
 * far off the budget is.
 */
public class BudgetExceededException extends TenpakException {
    private final double budget;
    private final double best;

    public BudgetExceededException(String message, double budget, double best) {
        super(message);
        this.budget = budget;
        this.best = best;
    }

    /** The budget that was not met: a mean absolute error, or bits per weight for a size budget. */
    public double budget() {
        return budget;
    }

    /**
     * The best any choice reached: the lowest mean absolute error among the candidates (per tensor: the
     * worst such tensor's), or for a size budget the smallest achievable bits per weight.
     */
    public double best() {
        return best;
    }

    @Override
    public int exitCode() {
        return EXIT_BUDGET;
    }
}
