package demo;

import dev.tenpak.Tenpak;
import dev.tenpak.tensor.Artifact;
import dev.tenpak.tensor.Tensor;

/** What a service does at run time: open the model its build packed into the jar and use its tensors. */
public final class ModelService implements AutoCloseable {
    private final Artifact model;

    public ModelService(String resource) {
        model = Tenpak.openResource(resource);
    }

    public float[] weights(String tensor) {
        return model.read(tensor).toFloatArray();
    }

    public Artifact artifact() {
        return model;
    }

    @Override
    public void close() {
        model.close();
    }

    public static void main(String[] args) {
        try (ModelService s = new ModelService("models/encoder.tenpak")) {
            Tensor w = s.model.read("encoder.weight");
            System.out.println(w.name() + " " + w.shape() + " first value " + w.getFloat(0));
        }
    }
}
