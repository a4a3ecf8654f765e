package dev.tenpak.internal.codec.kquant;

/**
 * The fixed grids (tables of levels) of the {@link KQuantCodec}s. They are part of the format:
 * a codec name fixes its table, and changing a value needs a new codec name.
 *
 * <p>{@link #UNIFORM_4} is the 16 integers {@code -8..7} (ggml Q4_0's levels). The {@code GAUSS_b}
 * tables are non-uniform grids in the IQ4_NL/NF4 class, fitted once without any model's weights:
 * Lloyd iterations (20 rounds, from evenly spaced levels on {@code [-1, 1)}) over 40,000 blocks of
 * 16 standard-normal samples (numpy {@code default_rng(7)}), each round quantizing every block with
 * the scale search of {@link dev.tenpak.internal.kernel.GridQuantizer} (then with 21 trial scales 2%
 * apart per grid end; the codecs now try 9, 5% apart), moving every level to the
 * mean of the normalised values assigned to it, and rescaling so the first level is -1; then
 * rounded to 6 decimals. {@code tenpak-bench/src/main/python/kquant_grids.py} reproduces them.
 * The levels are denser near 0 and asymmetric (the search maps each block's largest magnitude to
 * the -1 end or the shorter positive end, whichever fits better).
 */
final class Grids {
    private Grids() {}

    /** The integers -8..7. */
    static final float[] UNIFORM_4 = {-8, -7, -6, -5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5, 6, 7};

    /** 4 levels fitted to Gaussian blocks of 16 (see the class comment). */
    static final float[] GAUSS_2 = {-1.000000f, -0.360791f, 0.123390f, 0.659103f};

    /** 8 levels fitted to Gaussian blocks of 16 (see the class comment). */
    static final float[] GAUSS_3 = {
        -1.000000f, -0.650002f, -0.388899f, -0.173770f, 0.019362f, 0.207386f, 0.424409f, 0.722131f
    };

    /** 16 levels fitted to Gaussian blocks of 16 (see the class comment). */
    static final float[] GAUSS_4 = {
        -1.000000f,
        -0.799755f,
        -0.652748f,
        -0.530323f,
        -0.415281f,
        -0.301155f,
        -0.190159f,
        -0.082674f,
        0.019246f,
        0.114250f,
        0.207016f,
        0.308453f,
        0.419685f,
        0.540450f,
        0.679631f,
        0.849900f
    };

    /** 32 levels fitted to Gaussian blocks of 16 (see the class comment). */
    static final float[] GAUSS_5 = {
        -1.000000f,
        -0.926234f,
        -0.845733f,
        -0.773429f,
        -0.700793f,
        -0.636417f,
        -0.574910f,
        -0.515617f,
        -0.459932f,
        -0.402549f,
        -0.343183f,
        -0.283646f,
        -0.226255f,
        -0.170714f,
        -0.118749f,
        -0.067368f,
        -0.013166f,
        0.043244f,
        0.103004f,
        0.164478f,
        0.226511f,
        0.286852f,
        0.344173f,
        0.401658f,
        0.460607f,
        0.521579f,
        0.581455f,
        0.639657f,
        0.697054f,
        0.754338f,
        0.818282f,
        0.894200f
    };

    /** 64 levels fitted to Gaussian blocks of 16 (see the class comment). */
    static final float[] GAUSS_6 = {
        -1.000000f,
        -0.959671f,
        -0.926237f,
        -0.889461f,
        -0.853409f,
        -0.818545f,
        -0.786062f,
        -0.751269f,
        -0.720732f,
        -0.690881f,
        -0.662199f,
        -0.633358f,
        -0.603211f,
        -0.573837f,
        -0.545449f,
        -0.515742f,
        -0.486594f,
        -0.456780f,
        -0.425816f,
        -0.394336f,
        -0.360646f,
        -0.329301f,
        -0.298751f,
        -0.268603f,
        -0.239103f,
        -0.210929f,
        -0.182724f,
        -0.153965f,
        -0.123518f,
        -0.093647f,
        -0.064713f,
        -0.035349f,
        -0.006710f,
        0.021719f,
        0.051264f,
        0.082746f,
        0.114031f,
        0.145058f,
        0.177047f,
        0.210865f,
        0.243419f,
        0.274993f,
        0.305030f,
        0.334474f,
        0.363604f,
        0.391848f,
        0.420366f,
        0.449490f,
        0.480087f,
        0.511212f,
        0.542464f,
        0.575113f,
        0.605113f,
        0.635570f,
        0.666380f,
        0.698225f,
        0.730461f,
        0.762036f,
        0.792691f,
        0.824501f,
        0.855411f,
        0.883569f,
        0.915639f,
        0.955106f
    };
}
