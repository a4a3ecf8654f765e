package dev.tenpak.internal.pipeline;

import dev.tenpak.codec.Codec;
import dev.tenpak.codec.Codecs;
import dev.tenpak.error.PlanMismatchException;
import dev.tenpak.report.Plan;
import dev.tenpak.report.Plan.TensorPlan;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** Chooses each tensor's codec as a plan file says. */
public final class PlanSelector {
    private PlanSelector() {}

    /**
     * The codec of each tensor as this plan says. A tensor the plan does not name, or a codec that
     * cannot hold the tensor's dtype, is a {@link PlanMismatchException}.
     */
    public static CodecSelector of(Plan plan, Path planFile) {
        Map<String, TensorPlan> byName = new HashMap<>();
        for (TensorPlan t : plan.tensors()) {
            byName.put(t.name(), t);
        }
        Map<String, Codec> codecs = new HashMap<>();
        for (TensorPlan t : plan.tensors()) {
            codecs.put(t.name(), Codecs.byName(t.codec()));
        }
        return (name, dtype, shape) -> {
            TensorPlan t = byName.get(name);
            if (t == null) {
                throw new PlanMismatchException(planFile + " has no codec for tensor '" + name + "'");
            }
            Codec c = codecs.get(name);
            if (!c.accepts(dtype)) {
                throw new PlanMismatchException(
                        planFile + ": tensor '" + name + "' is " + dtype + ", which " + c.name() + " cannot hold");
            }
            return new CodecSelector.Choice(c, "plan: " + t.reason());
        };
    }
}
