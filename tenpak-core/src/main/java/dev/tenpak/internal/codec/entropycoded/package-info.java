/**
 * The entropy-coded uniform quantizers {@code ecq1_v1} to {@code ecq8_v1}: one step per tensor,
 * integer codes, and the codes' symbols coded by {@code internal.entropy}'s plane coder in
 * independent blocks. Storage codecs: the payload size depends on the values, and decoding runs at
 * the entropy decoder's speed, not at a packed-integer kernel's.
 *
 * <p>May import: the API packages below {@code options}, and the layers below them; never another
 * codec family. docs/ARCHITECTURE.md draws the layers; {@code ArchitectureTest} checks them.
 */
package dev.tenpak.internal.codec.entropycoded;
